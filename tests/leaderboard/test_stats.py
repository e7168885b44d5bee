"""The board's statistics, checked by simulation (seeded; a few seconds each).

- Coverage: 95% percentile intervals of a fold-mean correlation (2 folds) and of a fold-mean of
  per-video values contain the true population value in about 95% of simulated boards.
- False positives: two models of identical quality (same correlation with MOS, independent errors)
  are called different in about 5% of simulated boards by the paired bootstrap.
- Power: a clearly better model is called different, and rank groups follow.
"""
from __future__ import annotations

import numpy as np
import pytest

from bench import metrics as M
from bench.leaderboard.stats import MeanMetric, PairMetric, Resampler, differs, interval, kendall_replicates, \
    paired_p_value, rank_groups

N_FOLD = 60  # test videos per fold
RHO = 0.6


def correlated(rng, n, rho):
    y = rng.normal(size=n)
    return rho * y + np.sqrt(1 - rho**2) * rng.normal(size=n), y


def coverage(metric, truth, make_folds, sims, n_boot=300, seed=0):
    rng = np.random.default_rng(seed)
    hits = 0
    for s in range(sims):
        folds = make_folds(rng)
        lo, hi = interval(metric.replicates(folds, Resampler([N_FOLD, N_FOLD], n_boot, seed=s)))
        hits += lo <= truth <= hi
    return hits / sims


def test_interval_covers_pearson_at_nominal_rate():
    rate = coverage(PairMetric(M.plcc), RHO, lambda rng: [correlated(rng, N_FOLD, RHO) for _ in range(2)], sims=300, n_boot=200)
    # 300 simulated boards: the binomial standard error of a 95% rate is 1.3 points
    assert 0.91 <= rate <= 0.985, rate


def test_interval_covers_spearman_at_nominal_rate():
    truth = 6 / np.pi * np.arcsin(RHO / 2)  # Spearman's rho of a bivariate normal
    rate = coverage(PairMetric(M.srcc), truth, lambda rng: [correlated(rng, N_FOLD, RHO) for _ in range(2)],
                    sims=120, n_boot=200, seed=1)
    assert 0.88 <= rate <= 1.0, rate


def test_interval_covers_a_mean_metric():
    # per-video values like NSS: skewed (gamma), population mean 2.0
    rate = coverage(MeanMetric(), 2.0, lambda rng: [rng.gamma(2.0, 1.0, N_FOLD) for _ in range(2)], sims=400)
    assert 0.91 <= rate <= 0.985, rate


def test_false_positive_rate_of_identical_quality_models_is_near_5_percent():
    rng = np.random.default_rng(7)
    metric = PairMetric(M.plcc)
    sims, calls = 400, 0
    for s in range(sims):
        res = Resampler([N_FOLD, N_FOLD], 200, seed=s)
        a, b = [], []
        for _ in range(2):
            y = rng.normal(size=N_FOLD)
            a.append((RHO * y + np.sqrt(1 - RHO**2) * rng.normal(size=N_FOLD), y))
            b.append((RHO * y + np.sqrt(1 - RHO**2) * rng.normal(size=N_FOLD), y))
        calls += differs(metric.replicates(a, res), metric.replicates(b, res))
    rate = calls / sims
    assert 0.02 <= rate <= 0.09, rate  # nominal 5%; binomial standard error 1.1 points


def test_a_clearly_better_model_is_significant_and_ranks_alone():
    rng = np.random.default_rng(3)
    res = Resampler([N_FOLD, N_FOLD], 500, seed=0)
    folds = {name: [] for name in ("good", "good2", "poor")}
    for _ in range(2):
        y = rng.normal(size=N_FOLD)
        for name, rho in (("good", 0.9), ("good2", 0.9), ("poor", 0.3)):
            folds[name].append((rho * y + np.sqrt(1 - rho**2) * rng.normal(size=N_FOLD), y))
    metric = PairMetric(M.srcc)
    est = [metric.estimate(folds[n]) for n in folds]
    reps = [metric.replicates(folds[n], res) for n in folds]
    assert paired_p_value(reps[0], reps[2]) < 0.01
    assert rank_groups(est, reps) == [1, 1, 3]
    # read as a lower-is-better column (like KLD), the poor model's lower value ranks first
    assert rank_groups(est, reps, higher_is_better=False) == [2, 2, 1]


def test_estimate_is_the_fold_mean_and_draws_are_shared():
    rng = np.random.default_rng(0)
    folds = [correlated(rng, 30, 0.5), correlated(rng, 40, 0.5)]
    assert PairMetric(M.srcc).estimate(folds) == pytest.approx(np.mean([M.srcc(x, y) for x, y in folds]), abs=0)
    a, b = Resampler([30, 40], 200, seed=5), Resampler([30, 40], 200, seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(a.indices, b.indices))
    assert [i.shape for i in a.indices] == [(200, 30), (200, 40)]
    with pytest.raises(ValueError, match="at least 100"):
        Resampler([30], 50)


def test_batched_kendall_equals_the_harness_krcc_on_every_draw():
    rng = np.random.default_rng(11)
    x = np.round(rng.normal(size=50), 1)  # rounding makes ties
    y = np.round(x + rng.normal(size=50), 1)
    x[[3, 17]] = np.nan  # failed samples are left out
    res = Resampler([50], 200, seed=2)
    fast = kendall_replicates(x, y, res.indices[0])
    slow = PairMetric(M.krcc).replicates([(x, y)], res)
    assert np.allclose(fast, slow, rtol=1e-12, atol=1e-14, equal_nan=True) and np.isfinite(fast).all()
    constant = kendall_replicates(np.ones(5), np.arange(5.0), np.zeros((3, 5), int) + np.arange(5))
    assert np.isnan(constant).all()
