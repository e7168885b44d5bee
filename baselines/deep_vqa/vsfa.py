"""VSFA: Li, Jiang and Jiang, "Quality Assessment of In-the-Wild Videos", ACM Multimedia 2019 (Table 1
row "VSFA [35]").

The method: content-aware features of every frame, the ImageNet ResNet-50's last stage pooled by its
spatial mean and standard deviation (4096 values, the network fixed); a fully connected layer to 128,
a GRU (hidden 32) for temporal dependencies, a linear frame-quality score, and the subjectively
inspired temporal pooling (`temporal.py`: min-pooling memory over the last 12 frames, soft-min
weighted current quality over the next 12, averaged). L1 loss; only the layers after the ResNet
learn.

Checked against the authors' code (lidq92/VSFA `CNNfeatures.py`, `VSFA.py`; read, not copied):
every frame at its native size, ImageNet normalisation, `res5c` mean + std pooling, ANN with one
layer (4096 -> 128, no activation), GRU(128, 32), tau = 12, beta = 0.5, L1, Adam. The authors divide
the labels by the largest MOS of the database (a harness-level scaling choice, not part of the model).

What this implementation changes: the feature extraction runs inside the model (`frozen_features`,
under `no_grad`, in chunks of `frame_batch` frames) so the harness can either run it every time or
cache its output per video, as the authors do, and pass `features=`; the authors' unused second ANN
layer (`ann.fc`, built but skipped with `n_ANNlayers=1`) is not built; `outputs=2` gives the frame
score two channels, each pooled on its own.

Pretrained parts: torchvision's ImageNet ResNet-50 (`pretrained=True`, IMAGENET1K_V1).
Licence: the authors' code is MIT; `models/VSFA.pt` (trained on KoNViD-1k) ships in their repository.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from baselines.deep_iqa.common import (FrozenParts, Normalize, check_frames, check_outputs, check_size, freeze, resize,
                                       to_tensor)
from baselines.deep_iqa.losses import l1_loss
from baselines.deep_iqa.resnet import build_trunk, mean_std_pool
from baselines.deep_vqa.temporal import GRUQualityHead

# Every frame, native rate and size.
FRAMES = dict(count=None, fps=None, size=None)
PRETRAINED = {"backbone": "torchvision:ResNet50_Weights.IMAGENET1K_V1"}
OFFICIAL = dict(
    files={"VSFA.pt": "https://github.com/lidq92/VSFA/raw/master/models/VSFA.pt"},
    note="state dict of `VSFA.VSFA` (the head only; the ResNet-50 is torchvision's), trained on KoNViD-1k "
         "with labels divided by the largest MOS",
    key_rules=[("ann.fc0.", "head.fc0."), ("ann.fc.", None), ("rnn.", "head.rnn."), ("q.", "head.q.")],
)
# Counting the official pipeline: torchvision ResNet-50 up to res5c 23,508,032 + `VSFA.VSFA()` 556,513
# (ann.fc0 4096 x 128 + 128 = 524,416; ann.fc 128 x 128 + 128 = 16,512, built but unused; GRU(128, 32)
# 15,552; q 33).
PAPER_PARAMS = 24_064_545
UNBUILT_PARAMS = 16_512  # the unused ann.fc
# The batch entries `frozen_features` turns into cacheable features: {"features", "length"} replace them.
FROZEN_INPUTS = ("frames", "length")

FULL = dict(reduced=128, hidden=32)
TINY = dict(reduced=16, hidden=8)
MIN_SIZE = 33  # the std pooling needs a last stage of at least 2x2 (stride 32)


class VSFA(FrozenParts):
    """frames (B, L, 3, H, W) uint8 (zero-padded beyond `length`) and length (B,) -> (B, outputs), in
    training and in evaluation; or `features` (B, L, 2C) from `frozen_features` instead of frames."""

    frozen = ("backbone",)

    def __init__(self, size: str = "full", outputs: int = 2, reduced: int = 128, hidden: int = 32,
                 tau: int = 12, beta: float = 0.5, frame_batch: int = 32):
        super().__init__()
        self.normalize = Normalize()
        self.backbone = freeze(build_trunk(size))
        self.head = GRUQualityHead(2 * self.backbone.channels[-1], reduced, hidden, outputs, tau, beta)
        self.frame_batch = frame_batch

    @torch.no_grad()
    def frozen_features(self, frames: torch.Tensor, length: torch.Tensor) -> dict:
        """Content-aware features of the valid frames: {"features": (B, L, 2C), "length": (B,)}."""
        out = frames.new_zeros((*frames.shape[:2], 2 * self.backbone.channels[-1]), dtype=torch.float32)
        for i, n in enumerate(length.tolist()):
            for s in range(0, int(n), self.frame_batch):
                chunk = frames[i, s:min(s + self.frame_batch, int(n))]
                out[i, s:s + len(chunk)] = mean_std_pool(self.backbone(self.normalize(chunk))[-1])
        return {"features": out, "length": length}

    def forward(self, length: torch.Tensor, frames: Optional[torch.Tensor] = None,
                features: Optional[torch.Tensor] = None) -> torch.Tensor:
        if features is None:
            if frames is None:
                raise ValueError("VSFA: give frames or their frozen features")
            features = self.frozen_features(frames, length)["features"]
        return self.head(features, length)


class Prepare:
    """frames (T, H, W, 3) uint8, every frame -> {"frames": uint8 (L, 3, H, W), "length": int64 T}.

    `size`: resize every frame to (height, width) (None: native, as the authors). `max_len`: zero-pad
    to that many frames so videos of different lengths batch together (the authors pad to the
    database's longest video); longer videos are an error. Training and evaluation are the same."""

    def __init__(self, train: bool = False, size: Optional[tuple] = None, max_len: Optional[int] = None):
        self.train, self.size, self.max_len = train, None if size is None else tuple(size), max_len

    def __call__(self, frames: np.ndarray, rng: Optional[np.random.Generator] = None) -> dict:
        who = "VSFA Prepare"
        frames = check_frames(frames, who, min_size=MIN_SIZE if self.size is None else 1)
        if self.size is not None:
            if min(self.size) < MIN_SIZE:
                raise ValueError(f"{who}: size {self.size} is below {MIN_SIZE} pixels")
            frames = np.stack([resize(f, *self.size) for f in frames])
        t = len(frames)
        if self.max_len is not None and t > self.max_len:
            raise ValueError(f"{who}: the video has {t} frames, more than max_len={self.max_len}")
        out = to_tensor(frames)
        if self.max_len is not None and t < self.max_len:
            out = torch.cat([out, out.new_zeros((self.max_len - t, *out.shape[1:]))])
        return {"frames": out, "length": torch.tensor(t)}


def build(size: str = "full", outputs: int = 2, **arch_options) -> VSFA:
    """VSFA ("full": ResNet-50, 4096 -> 128 -> GRU 32) or a narrow one for CPU tests ("tiny");
    `arch_options` override `reduced`, `hidden`, `tau`, `beta`, `frame_batch`."""
    arch = dict(FULL if check_size(size) == "full" else TINY)
    arch.update(arch_options)
    return VSFA(size=size, outputs=check_outputs(outputs), **arch)


def loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 (`VSFA.py`)."""
    return l1_loss(pred, target)
