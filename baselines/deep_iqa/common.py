"""Pieces shared by the deep IQA and deep VQA families: frame checks, resizing and crops of uint8
frames, normalisation as the network's first step, parameter counting.

Every `Prepare` hands the network uint8 pixels, channels first, and the network normalises them
(`Normalize`). The methods' own pipelines resize and crop 8-bit images (PIL or OpenCV) before their
`ToTensor` + `Normalize`, so moving the normalisation into the network changes no arithmetic; it keeps
what travels through the harness's worker processes four times smaller than float32.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def check_frames(frames, who: str, min_size: int = 1) -> np.ndarray:
    """`frames` as a (T, H, W, 3) uint8 array with T >= 1 and H, W >= `min_size`, else a ValueError
    naming `who` (the method's Prepare) and what is wrong."""
    if not isinstance(frames, np.ndarray):
        raise ValueError(f"{who}: frames must be a numpy array, got {type(frames).__name__}")
    if frames.dtype != np.uint8:
        raise ValueError(f"{who}: frames must be uint8 RGB, got dtype {frames.dtype}")
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] < 1:
        raise ValueError(f"{who}: frames must have shape (T>=1, H, W, 3), got {frames.shape}")
    h, w = frames.shape[1:3]
    if min(h, w) < min_size:
        raise ValueError(f"{who}: frames of {h}x{w} pixels are smaller than the {min_size} pixels it needs")
    return frames


def default_rng(rng: Optional[np.random.Generator]) -> np.random.Generator:
    """The generator a training-time Prepare draws from; a fixed seed when none is given."""
    return rng if rng is not None else np.random.default_rng(0)


def resize(frame: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize one uint8 (H, W, C) frame: area averaging when shrinking (like PIL's antialiased
    bilinear that torchvision applies to PIL images), bilinear when enlarging."""
    import cv2

    h, w = frame.shape[:2]
    if (h, w) == (height, width):
        return frame
    shrink = height * width < h * w
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def short_side_size(height: int, width: int, short: int) -> tuple[int, int]:
    """(h, w) after scaling the shorter side to `short` (torchvision `Resize(int)`)."""
    if height <= width:
        return short, int(short * width / height)
    return int(short * height / width), short


def resize_short_side(frame: np.ndarray, short: int) -> np.ndarray:
    return resize(frame, *short_side_size(*frame.shape[:2], short))


def random_box(height: int, width: int, size: int, rng: np.random.Generator) -> tuple[int, int]:
    """Top-left corner of a uniformly placed `size` x `size` crop."""
    if min(height, width) < size:
        raise ValueError(f"a {size}x{size} crop does not fit in a {height}x{width} frame")
    return int(rng.integers(0, height - size + 1)), int(rng.integers(0, width - size + 1))


def center_box(height: int, width: int, size: int) -> tuple[int, int]:
    if min(height, width) < size:
        raise ValueError(f"a {size}x{size} crop does not fit in a {height}x{width} frame")
    return int(round((height - size) / 2)), int(round((width - size) / 2))


def five_boxes(height: int, width: int, size: int) -> list[tuple[int, int]]:
    """torchvision `FiveCrop`: the four corners, then the centre."""
    center_box(height, width, size)
    return [(0, 0), (0, width - size), (height - size, 0), (height - size, width - size),
            center_box(height, width, size)]


def crop(frame: np.ndarray, top: int, left: int, size: int) -> np.ndarray:
    return frame[top:top + size, left:left + size]


def to_tensor(images: Sequence[np.ndarray] | np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, 3) images -> uint8 tensor (N, 3, H, W)."""
    return torch.from_numpy(np.ascontiguousarray(np.stack(list(images)))).permute(0, 3, 1, 2).contiguous()


class Normalize(nn.Module):
    """uint8 (or 0-255 float) pixels -> `(x / 255 - mean) / std`, channels at `channel_dim`.

    Its constants are non-persistent buffers, so state dicts hold only the methods' own weights.
    """

    def __init__(self, mean=IMAGENET_MEAN, std=IMAGENET_STD, channel_dim: int = -3):
        super().__init__()
        self.channel_dim = channel_dim
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32), persistent=False)
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = [1] * x.dim()
        shape[self.channel_dim] = -1
        return (x.float() / 255.0 - self.mean.view(shape)) / self.std.view(shape)


def freeze(module: nn.Module) -> nn.Module:
    """No gradients and evaluation mode (batch-norm statistics kept): a fixed feature extractor."""
    for p in module.parameters():
        p.requires_grad_(False)
    return module.eval()


class FrozenParts(nn.Module):
    """Base for models with fixed feature extractors (named in `frozen`): `train()` leaves them in
    evaluation mode, as the authors extract their features once, offline."""

    frozen: tuple = ()

    def train(self, mode: bool = True):
        super().train(mode)
        for name in self.frozen:
            getattr(self, name).eval()
        return self


def count_parameters(module: nn.Module) -> int:
    """All parameters, trainable or frozen (what the PAPER_PARAMS counts describe)."""
    return sum(p.numel() for p in module.parameters())


def check_size(size: str) -> str:
    if size not in ("full", "tiny"):
        raise ValueError(f"size must be 'full' (the published architecture) or 'tiny' (CPU tests), got {size!r}")
    return size


def check_outputs(outputs: int) -> int:
    if not isinstance(outputs, int) or outputs < 1:
        raise ValueError(f"outputs must be a positive int (2: quality and authenticity), got {outputs!r}")
    return outputs


def mean_over_views(scores: torch.Tensor, training: bool) -> torch.Tensor:
    """Per-view scores (B, N, outputs) -> the training output: kept per view, as the methods train
    every crop / patch / clip against its item's label; in evaluation their mean (B, outputs)."""
    return scores if training else scores.mean(dim=1)


def rename_official(state_dict: dict, rules: Sequence[tuple[str, Optional[str]]],
                    drop_suffixes: Sequence[str] = ()) -> dict:
    """An official checkpoint's state dict in this implementation's names.

    `rules` are (official prefix, our prefix) pairs tried in order, the first match wins; None as our
    prefix drops the entry (a module the official code builds but never uses). Keys ending in one of
    `drop_suffixes` (buffers this implementation recomputes) are dropped. Other keys stay as they are."""
    out = {}
    for key, value in state_dict.items():
        if key.endswith(tuple(drop_suffixes)):
            continue
        for old, new in rules:
            if key.startswith(old):
                if new is not None:
                    out[new + key[len(old):]] = value
                break
        else:
            out[key] = value
    return out
