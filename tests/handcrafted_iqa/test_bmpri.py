"""BMPRI [49]: the 20 distortion-aggravation features, native mode, the release reader.

The family contract (row, svr mode, bad frames, worker pools) is in test_family_contract.py.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import baselines.handcrafted_iqa.bmpri as bmpri
from baselines.handcrafted_iqa import _pri_common as pri
from bench.data.sample import Sample
from bench.errors import ModelUnavailable
from bench.models.registry import create_model

from ._helpers import blurred, libsvm_text, natural_image, noisy, range_text, write_png

GROUPS = {"jpeg": slice(0, 5), "jp2k": slice(5, 10), "blur": slice(10, 15), "noise": slice(15, 20)}


@pytest.fixture(scope="module")
def image():
    return natural_image(96, seed=0)


def test_features_are_twenty_finite_similarities(image):
    f = bmpri.bmpri_features(image)
    assert f.shape == (20,) and np.isfinite(f).all() and (f >= 0).all() and (f < 1).all()
    assert np.array_equal(f, bmpri.bmpri_features(image))  # deterministic (fixed noise field)


@pytest.mark.parametrize("group, worse", [
    ("jpeg", lambda im: pri.jpeg_roundtrip(im, 10)),
    ("jp2k", lambda im: pri.jpeg2000_roundtrip(im, 100)),
    ("blur", lambda im: blurred(im, 2)),
    ("noise", lambda im: noisy(im, 25)),
])
def test_each_group_rises_when_its_distortion_is_applied(image, group, worse):
    """A distorted image already looks like its MPRIs: that group's similarities go up."""
    before = bmpri.bmpri_features(image)[GROUPS[group]].mean()
    after = bmpri.bmpri_features(worse(image))[GROUPS[group]].mean()
    assert after > before + 0.1, (before, after)


def test_jpeg2000_roundtrip_hits_the_compression_ratio(image):
    import io

    from PIL import Image

    out = pri.jpeg2000_roundtrip(image, 20)
    assert out.shape == image.shape and out.dtype == np.uint8
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG2000", quality_mode="rates", quality_layers=[20.0], irreversible=True)
    assert image.nbytes / len(buf.getvalue()) == pytest.approx(20, rel=0.35)


def test_native_mode_needs_the_learned_regressor(tmp_path):
    m = create_model("bmpri", mode="native")  # the registered default (svr) learns the regressor per fold
    ok, why = type(m).availability(m.config)
    assert not ok and "learned regressor" in why and "mode=svr" in why
    with pytest.raises(ModelUnavailable, match="learned regressor"):
        m.predict([Sample(id="a", image=write_png(tmp_path / "a.png", natural_image(64)))])


# -- the authors' SVR, read from LIBSVM files (here made by scikit-learn) --------------------------------
def _fake_release(root):
    from sklearn.svm import SVR

    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 0.9, (80, 20))
    y = 20 + 60 * x[:, :5].mean(1) + 30 * x[:, 15:].mean(1) + rng.normal(0, 2, 80)
    lo, hi = x.min(0), x.max(0)
    xs = -1 + 2 * (x - lo) / (hi - lo)
    svr = SVR(C=100, gamma=0.05).fit(xs, y)
    (root / "SVM").mkdir(parents=True)
    (root / "SVM" / "model").write_text(libsvm_text("epsilon_svr", 0.05, -svr._intercept_, svr.support_vectors_,
                                                    svr._dual_coef_))
    (root / "SVM" / "range").write_text(range_text(-1, 1, lo, hi))
    return svr, lo, hi


def test_libsvm_regression_matches_scikit_learn(tmp_path):
    svr, lo, hi = _fake_release(tmp_path)
    release = bmpri.BMPRIRelease(tmp_path)
    x = np.random.default_rng(3).uniform(-1, 1, (30, 20))
    np.testing.assert_allclose(release.regressor.predict_regression(x), svr.predict(x), atol=1e-9)
    # svm-scale: min -> lower, max -> upper, linear in between, printed with 6 significant digits
    s = release.scaling(np.stack([lo, hi, (lo + hi) / 2]))
    np.testing.assert_allclose(s, [[-1] * 20, [1] * 20, [0] * 20], atol=1e-5)


def test_native_bmpri_with_a_release_folder(tmp_path, image):
    svr, lo, hi = _fake_release(tmp_path)
    m = create_model("bmpri", mode="native", weights_path=str(tmp_path), n_jobs=1)
    assert type(m).availability(m.config) == (True, "")
    f = np.round(bmpri.bmpri_features(image), 6)
    expected = svr.predict((-1 + 2 * (f - lo) / (hi - lo))[None])[0]
    got = m.predict([Sample(id="a", image=write_png(tmp_path / "a.png", image))])[0].scores["quality"]
    assert math.isfinite(got) and got == pytest.approx(expected, abs=1e-3)
    assert type(m).availability({"weights_path": str(tmp_path / "nowhere")})[0] is False
