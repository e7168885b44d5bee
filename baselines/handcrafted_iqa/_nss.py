"""Natural-scene-statistics building blocks shared by BRISQUE [51] and NIQE [52].

Both methods are defined by their authors' MATLAB releases (LIVE, UT Austin), and their
scores depend on MATLAB's conventions, so this module reproduces those conventions:

- grey levels: `rgb2gray` on uint8 (weights below, rounded to uint8);
- the MSCN transform (Mittal et al. 2012, Eq. 1-3): I_hat = (I - mu) / (sigma + 1), with mu
  and sigma from a 7x7 Gaussian window of std 7/6 (`fspecial('gaussian', 7, 7/6)`); BRISQUE
  filters with zero padding (`filter2(..., 'same')`), NIQE with replicated borders
  (`imfilter(..., 'replicate')`);
- the half-scale image: `imresize(I, 0.5)`, bicubic with antialiasing (Keys kernel, a=-0.5,
  widened by 1/scale) and symmetric edge handling;
- the generalised Gaussian (GGD) and asymmetric GGD (AGGD) fits by moment matching on the
  grid alpha = 0.2:0.001:10 (`estimateggdparam.m`, `estimateaggdparam.m`), including what
  MATLAB's `min` does when the moment ratio is NaN (a flat region): it returns the first
  grid point, alpha = 0.2, and the scale parameters stay NaN.

The AGGD fit is vectorised over many vectors at once (NIQE fits 5 per 96x96 patch).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import gamma as gamma_fn

from .base import BadFrame

# MATLAB rgb2gray weights (first row of inv of the YIQ matrix, as MATLAB computes it).
RGB2GRAY = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103], dtype=np.float64)

# alpha grid of the authors' moment-matching fits: 0.2:0.001:10 (9801 points).
ALPHA_GRID = 0.2 + 0.001 * np.arange(9801)


def gray_matlab(frame: np.ndarray) -> np.ndarray:
    """Grey image as float64 from an (H, W) or (H, W, 3) image, as MATLAB's rgb2gray + double.

    A uint8 RGB image becomes round(w . rgb) in 0..255 (MATLAB rounds uint8 results half away
    from zero); a float RGB image is weighted without rounding; a grey image passes through.
    """
    a = np.asarray(frame)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim == 3:
        if a.shape[2] != 3:
            raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {a.shape}")
        g = a.astype(np.float64) @ RGB2GRAY
        return np.floor(g + 0.5) if a.dtype == np.uint8 else g
    if a.ndim != 2:
        raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {a.shape}")
    return a.astype(np.float64)


# -- filtering and resizing -------------------------------------------------------------------------
@lru_cache(maxsize=None)
def gaussian_1d(size: int = 7, sigma: float = 7 / 6) -> np.ndarray:
    """1-D factor of `fspecial('gaussian', size, sigma)` normalised to sum 1 (the 2-D window is its outer product)."""
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-(x ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def gaussian_filter(img: np.ndarray, border: str, separable: bool) -> np.ndarray:
    """Correlate with the 7x7 window: border 'zero' (`filter2 'same'`) or 'replicate' (`imfilter`).

    `separable` filters rows then columns; otherwise one 2-D pass as MATLAB does. The two agree
    to ~1e-14, which matters only in perfectly flat regions, where the sign of the ~1e-14 MSCN
    values left by rounding enters the AGGD fits (see the BRISQUE / NIQE docstrings).
    """
    import cv2

    flag = {"zero": cv2.BORDER_CONSTANT, "replicate": cv2.BORDER_REPLICATE}[border]
    g = gaussian_1d()
    if separable:
        return cv2.sepFilter2D(img, cv2.CV_64F, g, g, borderType=flag)
    return cv2.filter2D(img, cv2.CV_64F, np.outer(g, g), borderType=flag)


def mscn(img: np.ndarray, border: str, separable: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """MSCN coefficients (I - mu) / (sigma + 1) and the local std sigma (float64 grey in 0..255)."""
    img = np.ascontiguousarray(img, dtype=np.float64)
    mu = gaussian_filter(img, border, separable)
    sigma = np.sqrt(np.abs(gaussian_filter(img * img, border, separable) - mu * mu))
    return (img - mu) / (sigma + 1.0), sigma


def _cubic(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.5 (MATLAB's 'bicubic')."""
    ax = np.abs(x)
    ax2, ax3 = ax ** 2, ax ** 3
    return ((1.5 * ax3 - 2.5 * ax2 + 1) * (ax <= 1)
            + (-0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2)))


@lru_cache(maxsize=64)
def _resize_matrix(in_len: int, scale: float) -> np.ndarray:
    """(out_len, in_len) weights of MATLAB's `imresize` along one axis (bicubic, antialiasing)."""
    out_len = int(np.ceil(in_len * scale))
    width = 4.0 / scale if scale < 1 else 4.0
    x = np.arange(1, out_len + 1) / scale + 0.5 * (1 - 1 / scale)  # 1-based source coordinates
    left = np.floor(x - width / 2)
    taps = int(np.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps)[None, :]
    d = x[:, None] - idx
    w = scale * _cubic(scale * d) if scale < 1 else _cubic(d)
    w /= w.sum(axis=1, keepdims=True)
    # symmetric padding: mirror indices outside 1..in_len
    mirror = np.concatenate([np.arange(in_len), np.arange(in_len)[::-1]])
    cols = mirror[np.mod(idx.astype(np.int64) - 1, 2 * in_len)]
    m = np.zeros((out_len, in_len))
    np.add.at(m, (np.repeat(np.arange(out_len), taps), cols.ravel()), w.ravel())
    return m


@lru_cache(maxsize=64)
def _sparse_resize_matrix(in_len: int, scale: float):
    from scipy.sparse import csr_matrix

    return csr_matrix(_resize_matrix(in_len, scale))  # ~10 taps a row: sparse beats a dense product


def imresize_matlab(img: np.ndarray, scale: float = 0.5) -> np.ndarray:
    """MATLAB `imresize(img, scale)` for a float64 2-D image (rows first, then columns, as MATLAB)."""
    rows = _sparse_resize_matrix(img.shape[0], float(scale))
    cols = _sparse_resize_matrix(img.shape[1], float(scale))
    return np.asarray((cols @ (rows @ img).T).T)


# -- distribution fits ------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _ratio_tables() -> tuple[np.ndarray, np.ndarray]:
    g = ALPHA_GRID
    ggd = gamma_fn(1 / g) * gamma_fn(3 / g) / gamma_fn(2 / g) ** 2  # decreasing in alpha
    aggd = gamma_fn(2 / g) ** 2 / (gamma_fn(1 / g) * gamma_fn(3 / g))  # increasing in alpha
    return ggd, aggd


def _nearest_on_grid(table: np.ndarray, target: np.ndarray) -> np.ndarray:
    """argmin_i |table[i] - target| (first index on ties; index 0 for NaN, as MATLAB's `min`).

    `table` is monotonic, so a binary search replaces the authors' full scan with the same answer.
    """
    increasing = table[-1] > table[0]
    t = table if increasing else table[::-1]
    target = np.asarray(target, dtype=np.float64)
    pos = np.clip(np.searchsorted(t, np.nan_to_num(target, nan=t[0])), 1, len(t) - 1)
    lo, hi = t[pos - 1], t[pos]
    d_lo, d_hi = np.abs(target - lo), np.abs(target - hi)
    if increasing:  # ties go to the smaller alpha, which the authors' ascending scan meets first
        pick = np.where(d_hi < d_lo, pos, pos - 1)
    else:
        pick = len(t) - 1 - np.where(d_hi <= d_lo, pos, pos - 1)
    return np.where(np.isnan(target), 0, pick)


def fit_ggd(vec: np.ndarray) -> tuple[float, float]:
    """(alpha, sigma^2) of a zero-mean GGD by moment matching (BRISQUE's `estimateggdparam`)."""
    ggd, _ = _ratio_tables()
    sigma_sq = float(np.mean(vec * vec))
    e = float(np.mean(np.abs(vec)))
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = sigma_sq / e ** 2 if e > 0 else np.nan
    return float(ALPHA_GRID[_nearest_on_grid(ggd, np.array(rho))]), sigma_sq


def fit_aggd(vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AGGD fit of each row of `vecs` (n, m): alpha, left std, right std (`estimateaggdparam`).

    Left/right std are the root mean squares of the negative/positive values; a row without
    negative (or positive) values gets NaN there, as in MATLAB (mean of an empty set).
    """
    _, aggd = _ratio_tables()
    v = np.atleast_2d(vecs)
    sq = v * v
    neg, pos = v < 0, v > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.sqrt(np.where(neg, sq, 0).sum(1) / neg.sum(1))
        right = np.sqrt(np.where(pos, sq, 0).sum(1) / pos.sum(1))
        gh = left / right
        rhat = np.mean(np.abs(v), axis=1) ** 2 / np.mean(sq, axis=1)
        rhatnorm = rhat * (gh ** 3 + 1) * (gh + 1) / (gh ** 2 + 1) ** 2
    alpha = ALPHA_GRID[_nearest_on_grid(aggd, rhatnorm)]
    return alpha, left, right


def paired_products(x: np.ndarray, shifts) -> list[np.ndarray]:
    """x * circshift(x, s) for each (row, col) shift s, over the last two axes (MATLAB `circshift`)."""
    return [x * np.roll(x, s, axis=(-2, -1)) for s in shifts]


def checked_gray(frame: np.ndarray, min_side: int, name: str, flat_why: str = "has no local structure to describe") -> np.ndarray:
    """Grey float64 (MATLAB rgb2gray) of a frame, or `BadFrame` when the metric is undefined on it."""
    a = np.asarray(frame)
    if a.ndim < 2 or min(a.shape[:2]) < min_side:
        raise BadFrame(f"{name} needs a frame of at least {min_side}x{min_side} px, got shape {a.shape}")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise BadFrame("frame has non-finite values")
    gray = gray_matlab(a)
    if np.ptp(gray) == 0:
        raise BadFrame(f"frame is constant: {name} {flat_why}")
    return gray
