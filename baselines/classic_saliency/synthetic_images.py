"""Synthetic test images for the classic saliency family's tests and speed benchmark.

`natural_image`: a colour image with the 1/f amplitude spectrum of natural scenes (random phase),
so that spectral and patch-statistics models see realistic content. `salient_object_image`: a
muted 1/f background with one obvious object (a saturated disk) near the centre, and its mask.
"""
from __future__ import annotations

import numpy as np


def pink_noise(shape: tuple[int, int], rng, exponent: float = 1.0) -> np.ndarray:
    """Zero-mean, unit-std field with amplitude spectrum ~ 1/f^exponent."""
    h, w = shape
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
    f = np.hypot(fy, fx)
    f[0, 0] = 1.0
    spectrum = (rng.standard_normal(f.shape) + 1j * rng.standard_normal(f.shape)) / f**exponent
    spectrum[0, 0] = 0
    field = np.fft.irfft2(spectrum, s=(h, w))
    return (field - field.mean()) / (field.std() + 1e-12)


def natural_image(size: int = 512, seed: int = 0) -> np.ndarray:
    """(size, size, 3) uint8 with natural-image-like 1/f statistics and correlated colour channels."""
    rng = np.random.default_rng(seed)
    lum = pink_noise((size, size), rng)
    chroma = [pink_noise((size, size), rng, 1.5) for _ in range(2)]
    rgb = np.stack([lum + 0.3 * chroma[0], lum - 0.15 * chroma[0] + 0.15 * chroma[1], lum - 0.3 * chroma[1]], -1)
    return np.clip(120 + 40 * rgb, 0, 255).astype(np.uint8)


def salient_object_image(size: int = 512, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A low-contrast greenish 1/f background with a saturated red disk; returns (image, disk mask)."""
    rng = np.random.default_rng(seed)
    bg = pink_noise((size, size), rng, 1.5)
    img = np.stack([90 + 8 * bg, 120 + 10 * bg, 90 + 8 * bg], -1)
    yy, xx = np.mgrid[:size, :size]
    cy, cx, r = size * 0.45, size * 0.55, size * 0.09
    mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    img[mask] = (230, 30, 30)
    return np.clip(img, 0, 255).astype(np.uint8), mask
