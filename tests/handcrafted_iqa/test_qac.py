"""QAC [77]: learned quality-aware codebook, native score range and direction, features, a video.

The family contract (row, svr mode, bad frames) is in test_family_contract.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from baselines.handcrafted_iqa import qac as Q
from baselines.handcrafted_iqa._codebook import load_codebook

from ._helpers import dead_leaves, noisy, tiny_video_sample


def test_codebook_has_centroids_on_every_level():
    cb = load_codebook(Q.CODEBOOK)
    assert cb["centroids"].shape[1] == 64
    np.testing.assert_array_equal(np.bincount(cb["centroid_level"]), 25)
    np.testing.assert_allclose(cb["level_quality"], (np.arange(10) + 0.5) / 10)


def test_native_score_in_unit_range_and_falls_with_noise():
    img = dead_leaves(192)
    m = Q.QAC(n_jobs=1)
    scores = [m.frame_score(x) for x in (img, noisy(img, 15), noisy(img, 40))]
    assert all(0 <= s <= 1 for s in scores)
    assert scores[0] > scores[1] > scores[2]  # higher is better (higher_is_better: test_family_contract)


def test_svr_features_are_level_weights_and_the_score():
    f = Q.QAC(mode="svr", n_jobs=1).frame_features(dead_leaves(64))
    assert f.shape == (11,) and np.isclose(f[:10].sum(), 1.0)


def test_mp4_end_to_end(tmp_path):
    [pred] = Q.QAC(frames=3).predict([tiny_video_sample(tmp_path, size=96, n_frames=4)])
    assert 0 <= pred.scores["quality"] <= 1


def test_bench_list_shows_the_codebook():
    from bench.models.registry import get_entry

    assert get_entry("qac").defaults == {"codebook": "learned"}


def test_codebook_from_a_file(tmp_path):
    from scipy.io import savemat

    cb = {k: np.array(v) for k, v in load_codebook(Q.CODEBOOK).items()}
    img = dead_leaves(96)
    learned = Q.QAC(n_jobs=1).frame_score(img)
    np.savez(tmp_path / "same.npz", **cb)
    assert Q.QAC(codebook=str(tmp_path / "same.npz"), n_jobs=1).frame_score(img) == learned
    flipped = dict(cb, level_quality=1.0 - cb["level_quality"])  # every level's quality mirrored
    savemat(tmp_path / "flipped.mat", flipped)
    assert Q.QAC(codebook=str(tmp_path / "flipped.mat"), n_jobs=1).frame_score(img) == pytest.approx(1 - learned)


def test_bad_codebook_files_are_refused_clearly(tmp_path):
    from bench.errors import ModelUnavailable

    ok, why = Q.QAC.availability({"codebook": str(tmp_path / "none.npz")})
    assert not ok and "not found" in why
    np.savez(tmp_path / "partial.npz", centroids=np.zeros((3, 64)))
    with pytest.raises(ModelUnavailable, match="missing centroid_level, level_quality, lambda"):
        Q.QAC(codebook=str(tmp_path / "partial.npz"))

