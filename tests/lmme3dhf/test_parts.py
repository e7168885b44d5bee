"""LMME3DHF's parts on their own: token grids, Eq. 5, LoRA placement, the decoder's layout, the 7B build."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lmme3dhf.decoder import EQ5_WEIGHTS, SaliencyDecoder, saliency_loss
from lmme3dhf.grids import llm_grid, view_slices, vision_grid, window_index


@pytest.fixture(scope="module")
def tiny():
    from bench.learn.tiny_hf import tiny_qwen2_5_vl

    return tiny_qwen2_5_vl(seed=0)


def test_vision_grid_undoes_the_processor_order_and_the_window_permutation(tiny):
    model, processor = tiny
    t, side, patch = 4, 112, 14  # 8 frames of 112 px -> a (4, 8, 8) patch grid
    # Coordinate-encoded video: every pixel of patch (t, y, x) holds (t, y, x) in its three channels.
    frames = np.zeros((2 * t, side, side, 3), np.float32)
    for f in range(2 * t):
        for y in range(side // patch):
            for x in range(side // patch):
                frames[f, y * patch:(y + 1) * patch, x * patch:(x + 1) * patch] = (f // 2, y, x)
    enc = processor.video_processor(videos=[frames], return_tensors="pt", do_rescale=False, do_normalize=False,
                                    do_resize=False)
    grid = enc["video_grid_thw"][0]
    assert grid.tolist() == [t, 8, 8]
    # the flattened patch of the processor: (C, temporal 2, 14, 14); channel c's first value is the coordinate
    coords = enc["pixel_values_videos"].reshape(-1, 3, 2 * patch * patch)[:, :, 0]
    visual = model.model.visual
    index = window_index(enc["video_grid_thw"], visual.config)
    permuted = visual.permute_input_for_window_attn(coords, index, seq_len=len(coords))  # what the blocks see
    back = vision_grid(permuted, grid.tolist(), visual.spatial_merge_size, index)
    tt, yy, xx = np.meshgrid(np.arange(t), np.arange(8), np.arange(8), indexing="ij")
    assert torch.equal(back, torch.tensor(np.stack([tt, yy, xx], -1), dtype=back.dtype))
    assert not torch.equal(permuted, coords)  # the window permutation is not the identity here


def test_llm_grid_is_raster_order_of_merge_groups():
    tokens = torch.arange(2 * 3 * 4, dtype=torch.float32)[:, None]
    g = llm_grid(tokens, (2, 6, 8), merge=2)
    assert g.shape == (2, 3, 4, 1) and g[1, 2, 3, 0] == 1 * 12 + 2 * 4 + 3


def test_view_slices_are_the_three_views():
    assert view_slices(8) == [2, 4, 6] and view_slices(4) == [1, 2, 3]


def _np_minmax(x):
    x = x.reshape(len(x), -1)
    lo, hi = x.min(1, keepdims=True), x.max(1, keepdims=True)
    return (x - lo) / (hi - lo + 1e-8)


def test_eq5_terms_equal_a_hand_computation():
    rng = np.random.default_rng(0)
    pred = rng.uniform(0.01, 0.99, (2, 6, 18)).astype(np.float64)
    gt = rng.uniform(0, 1, (2, 6, 18)) ** 4
    loss, terms = saliency_loss(torch.tensor(pred), torch.tensor(gt))
    assert terms["l1"] == pytest.approx(np.abs(pred - gt).mean(), rel=1e-6)
    p, g = _np_minmax(pred), _np_minmax(gt)
    cc = [np.corrcoef(a, b)[0, 1] for a, b in zip(p, g)]
    assert terms["cc"] == pytest.approx(1 - np.mean(cc), rel=1e-5)
    pn, gn = p / p.sum(1, keepdims=True), g / g.sum(1, keepdims=True)
    kl = [np.sum(b * np.log(b / (a + 1e-8) + 1e-8)) for a, b in zip(pn, gn)]
    assert terms["kl"] == pytest.approx(np.mean(kl), rel=1e-5)
    bce = -np.mean(gt * np.log(pred) + (1 - gt) * np.log(1 - pred))
    assert terms["bce"] == pytest.approx(bce, rel=1e-5)
    assert float(loss) == pytest.approx(sum(EQ5_WEIGHTS[k] * terms[k] for k in terms), rel=1e-5)


@pytest.mark.parametrize("kw", [{}, {"use_llm": False}, {"use_vision": False}])
def test_decoder_output_has_the_three_view_layout(kw):
    dec = SaliencyDecoder(llm_dim=16, vision_dim=32, time_steps=4, **kw)
    llm = torch.randn(2, 4, 4, 4, 16)  # (B, t, h, w, D): 4 x 4 merged tokens per temporal patch
    vision = [torch.randn(2, 3, 8, 8, 32) for _ in range(3)]  # 8 x 8 patches, 3 views
    out = dec(llm, vision)
    assert out.shape == (2, 64, 192) and float(out.min()) >= 0 and float(out.max()) <= 1


def test_lora_wraps_only_the_language_model(tiny):
    from lmme3dhf.network import LMME3DHFNet

    base, _ = tiny
    vision_before = {n: p.clone() for n, p in base.model.visual.named_parameters()}
    net = LMME3DHFNet(base, lora_llm=True, decoder={}, frames=8)
    layers = base.config.text_config.num_hidden_layers
    assert len(net.lora_modules) == 7 * layers  # q, k, v, o, gate, up, down of every decoder layer
    assert all("language_model" in n for n in net.lora_modules)
    assert not any("lora_" in n for n, _ in base.model.visual.named_parameters())
    assert all(torch.equal(p, vision_before[n.replace(".base_layer", "")])
               for n, p in base.model.visual.named_parameters())


def test_full_size_builds_on_meta_with_the_exact_lora_count():
    from lmme3dhf.base import build_meta_7b
    from lmme3dhf.network import add_lora

    model = build_meta_7b()
    assert sum(p.numel() for p in model.parameters()) == 8_292_166_656
    assert sum(p.numel() for p in model.model.visual.parameters()) == 676_550_144
    model.requires_grad_(False)
    wrapped = add_lora(model, llm=True, vision=False)
    assert len(wrapped) == 7 * 28
    # r 8 on q/k/v/o and the MLP of 28 layers: 28 * 8 * (2*(3584+3584) + 2*(3584+512) + 3*(3584+18944))
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 20_185_088
