"""The fragment attention network of FAST-VQA (Wu et al., ECCV 2022, Sec. 3.2; also DOVER's technical
branch): a Video Swin Transformer (Liu et al. 2022) whose window attention carries gated relative
position biases (GRPB).

Fragments splice mini-patches from distant places side by side, so "two tokens are k positions apart"
means something different inside a mini-patch (real image distance) than across a splice. GRPB keeps
two bias tables per attention layer, indexed by the same relative position: one for token pairs of the
same mini-patch (`fragment_position_bias_table`) and one for pairs across mini-patches
(`relative_position_bias_table`); the gate between them is the distance between the pairs' mini-patch
indices. In the first three stages (`frag_biases`), the last has the plain table.

Checked against the authors' code (VQAssessment/FAST-VQA-and-FasterVQA `fastvqa/models/
swin_backbone.py`, `SwinTransformer3D` with its defaults; DOVER's copy; read, not copied): Swin-T sizes
(patch 2x4x4, 96 channels, depths 2-2-6-2, heads 3-6-12-24, window 8x7x7, MLP ratio 4, stochastic
depth 0.1, patch norm, qkv bias), patch-merging order, cyclic shift and its -100 mask, the gate: for
tokens i, j of a window, g = |p_i - p_j|_1 over their mini-patch lattice coordinates (after the
shift), bias = g * B_cross + (1 - g) * B_intra. That is the authors' arithmetic, which their trained
weights expect: g is 0 inside a mini-patch and 1, 2, ... across (the paper calls it a gate; for pairs
two lattice steps apart the code extrapolates). The fragment tables start at zero (the authors copy
the Kinetics relative tables into them when they load Swin-T weights: `from_kinetics_swin`).

What this implementation changes: the lattice is the sampler's (`fragments`, 7x7 for FAST-VQA), where
the authors pass the window's height and width (also 7x7 in every FAST-VQA / DOVER configuration);
windows larger than a feature map are clipped to it (Video Swin's rule) where the authors rescale
windows for inputs other than 32x224x224, which their own sampling never produces.
"""
from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F
from timm.layers import DropPath, trunc_normal_
from torch import nn
from torch.utils.checkpoint import checkpoint

SWIN_T = dict(patch_size=(2, 4, 4), embed_dim=96, depths=(2, 2, 6, 2), num_heads=(3, 6, 12, 24),
              window_size=(8, 7, 7), drop_path_rate=0.1, frag_biases=(True, True, True, False))
SWIN_TINY_TEST = dict(patch_size=(2, 4, 4), embed_dim=8, depths=(2, 2, 2, 2), num_heads=(1, 1, 2, 2),
                      window_size=(2, 4, 4), drop_path_rate=0.0, frag_biases=(True, True, True, False))


def clip_window(size, window, shift):
    """Window and shift clipped to a feature map of `size` (D, H, W): no larger than the map, no shift
    along an axis the window covers whole."""
    window, shift = list(window), list(shift)
    for i, s in enumerate(size):
        if s <= window[i]:
            window[i], shift[i] = s, 0
    return tuple(window), tuple(shift)


def window_partition(x: torch.Tensor, window) -> torch.Tensor:
    """(B, D, H, W, C) -> (B * windows, Wd * Wh * Ww, C)."""
    b, d, h, w, c = x.shape
    wd, wh, ww = window
    x = x.view(b, d // wd, wd, h // wh, wh, w // ww, ww, c)
    return x.permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(-1, wd * wh * ww, c)


def window_reverse(windows: torch.Tensor, window, b: int, d: int, h: int, w: int) -> torch.Tensor:
    wd, wh, ww = window
    x = windows.view(b, d // wd, h // wh, w // ww, wd, wh, ww, -1)
    return x.permute(0, 1, 4, 2, 5, 3, 6, 7).reshape(b, d, h, w, -1)


@lru_cache(maxsize=64)
def relative_position_index(window, table_window) -> torch.Tensor:
    """(N, N) indices into a (2Td-1)(2Th-1)(2Tw-1) bias table (`table_window` = the layer's window) for
    the token pairs of a (possibly clipped) `window`."""
    coords = torch.stack(torch.meshgrid(*[torch.arange(s) for s in window], indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
    td, th, tw = table_window
    return ((rel[..., 0] + td - 1) * (2 * th - 1) * (2 * tw - 1) + (rel[..., 1] + th - 1) * (2 * tw - 1)
            + rel[..., 2] + tw - 1)


@lru_cache(maxsize=64)
def shift_mask(size, window, shift) -> torch.Tensor:
    """(windows, N, N) additive mask, -100 between tokens that the cyclic shift brought together from
    different regions of the padded map of `size`."""
    img = torch.zeros((1, *size, 1))
    label = 0
    slices = [(slice(-w), slice(-w, -s), slice(-s, None)) for w, s in zip(window, shift)]
    for sd in slices[0]:
        for sh in slices[1]:
            for sw in slices[2]:
                img[:, sd, sh, sw, :] = label
                label += 1
    labels = window_partition(img, window).squeeze(-1)
    diff = labels.unsqueeze(1) - labels.unsqueeze(2)
    return diff.masked_fill(diff != 0, -100.0).masked_fill(diff == 0, 0.0)


@lru_cache(maxsize=64)
def fragment_gate(size, window, shift, lattice) -> torch.Tensor:
    """(windows, N, N) gate: the L1 distance between the mini-patch lattice coordinates of every token
    pair of every window, after the cyclic shift. Token (d, y, x) of a (D, H, W) map lies in mini-patch
    (floor(y * Lh / H), floor(x * Lw / W)) of an Lh x Lw lattice (the nearest-neighbour map of the
    lattice onto the tokens)."""
    d, h, w = size
    ys = torch.arange(h) * lattice[0] // h
    xs = torch.arange(w) * lattice[1] // w
    coords = torch.stack(torch.meshgrid(torch.zeros(d, dtype=torch.long), ys, xs, indexing="ij"), dim=-1)
    coords = torch.roll(coords[None], shifts=tuple(-s for s in shift), dims=(1, 2, 3)).float()
    win = window_partition(coords, window)
    return (win[:, None, :, :] - win[:, :, None, :]).abs().sum(-1)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class WindowAttention3D(nn.Module):
    """Multi-head self-attention inside windows with (gated) relative position biases."""

    def __init__(self, dim: int, window, num_heads: int, frag_bias: bool, qkv_bias: bool = True):
        super().__init__()
        self.window, self.num_heads = tuple(window), num_heads
        self.scale = (dim // num_heads) ** -0.5
        table = (2 * window[0] - 1) * (2 * window[1] - 1) * (2 * window[2] - 1)
        self.relative_position_bias_table = nn.Parameter(torch.zeros(table, num_heads))
        trunc_normal_(self.relative_position_bias_table, std=0.02)
        if frag_bias:
            self.fragment_position_bias_table = nn.Parameter(torch.zeros(table, num_heads))
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def _bias(self, table: torch.Tensor, window) -> torch.Tensor:
        n = window[0] * window[1] * window[2]
        index = relative_position_index(window, self.window).to(table.device)
        return table[index.reshape(-1)].view(n, n, -1).permute(2, 0, 1)  # heads, N, N

    def forward(self, x, window, gate=None, mask=None):
        """x (B * windows, N, C); gate (layers with fragment tables), mask (shifted windows):
        (windows, N, N) or None."""
        bw, n, c = x.shape
        qkv = self.qkv(x).reshape(bw, n, 3, self.num_heads, c // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = q @ k.transpose(-2, -1)  # B*windows, heads, N, N
        bias = self._bias(self.relative_position_bias_table, window)  # heads, N, N
        if gate is not None:
            g = gate.unsqueeze(1)  # windows, 1, N, N
            bias = bias * g + self._bias(self.fragment_position_bias_table, window) * (1 - g)
        windows = next((t.shape[0] for t in (gate, mask) if t is not None), 1)
        attn = attn.view(bw // windows, windows, self.num_heads, n, n) + bias
        if mask is not None:
            attn = attn + mask.unsqueeze(1)
        attn = attn.view(bw, self.num_heads, n, n).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(bw, n, c))


class SwinBlock3D(nn.Module):
    def __init__(self, dim, num_heads, window, shift, drop_path, frag_bias, mlp_ratio=4.0):
        super().__init__()
        self.window, self.shift = tuple(window), tuple(shift)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention3D(dim, window, num_heads, frag_bias)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def _attend(self, x, lattice):
        b, d, h, w, c = x.shape
        window, shift = clip_window((d, h, w), self.window, self.shift)
        pad = [(win - s % win) % win for s, win in zip((d, h, w), window)]
        x = F.pad(self.norm1(x), (0, 0, 0, pad[2], 0, pad[1], 0, pad[0]))
        size = tuple(x.shape[1:4])
        shifted = any(shift)
        if shifted:
            x = torch.roll(x, shifts=tuple(-s for s in shift), dims=(1, 2, 3))
        mask = shift_mask(size, window, shift).to(x.device, x.dtype) if shifted else None
        gate = (fragment_gate(size, window, shift, lattice).to(x.device, x.dtype)
                if hasattr(self.attn, "fragment_position_bias_table") else None)
        out = self.attn(window_partition(x, window), window, gate, mask)
        out = window_reverse(out, window, b, *size)
        if shifted:
            out = torch.roll(out, shifts=shift, dims=(1, 2, 3))
        return out[:, :d, :h, :w].contiguous()

    def forward(self, x, lattice):
        x = x + self.drop_path(self._attend(x, lattice))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchMerging(nn.Module):
    """2x2 spatial neighbours concatenated (4C), normalised, projected to 2C."""

    def __init__(self, dim: int):
        super().__init__()
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(4 * dim)

    def forward(self, x):
        h, w = x.shape[2:4]
        if h % 2 or w % 2:
            x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        x = torch.cat([x[:, :, 0::2, 0::2], x[:, :, 1::2, 0::2], x[:, :, 0::2, 1::2], x[:, :, 1::2, 1::2]], -1)
        return self.reduction(self.norm(x))


class BasicLayer(nn.Module):
    def __init__(self, dim, depth, num_heads, window, drop_paths, frag_bias, downsample: bool,
                 use_checkpoint: bool):
        super().__init__()
        shift = tuple(w // 2 for w in window)
        self.blocks = nn.ModuleList([
            SwinBlock3D(dim, num_heads, window, (0, 0, 0) if i % 2 == 0 else shift, drop_paths[i], frag_bias)
            for i in range(depth)])
        self.downsample = PatchMerging(dim) if downsample else None
        self.use_checkpoint = use_checkpoint

    def forward(self, x, lattice):
        x = x.permute(0, 2, 3, 4, 1)  # B, D, H, W, C
        for blk in self.blocks:
            x = checkpoint(blk, x, lattice, use_reentrant=False) if self.use_checkpoint and x.requires_grad \
                else blk(x, lattice)
        if self.downsample is not None:
            x = self.downsample(x)
        return x.permute(0, 4, 1, 2, 3)


class PatchEmbed3D(nn.Module):
    def __init__(self, patch_size, embed_dim: int):
        super().__init__()
        self.patch_size = tuple(patch_size)
        self.proj = nn.Conv3d(3, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self, x):
        d, h, w = x.shape[2:]
        pd, ph, pw = ((p - s % p) % p for s, p in zip((d, h, w), self.patch_size))
        x = self.proj(F.pad(x, (0, pw, 0, ph, 0, pd)))
        return self.norm(x.permute(0, 2, 3, 4, 1)).permute(0, 4, 1, 2, 3)


class SwinTransformer3D(nn.Module):
    """Normalised clips (B, 3, T, H, W) -> features (B, 8C, T/2, H/32, W/32), layer-normalised.

    `lattice`: the mini-patch lattice of the input (7x7 fragments); gates use it."""

    def __init__(self, patch_size=(2, 4, 4), embed_dim=96, depths=(2, 2, 6, 2), num_heads=(3, 6, 12, 24),
                 window_size=(8, 7, 7), drop_path_rate=0.1, frag_biases=(True, True, True, False),
                 lattice=(7, 7), use_checkpoint: bool = False):
        super().__init__()
        self.lattice = tuple(lattice)
        self.patch_embed = PatchEmbed3D(patch_size, embed_dim)
        total = sum(depths)
        dpr = [drop_path_rate * i / max(total - 1, 1) for i in range(total)]
        self.layers = nn.ModuleList()
        for i, depth in enumerate(depths):
            start = sum(depths[:i])
            self.layers.append(BasicLayer(embed_dim * 2 ** i, depth, num_heads[i], window_size,
                                          dpr[start:start + depth], bool(frag_biases[i]),
                                          downsample=i < len(depths) - 1, use_checkpoint=use_checkpoint))
        self.num_features = embed_dim * 2 ** (len(depths) - 1)
        self.norm = nn.LayerNorm(self.num_features)
        self.apply(_init)

    def forward(self, x):
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x.contiguous(), self.lattice)
        return self.norm(x.permute(0, 2, 3, 4, 1)).permute(0, 4, 1, 2, 3)


def _init(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


def from_kinetics_swin(state_dict: dict) -> dict:
    """The Kinetics-400 Video Swin-T checkpoint (`swin_tiny_patch244_window877_kinetics400_1k.pth`,
    its "state_dict") as a `SwinTransformer3D` state dict: the `backbone.` prefix stripped, the
    classifier and the index buffers dropped, and every fragment table started as a copy of its layer's
    relative table (the authors' `load_swin`). Layers without fragment tables ignore the copies
    (load with strict=False, or drop the stage-4 entries)."""
    out = {}
    for key, value in state_dict.items():
        if not key.startswith("backbone.") or key.endswith("relative_position_index"):
            continue
        key = key[len("backbone."):]
        out[key] = value
        if key.endswith("relative_position_bias_table"):
            out[key.replace("relative_position_bias_table", "fragment_position_bias_table")] = value.clone()
    return out
