"""FAST-VQA: Wu, Chen, Hou, Liao, Wang, Sun, Yan and Lin, "FAST-VQA: Efficient End-to-End Video Quality
Assessment with Fragment Sampling", ECCV 2022 (Table 1 row "Fast-VQA [71]"), the FAST-VQA-B model.

The method: grid mini-patch sampling (`fragments.py`: 7x7 mini-patches of 32x32 from every frame of
a 32-frame clip, frames 2 apart) gives a 32x224x224 "fragment"; the fragment attention network
(`swin3d_gated.py`: Video Swin-T with gated relative position biases) turns it into 768 x 16 x 7 x 7
features; the intra-patch non-linear regression head (IP-NLR) scores every position
(dropout, 1x1x1 conv 768 -> 64, GELU, dropout, 1x1x1 conv 64 -> 1) and the clip's score is their mean.
Training: one clip per video, PLCC loss + 0.3 rank loss. Testing: four clips from four equal
segments of the video, scores averaged.

Checked against the authors' code (VQAssessment/FAST-VQA-and-FasterVQA: `options/fast/fast-b.yml`,
`fastvqa/models/{swin_backbone,head,evaluator}.py`, `fastvqa/datasets/fusion_datasets.py`,
`new_train.py`; read, not copied): sampling parameters (train 1 clip, test 4 clips, 32 frames with
interval 2, 7x7 fragments of 32, aligned 32), the head (dropout 0.5), ImageNet mean/std on 0-255
pixels, the loss `plcc_loss + 0.3 * rank_loss`. Parameter names follow the authors'
(`fragments_backbone.*`, `vqa_head.*`), so their checkpoints load once the index buffers are dropped.

What this implementation changes: deterministic evaluation offsets when `rng` is None (see
`fragments.py`); `outputs=2` widens the head's last 1x1x1 conv to two channels (quality, authenticity);
gradient checkpointing (the authors' default) is the `use_checkpoint` option, on for "full".

Pretrained parts: the authors initialise the backbone from Kinetics-400 Video Swin-T
(`swin_tiny_patch244_window877_kinetics400_1k.pth`; `swin3d_gated.from_kinetics_swin`).
Licence: the authors' code and weights are MIT.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from torch import nn

from baselines.deep_iqa.common import Normalize, check_frames, check_outputs, check_size
from baselines.deep_iqa.losses import plcc_rank_loss
from baselines.deep_vqa.fragments import grid_fragments, segment_indices
from baselines.deep_vqa.swin3d_gated import SWIN_T, SWIN_TINY_TEST, SwinTransformer3D

# Every frame at its native rate and size: the sampler picks clips and mini-patches itself.
FRAMES = dict(count=None, fps=None, size=None)
PRETRAINED = {"fragments_backbone": "https://github.com/SwinTransformer/storage/releases/download/v1.0.4/"
                                    "swin_tiny_patch244_window877_kinetics400_1k.pth"}
OFFICIAL = dict(
    files={"FAST_VQA_B_1_4.pth": "https://github.com/TimothyHTimothy/FAST-VQA/releases/download/v2.0.0/"
                                 "FAST_VQA_B_1_4.pth"},
    note="{'state_dict': ...} of `DiViDeAddEvaluator` (backbone_size swin_tiny_grpb), 1 output",
    key_rules=[],
    drop_suffixes=("relative_position_index",),
)
# Counting the official FAST-VQA-B (`DiViDeAddEvaluator` with `swin_tiny_grpb`) module by module: the
# Video Swin-T trunk 27,850,470 (torchvision's `swin3d_t`, the same network, has 28,158,070 with its
# 307,600-parameter classifier), fragment bias tables 228,150 (2,535 relative positions x (3 x 2 +
# 6 x 2 + 12 x 6) heads in stages 1-3), head 768 x 64 + 64 + 64 + 1 = 49,281.
PAPER_PARAMS = 28_127_901

FULL = dict(backbone=dict(SWIN_T, use_checkpoint=True), hidden=64, fragments=7)
TINY = dict(backbone=dict(SWIN_TINY_TEST), hidden=8, fragments=2)


class VQAHead(nn.Module):
    """IP-NLR: a score for every position of (B, C, T, H, W) features -> (B, outputs, T, H, W)."""

    def __init__(self, in_channels: int = 768, hidden: int = 64, outputs: int = 1, dropout: float = 0.5):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.fc_hid = nn.Conv3d(in_channels, hidden, 1)
        self.fc_last = nn.Conv3d(hidden, outputs, 1)
        self.gelu = nn.GELU()

    def forward(self, x):
        return self.fc_last(self.dropout(self.gelu(self.fc_hid(self.dropout(x)))))


def positions(backbone: nn.Module, normalize: Normalize, clips: torch.Tensor) -> torch.Tensor:
    """uint8 clips (B, N, 3, T, H, W) -> the backbone's features of every position of every clip, (B, N*t*h*w, C)."""
    f = backbone(normalize(clips.flatten(0, 1)))
    return f.flatten(2).transpose(1, 2).reshape(clips.shape[0], -1, f.shape[1])


def position_scores(head: VQAHead, features: torch.Tensor) -> torch.Tensor:
    """The head on every position of (B, P, C) features, averaged: (B, outputs)."""
    return head(features.transpose(1, 2)[..., None, None]).mean(dim=(2, 3, 4))


def clip_scores(backbone: nn.Module, head: VQAHead, clips: torch.Tensor, normalize: Normalize) -> torch.Tensor:
    """uint8 clips (B, N, 3, T, H, W) -> the mean local score over every position of the N clips (each clip has as
    many positions, so this is the mean of the clips' scores): (B, outputs)."""
    return position_scores(head, positions(backbone, normalize, clips))


class FastVQA(nn.Module):
    """fragments (B, N, 3, T, H, W) uint8 -> (B, outputs), in training and in evaluation (the
    authors train on one clip, N = 1, against the video's label)."""

    def __init__(self, backbone: dict, outputs: int = 2, hidden: int = 64, fragments: int = 7):
        super().__init__()
        self.normalize = Normalize(channel_dim=-4)
        self.fragments_backbone = SwinTransformer3D(lattice=(fragments, fragments), **backbone)
        self.vqa_head = VQAHead(self.fragments_backbone.num_features, hidden, outputs)

    def forward(self, fragments: torch.Tensor) -> torch.Tensor:
        return clip_scores(self.fragments_backbone, self.vqa_head, fragments, self.normalize)


class Prepare:
    """frames (T, H, W, 3) uint8, every frame of the video -> {"fragments": uint8 (N, 3, clip_len, S, S)},
    S = fragments * fsize (224).

    N = `train_clips` (1) in training, `test_clips` (4) in evaluation: clips of `clip_len` (32) frames
    `frame_interval` (2) apart, one from each of N equal segments, each turned into fragments with its
    own mini-patch positions. Offsets come from `rng` (middle offsets when None)."""

    def __init__(self, train: bool = False, fragments: int = 7, fsize: int = 32, clip_len: int = 32,
                 frame_interval: int = 2, train_clips: int = 1, test_clips: int = 4):
        self.train, self.fragments, self.fsize = train, fragments, fsize
        self.clip_len, self.frame_interval = clip_len, frame_interval
        self.train_clips, self.test_clips = train_clips, test_clips

    def __call__(self, frames: np.ndarray, rng: Optional[np.random.Generator] = None) -> dict:
        return {"fragments": fragment_clips(frames, self, rng, "FAST-VQA Prepare")}


def fragment_clips(frames: np.ndarray, opts, rng, who: str) -> torch.Tensor:
    """The technical view shared by FAST-VQA and DOVER: uint8 (N, 3, clip_len, S, S)."""
    frames = check_frames(frames, who)
    clips = opts.train_clips if opts.train else opts.test_clips
    index = segment_indices(len(frames), clips, opts.clip_len, opts.frame_interval, rng)
    picked = grid_fragments(frames[index.reshape(-1)], opts.fragments, opts.fsize, opts.clip_len, rng)
    out = torch.from_numpy(picked).view(clips, opts.clip_len, *picked.shape[1:])
    return out.permute(0, 4, 1, 2, 3).contiguous()


def build(size: str = "full", outputs: int = 2, **arch_options) -> FastVQA:
    """FAST-VQA-B ("full") or a narrow Swin for CPU tests ("tiny": 2x2 fragments, see
    `swin3d_gated.SWIN_TINY_TEST`); `arch_options` override `backbone` (a dict of SwinTransformer3D
    arguments, merged), `hidden`, `fragments`."""
    arch = dict(FULL if check_size(size) == "full" else TINY)
    arch["backbone"] = dict(arch["backbone"], **arch_options.pop("backbone", {}))
    arch.update(arch_options)
    return FastVQA(outputs=check_outputs(outputs), **arch)


def loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """PLCC loss + 0.3 x rank loss (`new_train.py`); needs batches of two or more."""
    return plcc_rank_loss(pred, target)
