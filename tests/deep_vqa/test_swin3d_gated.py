"""The fragment attention network: Video Swin arithmetic (against torchvision), the GRPB gate."""
from tests.deep_iqa._training import torch

from baselines.deep_vqa.swin3d_gated import SwinTransformer3D, fragment_gate, from_kinetics_swin

TINY = dict(patch_size=(2, 4, 4), embed_dim=8, depths=(2, 2, 2, 2), num_heads=(1, 1, 2, 2), window_size=(2, 2, 2),
            drop_path_rate=0.0)


def torchvision_names(state: dict) -> dict:
    """torchvision's SwinTransformer3d state dict in Video Swin names (features.2k: stage k,
    features.2k+1: its patch merging; mlp.0/mlp.3: fc1/fc2)."""
    out = {}
    for key, value in state.items():
        if key.startswith("head") or key.endswith("relative_position_index"):
            continue
        p = key.split(".")
        if p[0] == "features" and int(p[1]) % 2 == 0:
            rest = p[3:]
            if rest[0] == "mlp":
                rest = ["mlp", {"0": "fc1", "3": "fc2"}[rest[1]], rest[2]]
            key = f"layers.{int(p[1]) // 2}.blocks.{p[2]}." + ".".join(rest)
        elif p[0] == "features":
            key = f"layers.{int(p[1]) // 2}.downsample." + ".".join(p[2:])
        out[key] = value
    return out


def test_without_fragment_tables_it_is_torchvision_video_swin():
    from torchvision.models.video.swin_transformer import SwinTransformer3d

    theirs = SwinTransformer3d(patch_size=[2, 4, 4], embed_dim=8, depths=[2, 2, 2, 2], num_heads=[1, 1, 2, 2],
                               window_size=[2, 2, 2], stochastic_depth_prob=0.0, num_classes=2).eval()
    ours = SwinTransformer3D(frag_biases=(False,) * 4, lattice=(2, 2), **TINY).eval()
    ours.load_state_dict(torchvision_names(theirs.state_dict()), strict=True)
    x = torch.randn(1, 3, 6, 40, 56)  # padding in time and space, shifted windows, merging
    with torch.no_grad():
        expected = theirs.norm(theirs.features(theirs.patch_embed(x))).permute(0, 4, 1, 2, 3)
        assert torch.allclose(ours(x), expected, atol=1e-5)


def test_gate_is_zero_inside_a_mini_patch_and_the_lattice_distance_across():
    # an 8x8 token map from a 2x2 lattice: mini-patches of 4x4 tokens
    plain = fragment_gate((1, 8, 8), (1, 4, 4), (0, 0, 0), (2, 2))
    assert plain.shape == (4, 16, 16) and plain.abs().sum() == 0  # windows coincide with mini-patches
    shifted = fragment_gate((1, 8, 8), (1, 4, 4), (0, 2, 2), (2, 2))
    # first shifted window: tokens rows 2..5, cols 2..5; token 0 = (2, 2) in patch (0, 0),
    # token 15 = (5, 5) in patch (1, 1), token 3 = (2, 5) in patch (0, 1)
    assert shifted[0, 0, 15] == 2 and shifted[0, 0, 3] == 1 and shifted[0, 0, 5] == 0
    assert torch.equal(shifted[0], shifted[0].T)


def test_equal_tables_make_the_gate_irrelevant_and_different_tables_matter():
    torch.manual_seed(1)
    gated = SwinTransformer3D(lattice=(2, 2), **TINY).eval()
    plain = SwinTransformer3D(frag_biases=(False,) * 4, lattice=(2, 2), **TINY).eval()
    plain.load_state_dict(gated.state_dict(), strict=False)
    x = torch.randn(1, 3, 4, 64, 64)
    with torch.no_grad():
        for name, p in gated.named_parameters():
            if "fragment_position_bias_table" in name:
                p.copy_(gated.get_parameter(name.replace("fragment", "relative")))
        assert torch.allclose(gated(x), plain(x), atol=1e-5)
        gated.layers[0].blocks[1].attn.fragment_position_bias_table.add_(1.0)
        assert not torch.allclose(gated(x), plain(x), atol=1e-4)


def test_kinetics_checkpoint_conversion_copies_the_relative_tables():
    source = SwinTransformer3D(frag_biases=(False,) * 4, lattice=(2, 2), **TINY)
    kinetics = {"backbone." + k: v for k, v in source.state_dict().items()}
    kinetics["backbone.layers.0.blocks.0.attn.relative_position_index"] = torch.zeros(8, 8, dtype=torch.long)
    kinetics["cls_head.fc_cls.weight"] = torch.zeros(400, 64)
    converted = from_kinetics_swin(kinetics)
    target = SwinTransformer3D(lattice=(2, 2), **TINY)
    result = target.load_state_dict(converted, strict=False)
    assert not result.missing_keys
    assert result.unexpected_keys == [f"layers.3.blocks.{i}.attn.fragment_position_bias_table" for i in range(2)]
    table = target.layers[1].blocks[0].attn
    assert torch.equal(table.fragment_position_bias_table, table.relative_position_bias_table)
