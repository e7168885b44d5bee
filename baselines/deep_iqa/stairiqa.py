"""StairIQA: Sun, Min, Tu, Ma and Zhai, "Blind Quality Assessment for in-the-Wild Images via
Hierarchical Feature Fusion and Iterative Mixed Database Training", IEEE JSTSP 2023 (Table 1 row
"StairIQA [67]").

The method: a ResNet-50 whose stem and four stages each start a "staircase" of feature-transfer blocks
(1x1 conv to a quarter of the channels, 3x3 conv, 1x1 conv to the next stage's channels; stride 2
after the stem's block). At every stage boundary the running staircase features are added to that
stage's output and passed up one more block, so level i reaches the top through 4 - i blocks; the top
stage's output plus the four staircases is average-pooled (2048) and regressed by two linear layers
(2048 -> 128 -> 1, no non-linearity between them). Trained end to end with MSE.

Checked against the authors' code (sunwei925/StairIQA, `models/stairIQA_resnet.py` class `resnet50`,
the single-database model; `train_single_database.py`; read, not copied): block layout (bias-free
convs, no normalisation or activation inside a staircase block), the additions, the head, MSE,
Adam; inputs resized so the short side is 384, a random 320x320 crop for training, the five 320x320
crops (corners and centre, averaged) for testing, ImageNet normalisation.

What this implementation changes:
- Video: frames are images. `Prepare` returns the crops of every frame it is given (T = 1 when the
  harness trains on K frames per video labelled with the video's MOS); in evaluation the network
  averages all crops of all frames.
- Module names: the ResNet-50 trunk is `backbone` with torchvision's names (the authors wrap the same
  torchvision modules in `feature_extraction_stem` / `feature_extraction1..4`); `OFFICIAL["key_rules"]`
  renames their checkpoints.
- `outputs=2`: the last linear layer has two units (the 2048 -> 128 layer is shared).

Pretrained parts: the authors start from torchvision's ImageNet ResNet-50 `weights='DEFAULT'`, i.e.
IMAGENET1K_V2 in the torchvision releases their code targets.
Licence: the authors' repository has no licence file (all rights reserved): their code and their
trained weights (Google Drive) are not redistributable; this file is an independent implementation.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from torch import nn

from baselines.deep_iqa.common import (Normalize, center_box, check_frames, check_outputs, check_size, crop,
                                       default_rng, five_boxes, mean_over_views, random_box, resize_short_side,
                                       to_tensor)
from baselines.deep_iqa.losses import mse_loss
from baselines.deep_iqa.resnet import build_trunk

FRAMES = dict(count=8, fps=None, size=None)
PRETRAINED = {"backbone": "torchvision:ResNet50_Weights.IMAGENET1K_V2"}
OFFICIAL = dict(
    files={"Koniq10k": "https://drive.google.com/file/d/1fKENSrGXao8po7R4yzK_YvxDxvzV4wTs/view",
           "SPAQ": "https://drive.google.com/file/d/1Px-PJE-08BPCfhP_gB7B78Z4Sp7dAi-4/view"},
    note="single-database checkpoints of `models/stairIQA_resnet.resnet50` (1 output)",
    key_rules=[("feature_extraction_stem.0.", "backbone.conv1."), ("feature_extraction_stem.1.", "backbone.bn1."),
               ("feature_extraction1.4.", "backbone.layer1."), ("feature_extraction2.5.", "backbone.layer2."),
               ("feature_extraction3.6.", "backbone.layer3."), ("feature_extraction4.7.", "backbone.layer4.")],
)
# Counting the official `stairIQA_resnet.resnet50` (one output), block by block from its definitions:
# ResNet-50 without fc 23,508,032; staircase blocks 6,716,672 (in*in/4 + 9*(in/4)^2 + in/4*out each:
# hyper1_1 7,424; hyper2_x 2 x 86,016; hyper3_x 3 x 344,064; hyper4_x 4 x 1,376,256); head
# 2048 * 128 + 128 + 128 + 1 = 262,401.
PAPER_PARAMS = 30_487_105


class StaircaseBlock(nn.Sequential):
    """1x1 conv to in/4 channels, 3x3 conv (stride 1 after the stem, 2 elsewhere), 1x1 conv to `out`."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        mid = in_channels // 4
        super().__init__(nn.Conv2d(in_channels, mid, 1, bias=False),
                         nn.Conv2d(mid, mid, 3, stride=stride, padding=1, bias=False),
                         nn.Conv2d(mid, out_channels, 1, bias=False))


class StairIQA(nn.Module):
    """crops (B, N, 3, S, S) uint8 -> per-crop scores (B, N, outputs) in training, their mean
    (B, outputs) in evaluation.

    `staircase(x)` gives the pooled 2048-d (full size) feature of normalised images."""

    def __init__(self, size: str = "full", outputs: int = 2, hidden: int = 128):
        super().__init__()
        self.normalize = Normalize()
        self.backbone = build_trunk(size)
        c0, (c1, c2, c3, c4) = self.backbone.stem_channels, self.backbone.channels
        # hyper{stage}_{level}: the block that carries staircase `level` into stage `stage`'s output size
        self.hyper1_1 = StaircaseBlock(c0, c1, 1)
        self.hyper2_1, self.hyper2_2 = StaircaseBlock(c1, c2, 2), StaircaseBlock(c1, c2, 2)
        self.hyper3_1, self.hyper3_2, self.hyper3_3 = (StaircaseBlock(c2, c3, 2) for _ in range(3))
        self.hyper4_1, self.hyper4_2, self.hyper4_3, self.hyper4_4 = (StaircaseBlock(c3, c4, 2) for _ in range(4))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.quality = nn.Sequential(nn.Linear(c4, hidden), nn.Linear(hidden, outputs))

    def staircase(self, x: torch.Tensor) -> torch.Tensor:
        b = self.backbone
        x = b.maxpool(b.relu(b.bn1(b.conv1(x))))
        s1 = self.hyper1_1(x)
        x = b.layer1(x)
        s1, s2 = self.hyper2_1(s1 + x), self.hyper2_2(x)
        x = b.layer2(x)
        s1, s2, s3 = self.hyper3_1(s1 + x), self.hyper3_2(s2 + x), self.hyper3_3(x)
        x = b.layer3(x)
        s1, s2, s3, s4 = self.hyper4_1(s1 + x), self.hyper4_2(s2 + x), self.hyper4_3(s3 + x), self.hyper4_4(x)
        x = b.layer4(x)
        return self.avgpool(x + s1 + s2 + s3 + s4).flatten(1)

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        b, n = crops.shape[:2]
        scores = self.quality(self.staircase(self.normalize(crops.flatten(0, 1)))).view(b, n, -1)
        return mean_over_views(scores, self.training)


class Prepare:
    """frames (T, H, W, 3) uint8 -> {"crops": uint8 (T * V, 3, crop, crop)}.

    Each frame is resized so its short side is `resize` (384), then cut: training, one random
    `crop` x `crop` (320) crop per frame (V = 1); evaluation, `test_crops="five"` the four corners and
    the centre (V = 5, the authors' default) or `"center"` (V = 1)."""

    def __init__(self, train: bool = False, resize: int = 384, crop: int = 320, test_crops: str = "five"):
        if test_crops not in ("five", "center"):
            raise ValueError(f"StairIQA Prepare: test_crops must be 'five' or 'center', got {test_crops!r}")
        if crop > resize:
            raise ValueError(f"StairIQA Prepare: crop {crop} is larger than the resized short side {resize}")
        self.train, self.resize, self.crop, self.test_crops = train, resize, crop, test_crops

    def __call__(self, frames: np.ndarray, rng: Optional[np.random.Generator] = None) -> dict:
        frames = check_frames(frames, "StairIQA Prepare")
        rng = default_rng(rng)
        crops = []
        for frame in frames:
            frame = resize_short_side(frame, self.resize)
            h, w = frame.shape[:2]
            if self.train:
                boxes = [random_box(h, w, self.crop, rng)]
            elif self.test_crops == "five":
                boxes = five_boxes(h, w, self.crop)
            else:
                boxes = [center_box(h, w, self.crop)]
            crops += [crop(frame, top, left, self.crop) for top, left in boxes]
        return {"crops": to_tensor(crops)}


def build(size: str = "full", outputs: int = 2, **arch_options) -> StairIQA:
    """The published network ("full", ResNet-50) or a narrow one for CPU tests ("tiny");
    `arch_options`: `hidden` (128)."""
    return StairIQA(size=check_size(size), outputs=check_outputs(outputs), **arch_options)


def loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MSE between every crop's score and its item's label (`train_single_database.py`)."""
    return mse_loss(pred, target)
