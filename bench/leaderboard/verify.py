"""Recompute a submitted fold's metrics from its saved predictions and the board's own ground truth.

The numbers a submission claims are never trusted: every metric of every fold is recomputed with the
harness's scoring code (`bench.metrics.fold.score_predictions`, the function `bench run` scores with) on

- the predictions saved in `fold-K.predictions.jsonl` (scores, levels, distortions) and the uint8
  saliency maps saved in `fold-K.maps.npz`, exactly as stored;
- the ground truth of the board's dataset (MOS, levels, categories, saliency maps), never the
  submission's copy: a `mos` saved beside a prediction must equal the board's, or the fold is refused.

Each recomputed value must equal the submitted one within `TOLERANCE` (relative 1e-9, absolute 1e-12
for values near zero); keys must match too (a metric claimed but not computable is refused).
"""
from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from bench.data.sample import DIMENSIONS
from bench.errors import DataError
from bench.leaderboard.archive import Limits
from bench.results import read_predictions
from bench.metrics.fold import score_predictions, score_saliency

TOLERANCE = {"rel": 1e-9, "abs": 1e-12}


class Rejected(DataError):
    """A submission the board refuses; the message names the file and, for a wrong number, the metric."""


@dataclass
class SavedPrediction:
    """A prediction as a submission saved it (what `score_predictions` reads of a model's Prediction)."""

    scores: dict = field(default_factory=dict)
    levels: dict = field(default_factory=dict)
    distortions: Optional[tuple] = None
    text: Optional[str] = None
    saliency: Optional[np.ndarray] = None


def same(a, b) -> bool:
    """Submitted vs recomputed value under TOLERANCE (None only equals None)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return False
    return math.isclose(float(a), float(b), rel_tol=TOLERANCE["rel"], abs_tol=TOLERANCE["abs"])


def verify_fold(record: dict, folder: Path, name: str, fold: int, test_ids: list[str], samples: dict,
                limits: Limits) -> dict[str, dict]:
    """Check one fold of one model (files under `folder`, named `name` in messages).

    Returns the per-video saliency metric values the board keeps for its confidence intervals
    ({sample id: {metric: value}}; empty for a model without the saliency task).
    Raises Rejected naming the file and the problem.
    """
    pred_file = folder / f"fold-{fold}.predictions.jsonl"
    where = f"{name}/fold-{fold}.predictions.jsonl"
    try:
        lines = read_predictions(pred_file)
    except DataError as exc:
        raise Rejected(str(exc).replace(str(pred_file), where)) from None
    ids = [p["id"] for p in lines]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise Rejected(f"{where}: sample {dup!r} is predicted twice")
    if set(ids) != set(test_ids):
        extra, missing = sorted(set(ids) - set(test_ids)), sorted(set(test_ids) - set(ids))
        raise Rejected(f"{where}: its ids are not the board's test fold {fold} ("
                       + (f"{len(extra)} not in it, e.g. {extra[0]!r}" if extra else "")
                       + ("; " if extra and missing else "")
                       + (f"{len(missing)} missing, e.g. {missing[0]!r}" if missing else "") + ")")
    tasks = frozenset(record.get("tasks") or [])
    maps = _read_maps(folder / f"fold-{fold}.maps.npz", f"{name}/fold-{fold}.maps.npz", test_ids, limits) \
        if "saliency" in tasks else {}
    good_samples, good_preds = [], []
    for p in lines:
        if p.get("failed"):
            continue
        sample = samples[p["id"]]
        _check_mos(p, sample, where)
        good_samples.append(sample)
        good_preds.append(SavedPrediction(scores=_scores(p, where), levels=dict(p.get("levels") or {}),
                                          distortions=tuple(p["distortions"]) if p.get("distortions") is not None else None,
                                          text=p.get("text"), saliency=maps.get(p["id"])))
    if not good_preds:
        raise Rejected(f"{where}: every sample is marked failed; nothing to score")
    failed = {p["id"] for p in lines if p.get("failed")}
    if failed != set(record.get("failed_samples") or {}):
        raise Rejected(f"{name}/fold-{fold}.json: failed_samples ({len(record.get('failed_samples') or {})}) differ "
                       f"from the samples marked failed in its predictions ({len(failed)})")
    good_maps = {s.id: p.saliency for s, p in zip(good_samples, good_preds) if p.saliency is not None}
    recomputed = score_predictions(good_samples, good_preds, tasks, bool(record.get("higher_is_better", True)),
                                   good_maps)
    _compare(record.get("metrics") or {}, recomputed, f"{name}/fold-{fold}.json")
    if "saliency" not in tasks:
        return {}
    return _per_video_saliency(good_samples, good_preds, recomputed.get("saliency", {}), f"{name}/fold-{fold}")


def _scores(p: dict, where: str) -> dict:
    scores = p.get("scores") or {}
    for k, v in scores.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise Rejected(f"{where}: sample {p['id']!r} has a non-numeric {k} score {v!r}")
    return {k: float(v) for k, v in scores.items()}


def _check_mos(p: dict, sample, where: str) -> None:
    saved = p.get("mos") or {}
    for dim in DIMENSIONS:
        if dim in saved and dim in sample.mos and not same(saved[dim], sample.mos[dim]):
            raise Rejected(f"{where}: sample {p['id']!r} carries {dim} MOS {saved[dim]!r}, the board's dataset "
                           f"says {sample.mos[dim]!r}; predictions must come from the board's dataset")


def _read_maps(path: Path, where: str, test_ids: list[str], limits: Limits) -> dict[str, np.ndarray]:
    """The uint8 maps of a maps.npz, bounded before anything is decompressed (a map bomb stops here)."""
    if not path.is_file():
        raise Rejected(f"{where}: missing; a saliency model's fold needs its saved maps")
    wanted = set(test_ids)
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                key = info.filename[:-4] if info.filename.endswith(".npy") else None
                if key not in wanted:
                    raise Rejected(f"{where}: member {info.filename!r} is not a map of a test sample of this fold")
                if info.file_size > limits.max_map_pixels + 1024:
                    raise Rejected(f"{where}: map {key!r} unpacks to {info.file_size} bytes, over the board's "
                                   f"limit of {limits.max_map_pixels} pixels")
        with np.load(path, allow_pickle=False) as npz:
            maps = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Rejected(f"{where}: not a readable .npz of maps ({exc})") from None
    for k, m in maps.items():
        if m.dtype != np.uint8 or m.ndim != 2:
            raise Rejected(f"{where}: map {k!r} is {m.dtype} of shape {m.shape}; maps are 2-D uint8")
    return maps


def _compare(submitted: dict, recomputed: dict, where: str) -> None:
    for task in sorted(set(submitted) | set(recomputed)):
        claimed, actual = submitted.get(task) or {}, recomputed.get(task) or {}
        for metric in sorted(set(claimed) | set(actual)):
            a, b = claimed.get(metric), actual.get(metric)
            if metric not in actual:
                raise Rejected(f"{where}: metric {task}.{metric} = {a!r} is claimed but cannot be computed from "
                               "the saved predictions")
            if metric not in claimed:
                raise Rejected(f"{where}: metric {task}.{metric} is missing (recomputed {b!r})")
            if not same(a, b):
                raise Rejected(f"{where}: metric {task}.{metric} = {a!r} does not match the value recomputed from "
                               f"the predictions, {b!r} (tolerance: relative {TOLERANCE['rel']:g})")


def _per_video_saliency(samples, preds, fold_values: dict, where: str) -> dict[str, dict]:
    """Each video's saliency metrics, by the same scoring function on one sample at a time; their mean
    must give back the fold's values (a check that the per-video numbers are the fold's)."""
    out = {}
    for s, p in zip(samples, preds):
        values = score_saliency([s], {s.id: p.saliency} if p.saliency is not None else {})
        values.pop("n", None)
        if values:
            out[s.id] = values
    for metric, fold_value in fold_values.items():
        if metric == "n":
            continue
        vals = np.array([v[metric] for v in out.values() if metric in v], dtype=float)
        vals = vals[np.isfinite(vals)]
        if vals.size and not same(float(vals.mean()), fold_value):
            raise Rejected(f"{where}: per-video {metric} values average to {vals.mean()!r}, not the fold's "
                           f"{fold_value!r}")
    return out
