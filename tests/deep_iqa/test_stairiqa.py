"""StairIQA: the staircase of multi-level features, crops, learning, parameter count."""
from tests.deep_iqa._training import (check_learns_and_overfits, check_official_names, check_parameter_counts,
                                      check_prepare_contract, prepared_batch, synthetic_video, targets, torch)

import pytest

from baselines.deep_iqa import stairiqa


def test_staircase_adds_every_level_to_the_top_stage():
    net = stairiqa.build("tiny").eval()
    x = torch.randn(2, 3, 64, 64)
    b = net.backbone
    plain = b.layer4(b.layer3(b.layer2(b.layer1(b.maxpool(b.relu(b.bn1(b.conv1(x))))))))
    with torch.no_grad():
        full = net.staircase(x)
        for name in ("hyper1_1", "hyper2_2", "hyper3_3", "hyper4_1", "hyper4_2", "hyper4_3", "hyper4_4"):
            getattr(net, name)[2].weight.zero_()  # the top of every staircase: no contribution left
        cut = net.staircase(x)
    assert torch.allclose(cut, plain.mean(dim=(2, 3)), atol=1e-5)
    assert not torch.allclose(full, cut, atol=1e-4)
    assert full.shape == (2, b.channels[-1])


def test_staircase_levels_reach_the_top_through_the_right_blocks():
    net = stairiqa.build("tiny").eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        base = net.staircase(x)
        net.hyper1_1[0].weight.mul_(2)  # level 1 (the stem) enters the staircase here
        changed = net.staircase(x)
    assert not torch.allclose(base, changed, atol=1e-6)


def test_prepare_random_crop_for_training_five_crops_for_testing():
    video = synthetic_video(2, frames=2, height=60, width=90)
    opts = dict(resize=48, crop=40)
    train = check_prepare_contract(stairiqa, stairiqa.Prepare(train=True, **opts), video)["crops"]
    test = stairiqa.Prepare(**opts)(video)["crops"]
    assert train.shape == (2, 3, 40, 40) and test.shape == (10, 3, 40, 40) and test.dtype == torch.uint8
    assert stairiqa.Prepare(test_crops="center", **opts)(video[:1])["crops"].shape == (1, 3, 40, 40)
    with pytest.raises(ValueError, match="test_crops"):
        stairiqa.Prepare(test_crops="ten")


def test_learns_and_overfits_8_samples():
    videos = [synthetic_video(s, frames=1) for s in range(8)]
    batch = prepared_batch(stairiqa.Prepare(train=True, resize=64, crop=64), videos)
    net = stairiqa.build("tiny")
    check_learns_and_overfits(stairiqa, net, batch, targets(), steps=40, lr=3e-3, near_zero=0.01)


def test_parameter_count_matches_the_official_code():
    check_parameter_counts(stairiqa, second_output=128 + 1)


def test_official_names_map_onto_this_model():
    official = {"feature_extraction_stem.0.weight": (64, 3, 7, 7), "feature_extraction_stem.1.running_var": (64,),
                "feature_extraction1.4.2.conv3.weight": (256, 64, 1, 1),
                "feature_extraction4.7.2.bn3.running_var": (2048,), "hyper1_1.1.weight": (16, 16, 3, 3),
                "hyper4_4.2.weight": (2048, 256, 1, 1), "quality.0.weight": (128, 2048), "quality.1.bias": (1,)}
    renamed = check_official_names(stairiqa, official)