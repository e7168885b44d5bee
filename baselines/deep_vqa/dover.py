"""DOVER: Wu, Zhang, Liao, Wang, Chen, Hou, Sun, Yan and Lin, "Exploring Video Quality Assessment on
User Generated Contents from Aesthetic and Technical Perspectives", ICCV 2023 (Table 1 row
"DOVER [72]").

The method: two views of a video, two branches, one score each, summed.
- Technical branch: FAST-VQA's (fragments of 7x7 mini-patches, 32 frames 2 apart per clip; the gated
  Video Swin-T; the per-position regression head).
- Aesthetic branch: the whole frames down-sampled to 224x224 (aspect ratio not kept), 32 frames, one
  from each of 32 equal segments; a ConvNeXt-T inflated to 3-D (stem 2x4x4, down-sampling 1x2x2,
  depth-wise kernels 1x7x7 / 3x7x7 / 1x7x7 in turn), layer-normalised features, the same kind of
  regression head.
Training supervises each branch with the video's overall score (PLCC + 0.3 rank loss each); the
quality score is the sum of the two branch scores (each the mean over its positions and clips).

Checked against the authors' code (VQAssessment/DOVER: `dover.yml`, `divide.yml`,
`dover/models/{evaluator,conv_backbone,head}.py`, `dover/datasets/dover_datasets.py`,
`training_with_divide.py`; read, not copied): branch sizes, inflation strategy "131", layer scale
1e-6, head dropout 0.5, test clips (3 technical, 1 aesthetic), the separate supervision and the sum at
evaluation (`reduce_scores=True`). Parameter names follow the authors' (`technical_backbone.*`,
`technical_head.*`, `aesthetic_backbone.*`, `aesthetic_head.*`), so `DOVER.pth` loads once the index
buffers are dropped.

What this implementation changes:
- The fused score is the plain sum (what the authors evaluate and train towards); their single-video
  demo additionally rescales each branch with LSVQ statistics before a sigmoid, a calibration for
  displaying one video's score, not part of the model.
- In training the forward returns both branch scores, (B, 2, outputs) in the order (technical,
  aesthetic), which `loss` supervises separately; in evaluation it returns their sum (B, outputs).
- Deterministic evaluation offsets when `rng` is None (see `fragments.py`); `outputs=2` widens both
  heads' last layers.

Pretrained parts: technical branch from Kinetics-400 Video Swin-T like FAST-VQA
(`swin3d_gated.from_kinetics_swin`); aesthetic branch from ImageNet-1k ConvNeXt-T
(`convnext_tiny_1k_224_ema.pth`, inflated by `inflate_convnext2d`).
Licence: DOVER's code and weights are under the S-Lab License 1.0: NON-COMMERCIAL use only
(redistribution and use for commercial purposes need the authors' permission). This file is an
independent implementation; the authors' weights, when a user supplies them, carry that licence.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from timm.layers import DropPath, trunc_normal_
from torch import nn

from baselines.deep_iqa.common import Normalize, check_frames, check_outputs, check_size
from baselines.deep_iqa.losses import plcc_rank_loss
from baselines.deep_vqa.fastvqa import VQAHead, clip_scores, fragment_clips
from baselines.deep_vqa.fragments import resized_view, segment_indices
from baselines.deep_vqa.swin3d_gated import SWIN_T, SWIN_TINY_TEST, SwinTransformer3D

FRAMES = dict(count=None, fps=None, size=None)
PRETRAINED = {
    "technical_backbone": "https://github.com/SwinTransformer/storage/releases/download/v1.0.4/"
                          "swin_tiny_patch244_window877_kinetics400_1k.pth",
    "aesthetic_backbone": "https://dl.fbaipublicfiles.com/convnext/convnext_tiny_1k_224_ema.pth",
}
OFFICIAL = dict(
    files={"DOVER.pth": "https://github.com/QualityAssessment/DOVER/releases/download/v0.1.0/DOVER.pth"},
    note="state dict of `dover.models.DOVER` per `dover.yml` (1 output per branch); S-Lab License 1.0, "
         "non-commercial",
    key_rules=[],
    drop_suffixes=("relative_position_index",),
)
# Counting the official DOVER (`dover.yml`) module by module: technical branch = FAST-VQA-B's
# backbone 28,078,620 (27,850,470 Swin-T + 228,150 fragment tables) + head 49,281; aesthetic branch =
# ConvNeXt-T 3-D 28,041,120 (2-D ConvNeXt-T without classifier 27,820,128, + 4,608 for the 2x4x4
# stem, + 216,384 for the six 3x7x7 depth-wise kernels: 2 x 49 x (96 + 192 + 3 x 384 + 768))
# + head 49,281.
PAPER_PARAMS = 56_218_302

CONVNEXT_T = dict(depths=(3, 3, 9, 3), dims=(96, 192, 384, 768))
CONVNEXT_TINY_TEST = dict(depths=(2, 2, 2, 2), dims=(8, 16, 32, 64))
FULL = dict(technical=dict(SWIN_T, use_checkpoint=True), aesthetic=CONVNEXT_T, hidden=64, fragments=7)
TINY = dict(technical=dict(SWIN_TINY_TEST), aesthetic=CONVNEXT_TINY_TEST, hidden=8, fragments=2)


class ChannelsFirstLayerNorm(nn.LayerNorm):
    """LayerNorm over dim 1 of (B, C, ...)."""

    def forward(self, x):
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)


class ConvNeXtBlock3D(nn.Module):
    """Depth-wise (k, 7, 7) conv, LayerNorm, 4x MLP with GELU, layer scale, stochastic depth."""

    def __init__(self, dim: int, temporal_kernel: int, drop_path: float = 0.0, layer_scale: float = 1e-6):
        super().__init__()
        self.dwconv = nn.Conv3d(dim, dim, (temporal_kernel, 7, 7), padding=(temporal_kernel // 2, 3, 3), groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(layer_scale * torch.ones(dim))
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x):
        y = self.dwconv(x).permute(0, 2, 3, 4, 1)
        y = self.gamma * self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        return x + self.drop_path(y.permute(0, 4, 1, 2, 3))


class ConvNeXt3D(nn.Module):
    """ConvNeXt inflated to video (the authors' `ConvNeXt3D`, inflate strategy "131"): normalised clips
    (B, 3, T, H, W) -> layer-normalised features (B, C, T/2, H/32, W/32)."""

    def __init__(self, depths=(3, 3, 9, 3), dims=(96, 192, 384, 768), inflate: str = "131",
                 drop_path_rate: float = 0.0):
        super().__init__()
        self.downsample_layers = nn.ModuleList([nn.Sequential(
            nn.Conv3d(3, dims[0], kernel_size=(2, 4, 4), stride=(2, 4, 4)),
            ChannelsFirstLayerNorm(dims[0], eps=1e-6))])
        for i in range(3):
            self.downsample_layers.append(nn.Sequential(
                ChannelsFirstLayerNorm(dims[i], eps=1e-6),
                nn.Conv3d(dims[i], dims[i + 1], kernel_size=(1, 2, 2), stride=(1, 2, 2))))
        total = sum(depths)
        rates = [drop_path_rate * i / max(total - 1, 1) for i in range(total)]
        self.stages = nn.ModuleList()
        for i, depth in enumerate(depths):
            start = sum(depths[:i])
            self.stages.append(nn.Sequential(*[
                ConvNeXtBlock3D(dims[i], int(inflate[j % len(inflate)]), rates[start + j]) for j in range(depth)]))
        self.norm = nn.LayerNorm(dims[-1], eps=1e-6)
        self.num_features = dims[-1]
        for m in self.modules():
            if isinstance(m, (nn.Conv3d, nn.Linear)):
                trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        for down, stage in zip(self.downsample_layers, self.stages):
            x = stage(down(x))
        return self.norm(x.permute(0, 2, 3, 4, 1)).permute(0, 4, 1, 2, 3)


def inflate_convnext2d(state_dict: dict, model: ConvNeXt3D) -> dict:
    """An ImageNet ConvNeXt checkpoint (the facebookresearch layout: `downsample_layers`, `stages`,
    `norm`, `head`; its "model" entry) inflated for `model`: the classifier dropped, every 2-D kernel
    repeated along time and divided by the temporal size (the authors' `inflate_weights`)."""
    target = model.state_dict()
    out = {}
    for key, value in state_dict.items():
        if key not in target:
            continue
        if value.shape != target[key].shape:
            t = target[key].shape[2]
            value = value.unsqueeze(2).repeat(1, 1, t, 1, 1) / t
        out[key] = value
    return out


class DOVER(nn.Module):
    """technical (B, Nt, 3, T, S, S) and aesthetic (B, Na, 3, T, S, S) uint8 -> fused scores (B, outputs)
    in evaluation; in training both branch scores (B, 2, outputs), (technical, aesthetic)."""

    def __init__(self, technical: dict, aesthetic: dict, outputs: int = 2, hidden: int = 64, fragments: int = 7):
        super().__init__()
        self.normalize = Normalize(channel_dim=-4)
        self.technical_backbone = SwinTransformer3D(lattice=(fragments, fragments), **technical)
        self.technical_head = VQAHead(self.technical_backbone.num_features, hidden, outputs)
        self.aesthetic_backbone = ConvNeXt3D(**aesthetic)
        self.aesthetic_head = VQAHead(self.aesthetic_backbone.num_features, hidden, outputs)

    def branches(self, technical: torch.Tensor, aesthetic: torch.Tensor) -> torch.Tensor:
        """Both branch scores, (B, 2, outputs): technical first."""
        t = clip_scores(self.technical_backbone, self.technical_head, technical, self.normalize)
        a = clip_scores(self.aesthetic_backbone, self.aesthetic_head, aesthetic, self.normalize)
        return torch.stack([t, a], dim=1)

    def forward(self, technical: torch.Tensor, aesthetic: torch.Tensor) -> torch.Tensor:
        scores = self.branches(technical, aesthetic)
        return scores if self.training else fuse(scores)


def fuse(branch_scores: torch.Tensor) -> torch.Tensor:
    """DOVER's overall score: technical + aesthetic, (B, 2, outputs) -> (B, outputs)."""
    return branch_scores.sum(dim=1)


class Prepare:
    """frames (T, H, W, 3) uint8, every frame of the video -> {"technical": uint8 (Nt, 3, 32, 224, 224),
    "aesthetic": uint8 (Na, 3, 32, 224, 224)}.

    Technical view: FAST-VQA's fragments (`fastvqa.Prepare`), Nt = 1 in training, 3 in evaluation.
    Aesthetic view: `aesthetic_frames` (32) frames, one from each of as many equal segments (random
    place inside the segment, the middle when `rng` is None), resized to `aesthetic_size` (224) square;
    Na = 1."""

    def __init__(self, train: bool = False, fragments: int = 7, fsize: int = 32, clip_len: int = 32,
                 frame_interval: int = 2, train_clips: int = 1, test_clips: int = 3, aesthetic_size: int = 224,
                 aesthetic_frames: int = 32):
        self.train, self.fragments, self.fsize = train, fragments, fsize
        self.clip_len, self.frame_interval = clip_len, frame_interval
        self.train_clips, self.test_clips = train_clips, test_clips
        self.aesthetic_size, self.aesthetic_frames = aesthetic_size, aesthetic_frames

    def __call__(self, frames: np.ndarray, rng: Optional[np.random.Generator] = None) -> dict:
        frames = check_frames(frames, "DOVER Prepare")
        technical = fragment_clips(frames, self, rng, "DOVER Prepare")
        index = segment_indices(len(frames), self.aesthetic_frames, 1, self.frame_interval, rng).reshape(-1)
        view = resized_view(frames[index], self.aesthetic_size, self.aesthetic_size)
        aesthetic = torch.from_numpy(view).permute(3, 0, 1, 2).unsqueeze(0).contiguous()
        return {"technical": technical, "aesthetic": aesthetic}


def build(size: str = "full", outputs: int = 2, **arch_options) -> DOVER:
    """DOVER ("full") or narrow branches for CPU tests ("tiny"); `arch_options` override `technical`
    (SwinTransformer3D arguments, merged), `aesthetic` (ConvNeXt3D arguments, merged), `hidden`,
    `fragments`."""
    arch = dict(FULL if check_size(size) == "full" else TINY)
    for branch in ("technical", "aesthetic"):
        arch[branch] = dict(arch[branch], **arch_options.pop(branch, {}))
    arch.update(arch_options)
    return DOVER(outputs=check_outputs(outputs), **arch)


def loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Training output (B, 2, outputs): each branch against the overall label, PLCC + 0.3 rank loss
    each, summed (`training_with_divide.py`, `need_separate_sup`). A fused (B, outputs) prediction (the
    evaluation output) gets the same loss once."""
    if pred.dim() == 3:
        return sum(plcc_rank_loss(pred[:, k], target) for k in range(pred.shape[1]))
    return plcc_rank_loss(pred, target)
