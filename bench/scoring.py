"""Score one fold's predictions on every task the model declares.

- quality / authenticity: SRCC, KRCC, PLCC (raw), PLCC after the 4-parameter logistic fit, RMSE
  (after the fit), on direction-corrected scores: a model whose `higher_is_better` is False
  (BRISQUE, NIQE, ...) has its scores negated first, so correlations read like the paper's.
- level: accuracy of the predicted text level (Eq. 4) per dimension.
- distortion: multi-label accuracy over the 9 categories (subset = exact set match, the
  default; hamming and jaccard beside it).
- saliency: AUC-Judd, AUC-Borji, NSS (on the fixation map), CC, SIM, KLD (on the continuous
  map), each averaged over samples; predictions are resized to the ground truth's size.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from bench import metrics as M
from bench.data.categories import CATEGORIES
from bench.data.sample import DIMENSIONS


def score_predictions(samples, preds, model) -> dict:
    out = {}
    sign = 1.0 if model.higher_is_better else -1.0
    for dim in DIMENSIONS:
        if dim not in model.tasks:
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
    if "level" in model.tasks:
        lv = {}
        for dim in DIMENSIONS:
            pairs = [(p.levels.get(dim), s.levels.get(dim)) for s, p in zip(samples, preds)
                     if s.levels.get(dim) and p.levels.get(dim)]
            if pairs:
                lv[f"accuracy_{dim}"] = _clean(M.accuracy(np.array([a for a, _ in pairs]),
                                                          np.array([b for _, b in pairs])))
        if lv:
            out["level"] = lv
    if "distortion" in model.tasks:
        pairs = [(p.distortions, s.distortions) for s, p in zip(samples, preds)
                 if s.distortions is not None and p.distortions is not None]
        if pairs:
            pred = np.array([[c in a for c in CATEGORIES] for a, _ in pairs])
            true = np.array([[c in b for c in CATEGORIES] for _, b in pairs])
            out["distortion"] = {"accuracy": _clean(M.accuracy(pred, true, mode="subset")),
                                 "hamming": _clean(M.accuracy(pred, true, mode="hamming")),
                                 "jaccard": _clean(M.accuracy(pred, true, mode="jaccard")),
                                 "n": len(pairs)}
    if "saliency" in model.tasks:
        sal = score_saliency(samples, preds)
        if sal:
            out["saliency"] = sal
    return out


def score_saliency(samples, preds) -> dict:
    values: dict[str, list] = {name: [] for name in M.SALIENCY_METRICS}
    for s, p in zip(samples, preds):
        gt = s.saliency()
        if gt is None or p.saliency is None:
            continue
        fix = s.fixations()
        pred = np.asarray(p.saliency, dtype=np.float64)
        for name in M.SALIENCY_METRICS:
            target = fix if M.SALIENCY_METRIC_INFO[name]["ground_truth"] == "fixations" else gt
            values[name].append(float(M.SALIENCY_FUNCTIONS[name](pred, target)))
    out = {}
    for name, v in values.items():
        arr = np.array(v, dtype=float)
        arr = arr[np.isfinite(arr)]
        if arr.size:
            out[name] = float(arr.mean())
    if out:
        out["n"] = len(values[M.SALIENCY_METRICS[0]])
    return out


def _clean(v):
    v = float(v)
    return v if math.isfinite(v) else None
