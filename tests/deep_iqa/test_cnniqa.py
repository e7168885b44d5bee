"""CNNIQA: local normalisation and 32x32 patches, max+min pooling, learning, parameter count."""
from tests.deep_iqa._training import (check_learns_and_overfits, check_parameter_counts, check_prepare_contract,
                                      prepared_batch, synthetic_video, targets, torch)

import numpy as np
import pytest

from baselines.deep_iqa import cnniqa


def test_local_normalization_matches_hand_computation():
    gray = np.arange(25, dtype=float).reshape(5, 5) ** 1.5
    out = cnniqa.local_normalize(gray, window=3, c=1.0)
    for y, x in ((2, 2), (0, 0), (4, 1)):  # interior, corner, edge (mirrored borders: abc|cba)
        padded = np.pad(gray, 1, mode="symmetric")
        win = padded[y:y + 3, x:x + 3]
        expected = (gray[y, x] - win.mean()) / (win.std() + 1.0)
        assert out[y, x] == pytest.approx(expected, rel=1e-9)


def test_prepare_cuts_every_non_overlapping_patch_of_every_frame():
    video = synthetic_video(1, frames=2, height=70, width=100)
    item = check_prepare_contract(cnniqa, cnniqa.Prepare(), video)
    assert item["patches"].shape == (2 * 2 * 3, 1, 32, 32) and item["patches"].dtype == torch.float32
    one = cnniqa.Prepare()(video[:1])  # one frame: the harness's per-frame item
    assert one["patches"].shape == (6, 1, 32, 32)
    import cv2

    norm = cnniqa.local_normalize(cv2.cvtColor(video[0], cv2.COLOR_RGB2GRAY))
    assert np.allclose(one["patches"][4, 0].numpy(), norm[32:64, 32:64], atol=1e-5)  # row 1, column 1
    with pytest.raises(ValueError, match="smaller than the 32"):
        cnniqa.Prepare()(video[:, :20])


def test_max_min_pooling_of_one_convolution():
    net = cnniqa.build("tiny", outputs=2).eval()
    patches = torch.randn(1, 3, 1, 32, 32)
    maps = net.conv1(patches[0])
    h = torch.cat([maps.amax(dim=(2, 3)), maps.amin(dim=(2, 3))], 1)
    per_patch = net.fc3(torch.relu(net.fc2(torch.relu(net.fc1(h)))))
    assert torch.allclose(net(patches), per_patch.mean(0, keepdim=True), atol=1e-6)
    net.train()
    assert net(patches).shape == (1, 3, 2)  # training: every patch against its item's label


def test_learns_and_overfits_8_samples():
    videos = [synthetic_video(s, frames=1, height=32, width=64) for s in range(8)]
    batch = prepared_batch(cnniqa.Prepare(train=True), videos)
    net = cnniqa.build("tiny", dropout=0.0)
    check_learns_and_overfits(cnniqa, net, batch, targets(), steps=80, lr=1e-2, near_zero=0.05)


def test_parameter_count_matches_the_paper():
    check_parameter_counts(cnniqa, second_output=800 + 1)  # one more output unit
