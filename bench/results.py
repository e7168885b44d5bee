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

For notebooks, `load(RUN_DIR or BOARD)` gives the same results as two pandas frames: one row per
model x fold x task x metric with the protocol beside it, and one row per model x fold x test sample.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, NamedTuple, Optional

import numpy as np

from bench.errors import DataError
from bench.io import atomic_write_json

if TYPE_CHECKING:
    import pandas as pd

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




def registry_name(rec: dict) -> str:
    """The registry model behind a record (`brisque` for the run label `brisque@mode=svr`)."""
    return rec.get("registry_name") or str(rec["model"]).split("@", 1)[0]


def aggregate(records: list[dict]) -> dict[str, dict]:
    """Per model: status, folds, and mean/std over folds of every metric of every task.

    Returns {model: {"record": first record (metadata), "status": "ok"|"partial"|"failed"|...,
    "reasons": [...], "n_folds": k, "metrics": {task: {metric: {"mean", "std", "n"}}}}}, where
    std is the population std over the ok folds and n the number of folds with a finite value.
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
    frame = metrics_frame(records)
    ok = frame[(frame["status"] == "ok") & np.isfinite(frame["value"])]
    grouped = ok.groupby(["model", "task", "metric"], sort=False)["value"]
    stats = grouped.agg(["mean", "count"]).join(grouped.std(ddof=0).rename("std"))
    metrics: dict = defaultdict(lambda: defaultdict(dict))
    for (model, task, metric), row in stats.iterrows():
        metrics[model][task][metric] = {"mean": float(row["mean"]), "std": float(row["std"]), "n": int(row["count"])}
    out = {}
    for model, recs in by_model.items():
        n_ok = sum(r.get("status") == "ok" for r in recs)
        status = "ok" if n_ok == len(recs) else ("partial" if n_ok else recs[0].get("status", "failed"))
        out[model] = {"record": recs[0], "status": status, "n_folds": len(recs),
                      "reasons": sorted({r.get("reason") for r in recs if r.get("reason")}),
                      "metrics": {task: dict(ms) for task, ms in metrics[model].items()}}
    return out


# ---- pandas frames ------------------------------------------------------------------------------

# Per record, repeated on each of its metric rows: where the numbers come from and how they were made.
PROTOCOL_COLUMNS = ("source", "submission", "model", "registry_name", "family", "paper_row", "fold", "n_folds",
                    "profile", "dataset", "dataset_hash", "synthetic", "split", "split_hash", "seed", "device",
                    "higher_is_better", "config", "settings", "status", "reason", "path")
METRIC_COLUMNS = PROTOCOL_COLUMNS[:7] + ("task", "metric", "value", "n") + PROTOCOL_COLUMNS[7:]
PREDICTION_COLUMNS = ("source", "submission", "model", "fold", "id", "failed", "higher_is_better")


class Frames(NamedTuple):
    """`load`'s answer: `metrics` (tidy, one row per model x fold x task x metric) and `predictions`
    (one row per model x fold x test sample)."""

    metrics: "pd.DataFrame"
    predictions: "pd.DataFrame"


def load(path, *, predictions: bool = True, dataset=None) -> Frames:
    """A run folder, a results folder (e.g. results/paper) or a leaderboard folder as pandas frames.

    `metrics` columns: source ("run", "paper", or "board"), submission (the board's submission id, else
    ""), model, registry_name, family, paper_row, fold (<NA> for numbers already aggregated over
    folds), task, metric, value (float, NaN where the record holds null), n (samples the task was
    scored on), then the protocol: n_folds, profile, dataset (label), dataset_hash, synthetic, split
    (name), split_hash, seed, device, higher_is_better, config and settings (JSON text), status, reason,
    path (the record file). A record without metrics (failed, unavailable) keeps one row with task,
    metric and value empty, so its status and reason stay visible.

    `predictions` columns: source, submission, model, fold, id, failed, higher_is_better, then
    pred_<score> (the model's native scores: pred_quality, pred_authenticity), pred_level_<dim>,
    pred_distortions (tuple), text, and the ground truth mos_<dim>. The ground truth is the saved
    predictions' own `mos`, unless `dataset` (a folder or a `Dataset`) is given: then mos_<dim>,
    level_<dim>, distortions and generator come from it. A board always uses its own dataset, and adds
    each verified saliency model's per-video metric values as sal_<metric>.
    """
    path = Path(path)
    from bench.leaderboard.board import is_board

    if is_board(path):
        from bench.leaderboard.board import Board

        return Board.open(path).frames(predictions=predictions)
    records = load_results(path)
    preds = predictions_frame(records, dataset) if predictions else predictions_frame([])
    return Frames(metrics_frame(records), preds)


def metrics_frame(records: list[dict]) -> "pd.DataFrame":
    """Result records -> the tidy metrics frame described in `load`."""
    import pandas as pd

    rows = []
    for r in records:
        proto = _protocol_row(r)
        tasks = [(t, m) for t, m in (r.get("metrics") or {}).items() if isinstance(m, dict)]
        entries = [(task, name, value, ms.get("n")) for task, ms in tasks for name, value in ms.items() if name != "n"]
        for task, name, value, n in entries or [(None, None, None, None)]:
            rows.append({**proto, "task": task, "metric": name, "value": _number(value),
                         "n": n if isinstance(n, int) else None})
    frame = pd.DataFrame(rows, columns=list(METRIC_COLUMNS))
    for col in ("fold", "n", "n_folds", "seed"):
        frame[col] = pd.array(frame[col], dtype="Int64")
    frame["value"] = frame["value"].astype(float)
    return frame


def _protocol_row(r: dict) -> dict:
    ds, sp = r.get("dataset") or {}, r.get("split") or {}
    return {"source": r.get("source") or ("board" if r.get("_submission") else "run"),
            "submission": r.get("_submission", ""), "model": r["model"], "registry_name": registry_name(r),
            "family": r.get("family"), "paper_row": r.get("paper_row"), "fold": sp.get("fold"),
            "n_folds": sp.get("n_folds"), "profile": r.get("profile"), "dataset": ds.get("label") or ds.get("name"),
            "dataset_hash": ds.get("hash"), "synthetic": bool(ds.get("synthetic")), "split": sp.get("name"),
            "split_hash": sp.get("hash"), "seed": r.get("seed"), "device": r.get("device"),
            "higher_is_better": r.get("higher_is_better"),
            "config": json.dumps(r.get("config") or {}, sort_keys=True, default=str),
            "settings": json.dumps(r.get("settings") or {}, sort_keys=True, default=str),
            "status": r.get("status"), "reason": r.get("reason"), "path": r.get("_path")}


def _number(v) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan


def read_predictions(path: Path) -> list[dict]:
    """The lines of a `fold-K.predictions.jsonl`; DataError naming the file and line when one is bad."""
    out = []
    for i, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: line {i} is not valid JSON ({exc})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise DataError(f"{path}: line {i} has no string \"id\"")
        out.append(row)
    return out


def predictions_frame(records: list[dict], dataset=None) -> "pd.DataFrame":
    """Per-sample predictions of every record that has a predictions file beside it (see `load`)."""
    import pandas as pd

    rows = []
    for r in records:
        fold = (r.get("split") or {}).get("fold")
        if fold is None or not r.get("_path"):
            continue
        file = Path(r["_path"]).with_name(f"fold-{fold}.predictions.jsonl")
        if not file.is_file():
            continue
        base = {"source": r.get("source") or ("board" if r.get("_submission") else "run"),
                "submission": r.get("_submission", ""), "model": r["model"], "fold": fold,
                "higher_is_better": r.get("higher_is_better")}
        for p in read_predictions(file):
            row = {**base, "id": p["id"], "failed": bool(p.get("failed"))}
            row.update({f"pred_{k}": _number(v) for k, v in (p.get("scores") or {}).items()})
            row.update({f"pred_level_{k}": v for k, v in (p.get("levels") or {}).items()})
            d = p.get("distortions")
            row["pred_distortions"] = tuple(d) if d is not None else None
            row["text"] = p.get("text")
            row.update({f"mos_{k}": _number(v) for k, v in (p.get("mos") or {}).items()})
            rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=list(PREDICTION_COLUMNS))
    frame["fold"] = pd.array(frame["fold"], dtype="Int64")
    return frame if dataset is None else with_ground_truth(frame, dataset)


def with_ground_truth(frame: "pd.DataFrame", dataset) -> "pd.DataFrame":
    """`frame` with mos_<dim>, level_<dim>, distortions and generator taken from `dataset`."""
    import pandas as pd

    from bench.data.dataset import Dataset, load_dataset
    from bench.data.sample import DIMENSIONS

    ds = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    truth = pd.DataFrame([{"id": s.id, **{f"mos_{d}": s.mos.get(d, math.nan) for d in DIMENSIONS},
                           **{f"level_{d}": s.levels.get(d) for d in DIMENSIONS},
                           "distortions": s.distortions, "generator": s.generator} for s in ds.samples],
                         columns=["id"] + [f"mos_{d}" for d in DIMENSIONS] + [f"level_{d}" for d in DIMENSIONS]
                         + ["distortions", "generator"])
    kept = frame.drop(columns=[c for c in truth.columns if c != "id" and c in frame.columns])
    return kept.merge(truth, on="id", how="left", validate="many_to_one")
