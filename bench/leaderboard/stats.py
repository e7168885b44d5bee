"""Confidence intervals, paired significance and rank groups for leaderboard rows.

The method (printed on every board, `METHOD`):

- **Statistic.** A row's value is the mean over the split's test folds of the per-fold metric: the
  number the result records hold and the paper reports (k-fold averaging).
- **Resampling: a stratified bootstrap over test videos.** Each of B replicates draws, in every test
  fold independently, as many videos as the fold holds, with replacement; the per-fold metric is
  recomputed on the drawn videos with the harness's metric functions (`bench.metrics`) and averaged
  over the folds. KRCC, O(n^2) per call, is evaluated for all draws at once by `kendall_replicates`
  (the same tau-b, from pair counts weighted by how often each video was drawn; equal to `krcc` on
  every draw, checked by the tests): 1,000 draws of 5 folds of 400 videos take about a second. Why per fold and not pooled over folds: in a k-fold run each fold's predictions come
  from a model fitted on the other folds, so pooling would put k models' score scales into one
  correlation and change the very number the board reports. Stratifying keeps each fold's size and
  model; the fitted models are held fixed, so the interval covers the sampling of test videos, not the
  randomness of training.
- **Interval.** The percentile interval: the (1-c)/2 and (1+c)/2 quantiles of the B replicates
  (c = 0.95). Replicates where a metric is undefined (e.g. a draw without spread) are left out.
- **Significance: a paired bootstrap.** Every row of a board is evaluated on the same draws (the
  indices depend only on the board's seed, the fold and the fold's size), so the difference between two
  rows is bootstrapped with the dependence of their errors on the shared videos. Two rows differ
  significantly when the 95% percentile interval of the replicated difference excludes 0 (two-sided
  test at 5%); p = 2 min(P*(d <= 0), P*(d >= 0)).
- **Rank groups.** A row's rank is 1 + the number of rows significantly better than it: rows not
  significantly worse than the best share rank 1, and rows that are not significantly different from
  each other share a rank where the order allows it.

Each draw of every fold comes from its own generator, seeded with (seed, fold), so adding a row or a
submission never changes the other rows' intervals.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

METHOD = ("95% confidence intervals: percentile bootstrap over test videos, stratified by test fold "
          "({b} replicates, seed {seed}): in each fold the videos are drawn with replacement, the fold's metric "
          "is recomputed with the harness's metric functions (KRCC for all draws at once from draw-weighted pair "
          "counts, the same tau-b), and the fold metrics are averaged as the board's "
          "value is. Fold models are held fixed: the interval covers the choice of test videos, not training "
          "randomness")
SIGNIFICANCE = ("Rank groups: paired bootstrap on the same draws for every row; two rows differ when the 95% "
                "interval of their replicated difference excludes 0 (two-sided, 5%). A row's rank is 1 + the number "
                "of rows significantly better than it, so rows not significantly different from the best share rank 1")


class Resampler:
    """The board's draws: for each test fold, a (B, n_fold) matrix of video positions."""

    def __init__(self, fold_sizes: Sequence[int], n_boot: int = 1000, seed: int = 0):
        if n_boot < 100:
            raise ValueError(f"a bootstrap needs at least 100 replicates for a 95% interval, got {n_boot}")
        self.n_boot, self.seed = int(n_boot), int(seed)
        self.indices = [np.random.default_rng([self.seed, k]).integers(0, n, size=(self.n_boot, n))
                        for k, n in enumerate(fold_sizes)]


@dataclass(frozen=True)
class PairMetric:
    """A metric of (prediction, target) pairs per fold, e.g. SRCC: recomputed on every draw."""

    fn: Callable[[np.ndarray, np.ndarray], float]
    min_pairs: int = 3
    # all of a fold's replicates at once, (x, y, indices (B, n)) -> (B,), equal to `fn` on each draw
    batched: Optional[Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = None

    def value(self, x: np.ndarray, y: np.ndarray) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a failed logistic fit falls back and warns; the value stands
            return self._value(x, y)

    def _value(self, x: np.ndarray, y: np.ndarray) -> float:
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.all():
            return float(self.fn(x, y)) if x.size >= self.min_pairs else np.nan
        return float(self.fn(x[ok], y[ok])) if ok.sum() >= self.min_pairs else np.nan

    def estimate(self, folds: Sequence[tuple]) -> float:
        return _fold_mean([self.value(x, y) for x, y in folds])

    def replicates(self, folds: Sequence[tuple], resampler: Resampler) -> np.ndarray:
        if self.batched is not None:
            per_fold = np.array([self.batched(x, y, idx) for (x, y), idx in zip(folds, resampler.indices)])
            return per_fold.mean(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            per_fold = np.array([[self._value(x[i], y[i]) for i in idx]
                                 for (x, y), idx in zip(folds, resampler.indices)])
        return per_fold.mean(axis=0)  # a replicate with an undefined fold is undefined (NaN)


def kendall_replicates(x: np.ndarray, y: np.ndarray, indices: np.ndarray, min_pairs: int = 3) -> np.ndarray:
    """Kendall's tau-b (`bench.metrics.krcc`'s definition) of every draw `x[i], y[i]` (rows i of `indices`).

    A draw is a vector of counts w (how often each video was drawn); the pair sums of tau-b over the
    drawn items are quadratic forms of w in the original data's pair-sign matrices Sx, Sy:
    concordant - discordant = w'(Sx*Sy)w, untied pairs in x = w'|Sx|w, in y = w'|Sy|w (a video drawn
    twice pairs with itself as a tie in both, as it does in the draw). Matrix products over all draws
    replace B separate O(n^2) pair counts; the tests check equality with `krcc` on explicit draws.
    Pairs with a missing value (a failed sample) are left out, as `PairMetric` leaves them out.
    """
    n_boot, n = indices.shape
    ok = np.isfinite(x) & np.isfinite(y)
    counts = np.bincount((indices + n * np.arange(n_boot)[:, None]).ravel(), minlength=n_boot * n)
    w = counts.reshape(n_boot, x.size).astype(np.float64) * ok
    xs, ys = np.where(ok, x, 0.0), np.where(ok, y, 0.0)
    sx, sy = np.sign(xs[:, None] - xs[None, :]), np.sign(ys[:, None] - ys[None, :])
    concordance = ((w @ (sx * sy)) * w).sum(axis=1)
    untied_x, untied_y = ((w @ np.abs(sx)) * w).sum(axis=1), ((w @ np.abs(sy)) * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.clip(concordance / np.sqrt(untied_x * untied_y), -1.0, 1.0)
    tau[(untied_x == 0) | (untied_y == 0) | (w.sum(axis=1) < min_pairs)] = np.nan
    return tau


@dataclass(frozen=True)
class MeanMetric:
    """A metric that is the mean of per-video values (saliency metrics, question accuracy)."""

    def estimate(self, folds: Sequence[np.ndarray]) -> float:
        return _fold_mean([_nanmean(v) for v in folds])

    def replicates(self, folds: Sequence[np.ndarray], resampler: Resampler) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a draw of only missing values: NaN
            per_fold = np.array([np.nanmean(v[idx], axis=1) for v, idx in zip(folds, resampler.indices)])
        return per_fold.mean(axis=0)


def _nanmean(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else np.nan


def _fold_mean(values) -> float:
    """Mean over the folds with a value, as `bench.results.aggregate` averages fold records."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else np.nan


def interval(replicates: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the finite replicates; (nan, nan) when fewer than 100 are finite."""
    r = replicates[np.isfinite(replicates)]
    if r.size < 100:
        return (np.nan, np.nan)
    lo, hi = np.quantile(r, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(lo), float(hi)


def paired_p_value(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided paired-bootstrap p-value for "row a and row b have the same value"."""
    d = a - b
    d = d[np.isfinite(d)]
    if d.size < 100:
        return np.nan
    return float(min(1.0, 2 * min(np.mean(d <= 0), np.mean(d >= 0))))


def differs(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> bool:
    """True when the percentile interval of the paired difference a - b excludes 0."""
    lo, hi = interval(a - b, confidence)
    return bool(lo > 0 or hi < 0)


def rank_groups(estimates: Sequence[float], replicates: Sequence[np.ndarray], higher_is_better: bool = True,
                confidence: float = 0.95) -> list[Optional[int]]:
    """1 + the number of rows significantly better, per row (None for a row without a value)."""
    sign = 1.0 if higher_is_better else -1.0
    out: list[Optional[int]] = []
    for i, (est_i, rep_i) in enumerate(zip(estimates, replicates)):
        if not np.isfinite(est_i):
            out.append(None)
            continue
        better = sum(1 for j, (est_j, rep_j) in enumerate(zip(estimates, replicates))
                     if j != i and np.isfinite(est_j) and sign * (est_j - est_i) > 0
                     and differs(rep_j, rep_i, confidence))
        out.append(1 + better)
    return out
