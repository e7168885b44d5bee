"""Motion features from a frozen SlowFast-R50 (Feichtenhofer et al., ICCV 2019), shared by SimpleVQA
(pooled slow + fast features per clip) and TCSVT-BVQA (fast-pathway features per time step).

The network is pytorchvideo's SlowFast builder (`create_slowfast`, the `slowfast_r50` settings:
depth 50, alpha 4, beta 1/8, fusion kernel 7x1x1) without its pooling and classifier: `blocks`
holds its first five blocks (stem and res2-res5 with the lateral fusions) under pytorchvideo's names,
so the Kinetics-400 checkpoint `SLOWFAST_8x8_R50.pyth` loads once its `blocks.5` / `blocks.6`
(pooling, classifier) entries are dropped. Input: a normalised clip (B, 3, T, H, W), the fast pathway;
the slow pathway is T / alpha of its frames at evenly spaced indices (`linspace(0, T - 1, T // alpha)`,
SimpleVQA's `pack_pathway_output` and PySlowFast's).

The tiny variant (stem widths 8 and 1 channels) keeps every block and fusion and is for CPU tests.
"""
from __future__ import annotations

import warnings

import torch
from torch import nn

FULL = dict(stem_dim_outs=(64, 8))
TINY = dict(stem_dim_outs=(8, 1))
ALPHA = 4  # slow pathway: one frame in four
PRETRAINED = ("pytorchvideo:slowfast_r50 "
              "(https://dl.fbaipublicfiles.com/pytorchvideo/model_zoo/kinetics/SLOWFAST_8x8_R50.pyth)")


class SlowFastTrunk(nn.Module):
    """normalised clip (B, 3, T, H, W) -> [slow (B, 8C, T/4, H/32, W/32), fast (B, C, T, H/32, W/32)],
    C = 256 at full size (slow 2048 channels)."""

    def __init__(self, size: str = "full", alpha: int = ALPHA):
        super().__init__()
        with warnings.catch_warnings():  # pytorchvideo 0.1.5 uses torch.jit.script, deprecated in torch 2.x
            warnings.simplefilter("ignore", FutureWarning)
            from pytorchvideo.models.slowfast import create_slowfast

        net = create_slowfast(model_depth=50, slowfast_fusion_conv_kernel_size=(7, 1, 1), head=None,
                              **(FULL if size == "full" else TINY))
        self.blocks = nn.ModuleList(list(net.blocks)[:5])
        self.alpha = alpha
        stem = (FULL if size == "full" else TINY)["stem_dim_outs"]
        self.channels = (stem[0] * 32, stem[1] * 32)  # slow, fast after res5

    def forward(self, clip: torch.Tensor) -> list[torch.Tensor]:
        t = clip.shape[2]
        if t < self.alpha:
            raise ValueError(f"SlowFast needs clips of at least {self.alpha} frames, got {t}")
        index = torch.linspace(0, t - 1, t // self.alpha, device=clip.device).long()
        x = [clip.index_select(2, index), clip]
        for block in self.blocks:
            x = block(x)
        return x
