"""SWD: saliency by spatially weighted dissimilarity (Duan, Wu, Miao, Qing & Fu, CVPR 2011) [14].

The image (YCbCr) is cut into non-overlapping k x k patches; each patch's 3k^2 values are reduced
to d dimensions by PCA, and the saliency of patch p_i is (paper Eqs. 1-4)

    Sal(p_i) = omega_i * sum_j  1 / (1 + Dist(p_i, p_j)) * sum_s |f_si - f_sj|

-- the L1 dissimilarity in the reduced space, weighted inversely by the spatial distance between
the patches (in patch units), times a central bias omega_i = 1 - DistToCenter(p_i) / D.

Details and parameters follow the authors' release as called by calTraSal.m of Gen3DHF co-author H.
Duan's baseline_saliency_models (`Wu_ImageSaliencyComputing(img, 14, 11, 3)`): k = 14, d = 11; each
patch is first replaced by its absolute difference to the mean patch; the reduced coordinates are
the leading unit eigenvectors of the patches' Gram matrix (PCA by the "snapshot" method, no
centring); the centre distance is floored to an integer before normalising; the patch-level map is
smoothed by MATLAB's fspecial('gaussian', 3, 3) with symmetric borders, min-max normalised and
resized (bicubic) to the image size, its overshoot clipped as imwrite does (`swd_saliency` returns
that map on the patch map's scale; the family's base class applies the min-max).
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import eigh

from bench.models.registry import register_model

from ._matlab_filters import gaussian_kernel
from .base import SaliencyModel


def rgb2ycbcr(image_rgb: np.ndarray) -> np.ndarray:
    """MATLAB rgb2ycbcr on uint8 input (ITU-R BT.601, studio range), rounded to integers."""
    rgb = np.asarray(image_rgb, dtype=np.float64) / 255.0
    m = np.array([[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]])
    return np.clip(np.round(rgb @ m.T + np.array([16.0, 128.0, 128.0])), 0, 255)


def patch_features(img: np.ndarray, k: int, d: int) -> tuple[np.ndarray, tuple[int, int]]:
    """(n_patches, d) reduced coordinates of the non-overlapping k x k patches, row-major order."""
    rows, cols = img.shape[0] // k, img.shape[1] // k
    if rows * cols <= d:
        raise ValueError(f"SWD needs more than {d} patches of {k}x{k}; got a {img.shape[1]}x{img.shape[0]} image")
    patches = img[: rows * k, : cols * k].reshape(rows, k, cols, k, -1).transpose(0, 2, 1, 3, 4)
    x = patches.reshape(rows * cols, -1)
    x = np.abs(x - x.mean(axis=0))  # each patch relative to the mean patch
    # Leading unit eigenvectors of the Gram matrix x x^T (n x n). When patches outnumber their
    # 3k^2 values they come from the smaller x^T x: x^T x v = s^2 v gives x x^T (x v / s) = s^2 (x v / s).
    n, m = x.shape
    small = n > m
    gram = x.T @ x if small else x @ x.T
    size = gram.shape[0]
    evals, evecs = eigh(gram, subset_by_index=[size - d, size - 1])  # only the d largest
    evals, evecs = evals[::-1], evecs[:, ::-1]
    u = x @ evecs / np.sqrt(np.maximum(evals, 1e-12)) if small else evecs
    return u, (rows, cols)


def center_bias(rows: int, cols: int) -> np.ndarray:
    """1 - floor(distance to the centre patch) / max, with MATLAB's 1-based centre floor(n / 2)."""
    y, x = np.mgrid[1: rows + 1, 1: cols + 1]
    dist = np.floor(np.hypot(y - rows // 2, x - cols // 2))
    return 1.0 - dist / dist.max() if dist.max() > 0 else np.ones_like(dist)


def spatially_weighted_dissimilarity(features: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    rows, cols = grid
    yy, xx = np.divmod(np.arange(rows * cols), cols)
    weight = 1.0 / (1.0 + np.hypot(yy[:, None] - yy[None, :], xx[:, None] - xx[None, :]))
    dissim = np.zeros_like(weight)
    for s in range(features.shape[1]):  # L1 distance, one dimension at a time (memory: n^2, not n^2 d)
        dissim += np.abs(features[:, s, None] - features[None, :, s])
    sal = (weight * dissim).sum(axis=1).reshape(rows, cols)
    return center_bias(rows, cols) * sal


def swd_saliency(image_rgb: np.ndarray, patch: int = 14, dims: int = 11, smoothing: int = 3) -> np.ndarray:
    import cv2

    features, grid = patch_features(rgb2ycbcr(image_rgb), patch, dims)
    sal = spatially_weighted_dissimilarity(features, grid)
    if smoothing:
        kernel = gaussian_kernel(smoothing, smoothing)  # fspecial('gaussian', 3, 3): size 3, sigma 3
        sal = cv2.filter2D(sal, cv2.CV_64F, kernel[::-1, ::-1], borderType=cv2.BORDER_REFLECT)
    h, w = image_rgb.shape[:2]
    # bicubic overshoot clipped to the map's range, as imwrite clips the authors' min-max scaled map
    return np.clip(cv2.resize(sal, (w, h), interpolation=cv2.INTER_CUBIC), sal.min(), sal.max())


@register_model("swd")
class SWD(SaliencyModel):

    def __init__(self, patch: int = 14, dims: int = 11, smoothing: int = 3, **config):
        super().__init__(patch=patch, dims=dims, smoothing=smoothing, **config)
        self.patch, self.dims, self.smoothing = patch, dims, smoothing

    def native_map(self, image: np.ndarray) -> np.ndarray:
        return swd_saliency(image, self.patch, self.dims, self.smoothing)
