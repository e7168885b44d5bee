"""The distortion-aware saliency decoder (paper section 4.1 (c), Fig. 7) and its loss (Eq. 5).

U-Net-like, as the paper and the authors' release (`main_saliency/.../saliency_decoder_Qwen.py`) build it:

- the language model's multimodal features of the visual tokens, (t, h, w, D) (8 x 13 x 13 x 3584 for 16
  frames at 364x364), go through an MLP (D -> D -> C) and a 3-D convolution whose temporal kernel spans all t
  (the clip's context folded into one spatial map, C x h x w);
- a transposed convolution doubles it to the vision tower's patch grid (2h x 2w);
- the vision tower's hidden states from three depths (deep to shallow; the authors take -2, -12, -22) enter
  as skip connections: each through a 1x1 convolution and PixelShuffle upsampling to the scale where it joins
  (x1, x2, x4 of the patch grid), concatenated and reduced by 1x1 convolutions, the decoder upsampling by
  PixelShuffle between joins (conv 3x3 to 2C' then PixelShuffle(2): C'/2 channels at twice the size);
- refinement convolutions and a 1x1 head give one channel, squashed to [0, 1] by (tanh + 1) / 2.

What this implementation adds for the 3-view layout: the map is decoded once per view, from the vision
features of the temporal patch that holds that view (-45, 0, +45 degrees: 1/4, 1/2, 3/4 of the orbit), with
the language features shared by the three, and the three maps are laid side by side: the output has the
3-view image's layout (h_out x 3 h_out; 208 x 624 for 364x364 frames), the harness resizes it to the
ground truth's size. The authors' code (written for VideoLLaMA2's SigLIP) decodes a single square map from
the middle frame. ReLU separates the refinement convolutions (the release stacks them without one).

Ablations (Table 4): `use_llm=False` (w/o LLM features: the vision path alone), `use_vision=False` (only the
multimodal features: no skip connections).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class Upsample(nn.Module):
    """conv 3x3 (C -> 2C) + PixelShuffle(2): half the channels at twice the size."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels * 2, 3, padding=1, bias=False), nn.PixelShuffle(2))

    def forward(self, x):
        return self.body(x)


class SaliencyDecoder(nn.Module):
    def __init__(self, llm_dim: int, vision_dim: int, time_steps: int, use_llm: bool = True,
                 use_vision: bool = True, dropout: float = 0.1):
        super().__init__()
        if not (use_llm or use_vision):
            raise ValueError("the decoder needs the language features, the vision features, or both")
        c = max(vision_dim, 128)
        self.use_llm, self.use_vision = use_llm, use_vision
        if use_llm:
            self.llm_mlp = nn.Sequential(nn.Linear(llm_dim, llm_dim), nn.ReLU(), nn.Dropout(dropout),
                                         nn.Linear(llm_dim, c))
            self.temporal = nn.Conv3d(c, c, kernel_size=(time_steps, 3, 3), padding=(0, 1, 1))
            self.to_patch_grid = nn.ConvTranspose2d(c, c // 2, kernel_size=2, stride=2)
        if use_vision:
            self.skip1 = nn.Conv2d(vision_dim, c // 2, 1)  # deepest, at the patch grid
            self.skip2 = nn.Sequential(nn.Conv2d(vision_dim, c // 2, 1), Upsample(c // 2))  # x2
            self.skip3 = nn.Sequential(nn.Conv2d(vision_dim, c // 2, 1), Upsample(c // 2), Upsample(c // 4))  # x4
        both = use_llm and use_vision
        self.fuse1 = nn.Conv2d(c if both else c // 2, c // 2, 1)
        self.up1 = Upsample(c // 2)  # -> c/4, x2
        self.fuse2 = nn.Conv2d(c // 2 if use_vision else c // 4, c // 4, 1)
        self.up2 = Upsample(c // 4)  # -> c/8, x4
        self.fuse3 = nn.Conv2d(c // 4 if use_vision else c // 8, c // 8, 1)
        self.up3 = Upsample(c // 8)  # -> c/16, x8
        self.refine = nn.Sequential(nn.Conv2d(c // 16, c // 32, 3, padding=1),  # no activation, as the release
                                    nn.Conv2d(c // 32, c // 64, 3, padding=1), nn.Conv2d(c // 64, 1, 1))
        self.dropout = nn.Dropout(dropout)

    def forward(self, llm: torch.Tensor | None, vision: list | None) -> torch.Tensor:
        """llm: (B, t, h, w, D) visual-token features; vision: three (B, V, 2h, 2w, C) feature grids, deep
        to shallow, one slice per view (V = 3). Returns (B, 8*2h, V*8*2w) maps in [0, 1]."""
        views = vision[0].shape[1] if vision is not None else 3
        context = None
        if self.use_llm:
            x = self.llm_mlp(llm)  # (B, t, h, w, C)
            x = self.temporal(x.permute(0, 4, 1, 2, 3)).squeeze(2)  # (B, C, h, w)
            context = self.to_patch_grid(x)  # (B, C/2, 2h, 2w)
        maps = []
        for v in range(views):
            parts = [context] if context is not None else []
            if self.use_vision:
                parts.append(self.skip1(_chw(vision[0][:, v])))
            x = self.up1(self.dropout(self.fuse1(torch.cat(parts, 1))))
            if self.use_vision:
                x = torch.cat([x, self.skip2(_chw(vision[1][:, v]))], 1)
            x = self.up2(self.dropout(self.fuse2(x)))
            if self.use_vision:
                x = torch.cat([x, self.skip3(_chw(vision[2][:, v]))], 1)
            x = self.up3(self.dropout(self.fuse3(x)))
            maps.append((torch.tanh(self.refine(x)) + 1) / 2)
        return torch.cat(maps, dim=-1)[:, 0]


def _chw(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2)


# ---- Eq. 5 --------------------------------------------------------------------------------------------------
# Weights of the authors' release (`main_saliency/sal_losses.py`): loss = L1 + 0.4 (1 - CC) + 0.2 KL + BCE.
EQ5_WEIGHTS = {"l1": 1.0, "cc": 0.4, "kl": 0.2, "bce": 1.0}
EPS = 1e-8


def _minmax(x: torch.Tensor) -> torch.Tensor:
    flat = x.flatten(1)
    lo, hi = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
    return (flat - lo) / (hi - lo + EPS)


def cc_loss(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """1 - Pearson correlation of each (min-max normalised) map pair, averaged over the batch."""
    p, g = _minmax(pred), _minmax(gt)
    p, g = p - p.mean(1, keepdim=True), g - g.mean(1, keepdim=True)
    # EPS inside the roots: a constant map has zero spread, and sqrt's gradient at 0 is infinite
    cc = (p * g).sum(1) / ((p.pow(2).sum(1) + EPS).sqrt() * (g.pow(2).sum(1) + EPS).sqrt())
    return (1 - cc).mean()


def kl_loss(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """KL(gt || pred) of the maps as distributions (min-max normalised, then to unit sum), batch mean."""
    p, g = _minmax(pred), _minmax(gt)
    p, g = p / (p.sum(1, keepdim=True) + EPS), g / (g.sum(1, keepdim=True) + EPS)
    return (g * torch.log(g / (p + EPS) + EPS)).sum(1).mean()


def saliency_loss(pred: torch.Tensor, gt: torch.Tensor, weights: dict = EQ5_WEIGHTS) -> tuple[torch.Tensor, dict]:
    """Eq. 5: w1 L1 + w2 L_CC + w3 L_KL + w4 L_BCE on maps in [0, 1] of one size; returns (loss, terms)."""
    pred, gt = pred.float(), gt.float()
    terms = {"l1": (pred - gt).abs().mean(), "cc": cc_loss(pred, gt), "kl": kl_loss(pred, gt),
             "bce": F.binary_cross_entropy(pred.clamp(EPS, 1 - EPS), gt.clamp(0, 1))}
    loss = sum(weights[k] * v for k, v in terms.items())
    return loss, {k: float(v.detach()) for k, v in terms.items()}
