"""The Itti-Koch saliency map as Walther & Koch's SaliencyToolbox computes it (the code behind the
paper's IT row: calTraSal.m calls `makeSaliencyMap(initializeImage(file), defaultSaliencyParams)`).

Defaults of that call (SaliencyToolbox 2.3, 2013): dyadic pyramids built by `gaussianSubsample`
(separable 7-tap [1 5 10 10 5 1 1] / 33, zero padding with the taps outside the image discounted,
samples 1, 3, ..., 2 floor(n/2) - 1 kept) until a side reaches 1; centres at (1-based) levels 3-5, surrounds 3-4
levels coarser, all maps sampled to level 5 by nearest neighbour; features 'Color' (RG = (r-g)/max
and BY = (b - min(r,g))/max, r, g, b zeroed where max(r,g,b) < 0.1), 'Intensities' (MATLAB rgb2gray)
and 'Orientations' (9x9 Gabor pairs of period 7 px, std 2.3333, elongation 1 at 0, 45, 90, 135
degrees on the intensity pyramid); |centre - surround| with borders attenuated over round(max side / 20)
pixels; and the *iterative* normalisation of Itti & Koch (2000, Vision Research 40), three rounds of

    M <- max(0, M + M * G_exc - M * G_inh - 0.02 max(M)),

G_exc / G_inh Gaussians of std 2 % / 25 % of the map's larger side and weight 0.5 / 1.5 (truncated at
1 % of their peak and at half the map's smaller side), feature maps first scaled to [0, 10], the
saliency map to [0, 2]. Feature maps are summed per pyramid, normalised, summed over a feature's
pyramids and normalised again; each conspicuity map is weighted 1 / (pyramids x features).

Two quirks of that code are kept because they shape its maps: the Gabor convolution
(`conv2PreserveEnergy`) rescales only the top and bottom rows, by the zero-mean filter's sum
(0 up to round-off), so those rows of every orientation map vanish (`conv2_preserve_energy`); and calTraSal.m writes the map,
bicubically resized to the image, with `imwrite`, which clips it to [0, 1] (the map's range is [0, ~2]).

Written from the toolbox's documented algorithm and parameters; none of its code is used (its
licence, CIT's research-only SaliencyToolbox licence, forbids redistribution).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import ndimage
from scipy.signal import convolve2d

from ._channels import attenuate_borders
from ._matlab_filters import gray01, imresize

SUBSAMPLE_TAPS = np.array([1, 5, 10, 10, 5, 1, 1], np.float64) / 33.0
MIN_LEVEL, MAX_LEVEL, MIN_DELTA, MAX_DELTA, MAP_LEVEL = 3, 5, 3, 4, 5  # 1-based, as the toolbox counts
ANGLES = (0, 45, 90, 135)
ITERATIONS = 3


def _covered_sum(taps: np.ndarray, n: int) -> np.ndarray:
    """For each of n output samples of a zero-padded 'same' convolution, the sum of the taps that
    fall inside the signal (MATLAB's `sepConv2PreserveEnergy` divides by it)."""
    c = np.concatenate([[0.0], np.cumsum(taps)])
    half = (len(taps) - 1) // 2
    r = np.arange(1, n + 1)
    return c[np.clip(r + half, 0, len(taps))] - c[np.clip(r + half - n, 0, len(taps))]


def sep_conv_preserve_energy(taps_rows: np.ndarray, taps_cols: np.ndarray, x: np.ndarray) -> np.ndarray:
    """conv2(taps_rows, taps_cols, x, 'same') with every sample divided by the share of the kernel
    that lies inside the image (so borders keep their energy)."""
    out = x
    for axis, taps in ((0, taps_rows), (1, taps_cols)):
        taps = np.atleast_1d(np.asarray(taps, np.float64))
        out = ndimage.convolve1d(out, taps, axis=axis, mode="constant")
        scale = taps.sum() / _covered_sum(taps, x.shape[axis])
        out = out * (scale[:, None] if axis == 0 else scale[None, :])
    return out


def gaussian_subsample(x: np.ndarray) -> np.ndarray:
    """One level down the toolbox's dyadic pyramid."""
    h, w = x.shape
    if min(h, w) > 3:
        return sep_conv_preserve_energy(SUBSAMPLE_TAPS, SUBSAMPLE_TAPS, x)[:h - 1:2, :w - 1:2]  # floor(n/2) kept
    for axis, n in ((1, w), (0, h)):  # the toolbox treats a thin axis on its own
        if n == 2:
            x = x.mean(axis=axis, keepdims=True)
        elif n == 3:
            x = np.take(x, [0, 1, 1, 2], axis=axis).mean(axis=axis, keepdims=True)
        elif n > 3:
            taps = (1.0, SUBSAMPLE_TAPS) if axis == 1 else (SUBSAMPLE_TAPS, 1.0)
            x = np.take(sep_conv_preserve_energy(*taps, x), np.arange(0, n - 1, 2), axis=axis)
    return x


def dyadic_pyramid(x: np.ndarray) -> list:
    """[level 1 (the input), level 2, ...] until a side is 1, as makeDyadicPyramid."""
    out = [np.asarray(x, np.float64)]
    while min(out[-1].shape) > 1:
        out.append(gaussian_subsample(out[-1]))
    return out


@lru_cache(maxsize=8)
def gabor_filters(angle: float, period: float = 7.0, stddev: float = 2.3333, elongation: float = 1.0,
                  size: int = 9) -> tuple:
    """The toolbox's zero-mean, unit-norm Gabor kernels of phases 0 and 90 degrees (makeGaborFilter)."""
    half = size // 2
    v = np.arange(-half, half + 1, dtype=np.float64)
    t = np.deg2rad(angle)
    co, si = np.cos(t), -np.sin(t)
    major = v[:, None] * co + v[None, :] * si
    minor = v[:, None] * si - v[None, :] * co
    env = np.exp(-major ** 2 / (2 * stddev ** 2) - minor ** 2 / (2 * (stddev * elongation) ** 2))
    out = []
    for phase in (0.0, 90.0):
        k = np.cos(2 * np.pi / period * major + np.deg2rad(phase)) * env
        k = k - k.mean()
        out.append(k / np.sqrt((k ** 2).sum()))
    return tuple(out)


def conv2_preserve_energy(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The toolbox's conv2PreserveEnergy for its zero-mean Gabor kernels: a 'same' convolution whose
    top and bottom `half` rows (between the side columns) are rescaled by sum(kernel) / (sum of the
    kernel rows inside the image). sum(kernel) is 0 up to round-off, so those rows are 0 here; MATLAB
    and Octave put round-off there (|factors| < 1e-14, except the odd 90-degree kernel, whose partial
    sums are round-off too: Octave 7 multiplies its rows by -1.7 to 5.1). The left/right and corner
    branches never run in the toolbox (their condition `fw2 > sw & fw2 <= sw` is always false).
    """
    out = convolve2d(x, kernel, mode="same")
    sh, sw = x.shape
    fh2, fw2 = (kernel.shape[0] - 1) // 2, (kernel.shape[1] - 1) // 2
    if 0 < fh2 <= sh:
        out[:fh2, fw2:sw - fw2] = 0.0
        out[sh - fh2:, fw2:sw - fw2] = 0.0
    return out


def _kernel(peak_weight: float, sigma: float, max_half: int) -> np.ndarray:
    """The toolbox's `gaussian(peak, sigma, maxhw)`: a 1-D Gaussian cut where it falls below 1 % of its peak."""
    peak = peak_weight / (sigma * np.sqrt(2 * np.pi))
    half = int(np.floor(sigma * np.sqrt(-2 * np.log(0.01))))
    if 0 < max_half < half:
        half = max_half
    side = peak * np.exp(-np.arange(1, half + 1) ** 2 / (2 * sigma * sigma))
    return np.concatenate([side[::-1], [peak], side])


def normalize_range(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """normalizeImage: linear map onto [lo, hi]; (0, 0) leaves x alone; a flat map goes to the middle."""
    if lo == 0 and hi == 0:
        return x
    mn, mx = float(x.min()), float(x.max())
    if mx == mn:
        return x - mx + 0.5 * (lo + hi)
    return (x - mn) / (mx - mn) * abs(hi - lo) + min(lo, hi)


def iterative_normalize(x: np.ndarray, value_range=(0.0, 10.0), iterations: int = ITERATIONS) -> np.ndarray:
    """Itti & Koch (2000)'s iterative within-map competition (the toolbox's maxNormalizeIterative)."""
    m = normalize_range(np.maximum(x, 0), *value_range)
    big, small = max(m.shape), min(m.shape)
    max_half = max(0, small // 2 - 1)
    excite = _kernel(0.5, big * 0.02, max_half)
    inhibit = _kernel(1.5, big * 0.25, max_half)
    for _ in range(iterations):
        exc = sep_conv_preserve_energy(excite, excite, m)
        inh = sep_conv_preserve_energy(inhibit, inhibit, m)
        m = np.maximum(m + exc - inh - 0.02 * float(m.max()), 0)
    return m


def _centre_surround_maps(pyramid: list) -> list:
    """|centre - surround| feature maps at the map level, borders attenuated (centerSurround)."""
    shape = pyramid[MAP_LEVEL - 1].shape
    n = len(pyramid)
    at_map = {lv: imresize(pyramid[lv - 1], size=shape, method="nearest")
              for lv in range(MIN_LEVEL, min(MAX_LEVEL + MAX_DELTA, n) + 1)}
    border = int(np.floor(max(shape) / 20 + 0.5))
    return [np.asarray(attenuate_borders(np.abs(at_map[c] - at_map[c + d]), border), np.float64)
            for c in range(MIN_LEVEL, MAX_LEVEL + 1) for d in range(MIN_DELTA, MAX_DELTA + 1) if c + d <= n]


def _feature_pyramids(image: np.ndarray) -> dict:
    """{'color': [RG, BY], 'intensity': [I], 'orientation': [four Gabor energies]} pyramids."""
    rgb = np.asarray(image, np.float64) / 255.0 if image.dtype == np.uint8 else np.asarray(image, np.float64)
    gray = gray01(image) if image.dtype == np.uint8 else gray01(rgb * 255.0)
    intensity = dyadic_pyramid(gray)
    peak = rgb.max(axis=2)
    lit = peak >= 0.1
    r, g, b = (np.where(lit, rgb[..., k], 0.0) for k in range(3))
    safe = np.where(peak == 0, 1.0, peak)
    rg = np.where(peak == 0, 0.0, (r - g) / safe)
    by = np.where(peak == 0, 0.0, (b - np.minimum(r, g)) / safe)
    levels = range(MIN_LEVEL, min(MAX_LEVEL + MAX_DELTA, len(intensity)) + 1)
    orientation = []
    for angle in ANGLES:
        even, odd = gabor_filters(float(angle))
        pyr = [None] * len(intensity)  # only the levels the centre-surround step reads
        for lv in levels:
            level = intensity[lv - 1]
            pyr[lv - 1] = np.abs(conv2_preserve_energy(level, even)) + np.abs(conv2_preserve_energy(level, odd))
        orientation.append(pyr)
    return {"color": [dyadic_pyramid(rg), dyadic_pyramid(by)], "intensity": [intensity], "orientation": orientation}


def toolbox_saliency(image: np.ndarray) -> np.ndarray:
    """The toolbox's saliency map (its map level, 1/16 of the input), range [0, ~2]."""
    features = _feature_pyramids(np.asarray(image))
    if len(features["intensity"][0]) < MAP_LEVEL:
        raise ValueError(f"IT (SaliencyToolbox) needs an image of at least {2 ** (MAP_LEVEL - 1)} px a side")
    total = 0.0
    for pyramids in features.values():
        combined = [iterative_normalize(sum(iterative_normalize(fm, (0, 10)) for fm in _centre_surround_maps(p)),
                                        (0, 0)) for p in pyramids]
        cm = combined[0] if len(combined) == 1 else iterative_normalize(sum(combined), (0, 0))
        total = total + cm / len(pyramids) / len(features)
    return iterative_normalize(total, (0, 2))
