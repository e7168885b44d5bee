"""SimpleVQA: key frames and motion clips, frozen SlowFast features, learning, counts."""
from tests.deep_iqa._training import (check_learns_and_overfits, check_official_names, check_parameter_counts,
                                      check_prepare_contract, prepared_batch, synthetic_video, targets, torch)

import numpy as np

from baselines.deep_vqa import simplevqa

TINY_PREP = dict(fps=4, key_frames=2, resize=40, crop=36, clip_len=4, clip_size=36)


def test_key_frames_and_clips_follow_the_authors_rules():
    keys, clips = simplevqa.key_and_clip_indices(100, fps=30, count=8, clip_len=32)
    assert keys.tolist() == [0, 30, 60, 90, 90, 90, 90, 90]  # a key frame a second, padded with the last
    assert clips.shape == (8, 32) and clips[:, 0].tolist() == [0, 30, 60, 60, 60, 60, 60, 60]  # 3 whole seconds
    assert clips[2, -1] == 91 and clips[0].tolist() == list(range(32))
    keys, clips = simplevqa.key_and_clip_indices(300, fps=29.97, count=8, clip_len=32)
    assert keys.tolist() == list(range(0, 240, 30)) and (clips[7] == np.arange(210, 242)).all()
    keys, clips = simplevqa.key_and_clip_indices(10, fps=30, count=8, clip_len=32)  # shorter than a second
    assert keys.tolist() == [0] * 8 and clips[0, -1] == 9


def test_prepare_shapes_and_crops():
    video = synthetic_video(0, frames=12, height=48, width=64)
    item = check_prepare_contract(simplevqa, simplevqa.Prepare(train=True, **TINY_PREP), video)
    assert item["frames"].shape == (2, 3, 36, 36) and item["clips"].shape == (2, 3, 4, 36, 36)
    test = simplevqa.Prepare(**TINY_PREP)(video)
    assert test["clips"].dtype == torch.uint8 and torch.equal(test["clips"], item["clips"])  # clips: no crop
    full = simplevqa.Prepare()(synthetic_video(0, frames=33, height=60, width=80))
    assert full["frames"].shape == (8, 3, 448, 448) and full["clips"].shape == (8, 3, 32, 224, 224)


def test_motion_features_are_frozen_and_can_be_cached():
    net = simplevqa.build("tiny")
    video = synthetic_video(1, frames=12, height=48, width=64)
    batch = prepared_batch(simplevqa.Prepare(**TINY_PREP), [video, video[::-1].copy()])
    net.train()
    assert not net.motion.training and not any(p.requires_grad for p in net.motion.parameters())
    net.eval()
    motion = net.frozen_features(batch["clips"])["motion"]
    assert motion.shape == (2, 2, 256 + 32)  # slow + fast channels of every clip
    with torch.no_grad():
        assert torch.allclose(net(**batch), net(frames=batch["frames"], motion=motion), atol=1e-6)


def test_learns_and_overfits_8_samples():
    net = simplevqa.build("tiny")
    videos = [synthetic_video(s, frames=8, height=48, width=48) for s in range(8)]
    batch = prepared_batch(simplevqa.Prepare(train=True, **TINY_PREP), videos)
    batch.update(net.frozen_features(**{k: batch.pop(k) for k in simplevqa.FROZEN_INPUTS}))  # cached, as the authors
    check_learns_and_overfits(simplevqa, net, batch, targets(), steps=60, lr=1e-3, near_zero=0.05)


def test_parameter_count_matches_the_official_code():
    check_parameter_counts(simplevqa, second_output=128 + 1)


def test_official_names_map_onto_this_model():
    official = {"conv1.weight": (64, 3, 7, 7), "bn1.bias": (64,), "layer2.3.conv2.weight": (128, 128, 3, 3),
                "layer4.0.downsample.0.weight": (2048, 1024, 1, 1), "quality.0.weight": (128, 9472),
                "quality.1.weight": (1, 128)}
    renamed = check_official_names(simplevqa, official)