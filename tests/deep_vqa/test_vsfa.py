"""VSFA: the subjectively-inspired temporal pooling by hand, the GRU head, learning, counts."""
from tests.deep_iqa._training import (check_learns_and_overfits, check_official_names, check_parameter_counts,
                                      check_prepare_contract, prepared_batch, synthetic_video, targets, torch)

import math

import numpy as np
import pytest

from baselines.deep_vqa import vsfa
from baselines.deep_vqa.temporal import GRUQualityHead, subjective_pooling


def test_temporal_pooling_hand_example():
    q = torch.tensor([[1.0], [3.0], [2.0]])
    out = subjective_pooling(q, tau=2, beta=0.5)[:, 0]
    e = math.exp
    memory = [1, 1, 2]  # min over the frame and the one before
    current = [(1 * e(-1) + 3 * e(-3)) / (e(-1) + e(-3)),  # soft-min over the frame and the one after
               (3 * e(-3) + 2 * e(-2)) / (e(-3) + e(-2)), 2]
    expected = [0.5 * m + 0.5 * l for m, l in zip(current, memory)]
    assert torch.allclose(out, torch.tensor(expected), atol=1e-6)


def test_temporal_pooling_follows_its_equations_on_a_long_sequence():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(40, 2)) * 3 + 50  # far from 0: unnormalised MOS-like scores stay finite
    out = subjective_pooling(torch.tensor(q, dtype=torch.float64), tau=12, beta=0.3).numpy()
    for t in range(40):
        for k in range(2):
            memory = q[max(0, t - 11):t + 1, k].min()
            window = q[t:t + 12, k]
            w = np.exp(-(window - window.min()))
            assert out[t, k] == pytest.approx(0.3 * (w @ window / w.sum()) + 0.7 * memory)


def test_head_pools_only_the_valid_steps():
    head = GRUQualityHead(6, 4, 3, outputs=2).eval()
    x = torch.randn(1, 5, 6)
    padded = torch.cat([x, torch.randn(1, 4, 6)], 1)  # whatever follows `length` is ignored
    with torch.no_grad():
        a = head(x, torch.tensor([5]))
        b = head(padded, torch.tensor([5]))
        c = subjective_pooling(head.frame_scores(x)[0]).mean(0)
    assert torch.allclose(a, b) and torch.allclose(a[0], c)


def test_prepare_pads_to_max_len():
    video = synthetic_video(0, frames=5, height=40, width=48)
    item = check_prepare_contract(vsfa, vsfa.Prepare(max_len=8), video)
    assert item["frames"].shape == (8, 3, 40, 48) and item["length"].item() == 5
    assert item["frames"][5:].abs().sum() == 0
    assert vsfa.Prepare(size=(36, 40))(video)["frames"].shape == (5, 3, 36, 40)
    with pytest.raises(ValueError, match="max_len"):
        vsfa.Prepare(max_len=4)(video)
    with pytest.raises(ValueError, match="33"):
        vsfa.Prepare(size=(16, 16))(video)


def test_backbone_is_frozen_and_features_can_be_cached():
    net = vsfa.build("tiny")
    batch = prepared_batch(vsfa.Prepare(max_len=6), [synthetic_video(0, frames=4, height=40, width=40),
                                                     synthetic_video(1, frames=6, height=40, width=40)])
    net.train()
    assert not net.backbone.training and not any(p.requires_grad for p in net.backbone.parameters())
    feats = net.frozen_features(batch["frames"], batch["length"])
    assert feats["features"].shape == (2, 6, 2 * 256) and feats["features"][0, 4:].abs().sum() == 0
    net.eval()
    with torch.no_grad():
        assert torch.allclose(net(**batch), net(features=feats["features"], length=batch["length"]), atol=1e-6)


def test_learns_and_overfits_8_samples():
    net = vsfa.build("tiny")
    videos = [synthetic_video(s, frames=6, height=40, width=40) for s in range(8)]
    batch = prepared_batch(vsfa.Prepare(), videos)
    batch.update(net.frozen_features(**{k: batch.pop(k) for k in vsfa.FROZEN_INPUTS}))
    check_learns_and_overfits(vsfa, net, batch, targets(), steps=150, lr=1e-2, near_zero=0.05)


def test_parameter_count_matches_the_official_code_but_its_unused_layer():
    check_parameter_counts(vsfa, second_output=32 + 1)


def test_official_names_map_onto_this_model():
    official = {"ann.fc0.weight": (128, 4096), "ann.fc.weight": (128, 128), "rnn.weight_hh_l0": (96, 32),
                "rnn.bias_ih_l0": (96,), "q.weight": (1, 32)}
    renamed = check_official_names(vsfa, official)
    assert "head.fc.weight" not in renamed and len(renamed) == 4