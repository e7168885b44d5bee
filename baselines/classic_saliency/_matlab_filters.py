"""MATLAB-equivalent grey conversion, Gaussian kernels, filtering and resizing.

Shared by the models whose reference code is MATLAB (SR, PFT, SWD, SUN, IT). `imresize` follows
MATLAB's (Image Processing Toolbox) definition, not OpenCV's: half-pixel-centred sampling, Keys'
cubic kernel with a = -0.5 (OpenCV's INTER_CUBIC uses -0.75), mirrored borders, and, when
shrinking with the cubic or linear kernel, the kernel widened by 1/scale (antialiasing).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np


def gray01(image_rgb: np.ndarray) -> np.ndarray:
    """MATLAB im2double(rgb2gray(img)): ITU-R BT.601 luma in [0, 1], float64."""
    rgb = np.asarray(image_rgb, dtype=np.float64)
    if rgb.ndim == 2:
        return rgb / 255.0
    return (rgb[..., 0] * 0.298936021293775 + rgb[..., 1] * 0.587043074451121
            + rgb[..., 2] * 0.114020904255103) / 255.0


def gaussian_kernel(size, sigma: float) -> np.ndarray:
    """MATLAB fspecial('gaussian', size, sigma): sampled on a (possibly even) grid, sums to 1."""
    rows, cols = (size, size) if np.isscalar(size) else size
    y = np.arange(rows) - (rows - 1) / 2
    x = np.arange(cols) - (cols - 1) / 2
    k = np.exp(-(y[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma**2))
    return k / k.sum()


def imfilter_zero(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """MATLAB imfilter(image, kernel) with its defaults: correlation, zero padding, 'same' size.

    MATLAB puts the kernel centre at floor((size + 1) / 2) (1-based), i.e. (size - 1) // 2
    (0-based); cv2.filter2D's default anchor is size // 2, one further for even sizes, so the
    anchor is given explicitly.
    """
    import cv2

    kernel = np.asarray(kernel, np.float64)
    anchor = ((kernel.shape[1] - 1) // 2, (kernel.shape[0] - 1) // 2)
    return cv2.filter2D(np.asarray(image, np.float64), cv2.CV_64F, kernel, anchor=anchor,
                        borderType=cv2.BORDER_CONSTANT)


def mat2gray(x: np.ndarray) -> np.ndarray:
    lo, hi = float(np.min(x)), float(np.max(x))
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


def _cubic(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    return np.where(a <= 1, 1.5 * a**3 - 2.5 * a**2 + 1,
                    np.where(a <= 2, -0.5 * a**3 + 2.5 * a**2 - 4 * a + 2, 0.0))


def _triangle(x: np.ndarray) -> np.ndarray:
    return np.maximum(1 - np.abs(x), 0.0)


def _box(x: np.ndarray) -> np.ndarray:
    return ((x >= -0.5) & (x < 0.5)).astype(np.float64)


_KERNELS = {"bicubic": (_cubic, 4.0), "bilinear": (_triangle, 2.0), "nearest": (_box, 1.0)}


@lru_cache(maxsize=64)
def _resize_matrix(n_in: int, n_out: int, scale: float, method: str) -> np.ndarray:
    """(n_out, n_in) matrix of MATLAB imresize's weights along one axis."""
    kernel, width = _KERNELS[method]
    if scale < 1 and method != "nearest":  # antialiasing: MATLAB's default when shrinking
        def h(x):
            return scale * kernel(scale * x)
        width = width / scale
    else:
        h = kernel
    u = np.arange(1, n_out + 1) / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    taps = int(np.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps)[None, :]
    w = h(u[:, None] - idx)
    w /= w.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(n_in), np.arange(n_in)[::-1]])  # MATLAB's symmetric border
    cols = mirror[np.mod(idx.astype(int) - 1, 2 * n_in)]
    out = np.zeros((n_out, n_in))
    np.add.at(out, (np.repeat(np.arange(n_out), taps), cols.ravel()), w.ravel())
    return out


def imresize(image: np.ndarray, size=None, scale: float | None = None, method: str = "bicubic") -> np.ndarray:
    """MATLAB imresize(image, scale) or imresize(image, [rows cols]) on a float array (H, W[, C]).

    With `size` the scale of each axis is out/in; with `scale` the output is ceil(in * scale).
    """
    x = np.asarray(image, dtype=np.float64)
    h, w = x.shape[:2]
    if size is not None:
        (oh, ow), (sy, sx) = (int(size[0]), int(size[1])), (size[0] / h, size[1] / w)
    elif scale is not None:
        oh, ow, sy, sx = int(np.ceil(h * scale)), int(np.ceil(w * scale)), float(scale), float(scale)
    else:
        raise ValueError("imresize needs size or scale")
    out = np.tensordot(_resize_matrix(h, oh, sy, method), x, axes=(1, 0))
    return np.moveaxis(np.tensordot(_resize_matrix(w, ow, sx, method), out, axes=(1, 1)), 0, 1)
