"""HOSA [76]: learned codebook, representation, svr-only mode, a video.

The family contract (row, svr mode, bad frames) is in test_family_contract.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from baselines.handcrafted_iqa import hosa as H
from baselines.handcrafted_iqa._codebook import DATA_DIR, load_codebook
from bench.errors import ConfigError

from ._helpers import blurred, dead_leaves, noisy, tiny_video_sample


def test_codebook_file_is_small_and_complete():
    cb = load_codebook(H.CODEBOOK)
    assert cb["mean"].shape == cb["var"].shape == cb["skew"].shape == (100, 49)
    assert (cb["var"] >= 0).all() and float(cb["beta"]) > 0
    assert sum(p.stat().st_size for p in DATA_DIR.glob("*.npz")) < 2 * 1024 ** 2


def test_representation_is_unit_norm_and_sees_distortion():
    cb = load_codebook(H.CODEBOOK)
    img = dead_leaves(128)
    z = [H.hosa_representation(x, cb) for x in (img, blurred(img), noisy(img))]
    assert z[0].shape == (100 * 3 * 49,)
    np.testing.assert_allclose([np.linalg.norm(v) for v in z], 1.0)
    assert np.linalg.norm(z[0] - z[1]) > 0.1 and np.linalg.norm(z[0] - z[2]) > 0.1


def test_native_mode_is_refused_with_a_reason():
    with pytest.raises(ConfigError, match="never published"):
        H.HOSA(mode="native")
    assert H.HOSA().mode == "svr"


def test_mp4_end_to_end(tmp_path):
    sample = tiny_video_sample(tmp_path, size=96, n_frames=4)
    feats = H.HOSA(frames=3).video_features(sample)
    assert feats.shape == (14700,) and np.isfinite(feats).all()
