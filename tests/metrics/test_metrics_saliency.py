"""Saliency metrics: hand-computed tiny maps, literal transcriptions of the MIT benchmark's MATLAB
loops as references, batch == loop of singles, invariances and edge cases.

Tolerances: hand values 1e-12 (float64 round-off on a few terms); the transcriptions run the same
formulas in another order, 1e-12; invariances 1e-9 (an affine change of a 64x96 map moves the
float64 sums by ~1e-13 relative).
"""
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from bench.metrics import (
    MATLAB_EPS,
    SALIENCY_FUNCTIONS,
    SALIENCY_METRIC_INFO,
    SALIENCY_METRICS,
    auc_borji,
    auc_judd,
    cc,
    imresize_matlab,
    kld,
    nss,
    sim,
)
from bench.metrics.saliency import matlab_colon_ends

# ------------------------------------------------------------------ helpers


def _maps(n=4, shape=(48, 72), seed=0):
    """Smooth positive predictions, smooth ground truths and sparse fixation maps."""
    rng = np.random.default_rng(seed)
    pred = np.stack([gaussian_filter(rng.random(shape), 4) for _ in range(n)]) ** 3
    gt = np.stack([gaussian_filter((rng.random(shape) > 0.995).astype(float), 3) for _ in range(n)])
    fix = rng.random((n,) + shape) > 0.98
    return pred, gt / gt.max(axis=(1, 2), keepdims=True), fix


def _ground(name, gt, fix):
    return fix if SALIENCY_METRIC_INFO[name]["ground_truth"] == "fixations" else gt


def matlab_auc_judd(sal, fix):
    """AUC_Judd.m (no jitter), line by line."""
    s = (sal - sal.min()) / (sal.max() - sal.min())
    S, F = s.ravel(), fix.ravel()
    sth = np.sort(S[F > 0])[::-1]
    n_fix, n_pix = sth.size, S.size
    tp, fp = np.zeros(n_fix + 2), np.zeros(n_fix + 2)
    tp[-1] = fp[-1] = 1
    for i in range(1, n_fix + 1):
        above = np.sum(S >= sth[i - 1])
        tp[i] = i / n_fix
        fp[i] = (above - i) / (n_pix - n_fix)
    return np.sum(np.diff(fp) * (tp[1:] + tp[:-1]) / 2)


def matlab_auc_borji(sal, fix, n_splits=100, step=0.1, seed=0):
    """AUC_Borji.m, line by line, with the same random pixels as bench.metrics draws."""
    s = (sal - sal.min()) / (sal.max() - sal.min())
    S, F = s.ravel(), fix.ravel()
    sth = S[F > 0]
    n_fix = sth.size
    draws = np.random.default_rng(seed).integers(0, S.size, size=(n_fix, n_splits))
    randfix = S[draws]
    aucs = []
    for k in range(n_splits):
        cur = randfix[:, k]
        top = max(sth.max(), cur.max())
        n, last = matlab_colon_ends(np.array([top]), step)
        grid = [i * step for i in range(n[0] + 1)]
        # MATLAB builds the upper half of a:d:b down from its end point
        for i in range(n[0] // 2 + 1):
            grid[n[0] - i] = last[0] - i * step
        if n[0] % 2 == 0:
            grid[n[0] // 2] = last[0] / 2
        thresholds = grid[::-1]
        tp = [0.0] + [np.mean(sth >= t) for t in thresholds] + [1.0]
        fp = [0.0] + [np.mean(cur >= t) for t in thresholds] + [1.0]
        aucs.append(np.trapezoid(tp, fp))
    return np.mean(aucs)


# ------------------------------------------------------------------ hand-computed values

P = np.array([[0.0, 1.0], [2.0, 3.0]])


def test_nss_by_hand():
    fix = np.array([[False, False], [False, True]])
    std1 = np.sqrt(5.0 / 3.0)  # values 0..3, mean 1.5, N-1 standard deviation
    assert nss(P, fix) == pytest.approx(1.5 / std1, abs=1e-12)
    assert nss(P, fix, ddof=0) == pytest.approx(1.5 / np.sqrt(5.0 / 4.0), abs=1e-12)
    assert nss(P, np.eye(2, dtype=bool)) == pytest.approx(0.0, abs=1e-12)  # (-1.5 + 1.5) / 2


def test_cc_by_hand():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert cc(x, 2 * x) == pytest.approx(1.0, abs=1e-12)
    assert cc(x, np.array([[4.0, 3.0], [2.0, 1.0]])) == pytest.approx(-1.0, abs=1e-12)
    assert cc(x, np.array([[1.0, 0.0], [0.0, 1.0]])) == pytest.approx(0.0, abs=1e-12)
    # cov 2, variances 5 and 1 (sums of squared deviations)
    assert cc(x, np.array([[0.0, 0.0], [1.0, 1.0]])) == pytest.approx(2 / np.sqrt(5), abs=1e-12)


def test_sim_by_hand():
    gt = np.array([[1.0, 1.0], [0.0, 0.0]])  # -> [0.5, 0.5, 0, 0]
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    # min-max: [0, 1/3, 2/3, 1] / 2 = [0, 1/6, 1/3, 1/2]; min with gt -> [0, 1/6, 0, 0]
    assert sim(x, gt) == pytest.approx(1 / 6, abs=1e-12)
    # sum only: [0.1, 0.2, 0.3, 0.4]; min with gt -> [0.1, 0.2, 0, 0]
    assert sim(x, gt, minmax=False) == pytest.approx(0.3, abs=1e-12)


def test_kld_by_hand():
    eps = MATLAB_EPS
    gt = np.array([[1.0, 0.0], [0.0, 0.0]])
    assert kld(np.ones((2, 2)), gt) == pytest.approx(np.log(eps + 1 / (0.25 + eps)), abs=1e-12)
    gt2 = np.array([[1.0, 1.0], [0.0, 0.0]])
    pred = np.array([[2.0, 1.0], [1.0, 0.0]])  # -> [0.5, 0.25, 0.25, 0]
    expected = 0.5 * np.log(eps + 0.5 / (0.5 + eps)) + 0.5 * np.log(eps + 0.5 / (0.25 + eps))
    assert kld(pred, gt2) == pytest.approx(expected, abs=1e-12)
    assert kld(pred, gt2, eps=1e-3) == pytest.approx(
        0.5 * np.log(1e-3 + 0.5 / (0.5 + 1e-3)) + 0.5 * np.log(1e-3 + 0.5 / (0.25 + 1e-3)), abs=1e-12)


def test_auc_judd_by_hand():
    pred = np.array([[0.1, 0.4], [0.35, 0.8]])
    fix = np.array([[False, False], [True, True]])
    # normalised [0, .4286, .3571, 1]; thresholds 1 and .3571 -> (0, .5), (.5, 1)
    assert auc_judd(pred, fix) == pytest.approx(0.875, abs=1e-12)


def test_auc_judd_ties_matlab_and_counted():
    pred = np.array([[1.0, 1.0], [0.0, 0.0]])
    fix = np.array([[True, True], [False, False]])
    # MATLAB: ROC points (0,0) (.5,.5) (0,1) (1,1) -> 0.125 - 0.375 + 1 = 0.75
    assert auc_judd(pred, fix) == pytest.approx(0.75, abs=1e-12)
    assert auc_judd(pred, fix, ties="count") == pytest.approx(1.0, abs=1e-12)


def test_auc_borji_perfect_map_by_formula():
    # Fixated pixels 1, others 0: tp = 1 above threshold 0 and fp = r / Nfix, r the draws that
    # land on fixations; each split's AUC is 1 - r / (2 Nfix).
    shape = (30, 40)
    fix = np.zeros(shape, dtype=bool)
    fix[5, 5:15] = True
    fix[20, 30:33] = True
    pred = fix.astype(float)
    n_fix = int(fix.sum())
    draws = np.random.default_rng(0).integers(0, fix.size, size=(n_fix, 100))
    hits = fix.ravel()[draws].sum(axis=0)
    assert auc_borji(pred, fix) == pytest.approx(np.mean(1 - hits / (2 * n_fix)), abs=1e-12)


def test_matlab_colon_operator():
    n, last = matlab_colon_ends(np.array([0.3, 0.95, 1.0, 0.05, 0.0]), 0.1)
    assert n.tolist() == [3, 9, 10, 0, 0]
    np.testing.assert_array_equal(last, [0.3, 0.9000000000000000222, 1.0, 0.0, 0.0])
    n, last = matlab_colon_ends(np.array([0.7, 2.0]), 1.0)  # integer step
    assert n.tolist() == [0, 2] and last.tolist() == [0.0, 2.0]


# ------------------------------------------------------------------ references and batches

def test_auc_against_matlab_transcriptions():
    pred, _, fix = _maps(n=3)
    pred_ties = np.round(pred / pred.max() * 20)  # quantised: many ties, fixated ones included
    for maps in (pred, pred_ties):
        for i in range(3):
            assert auc_judd(maps[i], fix[i]) == pytest.approx(matlab_auc_judd(maps[i], fix[i]), abs=1e-12)
            assert auc_borji(maps[i], fix[i]) == pytest.approx(matlab_auc_borji(maps[i], fix[i]), abs=1e-12)
    assert auc_borji(pred[0], fix[0], n_splits=7, step=0.25, seed=3) == pytest.approx(
        matlab_auc_borji(pred[0], fix[0], n_splits=7, step=0.25, seed=3), abs=1e-12)


def _sparse_gt(seed=6, shape=(48, 72)):
    """Blobs on an exact-zero background, as the release's maps (under a quarter of the pixels)."""
    g = np.zeros(shape)
    rng = np.random.default_rng(seed)
    g[rng.integers(0, shape[0], 3), rng.integers(0, shape[1], 3)] = 1.0
    g = gaussian_filter(g, 1.5, truncate=2.0)
    assert 0 < np.count_nonzero(g) < g.size / 4
    return g


def test_continuous_metrics_against_plain_formulas():
    pred, gt, fix = _maps(n=3, seed=5)
    gt[2] = _sparse_gt()  # SIM and KLD then visit the ground truth's support only
    for p, g, f in zip(pred, gt, fix):
        z = (p - p.mean()) / p.std(ddof=1)
        assert nss(p, f) == pytest.approx(z[f].mean(), abs=1e-12)
        assert cc(p, g) == pytest.approx(np.corrcoef(p.ravel(), g.ravel())[0, 1], abs=1e-12)
        a = (p - p.min()) / (p.max() - p.min())
        b = (g - g.min()) / (g.max() - g.min())
        assert sim(p, g) == pytest.approx(np.minimum(a / a.sum(), b / b.sum()).sum(), abs=1e-12)
        q, r = g / g.sum(), p / p.sum()
        assert kld(p, g) == pytest.approx(np.sum(q * np.log(MATLAB_EPS + q / (r + MATLAB_EPS))), abs=1e-12)
        assert sim(p, g, minmax=False) == pytest.approx(np.minimum(r, q).sum(), abs=1e-12)


@pytest.mark.parametrize("name", SALIENCY_METRICS)
def test_batch_equals_loop_of_singles(name):
    pred, gt, fix = _maps(n=5, seed=1)
    fn = SALIENCY_FUNCTIONS[name]
    truth = _ground(name, gt, fix)
    batch = fn(pred, truth)
    assert batch.shape == (5,) and batch.dtype == np.float64
    singles = [fn(pred[i], truth[i]) for i in range(5)]
    assert all(isinstance(v, float) for v in singles)
    np.testing.assert_array_equal(batch, singles)
    # float32 maps hold the same values: identical results (all arithmetic is float64)
    np.testing.assert_array_equal(fn(pred.astype(np.float32), truth.astype(truth.dtype)),
                                  fn(pred.astype(np.float32).astype(np.float64), truth))


@pytest.mark.parametrize("name", SALIENCY_METRICS)
def test_prediction_is_resized_to_the_ground_truth(name):
    pred, gt, fix = _maps(n=2, shape=(48, 72), seed=2)
    small = pred[:, ::2, ::2].copy()
    fn = SALIENCY_FUNCTIONS[name]
    truth = _ground(name, gt, fix)
    expected = fn(imresize_matlab(small, (48, 72)), truth)
    np.testing.assert_allclose(fn(small, truth), expected, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="resize=None"):
        fn(small, truth, resize=None)


# ------------------------------------------------------------------ invariances

def test_invariances():
    pred, gt, fix = _maps(n=1, seed=3)
    p, g, f = pred[0], gt[0], fix[0]
    for a, b in ((3.0, 0.0), (0.01, 5.0), (250.0, -100.0)):
        assert nss(a * p + b, f) == pytest.approx(nss(p, f), abs=1e-9)
        assert cc(a * p + b, g) == pytest.approx(cc(p, g), abs=1e-9)
        assert sim(a * p + b, g) == pytest.approx(sim(p, g), abs=1e-9)  # min-max removes a, b
        assert auc_judd(a * p + b, f) == pytest.approx(auc_judd(p, f), abs=1e-9)
        assert auc_borji(a * p + b, f) == pytest.approx(auc_borji(p, f), abs=1e-9)
    # A large offset: one-pass sums would cancel, the centred fallback keeps full precision.
    assert nss(p + 1e6, f) == pytest.approx(nss(p, f), abs=1e-6)
    assert cc(p + 1e6, g) == pytest.approx(cc(p, g), abs=1e-6)
    assert cc(-p, g) == pytest.approx(-cc(p, g), abs=1e-12)
    assert kld(7.0 * p, g) == pytest.approx(kld(p, g), abs=1e-9)  # both are divided by their sums
    assert sim(g, g) == pytest.approx(1.0, abs=1e-12)
    assert cc(g, g) == pytest.approx(1.0, abs=1e-12)
    assert abs(kld(g, g)) < 1e-12
    # Every fixated pixel above the rest, no two alike (MATLAB's tie handling costs area on ties).
    perfect = gaussian_filter(f.astype(float), 1) + f * (10.0 + np.arange(f.size).reshape(f.shape) / f.size)
    assert auc_judd(perfect, f) == 1.0
    assert auc_judd(perfect, f, ties="count") == 1.0
    assert auc_borji(perfect, f) > 0.95


def test_jitter_is_seeded_and_small():
    pred, _, fix = _maps(n=1, seed=4)
    a = auc_judd(pred[0], fix[0], jitter=True, seed=1)
    assert a == auc_judd(pred[0], fix[0], jitter=True, seed=1)
    assert a == pytest.approx(auc_judd(pred[0], fix[0]), abs=1e-4)


# ------------------------------------------------------------------ edge cases

def test_empty_ground_truth_gives_nan():
    pred, gt, _ = _maps(n=1)
    no_fix = np.zeros(pred.shape[1:], dtype=bool)
    for fn in (auc_judd, auc_borji, nss):
        assert np.isnan(fn(pred[0], no_fix))
    zero = np.zeros(pred.shape[1:])
    for fn in (cc, sim, kld):
        assert np.isnan(fn(pred[0], zero))
    assert np.isnan(sim(pred[0], zero, minmax=False))
    assert np.isnan(sim(pred[0], np.full(zero.shape, 0.5)))  # constant: nothing after min-max


def test_constant_prediction_is_defined():
    _, gt, fix = _maps(n=1)
    flat = np.full(gt.shape[1:], 0.3)
    assert auc_judd(flat, fix[0]) == 0.5
    assert auc_borji(flat, fix[0]) == 0.5
    assert nss(flat, fix[0]) == 0.0 and nss(flat, fix[0], constant_value=-1.0) == -1.0
    assert cc(flat, gt[0]) == 0.0
    assert sim(flat, gt[0]) == 0.0  # MATLAB's zero map after min-max
    q = gt[0] / gt[0].sum()
    assert sim(flat, gt[0], minmax=False) == pytest.approx(np.minimum(q, 1 / q.size).sum(), abs=1e-12)
    sparse = _sparse_gt()
    q_sparse = sparse / sparse.sum()
    assert sim(flat, sparse, minmax=False) == pytest.approx(np.minimum(q_sparse, 1 / q.size).sum(), abs=1e-12)
    uniform = np.sum(q * np.log(MATLAB_EPS + q / (1 / q.size + MATLAB_EPS)))
    assert kld(flat, gt[0]) == pytest.approx(uniform, abs=1e-12)
    zero_map = np.sum(q * np.log(MATLAB_EPS + q / MATLAB_EPS))  # MATLAB leaves a zero map at zero
    assert kld(np.zeros_like(flat), gt[0]) == pytest.approx(zero_map, abs=1e-9)


@pytest.mark.parametrize("name", SALIENCY_METRICS)
def test_bad_maps_raise(name):
    pred, gt, fix = _maps(n=2)
    fn = SALIENCY_FUNCTIONS[name]
    truth = _ground(name, gt, fix)
    bad = pred.copy()
    bad[1, 3, 4] = np.nan
    with pytest.raises(ValueError, match="map 1 has NaN or infinite"):
        fn(bad, truth)
    with pytest.raises(ValueError, match="equal N"):
        fn(pred, truth[:1])


def test_kld_refuses_negative_maps():
    pred, gt, _ = _maps(n=1)
    with pytest.raises(ValueError, match="non-negative"):
        kld(pred[0] - 0.5, gt[0])


def test_metric_table_is_consistent():
    assert tuple(SALIENCY_METRIC_INFO) == SALIENCY_METRICS == tuple(SALIENCY_FUNCTIONS)
    assert [k for k, v in SALIENCY_METRIC_INFO.items() if not v["higher_is_better"]] == ["kld"]
    assert {v["ground_truth"] for v in SALIENCY_METRIC_INFO.values()} == {"fixations", "continuous"}
