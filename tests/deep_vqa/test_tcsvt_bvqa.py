"""TCSVT-BVQA: the chunking, spatial + motion features per time step, the mapping, learning, counts."""
from tests.deep_iqa._training import (check_learns_and_overfits, check_official_names, check_parameter_counts,
                                      check_prepare_contract, prepared_batch, synthetic_video, targets, torch)

import math

import numpy as np
import pytest

from baselines.deep_vqa import tcsvt_bvqa


def test_chunk_steps_hand_examples():
    pick = np.floor(np.linspace(0, 63, 32)).astype(int)
    index, keep = tcsvt_bvqa.chunk_steps(240)
    # chunks at 0, 64, 128 (each ends before frame 240), then the last 64 frames, keeping frames >= 192
    assert index.shape == (4, 32) and (index[1] == 64 + pick).all() and (index[3] == 176 + pick).all()
    assert keep[:3].all() and keep[3].sum() == (176 + pick >= 192).sum() == 24
    index, keep = tcsvt_bvqa.chunk_steps(128)
    assert index.shape == (2, 32) and keep.all() and (index[1] == 64 + pick).all()
    index, keep = tcsvt_bvqa.chunk_steps(50)  # one chunk spread over the whole short video
    assert index.tolist() == [np.floor(np.linspace(0, 49, 32)).astype(int).tolist()] and keep.all()


def test_prepare_clips_keep_and_padding():
    video = synthetic_video(0, frames=70, height=36, width=40)
    item = check_prepare_contract(tcsvt_bvqa, tcsvt_bvqa.Prepare(chunk=16, steps=8, max_chunks=6), video)
    assert item["clips"].shape == (6, 3, 8, 36, 40) and item["keep"].shape == (6, 8)
    assert item["keep"][:4].all() and not item["keep"][5].any() and 0 < item["keep"][4].sum() < 8
    with pytest.raises(ValueError, match="max_chunks"):
        tcsvt_bvqa.Prepare(chunk=16, steps=8, max_chunks=2)(video)
    with pytest.raises(ValueError, match="33"):
        tcsvt_bvqa.Prepare()(video[:, :20])


def tiny_batch(n: int):
    videos = [synthetic_video(s, frames=24 + 4 * (s % 2), height=40, width=40) for s in range(n)]
    return prepared_batch(tcsvt_bvqa.Prepare(chunk=8, steps=4, max_chunks=4), videos)


def test_features_per_time_step_are_spatial_then_motion_mean_and_std():
    net = tcsvt_bvqa.build("tiny").eval()
    batch = tiny_batch(2)
    feats = net.frozen_features(batch["clips"], batch["keep"])
    assert feats["length"].tolist() == [12, 14]  # kept steps of a 24- and a 28-frame video
    assert feats["features"].shape == (2, 14, 2 * 256 + 2 * 32)
    # step 0 of item 0: frame 0 through the spatial trunk, and time step 0 of chunk 0's fast pathway
    clip = net.normalize(batch["clips"][0, :1])
    with torch.no_grad():
        spatial = net.spatial(clip[:, :, 0])[-1].flatten(2)
        fast = net.motion(clip)[1][:, :, 0].flatten(2)
    expected = torch.cat([spatial.mean(-1), spatial.std(-1), fast.mean(-1), fast.std(-1)], dim=1)[0]
    assert torch.allclose(feats["features"][0, 0], expected, atol=1e-5)
    with torch.no_grad():
        assert torch.allclose(net(**batch), net(**feats), atol=1e-6)


def test_mapping_starts_as_the_authors_and_training_returns_relative_and_mapped():
    net = tcsvt_bvqa.build("tiny")
    assert torch.allclose(net.nlm.weight, torch.full((2, 1), 2 * math.sqrt(3)))
    assert not net.nlm.out_weight.requires_grad and not net.nlm.out_bias.requires_grad
    feats = net.frozen_features(**tiny_batch(2))
    net.train()
    out = net(**feats)
    assert out.shape == (2, 2, 2) and torch.allclose(out[:, 1], net.nlm(out[:, 0]))
    assert ((out[:, 0] > 0) & (out[:, 0] < 1)).all()  # the relative score is a sigmoid
    with pytest.raises(ValueError, match="at least 2"):
        tcsvt_bvqa.loss(out[:1], torch.zeros(1, 2))


def test_learns_and_overfits_8_samples():
    net = tcsvt_bvqa.build("tiny")
    batch = tiny_batch(8)
    batch.update(net.frozen_features(**{k: batch.pop(k) for k in tcsvt_bvqa.FROZEN_INPUTS}))
    check_learns_and_overfits(tcsvt_bvqa, net, batch, targets(), steps=100, lr=1e-2, near_zero=0.1)


def test_parameter_count_matches_the_official_code_but_the_alignment_layer():
    check_parameter_counts(tcsvt_bvqa, second_output=32 + 1 + 4)


def test_official_names_map_onto_this_model():
    official = {"dimemsion_reduction.weight": (128, 4608), "feature_aggregation.weight_ih_l0": (96, 128),
                "regression.weight": (1, 32), "nlm.0.weight": (1, 1), "nlm.0.bias": (1,),
                "nlm.2.weight": (1, 1), "nlm.2.bias": (1,), "lm.C.weight": (1, 1)}
    renamed = check_official_names(tcsvt_bvqa, official)
    assert len(renamed) == len(official) - 1