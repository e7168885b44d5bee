"""HyperIQA: Su, Yan, Zhu, Zhang, Ge, Sun and Zhang, "Blindly Assess Image Quality in the Wild Guided
by a Self-Adaptive Hyper Network", CVPR 2020 (Table 1 row "HyperIQA [63]").

The method: a ResNet-50 sees a 224x224 crop. Its last stage (2048 x 7 x 7) becomes, through three 1x1
convolutions (2048 -> 1024 -> 512 -> 112, ReLU), the hyper network's input; the hyper network
generates, per image, the weights of a target network (fully connected 224 -> 112 -> 56 -> 28 -> 14 -> 1,
sigmoids between): every weight matrix from a 3x3 convolution of that 7x7 map reshaped to
(out, in), every bias vector (and the last layer's weights) from a linear layer of its global average.
The target network's input is the multi-scale local distortion feature: each of the four stages is
reduced (1x1 conv to a sixteenth of its channels, 7x7 average pooling, a linear layer) to 16, 16, 16
and 224 - 48 = 176 values. L1 loss; a training image contributes 25 random crops (random horizontal
flip), a test image's score is the mean over 25 random crops.

Checked against the authors' code (SSL92/hyperIQA `models.py`, `HyerIQASolver.py`, `data_loader.py`,
`train_test_IQA.py`; read, not copied): `HyperNet(16, 112, 224, 112, 56, 28, 14, 7)`, the reshape of
the generated weights (channels-major, `.view(-1, f_out, f_in)`), Kaiming initialisation of the
generated-weight layers, L1, 25 train / 25 test crops of 224.

What this implementation changes:
- Video: frames are images; `Prepare` returns the crops of every frame it is given (T = 1 when the
  harness trains on frames labelled with the video's MOS; the authors' 25 training crops per image
  are 25 epochs' worth of single random crops here). In evaluation the network averages all crops.
- The per-image target network is applied with batched matrix products (the authors use a grouped
  1x1 convolution; the arithmetic is the same).
- Pooling and generated-weight sizes follow the crop size (`crop // 32` is the last stage's side, the
  authors' 7 at 224), so the tiny CPU variant can use 64x64 crops.
- `outputs=2`: the last generated layer has two rows (weights from Linear(112, 14 * 2), biases from
  Linear(112, 2)); the rest of the target network is shared.
- Module names: the trunk is `backbone` (torchvision names); `OFFICIAL["key_rules"]` renames the
  authors' `res.*` keys.

Pretrained parts: torchvision's ImageNet ResNet-50 (`resnet50-19c8e357.pth`, IMAGENET1K_V1).
Licence: the authors' code is MIT (2023); their KonIQ-10k checkpoint is shared on Google Drive.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from torch import nn

from baselines.deep_iqa.common import (Normalize, check_frames, check_outputs, check_size, crop, default_rng,
                                       mean_over_views, random_box, resize, to_tensor)
from baselines.deep_iqa.losses import l1_loss
from baselines.deep_iqa.resnet import build_trunk

FRAMES = dict(count=8, fps=None, size=None)
PRETRAINED = {"backbone": "torchvision:ResNet50_Weights.IMAGENET1K_V1"}
OFFICIAL = dict(
    files={"koniq_pretrained.pkl": "https://drive.google.com/file/d/1OOUmnbvpGea0LIGpIWEbOyxfWx6UCiiE/view"},
    note="state dict of `models.HyperNet(16, 112, 224, 112, 56, 28, 14, 7)` trained on KonIQ-10k (1 output)",
    key_rules=[("res.lda", "lda"), ("res.", "backbone.")],
)
# Counting the official `HyperNet(16, 112, 224, 112, 56, 28, 14, 7)` module by module from its
# definitions: ResNet-50 trunk (no fc) 23,508,032; local distortion layers 475,360 (1x1 convs 4,096 +
# 16,384 + 65,536; linear 16,400 + 8,208 + 4,112 + 360,624); hyper input convs 2,680,432; weight and
# bias generators 711,545 (fc1w 516,608 + fc1b 12,656, fc2w 129,152 + fc2b 6,328, fc3w 32,288 +
# fc3b 3,164, fc4w 8,072 + fc4b 1,582, fc5w 1,582 + fc5b 113).
PAPER_PARAMS = 27_375_369

FULL = dict(lda_out=16, hyper_in=112, target=(224, 112, 56, 28, 14), crop=224)
TINY = dict(lda_out=4, hyper_in=16, target=(16, 8, 8, 4, 4), crop=64)


def _local_distortion(channels: int, grid: int, out: int, pool: int, reduce: bool = True):
    """One stage's local distortion layers: (1x1 conv to channels/16, then) average pooling over
    `pool` x `pool` windows, and the linear layer of the pooled `grid` x `grid` map."""
    reduced = channels // 16 if reduce else channels
    pooling = (nn.Sequential(nn.Conv2d(channels, reduced, 1, bias=False), nn.AvgPool2d(pool, stride=pool))
               if reduce else nn.AvgPool2d(pool, stride=pool))
    return pooling, nn.Linear(reduced * grid * grid, out)


class HyperIQA(nn.Module):
    """crops (B, N, 3, S, S) uint8 -> per-crop scores (B, N, outputs) in training, their mean in
    evaluation. `hyper(images)` exposes the generated target-network parameters."""

    def __init__(self, size: str = "full", outputs: int = 2, lda_out: int = 16, hyper_in: int = 112,
                 target=(224, 112, 56, 28, 14), crop: int = 224):
        super().__init__()
        side = crop // 32  # the last stage's spatial side: the hyper network's feature size
        if crop % 32 or side < 1:
            raise ValueError(f"HyperIQA: crop must be a positive multiple of 32, got {crop}")
        sizes = tuple(target)
        for f_in, f_out in zip(sizes[:-1], sizes[1:]):
            if (f_in * f_out) % (side * side):
                raise ValueError(f"HyperIQA: target layer {f_in}x{f_out} is not divisible by the {side}x{side} "
                                 "feature map its weights are generated from")
        if sizes[0] <= 3 * lda_out:
            raise ValueError(f"HyperIQA: target input {sizes[0]} must exceed 3 x lda_out = {3 * lda_out}")
        self.side, self.sizes, self.outputs = side, sizes, outputs
        self.normalize = Normalize()
        self.backbone = build_trunk(size)
        c1, c2, c3, c4 = self.backbone.channels
        # the stages' outputs are 8, 4, 2 and 1 times the last stage's side: pooled to 8x8, 4x4, 2x2, 1x1
        self.lda1_pool, self.lda1_fc = _local_distortion(c1, 8, lda_out, side)
        self.lda2_pool, self.lda2_fc = _local_distortion(c2, 4, lda_out, side)
        self.lda3_pool, self.lda3_fc = _local_distortion(c3, 2, lda_out, side)
        self.lda4_pool, self.lda4_fc = _local_distortion(c4, 1, sizes[0] - 3 * lda_out, side, reduce=False)
        self.conv1 = nn.Sequential(nn.Conv2d(c4, c4 // 2, 1), nn.ReLU(inplace=True),
                                   nn.Conv2d(c4 // 2, c4 // 4, 1), nn.ReLU(inplace=True),
                                   nn.Conv2d(c4 // 4, hyper_in, 1), nn.ReLU(inplace=True))
        for i, (f_in, f_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            setattr(self, f"fc{i}w_conv", nn.Conv2d(hyper_in, f_in * f_out // side ** 2, 3, padding=1))
            setattr(self, f"fc{i}b_fc", nn.Linear(hyper_in, f_out))
        last = len(sizes)
        setattr(self, f"fc{last}w_fc", nn.Linear(hyper_in, sizes[-1] * outputs))
        setattr(self, f"fc{last}b_fc", nn.Linear(hyper_in, outputs))
        lda = [getattr(self, f"lda{i}_{part}") for i in range(1, 5) for part in ("pool", "fc")]
        for m in (*(m for layer in lda for m in layer.modules()), *self._generators()):
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def _generators(self) -> list[nn.Module]:
        n = len(self.sizes)
        return [getattr(self, f"fc{i}{kind}") for i in range(1, n) for kind in ("w_conv", "b_fc")] + \
            [getattr(self, f"fc{n}w_fc"), getattr(self, f"fc{n}b_fc")]

    def hyper(self, images: torch.Tensor) -> dict:
        """Normalised images (M, 3, S, S) -> {"target_in": (M, target[0]), "weights": [(M, out, in)
        per target layer], "biases": [(M, out)]}: the target network of every image."""
        return self.hyper_from_stages(*self.backbone(images)[1:])

    def hyper_from_stages(self, l1, l2, l3, l4) -> dict:
        """`hyper` from the backbone's four stage outputs (what a frozen backbone's memo holds)."""
        target_in = torch.cat([getattr(self, f"lda{i}_fc")(getattr(self, f"lda{i}_pool")(x).flatten(1))
                               for i, x in enumerate((l1, l2, l3, l4), start=1)], dim=1)
        feat = self.conv1(l4)
        pooled = feat.mean(dim=(2, 3))
        m, n = l4.shape[0], len(self.sizes)
        weights, biases = [], []
        for i, (f_in, f_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:]), start=1):
            weights.append(getattr(self, f"fc{i}w_conv")(feat).reshape(m, f_out, f_in))
            biases.append(getattr(self, f"fc{i}b_fc")(pooled))
        weights.append(getattr(self, f"fc{n}w_fc")(pooled).reshape(m, self.outputs, self.sizes[-1]))
        biases.append(getattr(self, f"fc{n}b_fc")(pooled))
        return {"target_in": target_in, "weights": weights, "biases": biases}

    @staticmethod
    def target(params: dict) -> torch.Tensor:
        """Run every image's generated target network on its own input: (M, outputs)."""
        x = params["target_in"]
        layers = list(zip(params["weights"], params["biases"]))
        for i, (w, b) in enumerate(layers):
            x = torch.bmm(w, x.unsqueeze(-1)).squeeze(-1) + b
            if i < len(layers) - 1:
                x = torch.sigmoid(x)
        return x

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        b, n = crops.shape[:2]
        scores = self.target(self.hyper(self.normalize(crops.flatten(0, 1)))).view(b, n, -1)
        return mean_over_views(scores, self.training)


class Prepare:
    """frames (T, H, W, 3) uint8 -> {"crops": uint8 (T * V, 3, crop, crop)}.

    Optionally resized first to `resize=(height, width)` (the authors resize KonIQ-10k to 512x384 and
    crop other databases at their native size, the default here). Training: V = `train_crops` (1)
    random crops per frame, each flipped horizontally with probability 1/2. Evaluation: V =
    `test_crops` (25) random crops per frame, drawn from `rng` (seed 0 when None, so repeatable)."""

    def __init__(self, train: bool = False, crop: int = 224, resize: Optional[tuple] = None,
                 train_crops: int = 1, test_crops: int = 25):
        self.train, self.crop, self.resize = train, crop, None if resize is None else tuple(resize)
        self.train_crops, self.test_crops = train_crops, test_crops

    def __call__(self, frames: np.ndarray, rng: Optional[np.random.Generator] = None) -> dict:
        frames = check_frames(frames, "HyperIQA Prepare")
        rng = default_rng(rng)
        crops = []
        for frame in frames:
            if self.resize is not None:
                frame = resize(frame, *self.resize)
            h, w = frame.shape[:2]
            for _ in range(self.train_crops if self.train else self.test_crops):
                top, left = random_box(h, w, self.crop, rng)
                patch = crop(frame, top, left, self.crop)
                if self.train and rng.random() < 0.5:
                    patch = patch[:, ::-1]
                crops.append(patch)
        return {"crops": to_tensor(crops)}


def build(size: str = "full", outputs: int = 2, **arch_options) -> HyperIQA:
    """The published network ("full": `HyperNet(16, 112, 224, 112, 56, 28, 14, 7)`) or a narrow one for
    CPU tests ("tiny", 64x64 crops); `arch_options` override `lda_out`, `hyper_in`, `target`, `crop`."""
    arch = dict(FULL if check_size(size) == "full" else TINY)
    arch.update(arch_options)
    return HyperIQA(size=size, outputs=check_outputs(outputs), **arch)


def loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 between every crop's score and its item's label (`HyerIQASolver.py`)."""
    return l1_loss(pred, target)
