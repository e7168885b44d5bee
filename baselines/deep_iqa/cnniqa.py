"""CNNIQA: Kang, Ye, Li and Doermann, "Convolutional Neural Networks for No-Reference Image Quality
Assessment", CVPR 2014 (the paper's Table 1 row 19, "CNNIQA [30]").

The method: a grey frame is locally normalised (3x3 window, Eq. 1: (I - mu) / (sigma + C)), cut into
non-overlapping 32x32 patches; one convolution (50 kernels of 7x7, no non-linearity), max and min
pooling of each of its 50 maps (100 values), two fully connected layers of 800 ReLU units and one
output. Every training patch carries its image's score (L1 loss, Eq. 3); an image's score is the mean
of its patches' scores.

Checked against the public PyTorch re-implementation (lidq92/CNNIQA, read, not copied; the authors
released no code or weights): layer sizes, max+min pooling, dropout p = 0.5 after the first fully
connected layer, L1 loss.

What this implementation changes:
- Video: frames are images. `Prepare` takes the frames the harness gives (any T >= 1; one frame per
  item when the harness trains on K frames per video labelled with the video's MOS) and returns all
  patches of all of them; in evaluation the network averages every patch, i.e. the mean over frames.
- Local normalisation runs on the whole grey frame (0-255 scale, C = 1, symmetric borders), as the
  paper describes, before the patches are cut; lidq92 normalises each patch on its own on a 0-1
  scale, where C = 1 leaves contrast almost unnormalised. Every full 32x32 patch is used (lidq92's
  loop drops the last row and column of patches).
- `outputs=2`: the last layer has two units (quality, authenticity); everything else is shared.

Licence: no official code or weights exist; lidq92/CNNIQA carries no licence file (read only).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from baselines.deep_iqa.common import check_frames, check_outputs, check_size, mean_over_views
from baselines.deep_iqa.losses import l1_loss

# K frames per video, each an item labelled with the video's MOS; native size.
FRAMES = dict(count=8, fps=None, size=None)
PRETRAINED: dict = {}  # trained from scratch in the paper; nothing to load
OFFICIAL = None  # the authors released no weights
# Kang et al. Sec. 3.1 layer sizes with one output: conv 50 x (7x7) + 50 = 2,500; fc 100 -> 800 = 80,800;
# fc 800 -> 800 = 640,800; 800 -> 1 = 801. Total 724,901 (lidq92's CNNIQAnet has the same count).
PAPER_PARAMS = 724_901

FULL = dict(kernel_size=7, n_kernels=50, fc1=800, fc2=800)
TINY = dict(kernel_size=7, n_kernels=8, fc1=32, fc2=32)


def local_normalize(gray: np.ndarray, window: int = 3, c: float = 1.0) -> np.ndarray:
    """Kang et al. Eq. 1 on a 2-D float image: (I - mu) / (sigma + C) over `window` x `window`
    neighbourhoods, borders mirrored (abc|cba)."""
    import cv2

    gray = gray.astype(np.float64)
    mu = cv2.blur(gray, (window, window), borderType=cv2.BORDER_REFLECT)
    mu2 = cv2.blur(gray * gray, (window, window), borderType=cv2.BORDER_REFLECT)
    sigma = np.sqrt(np.maximum(mu2 - mu * mu, 0.0))
    return (gray - mu) / (sigma + c)


def grid_patches(image: np.ndarray, size: int) -> np.ndarray:
    """All non-overlapping `size` x `size` patches of a 2-D image, row by row: (P, size, size)."""
    rows, cols = image.shape[0] // size, image.shape[1] // size
    cut = image[:rows * size, :cols * size]
    return cut.reshape(rows, size, cols, size).swapaxes(1, 2).reshape(rows * cols, size, size)


class Prepare:
    """frames (T, H, W, 3) uint8 -> {"patches": float32 (T * P, 1, 32, 32)}, the locally normalised
    grey patches of every frame (P = floor(H/32) * floor(W/32)). Training and evaluation prepare the
    same patches (the paper trains on all of them); `rng` is not used."""

    def __init__(self, train: bool = False, patch_size: int = 32, window: int = 3, c: float = 1.0):
        self.train, self.patch_size, self.window, self.c = train, patch_size, window, c

    def __call__(self, frames: np.ndarray, rng: Optional[np.random.Generator] = None) -> dict:
        import cv2

        frames = check_frames(frames, "CNNIQA Prepare", min_size=self.patch_size)
        patches = [grid_patches(local_normalize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), self.window, self.c),
                                self.patch_size) for f in frames]
        return {"patches": torch.from_numpy(np.concatenate(patches)).float().unsqueeze(1)}


class CNNIQA(nn.Module):
    """patches (B, N, 1, P, P) -> per-patch scores (B, N, outputs) in training, their mean (B, outputs)
    in evaluation."""

    def __init__(self, outputs: int = 2, kernel_size: int = 7, n_kernels: int = 50, fc1: int = 800,
                 fc2: int = 800, dropout: float = 0.5):
        super().__init__()
        self.conv1 = nn.Conv2d(1, n_kernels, kernel_size)
        self.fc1 = nn.Linear(2 * n_kernels, fc1)
        self.fc2 = nn.Linear(fc1, fc2)
        self.fc3 = nn.Linear(fc2, outputs)
        self.dropout = nn.Dropout(dropout)

    def pooled(self, patches: torch.Tensor) -> torch.Tensor:
        """patches (M, 1, P, P) -> (M, 2 * n_kernels): the max and the min of every convolution map."""
        h = self.conv1(patches).flatten(2)
        return torch.cat([h.amax(-1), h.amin(-1)], dim=1)

    def regress(self, pooled: torch.Tensor) -> torch.Tensor:
        """The two fully connected layers and the output layer: (..., 2 * n_kernels) -> (..., outputs)."""
        return self.fc3(F.relu(self.fc2(self.dropout(F.relu(self.fc1(pooled))))))

    def forward(self, patches: torch.Tensor) -> torch.Tensor:
        b, n = patches.shape[:2]
        scores = self.regress(self.pooled(patches.flatten(0, 1))).view(b, n, -1)
        return mean_over_views(scores, self.training)


def build(size: str = "full", outputs: int = 2, **arch_options) -> CNNIQA:
    """The paper's network ("full") or a narrow one for CPU tests ("tiny"); `arch_options` override
    `kernel_size`, `n_kernels`, `fc1`, `fc2`, `dropout`."""
    arch = dict(FULL if check_size(size) == "full" else TINY)
    arch.update(arch_options)
    return CNNIQA(outputs=check_outputs(outputs), **arch)


def loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 between every patch's score and its item's label (Kang et al. Eq. 3)."""
    return l1_loss(pred, target)
