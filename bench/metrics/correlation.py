"""Score-to-MOS agreement: SRCC, KRCC, PLCC (raw and after the VQEG logistic fit), RMSE.

The paper (LMME3DHF, Sec. 5.1) reports SRCC, PLCC and KRCC between predicted scores and MOS.
PLCC is given both raw and after the 4-parameter logistic mapping that VQEG recommends
(VQEG, "Final report from the Video Quality Experts Group on the validation of objective
models of video quality assessment", 2000/2003):

    f(x) = (b1 - b2) / (1 + exp(-(x - b3) / |b4|)) + b2

Conventions, shared by every function here:
- inputs are 1-D arrays of equal length (`pred`, `target`); NaN or infinite values raise
  `ValueError` that names the argument and the count, since a silent NaN would poison a table;
- an input without spread (constant, or a single pair) has no defined correlation: the
  result is `nan` (scipy.stats does the same, with a warning we do not repeat);
- KRCC is Kendall's tau-b (ties corrected), the default of `scipy.stats.kendalltau`.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

# Above this many pairs Kendall's O(n^2) pair count is done block by block to bound memory.
_KENDALL_BLOCK_ELEMENTS = 4_000_000


class LogisticFitWarning(UserWarning):
    """The VQEG logistic fit did not converge; the raw value was used instead."""


@dataclass(frozen=True)
class LogisticFit:
    """Result of `fit_logistic`: parameters (b1, b2, b3, b4) and whether the fit converged."""

    params: tuple
    converged: bool

    def __call__(self, x) -> np.ndarray:
        """Map raw predictions to the MOS scale. Identity when the fit did not converge."""
        x = np.asarray(x, dtype=np.float64)
        return logistic4(x, *self.params) if self.converged else x


def _check_pair(pred, target) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(pred, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    for name, a in (("pred", p), ("target", t)):
        if a.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of scores, got shape {a.shape}")
        bad = int(np.count_nonzero(~np.isfinite(a)))
        if bad:
            raise ValueError(f"{name} has {bad} NaN or infinite value(s) out of {a.size}")
    if p.size != t.size:
        raise ValueError(f"pred and target differ in length: {p.size} vs {t.size}")
    if p.size == 0:
        raise ValueError("pred and target are empty")
    return p, t


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    xc = x - x.mean()
    yc = y - y.mean()
    denom = np.sqrt(np.dot(xc, xc) * np.dot(yc, yc))
    if not denom > 0:
        return float("nan")
    # Clip the round-off that can push |r| a hair above 1.
    return float(np.clip(np.dot(xc, yc) / denom, -1.0, 1.0))


def average_ranks(x) -> np.ndarray:
    """Ranks 1..n with ties given their mean rank (the 'average' method of rankdata)."""
    x = np.asarray(x)
    n = x.size
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    first_of_group = np.r_[True, xs[1:] != xs[:-1]]
    group = np.cumsum(first_of_group) - 1
    starts = np.flatnonzero(first_of_group)
    sizes = np.diff(np.r_[starts, n])
    mean_rank = starts + (sizes + 1) / 2.0  # 1-based mean of positions start..start+size-1
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = mean_rank[group]
    return ranks


def plcc(pred, target) -> float:
    """Pearson linear correlation of raw scores (no fitting)."""
    p, t = _check_pair(pred, target)
    return _pearson(p, t)


def srcc(pred, target) -> float:
    """Spearman rank correlation: Pearson correlation of the tie-averaged ranks."""
    p, t = _check_pair(pred, target)
    return _pearson(average_ranks(p), average_ranks(t))


def krcc(pred, target) -> float:
    """Kendall's tau-b: (concordant - discordant) / sqrt(pairs untied in pred * pairs untied in target).

    Counts all pairs directly (O(n^2) time, memory bounded by blocks); a few thousand scores take
    milliseconds.
    """
    p, t = _check_pair(pred, target)
    n = p.size
    block = max(1, _KENDALL_BLOCK_ELEMENTS // max(n, 1))
    s = untied_p = untied_t = 0
    # Summing over ordered pairs (i, j) counts every unordered pair twice; the ratio is unchanged.
    for start in range(0, n, block):
        sp = np.sign(p[start:start + block, None] - p[None, :]).astype(np.int8)
        st = np.sign(t[start:start + block, None] - t[None, :]).astype(np.int8)
        s += int(np.einsum("ij,ij->", sp, st, dtype=np.int64))
        untied_p += int(np.count_nonzero(sp))
        untied_t += int(np.count_nonzero(st))
    if untied_p == 0 or untied_t == 0:
        return float("nan")
    return float(np.clip(s / np.sqrt(float(untied_p) * float(untied_t)), -1.0, 1.0))


def logistic4(x, b1, b2, b3, b4) -> np.ndarray:
    """VQEG 4-parameter logistic f(x) = (b1 - b2) / (1 + exp(-(x - b3) / |b4|)) + b2."""
    from scipy.special import expit  # overflow-free 1 / (1 + exp(-z))

    scale = np.abs(b4)
    return (b1 - b2) * expit((np.asarray(x, dtype=np.float64) - b3) / scale) + b2


def fit_logistic(pred, target, maxfev: int = 20000) -> LogisticFit:
    """Least-squares fit of `logistic4` mapping `pred` onto `target` (scipy `curve_fit`).

    Initial values: b1, b2 the target's max and min (swapped when pred and target correlate
    negatively, so a lower-is-better predictor starts on a falling curve), b3 the mean of pred,
    b4 its standard deviation. A fit that fails (no convergence, non-finite parameters, a flat
    curve) gives `converged=False`; callers then fall back to the raw scores.
    """
    from scipy.optimize import OptimizeWarning, curve_fit

    p, t = _check_pair(pred, target)
    spread = p.std()
    if not spread > 0 or not t.std() > 0 or p.size <= 4:  # 4 parameters need more than 4 points
        return LogisticFit(params=(np.nan,) * 4, converged=False)
    hi, lo = t.max(), t.min()
    if _pearson(p, t) < 0:
        hi, lo = lo, hi
    beta0 = (hi, lo, p.mean(), spread)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)  # covariance not needed
            params, _ = curve_fit(logistic4, p, t, p0=beta0, maxfev=maxfev)
    except (RuntimeError, ValueError, TypeError, FloatingPointError):
        return LogisticFit(params=beta0, converged=False)
    mapped = logistic4(p, *params)
    ok = np.all(np.isfinite(params)) and params[3] != 0 and np.all(np.isfinite(mapped)) and mapped.std() > 0
    return LogisticFit(params=tuple(float(b) for b in params), converged=bool(ok))


def _fit_or_warn(p: np.ndarray, t: np.ndarray) -> LogisticFit:
    fit = fit_logistic(p, t)
    if not fit.converged and p.std() > 0 and t.std() > 0:
        warnings.warn("VQEG logistic fit did not converge; using raw scores (plcc_logistic = plcc)",
                      LogisticFitWarning, stacklevel=3)
    return fit


def plcc_logistic(pred, target, return_fit: bool = False):
    """PLCC after mapping `pred` through the fitted VQEG logistic (see module docstring).

    When the fit fails, the raw PLCC is returned and a `LogisticFitWarning` is issued;
    `return_fit=True` returns `(value, LogisticFit)` so callers can record `fit.converged`.
    Since the logistic may fall, a predictor where lower is better gets a positive value.
    """
    p, t = _check_pair(pred, target)
    fit = _fit_or_warn(p, t)
    value = _pearson(fit(p), t)
    return (value, fit) if return_fit else value


def rmse(pred, target, logistic: bool = False) -> float:
    """Root mean squared error; with `logistic=True`, after the VQEG logistic mapping of `pred`
    (falls back to raw scores with a `LogisticFitWarning` when the fit fails)."""
    p, t = _check_pair(pred, target)
    if logistic:
        p = _fit_or_warn(p, t)(p)
    return float(np.sqrt(np.mean((p - t) ** 2)))


def score_all(pred, target) -> dict:
    """{srcc, plcc, plcc_logistic, krcc, rmse} as floats, one logistic fit shared by
    `plcc_logistic` and `rmse`; `rmse` is after the logistic mapping (VQEG practice: raw scores
    of most predictors are not on the MOS scale). A failed fit warns (`LogisticFitWarning`)."""
    p, t = _check_pair(pred, target)
    fit = _fit_or_warn(p, t)
    mapped = fit(p)
    return {
        "srcc": srcc(p, t),
        "plcc": _pearson(p, t),
        "plcc_logistic": _pearson(mapped, t),
        "krcc": krcc(p, t),
        "rmse": float(np.sqrt(np.mean((mapped - t) ** 2))),
    }
