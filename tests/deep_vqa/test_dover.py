"""DOVER: two views, two branches, the fused score; the inflated ConvNeXt; learning; counts."""
from tests.deep_iqa._training import (check_learns_and_overfits, check_official_names, check_parameter_counts,
                                      check_prepare_contract, prepared_batch, synthetic_video, targets, torch)

import numpy as np

from baselines.deep_iqa.losses import plcc_rank_loss
from baselines.deep_vqa import dover

TINY_PREP = dict(fragments=2, clip_len=8, aesthetic_size=32, aesthetic_frames=8)


def tiny_batch(n: int = 2, train: bool = False, clip_len: int = 8, fsize: int = 32):
    videos = [synthetic_video(s, frames=24, height=64, width=64) for s in range(n)]
    opts = dict(TINY_PREP, clip_len=clip_len, aesthetic_frames=clip_len, fsize=fsize)
    return prepared_batch(dover.Prepare(train=train, **opts), videos)


def test_fused_score_is_the_sum_of_the_branch_scores():
    net = dover.build("tiny")
    batch = tiny_batch()
    net.eval()
    with torch.no_grad():
        fused = net(**batch)
        parts = net.branches(**batch)
        t = net.technical_head(net.technical_backbone(net.normalize(batch["technical"].flatten(0, 1))))
    assert parts.shape == (2, 2, 2) and fused.shape == (2, 2)
    assert torch.allclose(fused, parts[:, 0] + parts[:, 1], atol=1e-6)
    assert torch.allclose(parts[:, 0], t.mean(dim=(2, 3, 4)).view(2, -1, 2).mean(1), atol=1e-6)
    net.train()
    assert net(**batch).shape == (2, 2, 2)  # training: both branches, each supervised


def test_loss_supervises_each_branch_with_the_overall_label():
    pred = torch.randn(6, 2, 2)
    y = torch.rand(6, 2)
    expected = plcc_rank_loss(pred[:, 0], y) + plcc_rank_loss(pred[:, 1], y)
    assert torch.allclose(dover.loss(pred, y), expected)
    assert torch.allclose(dover.loss(pred.sum(1), y), plcc_rank_loss(pred.sum(1), y))


def test_prepare_fragments_and_a_downsampled_whole_frame_view():
    video = synthetic_video(0, frames=40, height=48, width=80)
    item = check_prepare_contract(dover, dover.Prepare(train=True, **TINY_PREP), video)
    assert item["technical"].shape == (1, 3, 8, 64, 64) and item["aesthetic"].shape == (1, 3, 8, 32, 32)
    test = dover.Prepare(**TINY_PREP)(video)
    assert test["technical"].shape == (3, 3, 8, 64, 64)
    # the aesthetic view is whole frames resized, not crops: 40 frames in 8 segments of 5, the middle
    # offset (5 - 2) // 2 = 1 without an rng, so frames 1, 6, 11, ...
    import cv2

    expected = cv2.resize(video[1], (32, 32), interpolation=cv2.INTER_AREA)
    assert np.array_equal(test["aesthetic"][0, :, 0].permute(1, 2, 0).numpy(), expected)


def test_convnext3d_inflated_from_2d_computes_the_2d_network_on_still_video():
    import timm

    two_d = timm.models.convnext.ConvNeXt(depths=(2, 2, 2, 2), dims=(8, 16, 32, 64), num_classes=0,
                                          ls_init_value=0.5).eval()
    three_d = dover.ConvNeXt3D(depths=(2, 2, 2, 2), dims=(8, 16, 32, 64), inflate="1").eval()
    renames = [("stem.", "downsample_layers.0."), ("conv_dw", "dwconv"), ("mlp.fc1", "pwconv1"),
               ("mlp.fc2", "pwconv2"), ("head.norm.", "norm.")]
    facebook = {}  # timm's names -> the facebookresearch layout the authors inflate from
    for key, value in two_d.state_dict().items():
        for old, new in renames:
            key = key.replace(old, new)
        parts = key.split(".")
        if ".downsample." in key:
            key = f"downsample_layers.{parts[1]}." + ".".join(parts[3:])
        elif ".blocks." in key:
            key = f"stages.{parts[1]}.{parts[3]}." + ".".join(parts[4:])
        facebook[key] = value
    three_d.load_state_dict(dover.inflate_convnext2d(facebook, three_d), strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        y = x.unsqueeze(2).repeat(1, 1, 2, 1, 1)
        for down, stage in zip(three_d.downsample_layers, three_d.stages):
            y = stage(down(y))
        assert torch.allclose(y[:, :, 0], two_d.forward_features(x), atol=1e-5)


def test_learns_and_overfits_8_samples():
    batch = tiny_batch(8, train=True, clip_len=4, fsize=16)
    net = dover.build("tiny")
    check_learns_and_overfits(dover, net, batch, targets(), steps=40, lr=2e-3, near_zero=0.1)


def test_parameter_count_matches_the_official_code():
    check_parameter_counts(dover, second_output=2 * (64 + 1))


def test_official_names_are_this_models_names():
    official = {"technical_backbone.layers.1.blocks.0.attn.fragment_position_bias_table": (2535, 6),
                "technical_head.fc_last.weight": (1, 64, 1, 1, 1),
                "aesthetic_backbone.downsample_layers.0.0.weight": (96, 3, 2, 4, 4),
                "aesthetic_backbone.downsample_layers.2.1.weight": (384, 192, 1, 2, 2),
                "aesthetic_backbone.stages.2.4.dwconv.weight": (384, 1, 3, 7, 7),
                "aesthetic_backbone.stages.2.5.dwconv.weight": (384, 1, 1, 7, 7),
                "aesthetic_backbone.stages.3.2.gamma": (768,), "aesthetic_backbone.norm.weight": (768,),
                "aesthetic_head.fc_hid.bias": (64,)}
    renamed = check_official_names(dover, official)