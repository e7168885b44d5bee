"""Undecimated steerable pyramid in the Fourier domain (Simoncelli & Freeman 1995; the
raised-cosine construction of Portilla & Simoncelli 2000), with Judd's subband features and
Torralba's (2003) saliency built on it.

Radial windows are one octave wide in log2 frequency, so highpass^2 + sum of band^2 +
lowpass^2 = 1 (a tight frame); `order` 3 gives 4 orientations (Simoncelli's sp3 filters).
Bands are kept at full resolution: band s here equals the decimated band s upsampled.
"""
from __future__ import annotations

from functools import lru_cache
from math import factorial

import numpy as np
from scipy import ndimage


def _hi(logr: np.ndarray, edge: float) -> np.ndarray:
    """Raised cosine: 1 above log2 radius `edge`, 0 one octave below."""
    t = np.clip(logr - edge, -1.0, 0.0)
    return np.cos(np.pi / 2 * t)


@lru_cache(maxsize=8)
def _windows(h: int, w: int, n_scales: int, order: int):
    wy = np.fft.fftfreq(h)[:, None] * 2 * np.pi
    wx = np.fft.fftfreq(w)[None, :] * 2 * np.pi
    r = np.hypot(wy, wx)
    logr = np.log2(np.maximum(r, 1e-12))
    theta = np.arctan2(wy, wx)
    hi0 = _hi(logr, np.log2(np.pi))
    low = np.sqrt(1 - hi0 ** 2)
    bands = []
    k = order + 1
    alpha = 2 ** order * factorial(order) / np.sqrt(k * factorial(2 * order))
    for s in range(n_scales):  # band s: the octave between pi / 2^(s+2) and pi / 2^(s+1)
        hi = _hi(logr, np.log2(np.pi) - 1 - s)
        angular = [alpha * np.cos(theta - np.pi * j / k) ** order * (-1j) ** order for j in range(k)]
        bands.append([low * hi * a for a in angular])
        low = low * np.sqrt(1 - hi ** 2)
    return hi0, bands, low


def steerable_bands(gray: np.ndarray, n_scales: int = 3, order: int = 3):
    """(highpass (H, W), [[band(scale s, orientation j) (H, W)]], lowpass (H, W)), all real."""
    g = np.asarray(gray, dtype=np.float64)
    f = np.fft.fft2(g)
    hi0, bands, low = _windows(g.shape[0], g.shape[1], n_scales, order)
    back = lambda win: np.real(np.fft.ifft2(f * win))  # noqa: E731
    return back(hi0), [[back(b) for b in per_scale] for per_scale in bands], back(low)


def subband_energy(gray: np.ndarray, n_scales: int = 3, order: int = 3) -> np.ndarray:
    """Judd's 13 subband features: |band| blurred (std 2 at the band's own resolution) over its mean.

    Order: highpass residual, then scale 0 (finest) orientations 0..3, scale 1, scale 2.
    """
    hp, bands, _ = steerable_bands(gray, n_scales, order)
    out = []
    for s, band in [(0, hp)] + [(s, b) for s, per in enumerate(bands) for b in per]:
        e = ndimage.gaussian_filter(np.abs(band), 2.0 * 2 ** s, mode="nearest")
        out.append(e / max(float(e.mean()), 1e-12))
    return np.stack(out).astype(np.float32)


def torralba_saliency(gray: np.ndarray, n_scales: int = 4, order: int = 3, bins: int = 100) -> np.ndarray:
    """Torralba (2003) bottom-up saliency: sum over oriented bands of -log p(band value), p from
    the band's histogram over the image (+1 smoothing), weighted 2^(scale+1); scaled to max 1."""
    _, bands, _ = steerable_bands(gray, n_scales, order)
    total = np.zeros(np.shape(gray))
    for s, per in enumerate(bands):
        for band in per:
            lo, hi = float(band.min()), float(band.max())
            idx = np.clip(np.rint((band - lo) / max(hi - lo, 1e-12) * (bins - 1)), 0, bins - 1).astype(int)
            hist = np.bincount(idx.ravel(), minlength=bins) + 1.0
            total += -np.log(hist / hist.sum())[idx] * 2.0 ** (s + 1)
    return (total / max(float(total.max()), 1e-12)).astype(np.float32)
