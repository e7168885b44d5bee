"""Resizing a predicted saliency map to the ground truth's size, as the MIT saliency benchmark does.

The MIT benchmark's MATLAB code (Bylinskii et al., "What do different evaluation metrics tell
us about saliency models?", TPAMI 2019; code_forMetrics) calls `imresize(map, size(gt))`:
bicubic interpolation (Keys kernel, a = -0.5) with antialiasing when shrinking and mirrored
borders. `imresize_matlab` re-implements that separable filter in float64 (MATLAB would round a
uint8 map back to uint8; we never do). "area" uses OpenCV's INTER_AREA, the interpolation the
authors of Gen3DHF used to make their maps.
"""
from __future__ import annotations

import numpy as np

RESIZE_METHODS = ("bicubic", "bilinear", "nearest", "area")


def _cubic(x: np.ndarray) -> np.ndarray:
    """Keys cubic convolution kernel with a = -0.5 (MATLAB's 'bicubic'), support [-2, 2]."""
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    near = (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1)
    far = (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1) & (ax <= 2))
    return near + far


def _triangle(x: np.ndarray) -> np.ndarray:
    return (x + 1.0) * ((x >= -1) & (x < 0)) + (1.0 - x) * ((x >= 0) & (x <= 1))


def _box(x: np.ndarray) -> np.ndarray:
    return ((x >= -0.5) & (x < 0.5)).astype(np.float64)


_KERNELS = {"bicubic": (_cubic, 4.0, True), "bilinear": (_triangle, 2.0, True), "nearest": (_box, 1.0, False)}


def resize_matrix(in_len: int, out_len: int, method: str = "bicubic") -> np.ndarray:
    """(out_len, in_len) matrix W with resized = W @ signal, MATLAB imresize's 1-D weights.

    Output sample u (1-based) sits at input coordinate u/scale + (1 - 1/scale)/2; when shrinking
    (scale < 1, antialiased methods) the kernel is stretched by 1/scale and scaled by `scale`;
    each row is normalised to sum 1; taps beyond the ends are mirrored (index sequence
    1..n, n..1, repeated).
    """
    kernel, width, antialias = _KERNELS[method]
    scale = out_len / in_len
    if scale < 1 and antialias:
        def h(x):
            return scale * kernel(scale * x)
        width = width / scale
    else:
        h = kernel
    u = np.arange(1, out_len + 1, dtype=np.float64) / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    taps = int(np.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps)[None, :]  # 1-based input indices
    weights = h(u[:, None] - idx)
    weights /= weights.sum(axis=1, keepdims=True)
    mirror = np.r_[np.arange(in_len), np.arange(in_len - 1, -1, -1)]  # 0-based 1..n, n..1
    idx0 = mirror[np.mod(idx.astype(np.int64) - 1, 2 * in_len)]
    matrix = np.zeros((out_len, in_len), dtype=np.float64)
    np.add.at(matrix, (np.repeat(np.arange(out_len), taps), idx0.ravel()), weights.ravel())
    return matrix


def imresize_matlab(maps: np.ndarray, out_shape: tuple, method: str = "bicubic") -> np.ndarray:
    """Resize (H, W) or (N, H, W) maps to `out_shape` (h, w) like MATLAB's `imresize`. float64."""
    a = np.asarray(maps, dtype=np.float64)
    rows = resize_matrix(a.shape[-2], out_shape[0], method)
    cols = resize_matrix(a.shape[-1], out_shape[1], method)
    return np.matmul(np.matmul(rows, a), cols.T)


def resize_to(maps: np.ndarray, out_shape: tuple, method: str | None = "bicubic") -> np.ndarray:
    """(N, h, w) maps -> (N, H, W) float64 with `method` in RESIZE_METHODS; a no-op copy when the
    size already matches. `method=None` refuses to resize (ValueError on a size mismatch)."""
    a = np.asarray(maps)
    out_shape = tuple(int(s) for s in out_shape)
    if a.shape[-2:] == out_shape:
        return a.astype(np.float64)
    if method is None:
        raise ValueError(f"prediction is {a.shape[-2:]} but ground truth is {out_shape} and resize=None")
    if method in _KERNELS:
        return imresize_matlab(a, out_shape, method)
    if method == "area":
        import cv2

        return np.stack([cv2.resize(m.astype(np.float64), (out_shape[1], out_shape[0]),
                                    interpolation=cv2.INTER_AREA) for m in a])
    raise ValueError(f"unknown resize method {method!r}; choose one of {RESIZE_METHODS} or None")
