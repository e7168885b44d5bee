"""`bench run`: every model x every fold -> fit, predict, score, save. Crash-safe and resumable.

- One failing model, fold or sample never stops the run: exceptions and NaN outputs are recorded
  with their reason (`status` "failed" / "unavailable", `failed_samples`).
- Each (model, fold) result is one atomically written file; a rerun skips every finished "ok"
  result, so a run killed at any moment (kill -9 included) loses nothing it had finished.
- The dataset's `FrameCache` is shared by all models and folds: each video decodes once per
  frame selection while it fits in the cache.
"""
from __future__ import annotations

import json
import math
import platform
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from bench.data.dataset import Dataset
from bench.data.splits import save_split, split_hash
from bench.errors import BenchError
from bench.io import atomic_write_bytes, atomic_write_json
from bench.models.base import Model, Prediction, RunContext
from bench.models.registry import create_model, get_entry
from bench.results import predictions_path, read_result, result_path, write_result
from bench.scoring import score_predictions


@dataclass
class RunConfig:
    out_dir: Path
    profile: str = "quick"
    settings: dict = field(default_factory=dict)
    device: str = "cpu"
    seed: int = 0
    model_config: dict = field(default_factory=dict)  # overrides applied to every model that accepts them
    save_maps: bool = True
    save_models: bool = False  # fitted models of trainable baselines, per fold (`--save-models`)
    progress: bool = True


@dataclass
class Outcome:
    model: str
    fold: int
    status: str
    reason: Optional[str] = None
    metrics: dict = field(default_factory=dict)
    skipped: bool = False  # finished in an earlier run


def package_versions() -> dict:
    import importlib.metadata as md

    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in ("gen3dhf-bench", "numpy", "scipy", "opencv-python-headless", "av", "scikit-learn",
                "torch", "torchvision", "transformers", "peft", "timm"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def run_benchmark(dataset: Dataset, split: dict, model_names: Sequence[str], cfg: RunConfig,
                  explicit: bool = False) -> list[Outcome]:
    """Run `model_names` over every fold of `split`; returns one Outcome per (model, fold)."""
    from tqdm.auto import tqdm

    out_dir = Path(cfg.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_split(split, out_dir / "split.json")
    shash, dhash = split_hash(split), dataset.content_hash()
    common = {
        "dataset": {"name": dataset.name, "label": dataset.label, "hash": dhash,
                    "synthetic": dataset.synthetic, "root": str(dataset.root)},
        "profile": cfg.profile, "settings": cfg.settings, "seed": cfg.seed, "device": cfg.device,
        "versions": package_versions(),
    }
    atomic_write_json(out_dir / "run.json", {**common, "split": {"name": split["name"], "hash": shash},
                                             "models": list(model_names), "explicit": explicit})
    by_id = dataset.by_id()
    outcomes: list[Outcome] = []
    n_folds = len(split["folds"])
    for name in model_names:
        overrides = _accepted(get_entry(name).cls, cfg.model_config)
        label = run_label(name, overrides)
        memo: dict = {}  # shared by this model's folds (RunContext.memo)
        bar = tqdm(range(n_folds), desc=f"{label:>14}", unit="fold", disable=not cfg.progress, leave=True)
        for fold in bar:
            path = result_path(out_dir, label, fold)
            old = _safe_read(path)
            if old is not None and old.get("status") == "ok" and old["split"]["hash"] == shash \
                    and old["dataset"]["hash"] == dhash:
                outcomes.append(Outcome(label, fold, "ok", metrics=old.get("metrics", {}), skipped=True))
                continue
            split_info = {"name": split["name"], "hash": shash, "file": str(out_dir / "split.json"),
                          "fold": fold, "n_folds": n_folds}
            train = [by_id[i] for i in split["folds"][fold]["train"]]
            test = [by_id[i] for i in split["folds"][fold]["test"]]
            record = _run_one(name, label, overrides, fold, train, test, cfg, out_dir, bar, memo)
            record.update(common, split=split_info)
            write_result(path, record)
            outcomes.append(Outcome(label, fold, record["status"], record.get("reason"), record.get("metrics", {})))
            bar.set_postfix_str(record["status"])
    return outcomes


def _safe_read(path: Path) -> Optional[dict]:
    try:
        return read_result(path)
    except BenchError:
        return None  # a corrupt file is recomputed (atomic writes make this a foreign file, not ours)


def run_label(name: str, overrides: dict) -> str:
    """Where a model's results go and how tables name it: `brisque`, or `brisque@mode=svr` when the run
    overrides its configuration (so the two modes never overwrite or mix with each other)."""
    if not overrides:
        return name
    return name + "@" + ",".join(f"{k}={overrides[k]}" for k in sorted(overrides))


def _run_one(name: str, label: str, overrides: dict, fold: int, train: list, test: list, cfg: RunConfig,
             out_dir: Path, bar, memo: dict) -> dict:
    entry = get_entry(name)
    record = {"model": label, "registry_name": name, "family": entry.cls.family, "paper_row": entry.cls.paper_row,
              "tasks": sorted(entry.cls.tasks), "n_train": len(train), "n_test": len(test),
              "status": "failed", "reason": None, "metrics": {}, "failed_samples": {}, "timing": {},
              "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    config = dict(entry.defaults)
    try:
        model = create_model(name, **overrides)
        config = model.config
        record["config"] = config
        record["higher_is_better"] = bool(model.higher_is_better)
        ok, why = type(model).availability(config)
        if not ok:
            record.update(status="unavailable", reason=why)
            return record
        context = RunContext(profile=cfg.profile, device=cfg.device, seed=cfg.seed,
                             work_dir=out_dir / label / f"fold-{fold}.work", settings=cfg.settings,
                             progress=cfg.progress, memo=memo)
        t0 = time.perf_counter()
        if model.trainable:
            bar.set_postfix_str("fit")
            model.fit(train, context)
        else:
            model.context = context
        t1 = time.perf_counter()
        if model.trainable and cfg.save_models:
            # what this fold learned, for `bench predict --checkpoint` on new files
            model.save_checkpoint(out_dir / label / f"fold-{fold}.model.joblib")
        bar.set_postfix_str("predict")
        preds, failures, first_tb = predict_isolated(model, test, progress=cfg.progress)
        t2 = time.perf_counter()
        record["timing"] = {"fit_s": round(t1 - t0, 3), "predict_s": round(t2 - t1, 3)}
        record["failed_samples"] = failures
        if first_tb:
            record["traceback"] = first_tb
        _save_predictions(out_dir, label, fold, test, preds, cfg.save_maps)
        good = [(s, p) for s, p in zip(test, preds) if p is not None]
        if not good:
            record["reason"] = f"every test sample failed, e.g. {next(iter(failures.values()), '?')}"
            return record
        record["metrics"] = score_predictions([s for s, _ in good], [p for _, p in good], model)
        record["status"] = "ok"
        if not record["metrics"]:
            record["reason"] = "nothing to score: the test fold lacks labels for the model's tasks or has < 3 samples"
        if failures:
            record["reason"] = f"{len(failures)} of {len(test)} test samples failed and were left out"
    except Exception as exc:  # noqa: BLE001 - isolation is the point: record, go on
        record["reason"] = f"{type(exc).__name__}: {exc}"
        record["traceback"] = traceback.format_exc(limit=8)
        record.setdefault("config", config)
    return record


def _accepted(cls, overrides: dict) -> dict:
    """The subset of global --set overrides this model's __init__ accepts."""
    import inspect

    if not overrides:
        return {}
    params = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        sig = inspect.signature(init)
        params.update(sig.parameters)
        if not any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
            break
    return {k: v for k, v in overrides.items() if k in params}


def predict_isolated(model: Model, samples: Sequence,
                     progress: bool = False) -> tuple[list[Optional[Prediction]], dict, Optional[str]]:
    """Predict in batches; a batch that raises is retried sample by sample; bad outputs are recorded.

    Returns (predictions with None where a sample failed, {sample id: reason}, the first failure's
    traceback or None).
    """
    preds: list[Optional[Prediction]] = []
    failures: dict[str, str] = {}
    first_tb = None
    bs = max(1, int(getattr(model, "batch_size", 8)))
    from tqdm.auto import tqdm

    bar = tqdm(total=len(samples), desc="samples", unit="sample", leave=False, disable=not progress)
    for start in range(0, len(samples), bs):
        batch = list(samples[start:start + bs])
        try:
            out = model.predict(batch)
            if len(out) != len(batch):
                raise RuntimeError(f"predict() returned {len(out)} predictions for {len(batch)} samples")
        except Exception:  # noqa: BLE001 - retried one by one below
            out = []
            for s in batch:
                try:
                    out.extend(model.predict([s]))
                except Exception as exc:  # noqa: BLE001
                    out.append(None)
                    failures[s.id] = f"{type(exc).__name__}: {exc}"
                    first_tb = first_tb or traceback.format_exc(limit=8)
        for s, p in zip(batch, out):
            why = None if p is None else invalid_reason(p, model)
            if why:
                failures[s.id] = why
                p = None
            preds.append(p)
        bar.update(len(batch))
    bar.close()
    return preds, failures, first_tb


def invalid_reason(p: Prediction, model: Model) -> Optional[str]:
    for dim in ("quality", "authenticity"):
        if dim in model.tasks:
            v = p.scores.get(dim)
            if v is None or not isinstance(v, (int, float, np.floating)) or not math.isfinite(float(v)):
                return f"{dim} score is {v!r}"
    if "saliency" in model.tasks:
        if p.saliency is None:
            return "no saliency map"
        m = np.asarray(p.saliency)
        if m.ndim != 2 or not np.isfinite(m).all():
            return f"saliency map has shape {m.shape} or non-finite values"
    return None


def _save_predictions(out_dir: Path, name: str, fold: int, samples, preds, save_maps: bool) -> None:
    lines, maps = [], {}
    for s, p in zip(samples, preds):
        if p is None:
            lines.append(json.dumps({"id": s.id, "failed": True}))
            continue
        lines.append(json.dumps({"id": s.id, "scores": {k: float(v) for k, v in p.scores.items()},
                                 "levels": p.levels, "distortions": list(p.distortions or []) or None,
                                 "text": p.text, "mos": s.mos}, default=str))
        if save_maps and p.saliency is not None:
            m = np.asarray(p.saliency, dtype=np.float64)
            lo, hi = m.min(), m.max()
            maps[s.id] = np.zeros(m.shape, np.uint8) if hi <= lo else np.rint((m - lo) / (hi - lo) * 255).astype(
                np.uint8)
    path = predictions_path(out_dir, name, fold)
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode())
    if maps:
        import io

        buf = io.BytesIO()
        np.savez_compressed(buf, **maps)
        atomic_write_bytes(path.with_name(f"fold-{fold}.maps.npz"), buf.getvalue())
