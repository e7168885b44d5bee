"""NIQE [52]: the authors' pristine model, published reference values, MATLAB NaN rules, a video.

The family contract (row, direction, svr mode, bad frames) is in test_family_contract.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from baselines.handcrafted_iqa import niqe as N
from bench.errors import ModelUnavailable

from ._helpers import MATLAB_NIQE, calibration_misses, dead_leaves, needs_calibration_images, tiny_video_sample

published = pytest.mark.skipif(not N.NIQE.availability()[0], reason="NIQE's pristine model is not installed: "
                                + N.INSTALL_HINT)


@published
def test_pristine_model_is_the_authors():
    mu, cov = N.load_pristine_model()
    # first entries of the release's mu_prisparam (alpha and mean scale of the MSCN AGGD at scale 1)
    np.testing.assert_allclose(mu[:2], [2.60131368, 0.90570272], atol=1e-7)
    assert cov.shape == (36, 36) and np.allclose(cov, cov.T)


def test_model_path_errors_are_clear(tmp_path):
    with pytest.raises(ModelUnavailable, match="not found"):
        N.load_pristine_model(str(tmp_path / "nope.mat"))
    bad = tmp_path / "bad.npz"
    np.savez(bad, mu_pris_param=np.zeros(5), cov_pris_param=np.eye(5))
    with pytest.raises(ModelUnavailable, match="36"):
        N.load_pristine_model(str(bad))


@published
@needs_calibration_images
def test_reproduces_published_matlab_scores():
    assert calibration_misses(N.NIQE(), MATLAB_NIQE, tol=0.05, tol_i19=0.25) == []


def test_patch_features_layout():
    f = N.niqe_patch_features(dead_leaves(200))  # cropped to 192x192: 2x2 patches of 96
    assert f.shape == (4, 36) and np.isfinite(f).all()


def test_flat_patches_follow_matlab_nan_rules():
    img = dead_leaves(192).astype(np.float64)[..., 0]
    img[:96, :96] = 50.0  # one perfectly flat patch (replicated borders keep it exactly flat)
    img[:100, :100] = 50.0
    f = N.niqe_patch_features(img)
    flat = ~np.isfinite(f).all(axis=1)
    assert flat.sum() == 1
    row = f[flat][0]
    assert row[0] == 0.2 and np.isnan(row[1])  # MATLAB's min over NaN picks the first grid point


@published
def test_mp4_end_to_end(tmp_path):
    sample = tiny_video_sample(tmp_path, size=192, n_frames=4)
    [pred] = N.NIQE(frames=4).predict([sample])
    assert np.isfinite(pred.scores["quality"]) and pred.scores["quality"] == pred.scores["authenticity"]
