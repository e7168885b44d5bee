"""bench.metrics.correlation against scipy.stats (an independent implementation) and hand values."""
import warnings

import numpy as np
import pytest
from scipy import stats

from bench.metrics import (
    CORRELATION_METRICS,
    LogisticFitWarning,
    fit_logistic,
    krcc,
    logistic4,
    plcc,
    plcc_logistic,
    rmse,
    score_all,
    srcc,
)
from bench.metrics.correlation import average_ranks


def _samples():
    rng = np.random.default_rng(7)
    for n in (8, 60, 400):
        x = rng.normal(size=n)
        yield x, 0.6 * x + rng.normal(size=n)
        yield np.round(x, 1), np.round(-x + rng.normal(size=n), 0) + np.arange(n) % 2  # many ties in both


@pytest.mark.parametrize("pair", list(_samples()))
def test_rank_and_linear_correlations_match_scipy(pair):
    x, y = pair
    assert srcc(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert plcc(x, y) == pytest.approx(stats.pearsonr(x, y).statistic, abs=1e-12)
    assert krcc(x, y) == pytest.approx(stats.kendalltau(x, y).statistic, abs=1e-12)  # tau-b


def test_krcc_block_path_matches_scipy():
    # 3,000 pairs spread the O(n^2) pair count over several blocks.
    rng = np.random.default_rng(3)
    x = rng.integers(0, 50, 3000).astype(float)
    y = x + rng.integers(0, 30, 3000)
    assert krcc(x, y) == pytest.approx(stats.kendalltau(x, y).statistic, abs=1e-12)


def test_average_ranks_match_rankdata():
    x = np.array([3.0, 1.0, 3.0, 2.0, 3.0, 1.0])
    np.testing.assert_array_equal(average_ranks(x), stats.rankdata(x))
    np.testing.assert_array_equal(average_ranks(x), [5.0, 1.5, 5.0, 3.0, 5.0, 1.5])


def test_constant_input_gives_nan():
    x = np.arange(6.0)
    for fn in (srcc, krcc, plcc):
        assert np.isnan(fn(np.ones(6), x))
        assert np.isnan(fn(x, np.full(6, 2.0)))
    assert np.isnan(plcc_logistic(np.ones(6), x))


@pytest.mark.parametrize("fn", [srcc, krcc, plcc, plcc_logistic, rmse, score_all])
def test_bad_input_raises_with_a_clear_message(fn):
    with pytest.raises(ValueError, match=r"pred has 1 NaN"):
        fn([1.0, np.nan, 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"target has 1 NaN or infinite"):
        fn([1.0, 2.0, 3.0], [1.0, np.inf, 3.0])
    with pytest.raises(ValueError, match="differ in length"):
        fn([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="empty"):
        fn([], [])
    with pytest.raises(ValueError, match="1-D"):
        fn(np.ones((2, 2)), np.ones((2, 2)))


def test_plcc_logistic_recovers_a_known_logistic():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 300)
    true = (80.0, 10.0, 5.0, 1.2)
    y = logistic4(x, *true)
    value, fit = plcc_logistic(x, y, return_fit=True)
    assert fit.converged
    assert value == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(fit.params[:3], true[:3], rtol=1e-5)
    assert abs(fit.params[3]) == pytest.approx(true[3], rel=1e-5)
    assert plcc(x, y) < 0.99  # the raw score is clearly worse: the mapping matters
    assert rmse(x, y, logistic=True) < 1e-6


def test_plcc_logistic_on_noisy_and_decreasing_logistic_data():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 10, 400)
    y = logistic4(x, 70.0, 20.0, 4.0, 1.0) + rng.normal(0, 1.0, x.size)
    up = plcc_logistic(x, y)
    assert up > 0.99 and up > plcc(x, y)
    # A lower-is-better predictor: the logistic falls, the value stays positive.
    assert plcc_logistic(-x, y) == pytest.approx(up, abs=1e-6)


def test_plcc_logistic_equals_raw_plcc_on_linear_data():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 100, 500)
    y = 0.5 * x + 3.0 + rng.normal(0, 5.0, x.size)
    assert plcc_logistic(x, y) == pytest.approx(plcc(x, y), abs=2e-3)


def test_failed_fit_falls_back_to_raw_plcc_with_a_warning(monkeypatch):
    import scipy.optimize

    def no_convergence(*args, **kwargs):
        raise RuntimeError("Optimal parameters not found")

    monkeypatch.setattr(scipy.optimize, "curve_fit", no_convergence)
    x = np.arange(10.0)
    y = x ** 2
    with pytest.warns(LogisticFitWarning):
        value, fit = plcc_logistic(x, y, return_fit=True)
    assert not fit.converged
    assert value == plcc(x, y)
    with pytest.warns(LogisticFitWarning):
        assert rmse(x, y, logistic=True) == rmse(x, y)


def test_rmse_by_hand():
    assert rmse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0]) == pytest.approx(np.sqrt(4.0 / 3.0), abs=1e-15)


def test_score_all_matches_single_functions():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 10, 200)
    y = logistic4(x, 60.0, 20.0, 5.0, 2.0) + rng.normal(0, 2.0, x.size)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LogisticFitWarning)
        scores = score_all(x, y)
    assert tuple(scores) == ("srcc", "plcc", "plcc_logistic", "krcc", "rmse")
    assert set(scores) == set(CORRELATION_METRICS)
    assert scores["srcc"] == srcc(x, y)
    assert scores["plcc"] == plcc(x, y)
    assert scores["krcc"] == krcc(x, y)
    assert scores["plcc_logistic"] == pytest.approx(plcc_logistic(x, y), abs=1e-12)
    mapped = fit_logistic(x, y)(x)
    assert scores["rmse"] == pytest.approx(np.sqrt(np.mean((mapped - y) ** 2)), abs=1e-12)
