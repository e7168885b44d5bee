"""BPRI [48] and its three measures: definitions, directions, native mode, the release reader.

The family contract (rows, svr mode, bad frames, worker pools) is in test_family_contract.py.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import baselines.handcrafted_iqa.bpri as bpri
from baselines.handcrafted_iqa import _pri_common as pri
from bench.data.sample import Sample
from bench.errors import ModelUnavailable
from bench.models.registry import create_model

from ._helpers import blurred, libsvm_text, natural_image, noisy, range_text, write_png

VARIANTS = {"bpri_pss": "pss", "bpri_lsss": "lsss", "bpri_lssn": "lssn"}


# -- building blocks -----------------------------------------------------------------------------------
def test_lbp_count_and_maps_by_hand():
    # centre 5; right 6 and up 5 are >= 5, left 4 and down 1 are not -> count 2 (a "structure" pixel)
    g = np.array([[0, 5, 0], [4, 5, 6], [0, 1, 0]], np.uint8)
    assert pri.lbp4_count(g).tolist() == [[2]]
    assert pri.lbp_map(g, "structure").tolist() == [[True]]
    assert pri.lbp_map(g, "noise").tolist() == [[False]]
    peak = np.array([[0, 1, 0], [1, 9, 1], [0, 1, 0]], np.uint8)
    assert pri.lbp_map(peak, "peak").tolist() == [[True]] and pri.lbp_map(peak, "noise").tolist() == [[True]]


def test_similarities_by_hand():
    d = np.array([[1, 1, 0, 0]], bool)
    p = np.array([[1, 0, 1, 0]], bool)
    assert pri.jaccard_similarity(d, p) == pytest.approx(1 / (3 + 1))
    assert pri.coverage_similarity(d, p) == pytest.approx(1 / (2 + 1))


def test_matlab_conventions():
    flat = np.full((5, 5), 90, np.uint8)
    out = pri.filter_uint8(flat, np.full((3, 3), 1 / 9))  # zero padding, as imfilter
    assert out[2, 2] == 90 and out[0, 0] == 40 and out[0, 2] == 60
    k = pri.gaussian_kernel(3, 0.5)
    assert k.sum() == pytest.approx(1) and k[1, 1] == pytest.approx(1 / (1 + 4 * math.exp(-2) + 4 * math.exp(-4)))
    assert pri.to_gray(np.array([[[255, 0, 0], [0, 255, 0]]], np.uint8)).tolist() == [[76, 150]]
    img = natural_image(64)
    a, b = pri.add_gaussian_noise(img, [0.1, 0.1]), pri.add_gaussian_noise(img, [0.1])
    assert a.dtype == np.uint8 and (a[0] == a[1]).all() and (a[0] == b[0]).all()  # one fixed noise field


def test_block_grid_mask_matches_matlab_one_based_rule():
    m = bpri.block_grid_mask((17, 17))
    rows = np.flatnonzero(m.any(axis=1))
    assert rows.tolist() == [0, 7, 8, 15, 16] and (m == m.T).all()  # 1-based 1, 8, 9, 16, 17


# -- directions (paper: similarity to a worse image; higher = worse) -----------------------------------
@pytest.mark.parametrize("seed", [0, 1])
def test_lsss_grows_with_blur(seed):
    img = natural_image(128, seed)
    s = [bpri.lsss(x) for x in (img, blurred(img, 1), blurred(img, 2))]
    assert s[0] + 0.05 < s[1] < s[2], s


@pytest.mark.parametrize("seed", [0, 1])
def test_lssn_grows_with_noise(seed):
    img = natural_image(128, seed)
    s = [bpri.lssn(x) for x in (img, noisy(img, 10), noisy(img, 25))]
    assert s[0] + 0.1 < s[1] < s[2], s


@pytest.mark.parametrize("seed", [0, 1])
def test_pss_grows_with_jpeg_blocking(seed):
    img = natural_image(128, seed)
    s = [bpri.pss(x) for x in (img, pri.jpeg_roundtrip(img, 30), pri.jpeg_roundtrip(img, 10))]
    assert s[0] + 0.05 < s[1] and s[0] + 0.1 < s[2], s


def test_min_eigen_corners_finds_the_corners_of_a_square():
    g = np.full((40, 40), 30, np.uint8)
    g[10:30, 10:30] = 200
    ys, xs = np.nonzero(bpri.min_eigen_corners(g))
    assert len(ys) == 4 and set(ys.tolist()) <= {9, 10, 29, 30} and set(xs.tolist()) <= {9, 10, 29, 30}


# -- the models ----------------------------------------------------------------------------------------
def test_variants_are_training_free_measures():
    for name, variant in VARIANTS.items():
        m = create_model(name)
        assert m.variant == variant and m.n_features == 1
        assert type(m).availability(m.config) == (True, "")  # native, with nothing to install
    assert create_model("bpri").variant == "combined" and create_model("bpri").n_features == 3


@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_variant_scores_a_video_finitely(name, tmp_path):
    sample = Sample(id="a", image=write_png(tmp_path / "a.png", natural_image(96)))
    pred = create_model(name).predict([sample])[0]
    assert math.isfinite(pred.scores["quality"]) and pred.scores["quality"] == pred.scores["authenticity"]
    assert 0 <= pred.scores["quality"] <= 1


def test_native_bpri_needs_the_authors_release(tmp_path):
    m = create_model("bpri", mode="native")
    ok, why = type(m).availability(m.config)
    assert not ok and "weights_path" in why and "svr" in why
    with pytest.raises(ModelUnavailable, match="weights_path"):
        m.frame_score(natural_image(64))
    ok, why = type(m).availability({"mode": "native", "weights_path": str(tmp_path)})
    assert not ok and "SVM/model" in why
    assert type(m).availability({"mode": "svr"}) == (True, "")


def test_a_frame_that_is_not_an_image_is_a_value_error():  # not a BadFrame: a caller's error, not skipped
    for fn in (bpri.pss, bpri.lsss, bpri.lssn):
        with pytest.raises(ValueError, match="shape") as info:
            fn(np.zeros((64, 64, 4), np.uint8))
        assert not isinstance(info.value, pri.BadFrame)


# -- the authors' learned parts, read from LIBSVM files (here made by scikit-learn) ----------------------
PARA = {"paraLSSs": [0.2, 20.0, 0.8, 0.3, -0.1], "paraLSSn": [0.3, 40.0, 0.3, 0.5, 0.0],
        "paraPSS": [50.0, -0.5, 0.6, 10.0, -7.0]}  # made-up 5-parameter logistics
PROB_A, PROB_B = np.array([-1.0, -2.5, -1.8]), np.array([0.1, -0.3, 0.2])  # made-up Platt sigmoids, one per pair


def _training_set(seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.8, 0.05, 0.05], [0.35, 0.3, 0.08], [0.65, 0.05, 0.4]])
    x = np.concatenate([c + rng.normal(0, 0.06, (40, 3)) for c in centres]).clip(0.001, 0.999)
    lo, hi = x.min(0), x.max(0)
    return (x - lo) / (hi - lo), np.repeat([1, 2, 3], 40), lo, hi


def _write_release(root, svc, lo, hi, prob_a=PROB_A, prob_b=PROB_B):
    """A BPRI-release-shaped folder: SVM/model (LIBSVM text), SVM/range, para.mat."""
    from scipy.io import savemat

    (root / "SVM").mkdir(parents=True, exist_ok=True)
    (root / "SVM" / "model").write_text(libsvm_text(
        "c_svc", float(svc._gamma), -svc._intercept_, svc.support_vectors_, svc._dual_coef_,
        labels=svc.classes_, n_sv=svc.n_support_, prob_a=prob_a, prob_b=prob_b))
    (root / "SVM" / "range").write_text(range_text(0, 1, lo, hi))
    savemat(root / "para.mat", {k: np.array(v)[:, None] for k, v in PARA.items()})


def _platt_coupled(dec, prob_a, prob_b):
    """Reference: pairwise Platt probabilities, then the exact least-squares coupling (a linear solve)."""
    r = np.zeros((3, 3))
    for p, (i, j) in enumerate([(0, 1), (0, 2), (1, 2)]):
        r[i, j] = np.clip(1 / (1 + np.exp(prob_a[p] * dec[p] + prob_b[p])), 1e-7, 1 - 1e-7)
        r[j, i] = 1 - r[i, j]
    q = -r.T * r
    np.fill_diagonal(q, (r ** 2).sum(axis=0))
    kkt = np.block([[q, np.ones((3, 1))], [np.ones((1, 3)), np.zeros((1, 1))]])
    return np.linalg.solve(kkt, np.r_[np.zeros(3), 1.0])[:3]


def test_libsvm_decision_values_and_probabilities(tmp_path):
    from sklearn.svm import SVC

    xs, y, lo, hi = _training_set()
    svc = SVC(C=10, gamma=0.7, decision_function_shape="ovo").fit(xs, y)
    _write_release(tmp_path, svc, lo, hi)
    model = bpri.BPRIRelease(tmp_path).classifier
    x = np.random.default_rng(5).uniform(0, 1, (25, 3))
    np.testing.assert_allclose(model.decision_values(x), svc.decision_function(x), atol=1e-9)
    proba = model.predict_proba(x)
    np.testing.assert_allclose(proba.sum(1), 1, atol=1e-9)
    for row, dec in zip(proba, model.decision_values(x)):  # LIBSVM stops its iteration at a 0.005/k residual
        np.testing.assert_allclose(row, _platt_coupled(dec, PROB_A, PROB_B), atol=5e-3)


def test_libsvm_probabilities_match_scikit_learns_libsvm(tmp_path):
    import warnings

    from sklearn.svm import SVC

    xs, y, lo, hi = _training_set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # probability=True is deprecated in sklearn 1.9
        try:
            svc = SVC(C=10, gamma=0.7, probability=True, random_state=0, decision_function_shape="ovo").fit(xs, y)
            prob_a, prob_b = svc.probA_, svc.probB_
        except (TypeError, AttributeError):
            pytest.skip("this scikit-learn no longer exposes LIBSVM's probability model")
        x = np.random.default_rng(5).uniform(0, 1, (25, 3))
        expected = svc.predict_proba(x)
    _write_release(tmp_path, svc, lo, hi, prob_a, prob_b)
    np.testing.assert_allclose(bpri.BPRIRelease(tmp_path).classifier.predict_proba(x), expected, atol=1e-6)


def test_native_bpri_with_a_release_folder(tmp_path):
    from sklearn.svm import SVC

    xs, y, lo, hi = _training_set()
    svc = SVC(C=10, gamma=0.7, decision_function_shape="ovo").fit(xs, y)
    _write_release(tmp_path, svc, lo, hi)
    m = create_model("bpri", weights_path=str(tmp_path))
    assert type(m).availability(m.config) == (True, "")
    img = natural_image(96)
    f = np.array([bpri.lsss(img), bpri.lssn(img), bpri.pss(img)])
    mapped = [bpri.logistic5(PARA[k], v) for k, v in zip(("paraLSSs", "paraLSSn", "paraPSS"), f)]
    dec = svc.decision_function(((np.round(f, 6) - lo) / (hi - lo))[None])[0]
    assert m.frame_score(img) == pytest.approx(float(np.dot(mapped, _platt_coupled(dec, PROB_A, PROB_B))), abs=5e-3)


def test_a_malformed_release_file_is_named(tmp_path):
    (tmp_path / "SVM").mkdir()
    (tmp_path / "SVM" / "model").write_text("svm_type c_svc\nkernel_type rbf\n")
    (tmp_path / "SVM" / "range").write_text("x\n0 1\n1 0.1 0.9\n")
    (tmp_path / "para.mat").write_bytes(b"")
    with pytest.raises(ModelUnavailable, match="SVM/model"):
        bpri.BPRIRelease(tmp_path)
