"""QAC [77]: learned quality-aware codebook, native score range and direction, modes, bad frames."""
from __future__ import annotations

import numpy as np
import pytest

from baselines.handcrafted_iqa import qac as Q
from baselines.handcrafted_iqa._codebook import load_codebook
from baselines.handcrafted_iqa._pri_common import BadFrame
from bench.models.base import RunContext

from ._nss_images import dead_leaves, image_samples, noisy, tiny_video_sample


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
    assert scores[0] > scores[1] > scores[2]  # higher is better
    assert Q.QAC.higher_is_better is True and Q.QAC.paper_row == "QAC [77]"


def test_svr_mode_features_and_fit(tmp_path):
    samples = image_samples(tmp_path, n=8)
    model = Q.QAC(mode="svr", n_jobs=2).fit(samples, RunContext())
    q = np.array([p.scores["quality"] for p in model.predict(samples)])
    assert np.isfinite(q).all()
    f = model.frame_features(dead_leaves(64))
    assert f.shape == (11,) and np.isclose(f[:10].sum(), 1.0)


def test_mp4_end_to_end(tmp_path):
    [pred] = Q.QAC(frames=3).predict([tiny_video_sample(tmp_path, size=96, n_frames=4)])
    assert 0 <= pred.scores["quality"] <= 1


@pytest.mark.parametrize("frame, why", [
    (np.full((64, 64, 3), 90, np.uint8), "constant"),
    (np.zeros((8, 8, 3), np.uint8), "at least"),
    (np.full((64, 64), np.nan), "non-finite"),
])
def test_bad_frames_raise_badframe(frame, why):
    with pytest.raises(BadFrame, match=why):
        Q.qac_score(frame, load_codebook(Q.CODEBOOK))
