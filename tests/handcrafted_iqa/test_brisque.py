"""BRISQUE [51]: MATLAB conventions, published reference values, a video end to end.

The family contract (row, direction, svr mode, bad frames) is in test_family_contract.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from baselines.handcrafted_iqa import _nss
from baselines.handcrafted_iqa import brisque as B

from ._helpers import MATLAB_BRISQUE, calibration_misses, dead_leaves, needs_calibration_images, tiny_video_sample

published = pytest.mark.skipif(not B.BRISQUE.availability()[0], reason="BRISQUE's published model is not installed: "
                                + B.INSTALL_HINT)


def test_imresize_half_matches_matlab_on_a_ramp():
    # MATLAB: imresize(1:16 ramp, 0.5) is the mean of each pair away from the borders (symmetric kernel)
    ramp = np.tile(np.arange(1.0, 17.0), (16, 1))
    out = _nss.imresize_matlab(ramp, 0.5)
    assert out.shape == (8, 8)
    np.testing.assert_allclose(out[:, 2:-2], np.tile(np.arange(1.5, 16, 2.0)[2:-2], (8, 1)), atol=1e-12)
    np.testing.assert_allclose(_nss._resize_matrix(37, 0.5).sum(axis=1), 1.0)


def test_rgb2gray_matches_matlab_rounding():
    px = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 200, 30]]], np.uint8)
    # MATLAB: rgb2gray(uint8([255 0 0])) = 76, green 150, blue 29, [10 200 30] = round(123.82) = 124
    np.testing.assert_array_equal(_nss.gray_matlab(px), [[76, 150, 29, 124]])


def test_aggd_fit_recovers_a_laplacian():
    rng = np.random.default_rng(0)
    alpha, left, right = _nss.fit_aggd(rng.laplace(size=(2, 200_000)))
    np.testing.assert_allclose(alpha, 1.0, atol=0.03)  # a Laplacian is a GGD of shape 1
    np.testing.assert_allclose(left, np.sqrt(2), rtol=0.02)


@published
def test_published_model_is_the_authors_live_model():
    model, scaling = B.load_release()
    assert model.sv.shape == (774, 36) and model.gamma == 0.05 and model.rho[0] == -153.591
    assert (scaling.lower, scaling.upper) == (-1.0, 1.0) and scaling.ranges[1] == (0.338, 10.0)


@published
@needs_calibration_images
def test_reproduces_published_matlab_scores():
    assert calibration_misses(B.BRISQUE(), MATLAB_BRISQUE, tol=0.1, tol_i19=2.0) == []


def test_features_shape_and_scale_invariants():
    f = B.brisque_features(dead_leaves(256))
    assert f.shape == (36,) and np.isfinite(f).all()
    assert 0.2 <= f[0] <= 10 and f[1] > 0  # GGD shape on the grid, variance positive


@published
def test_mp4_end_to_end_and_bad_video_does_not_stop(tmp_path):
    from bench.data.sample import Sample

    good = tiny_video_sample(tmp_path)
    missing = Sample(id="gone", video=tmp_path / "missing.mp4")
    model = B.BRISQUE(frames=4, n_jobs=2)
    [pred] = model.predict([good])
    assert np.isfinite(pred.scores["quality"])
    frames = good.frames(count=4)
    assert frames.shape[0] == 4 and frames.dtype == np.uint8
    from bench.errors import DataError

    with pytest.raises(DataError):  # raised for that sample alone; the runner records it and goes on
        model.predict([missing])
