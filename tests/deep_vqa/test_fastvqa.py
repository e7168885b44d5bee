"""FAST-VQA: fragments in, one score per clip averaged over positions and clips; learning; counts."""
from tests.deep_iqa._training import (check_learns_and_overfits, check_official_names, check_parameter_counts,
                                      check_prepare_contract, prepared_batch, synthetic_video, targets, torch)

from baselines.deep_vqa import fastvqa

TINY_PREP = dict(fragments=2, clip_len=8)


def test_prepare_one_clip_for_training_four_for_testing():
    video = synthetic_video(0, frames=40, height=48, width=72)  # smaller than 2 x 32: enlarged
    train = check_prepare_contract(fastvqa, fastvqa.Prepare(train=True, **TINY_PREP), video)["fragments"]
    test = fastvqa.Prepare(**TINY_PREP)(video)["fragments"]
    assert train.shape == (1, 3, 8, 64, 64) and test.shape == (4, 3, 8, 64, 64) and test.dtype == torch.uint8
    full = fastvqa.Prepare()(synthetic_video(0, frames=70, height=240, width=300))["fragments"]
    assert full.shape == (4, 3, 32, 224, 224)


def test_score_is_the_mean_of_local_scores_over_positions_and_clips():
    net = fastvqa.build("tiny").eval()
    clips = torch.randint(0, 255, (2, 3, 3, 8, 64, 64), dtype=torch.uint8)
    with torch.no_grad():
        local = net.vqa_head(net.fragments_backbone(net.normalize(clips.flatten(0, 1))))
        assert local.shape == (6, 2, 4, 2, 2)  # a score per position: the intra-patch regression
        assert torch.allclose(net(clips), local.mean(dim=(2, 3, 4)).view(2, 3, 2).mean(1), atol=1e-6)


def test_learns_and_overfits_8_samples():
    videos = [synthetic_video(s, frames=16, height=64, width=64) for s in range(8)]
    batch = prepared_batch(fastvqa.Prepare(train=True, fragments=2, fsize=16, clip_len=4), videos)
    net = fastvqa.build("tiny")
    check_learns_and_overfits(fastvqa, net, batch, targets(), steps=40, lr=2e-3, near_zero=0.05)


def test_parameter_count_matches_the_official_code():
    check_parameter_counts(fastvqa, second_output=64 + 1)


def test_official_names_are_this_models_names():
    official = {"fragments_backbone.patch_embed.proj.weight": (96, 3, 2, 4, 4),
                "fragments_backbone.layers.0.blocks.1.attn.fragment_position_bias_table": (15 * 13 * 13, 3),
                "fragments_backbone.layers.2.blocks.5.attn.relative_position_bias_table": (2535, 12),
                "fragments_backbone.layers.2.blocks.5.attn.relative_position_index": (392, 392),
                "fragments_backbone.layers.2.downsample.reduction.weight": (768, 1536),
                "fragments_backbone.layers.3.blocks.1.mlp.fc2.weight": (768, 3072),
                "fragments_backbone.norm.bias": (768,), "vqa_head.fc_hid.weight": (64, 768, 1, 1, 1),
                "vqa_head.fc_last.bias": (1,)}
    renamed = check_official_names(fastvqa, official)
    assert len(renamed) == len(official) - 1
    stage4 = fastvqa.build("tiny").fragments_backbone.layers[3].blocks[0].attn
    assert not hasattr(stage4, "fragment_position_bias_table")  # the last stage has plain biases