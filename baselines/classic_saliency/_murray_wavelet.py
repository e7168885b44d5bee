"""Undecimated-plane Mallat wavelet transform used by Murray et al.'s SIM (CVPR 2011, Sec. 3.1).

At each scale the current image (N x N, N a power of two) gives three full-size wavelet planes --
horizontal, vertical, diagonal -- and a half-size residual; filtering uses the 5-tap B3-spline
kernel [1, 4, 6, 4, 1] / 16 with whole-sample mirrored edges. The inverse transform upsamples the
residual by zero insertion, interpolates with 2h in each direction and adds the three planes.
This mirrors the structure of the authors' DWT.m / IDWT.m so that the inverse of the forward
transform is exact (checked in the tests).
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import correlate1d

KERNEL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _filt(x: np.ndarray, axis: int) -> np.ndarray:
    # 'mirror' = d c b | a b c d: the authors' mirroring, which does not repeat the edge sample
    return correlate1d(x, KERNEL, axis=axis, mode="mirror")


def _keep_even(x: np.ndarray, axis: int) -> np.ndarray:
    out = np.zeros_like(x)
    sl = [slice(None)] * 2
    sl[axis] = slice(0, None, 2)
    out[tuple(sl)] = x[tuple(sl)]
    return out


def _upsample(c: np.ndarray) -> np.ndarray:
    up = np.zeros((2 * c.shape[0], 2 * c.shape[1]), dtype=c.dtype)
    up[::2, ::2] = c
    return 2 * _filt(2 * _filt(up, 0), 1)


def pad_to_power_of_two(image: np.ndarray) -> np.ndarray:
    """Square, power-of-two size, extended by mirroring (without repeating the edge)."""
    h, w = image.shape
    n = 1 << int(np.ceil(np.log2(max(h, w))))
    return np.pad(image, ((0, n - h), (0, n - w)), mode="reflect")


def forward(image: np.ndarray, levels: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """-> planes[s] (3, N_s, N_s) ordered (horizontal, vertical, diagonal); residuals[s] (N_s/2)^2."""
    img = pad_to_power_of_two(np.asarray(image, dtype=np.float64))
    planes, residuals = [], []
    for _ in range(levels):
        hf = _filt(img, 1)  # low-pass along rows
        gf = img - 2 * _filt(_keep_even(hf, 1), 1)  # high-pass along rows
        hhf = _filt(hf, 0)
        ghf = hf - 2 * _filt(_keep_even(hhf, 0), 0)  # low along rows, high along columns
        hgf = 2 * _filt(_keep_even(_filt(gf, 0), 0), 0)  # high along rows, low along columns
        c = hhf[::2, ::2]
        df = img - (_upsample(c) + hgf + ghf)
        planes.append(np.stack([hgf, ghf, df]))
        residuals.append(c)
        img = c
    return planes, residuals


def inverse(planes: list[np.ndarray], residual: np.ndarray, height: int, width: int) -> np.ndarray:
    img = residual
    for p in reversed(planes):
        img = _upsample(img) + p.sum(axis=0)
    return img[:height, :width]
