"""MATLAB-equivalent grey conversion, Gaussian kernels and filtering shared by SR, PFT and SWD."""
from __future__ import annotations

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
