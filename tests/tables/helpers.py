"""Fake run results written with bench.results.write_result (no model runs, no dataset)."""
from __future__ import annotations

from pathlib import Path

from bench.results import result_path, write_result

DATASET = {"name": "synthetic-gen3dhf", "label": "Synthetic Gen3DHF stand-in (tiny)", "hash": "d" * 64,
           "synthetic": True, "root": "/tmp/x"}
SPLIT = {"name": "kfold-2-seed0", "hash": "s" * 64, "file": "/tmp/x/split.json", "n_folds": 2}

# model -> per-fold quality/authenticity (srcc, plcc, plcc_logistic, krcc)
SCORES = {
    "brisque": [(0.10, 0.12, 0.15, 0.07), (0.14, 0.16, 0.19, 0.09)],
    "resnet18": [(0.70, 0.72, 0.75, 0.52), (0.74, 0.78, 0.80, 0.56)],
    "lmme3dhf": [(0.80, 0.83, 0.84, 0.61), (0.84, 0.85, 0.88, 0.65)],
}
FAMILIES = {"brisque": "handcrafted_iqa", "resnet18": "deep_iqa", "lmme3dhf": "lmme3dhf", "dover": "deep_vqa",
            "sun": "classic_saliency", "qwen2_vl": "lmm"}
ROWS = {"brisque": "BRISQUE [51]", "resnet18": "ResNet-18 [19]", "lmme3dhf": "LMME3DHF (Ours)",
        "dover": "DOVER [72]", "sun": "SUN [81]", "qwen2_vl": "Qwen2-VL (7B) [70]"}
FAIL_REASON = "weights not found at /nonexistent/dover_weights.pth: put the DOVER checkpoint there (50% done)"


def base(model: str, fold: int, dataset=DATASET, split=SPLIT, profile="quick") -> dict:
    return {"model": model, "registry_name": model, "family": FAMILIES[model], "paper_row": ROWS[model],
            "config": {"weights": "random-init"} if model == "resnet18" else {}, "higher_is_better": True,
            "tasks": [], "dataset": dict(dataset), "split": {**split, "fold": fold}, "profile": profile,
            "settings": {}, "seed": 0, "device": "cpu", "versions": {}, "status": "ok", "reason": None,
            "metrics": {}, "failed_samples": {}, "created": "2026-01-01T00:00:00Z"}


def corr(values) -> dict:
    srcc, plcc, plcc_log, krcc = values
    return {"srcc": srcc, "plcc": plcc, "plcc_logistic": plcc_log, "krcc": krcc, "rmse": 5.0, "n": 10}


def write_fake_run(out: Path, dataset=DATASET, split=SPLIT, profile="quick", with_failed=True) -> Path:
    """brisque, resnet18, lmme3dhf (2 folds, quality+authenticity; lmme3dhf also distortion and
    saliency), sun (saliency), qwen2_vl (distortion accuracy), and dover failing in both folds."""
    for fold in range(2):
        for model, folds in SCORES.items():
            rec = base(model, fold, dataset, split, profile)
            auth = tuple(v - 0.01 for v in folds[fold])
            rec["tasks"] = ["authenticity", "quality"]
            rec["metrics"] = {"quality": corr(folds[fold]), "authenticity": corr(auth)}
            if model == "lmme3dhf":
                rec["tasks"] += ["distortion", "saliency"]
                rec["metrics"]["distortion"] = {"accuracy": 0.50 + 0.02 * fold}
                rec["metrics"]["saliency"] = {"auc_judd": 0.80, "auc_borji": 0.78, "nss": 3.0, "cc": 0.4,
                                              "sim": 0.3, "kld": 2.0}
            write_result(result_path(out, model, fold), rec)
        rec = base("sun", fold, dataset, split, profile)
        rec["tasks"] = ["saliency"]
        rec["metrics"] = {"saliency": {"auc_judd": 0.60 + 0.01 * fold, "auc_borji": 0.58, "nss": 0.7, "cc": 0.04,
                                       "sim": 0.02, "kld": 4.6}}
        write_result(result_path(out, "sun", fold), rec)
        rec = base("qwen2_vl", fold, dataset, split, profile)
        rec["tasks"] = ["authenticity", "distortion", "quality"]
        rec["metrics"] = {"distortion": {"accuracy": 0.20}}  # scores missing: shown as '—'
        write_result(result_path(out, "qwen2_vl", fold), rec)
        if with_failed:
            rec = base("dover", fold, dataset, split, profile)
            rec["tasks"] = ["authenticity", "quality"]
            rec.update(status="unavailable", reason=FAIL_REASON)
            write_result(result_path(out, "dover", fold), rec)
    return out
