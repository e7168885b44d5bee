"""Score one fold's predictions on every task a model declares.

- quality / authenticity: SRCC, KRCC, PLCC (raw), PLCC after the 4-parameter logistic fit, RMSE
  (after the fit), on direction-corrected scores: a model whose `higher_is_better` is False
  (BRISQUE, NIQE, ...) has its scores negated first, so correlations read like the paper's.
- level: accuracy of the predicted text level (Eq. 4) per dimension.
- distortion: multi-label accuracy over the 9 categories. The paper says only "average accuracy";
  `accuracy` is the exact-set match (a sample counts when its predicted set equals the labelled
  set: the strictest reading, and the one that makes "select from predefined categories" a single
  answer per video), with the per-category (hamming), Jaccard and hit readings beside it.
- saliency: AUC-Judd, AUC-Borji, NSS (on the fixation map), CC, SIM, KLD (on the continuous map),
  each averaged over the samples that have a ground-truth map. Scored on exactly the map that is
  saved (`saved_map`): resized to the ground truth's size (MATLAB-style bicubic, as the MIT
  benchmark's `imresize`), negative undershoot clipped to 0, scaled by its maximum to 8 bits. Every
  metric is invariant to that scaling, so the leaderboard recomputes the numbers exactly from the
  saved maps.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from bench import metrics as M
from bench.data.categories import CATEGORIES
from bench.data.sample import DIMENSIONS

MAP_RESIZE = "bicubic"
DISTORTION_MODES = {"accuracy": "subset", "exact_set": "subset", "per_category": "hamming",
                    "jaccard": "jaccard", "hit": "hit"}


def saved_map(pred: np.ndarray, shape) -> np.ndarray:
    """A predicted map as scored and saved: at `shape` (the ground truth's; None keeps its own size),
    non-negative, uint8 scaled by its maximum (an all-zero map stays zero)."""
    from bench.metrics.resize import resize_to

    m = np.asarray(pred, dtype=np.float64)
    if shape is not None and m.shape != tuple(shape):
        m = resize_to(m[None], tuple(shape), MAP_RESIZE)[0]
    m = np.maximum(m, 0.0)
    top = m.max()
    return np.zeros(m.shape, np.uint8) if not top > 0 else np.rint(m * (255.0 / top)).astype(np.uint8)


def score_predictions(samples, preds, tasks, higher_is_better: bool = True, maps=None) -> dict:
    """Metrics of one fold. `maps`: {sample id: saved map (uint8)} for saliency models."""
    out = {}
    sign = 1.0 if higher_is_better else -1.0
    for dim in DIMENSIONS:
        if dim not in tasks:
            continue
        y = np.array([s.mos.get(dim, np.nan) for s in samples], dtype=float)
        x = np.array([sign * float(p.scores[dim]) for p in preds], dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() >= 3:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", M.LogisticFitWarning)
                scores = M.score_all(x[ok], y[ok])
            out[dim] = {k: _clean(v) for k, v in scores.items()}
            out[dim]["n"] = int(ok.sum())
            # 0 when the VQEG fit failed and plcc_logistic/rmse fell back to the raw scores
            out[dim]["logistic_converged"] = float(not any(issubclass(w.category, M.LogisticFitWarning)
                                                         for w in caught))
    if "level" in tasks:
        lv = {}
        for dim in DIMENSIONS:
            pairs = [(p.levels.get(dim), s.levels.get(dim)) for s, p in zip(samples, preds)
                     if s.levels.get(dim) and p.levels.get(dim)]
            if pairs:
                lv[f"accuracy_{dim}"] = _clean(M.accuracy(np.array([a for a, _ in pairs]),
                                                          np.array([b for _, b in pairs])))
                lv[f"n_{dim}"] = len(pairs)
        if lv:
            out["level"] = lv
    if "distortion" in tasks:
        pairs = [(p.distortions, s.distortions) for s, p in zip(samples, preds)
                 if s.distortions is not None and p.distortions is not None]
        if pairs:
            pred = np.array([[c in a for c in CATEGORIES] for a, _ in pairs])
            true = np.array([[c in b for c in CATEGORIES] for _, b in pairs])
            out["distortion"] = {k: _clean(M.accuracy(pred, true, mode=m)) for k, m in DISTORTION_MODES.items()}
            out["distortion"]["n"] = len(pairs)
    if "saliency" in tasks and maps:
        sal = score_saliency(samples, maps)
        if sal:
            out["saliency"] = sal
    return out


def saliency_scorable(gt) -> bool:
    """Saliency metrics are defined against a map with some saliency: not against none or all zero (a
    video on which no annotator marked a distortion)."""
    return gt is not None and float(np.max(gt)) > 0


def score_saliency(samples, maps: dict) -> dict:
    """Mean of each saliency metric over the samples with a saved map and a scorable ground truth;
    `n` counts exactly those."""
    values: dict[str, list] = {name: [] for name in M.SALIENCY_METRICS}
    for s in samples:
        if s.id not in maps:
            continue
        gt = s.saliency()
        if not saliency_scorable(gt):
            continue
        fix = s.fixations()
        pred = maps[s.id].astype(np.float64)
        for name in M.SALIENCY_METRICS:
            target = fix if M.SALIENCY_METRIC_INFO[name]["ground_truth"] == "fixations" else gt
            values[name].append(float(M.SALIENCY_FUNCTIONS[name](pred, target)))
    out = {}
    n = len(values[M.SALIENCY_METRICS[0]])
    for name, v in values.items():
        arr = np.array(v, dtype=float)
        if arr.size and np.isfinite(arr).all():
            out[name] = float(arr.mean())
        elif arr.size:
            raise ValueError(f"saliency metric {name} is not finite on {int((~np.isfinite(arr)).sum())} of "
                             f"{arr.size} samples")
    if out:
        out["n"] = n
    return out


def _clean(v):
    v = float(v)
    return v if math.isfinite(v) else None
