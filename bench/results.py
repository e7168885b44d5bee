"""Result records: one JSON file per (model, fold), written atomically, read back for tables.

A record (`"schema": "gen3dhf-bench/result/1"`)::

    {"schema": ..., "model": "brisque", "family": "handcrafted_iqa", "paper_row": "BRISQUE [51]",
     "config": {...}, "higher_is_better": false, "tasks": [...],
     "dataset": {"name": "...", "label": "...", "hash": "...", "synthetic": true, "root": "..."},
     "split": {"name": "kfold-5-seed0", "hash": "...", "file": "...", "fold": 0, "n_folds": 5},
     "profile": "quick", "settings": {...}, "seed": 0, "device": "cpu", "versions": {...},
     "status": "ok" | "failed" | "unavailable", "reason": null | "why",
     "metrics": {"quality": {"srcc": ..., "plcc": ..., "plcc_logistic": ..., "krcc": ..., "rmse": ...},
                 "authenticity": {...}, "level": {"accuracy_quality": ..., "accuracy_authenticity": ...},
                 "distortion": {"accuracy": ..., ...},
                 "saliency": {"auc_judd": ..., "auc_borji": ..., "nss": ..., "cc": ..., "sim": ..., "kld": ...}},
     "n_train": 1600, "n_test": 400, "failed_samples": {"id": "reason"},
     "timing": {"fit_s": ..., "predict_s": ...}, "created": "2026-...Z"}

Correlations are computed on direction-corrected scores (sign flipped where the model's
`higher_is_better` is false), so every SRCC/PLCC/KRCC reads "higher = better agreement".

A record whose split fold is null carries numbers already aggregated over folds (the paper's
published rows under `results/paper/` are such records, with `"source": "paper"`).
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from bench.errors import DataError
from bench.io import atomic_write_json

SCHEMA = "gen3dhf-bench/result/1"


def result_path(out_dir: Path, model: str, fold: int) -> Path:
    return Path(out_dir) / model / f"fold-{fold}.json"


def predictions_path(out_dir: Path, model: str, fold: int) -> Path:
    return Path(out_dir) / model / f"fold-{fold}.predictions.jsonl"


def write_result(path: Path, record: dict) -> None:
    record = {"schema": SCHEMA, **record}
    atomic_write_json(path, record)


def read_result(path: Path) -> Optional[dict]:
    """A finished record, or None when the file is absent or not a result (e.g. another JSON)."""
    try:
        doc = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: result file is not valid JSON ({exc})") from exc
    return doc if isinstance(doc, dict) and doc.get("schema") == SCHEMA else None


def load_results(paths: Iterable[Path] | Path) -> list[dict]:
    """Every result record under the given folders/files (recursive), each with `_path` set."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    records = []
    for p in map(Path, paths):
        if not p.exists():
            raise DataError(f"{p}: no such results folder or file")
        files = sorted(p.rglob("*.json")) if p.is_dir() else [p]
        for f in files:
            rec = read_result(f)
            if rec is not None:
                rec["_path"] = str(f)
                records.append(rec)
    return records


def group_by_protocol(records: list[dict]) -> dict[tuple, list[dict]]:
    """Records grouped by (dataset hash, split hash): only one group may share a table."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        groups[(r["dataset"]["hash"], r["split"]["hash"])].append(r)
    return dict(groups)


def aggregate(records: list[dict]) -> dict[str, dict]:
    """Per model: status, folds, and mean/std over folds of every metric of every task.

    Returns {model: {"record": first record (metadata), "status": "ok"|"partial"|"failed"|...,
    "reasons": [...], "n_folds": k, "metrics": {task: {metric: {"mean", "std", "n"}}}}}.
    Raises DataError if the records mix datasets or splits.
    """
    groups = group_by_protocol(records)
    if len(groups) > 1:
        desc = "; ".join(f"dataset {d[:10]} split {s[:10]} ({len(v)} records, e.g. {v[0]['_path']})"
                         for (d, s), v in groups.items())
        raise DataError(f"results mix {len(groups)} datasets/splits, which cannot share a table: {desc}. "
                        "Pass one run's folder, or filter with --dataset-hash/--split-hash")
    by_model: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_model[r["model"]].append(r)
    out = {}
    for model, recs in by_model.items():
        ok = [r for r in recs if r.get("status") == "ok"]
        values: dict = defaultdict(lambda: defaultdict(list))
        for r in ok:
            for task, metrics in (r.get("metrics") or {}).items():
                for name, v in metrics.items():
                    if isinstance(v, (int, float)) and v is not None and math.isfinite(v):
                        values[task][name].append(float(v))
        metrics = {task: {name: {"mean": float(np.mean(v)), "std": float(np.std(v)), "n": len(v)}
                          for name, v in ms.items()} for task, ms in values.items()}
        status = "ok" if len(ok) == len(recs) else ("partial" if ok else recs[0].get("status", "failed"))
        out[model] = {"record": recs[0], "status": status, "n_folds": len(recs),
                      "reasons": sorted({r.get("reason") for r in recs if r.get("reason")}),
                      "metrics": metrics}
    return out
