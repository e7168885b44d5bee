"""Accuracy for the paper's question-answering tasks (LMME3DHF Sec. 5.1, "average accuracy").

Single-label (e.g. the five quality levels of Eq. 4): `pred` and `target` are 1-D label arrays
of any comparable dtype (ints or strings) and accuracy is the share of equal entries.

Multi-label (e.g. the distortion categories): `pred` and `target` are (N, C) multi-hot arrays
(bool, or 0/1 integers), one row per sample and one column per category. The paper does not say
how a multi-label answer is scored, so the mode is explicit:

- "subset"  (default) exact match: a sample counts only if its predicted set equals the true set;
- "hamming" mean per-label agreement over all N x C entries (1 - Hamming loss);
- "jaccard" mean over samples of |pred & true| / |pred | true|; a sample where both sets are
            empty scores `empty_score` (1.0: "no distortion" answered correctly);
- "hit"     a sample counts if its predicted set is non-empty and every predicted category is
            in the true set (a correct partial answer; an empty prediction never counts).
"""
from __future__ import annotations

import numpy as np

MULTI_LABEL_MODES = ("subset", "hamming", "jaccard", "hit")


def multi_hot(label_sets, categories) -> np.ndarray:
    """(N, C) bool array from an iterable of label collections; unknown labels raise ValueError."""
    index = {c: i for i, c in enumerate(categories)}
    label_sets = list(label_sets)
    out = np.zeros((len(label_sets), len(index)), dtype=bool)
    for row, labels in enumerate(label_sets):
        for label in labels:
            if label not in index:
                raise ValueError(f"sample {row}: label {label!r} is not one of {list(categories)}")
            out[row, index[label]] = True
    return out


def _as_multi_hot(a: np.ndarray, name: str) -> np.ndarray:
    if a.dtype == bool:
        return a
    if np.issubdtype(a.dtype, np.number) and np.isin(a, (0, 1)).all():
        return a.astype(bool)
    raise ValueError(f"{name}: a 2-D multi-label array must be boolean or 0/1, got dtype {a.dtype}")


def accuracy(pred, target, mode: str | None = None, empty_score: float = 1.0) -> float:
    """Share of correct answers in [0, 1]; see the module docstring for the modes.

    1-D inputs are single-label (`mode` must be None or "single"); 2-D inputs are multi-label
    with `mode` one of MULTI_LABEL_MODES ("subset" when None).
    """
    p = np.asarray(pred)
    t = np.asarray(target)
    if p.shape != t.shape:
        raise ValueError(f"pred and target differ in shape: {p.shape} vs {t.shape}")
    if p.ndim not in (1, 2):
        raise ValueError(f"accuracy needs 1-D labels or 2-D multi-hot arrays, got shape {p.shape}")
    if p.shape[0] == 0:
        raise ValueError("pred and target are empty")
    if p.ndim == 1:
        if mode not in (None, "single"):
            raise ValueError(f"mode {mode!r} applies to 2-D multi-label arrays; 1-D labels are single-label")
        return float(np.mean(p == t))

    mode = "subset" if mode is None else mode
    p = _as_multi_hot(p, "pred")
    t = _as_multi_hot(t, "target")
    if mode == "subset":
        return float(np.mean(np.all(p == t, axis=1)))
    if mode == "hamming":
        return float(np.mean(p == t))
    if mode == "jaccard":
        inter = np.count_nonzero(p & t, axis=1)
        union = np.count_nonzero(p | t, axis=1)
        per_sample = np.where(union > 0, inter / np.maximum(union, 1), empty_score)
        return float(np.mean(per_sample))
    if mode == "hit":
        non_empty = p.any(axis=1)
        inside = ~np.any(p & ~t, axis=1)
        return float(np.mean(non_empty & inside))
    raise ValueError(f"unknown multi-label mode {mode!r}; choose one of {MULTI_LABEL_MODES}")
