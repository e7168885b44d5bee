"""Saliency metrics of the MIT saliency benchmark: AUC-Judd, AUC-Borji, NSS, CC, SIM, KLD.

Definitions follow the benchmark's MATLAB code (Bylinskii, Judd, Oliva, Torralba, Durand, "What do
different evaluation metrics tell us about saliency models?", TPAMI 2019; github cvzoya/saliency,
code_forMetrics: AUC_Judd.m, AUC_Borji.m, NSS.m, CC.m, similarity.m, KLdiv.m). The LMME3DHF paper
(Sec. 5.1, Table 4) reports AUC, NSS, CC, SIM and KLD on Gen3DHF's distortion-aware saliency maps.

Every metric takes the prediction and the ground truth as numpy arrays, either one pair of (H, W)
maps (returns a float) or a batch of (N, H, W) maps (returns an (N,) float64 array, equal to
calling the metric on each pair). AUC and NSS want the binary fixation map (any value > 0 is a
fixation); CC, SIM and KLD want the continuous ground-truth map. The prediction is resized to the
ground truth's size first (MATLAB `imresize` bicubic by default, see `resize.py`); all arithmetic
is float64. Where the MATLAB code has a convention that tools differ on, it is the default and
the alternative is an explicit option:

- NSS: standard deviation with N-1 (`ddof=1`, MATLAB `std`); pysaliency uses `ddof=0`.
- SIM: both maps min-max normalised, then divided by their sum (`minmax=True`); pysaliency only
  shifts negative maps to 0 (`minmax=False`).
- KLD: `eps = 2.220446049250313e-16` (MATLAB's eps); pysaliency's MIT_KLDiv uses 2.2204e-16.
- AUC-Judd: no jitter by default (`jitter=False`; MATLAB's own default adds uniform noise of
  1e-7); ties among fixated values handled as MATLAB does (`ties="matlab"`), or counted exactly
  (`ties="count"`, pysaliency's `AUC_Judd(jitter=False)`).
- AUC-Borji: `n_splits=100` random sets of as many pixels as fixations, drawn uniformly with
  replacement from all pixels by numpy's generator seeded `seed` for every map (MATLAB uses its
  global RNG, so its values are not reproducible bit for bit), thresholds 0:`step`:max as MATLAB's
  colon operator builds them, `step=0.1`.

Edge cases, defined here because MATLAB divides 0 by 0 on them:
- no fixation (empty fixation map) -> nan for AUC-Judd, AUC-Borji and NSS; a ground-truth map
  with no mass (all zeros) -> nan for SIM and KLD (MATLAB returns 0 there, which would score any
  prediction as perfect on KLD); a constant ground-truth map -> nan for CC;
- a constant prediction ranks nothing: AUC-Judd and AUC-Borji give 0.5, NSS and CC give
  `constant_value` (0.0, as pysaliency), SIM gives 0.0 (min-max turns it into MATLAB's zero map;
  with `minmax=False` it becomes uniform), KLD divides it by its sum like any map (uniform; an
  all-zero prediction stays zero, as in MATLAB);
- NaN or infinite map values raise ValueError; KLD also refuses negative values (a map that is
  not a distribution).
"""
from __future__ import annotations

import numpy as np

from bench.metrics.resize import resize_to

MATLAB_EPS = float(np.finfo(np.float64).eps)  # 2.220446049250313e-16, MATLAB's `eps`
AUC_JUDD_JITTER = 1e-7  # MATLAB: saliencyMap + rand(size(saliencyMap))/10000000
_BLOCK_PIXELS = 1 << 21  # maps resized together: bounds the memory of resized predictions


# ---------------------------------------------------------------- input handling

def _pairs(pred, gt) -> tuple[np.ndarray, np.ndarray, bool]:
    p = np.asarray(pred)
    g = np.asarray(gt)
    if p.ndim == 2 and g.ndim == 2:
        return p[None], g[None], True
    if p.ndim == 3 and g.ndim == 3 and p.shape[0] == g.shape[0]:
        return p, g, False
    raise ValueError(f"expected one (H, W) pair or (N, H, W) batches of equal N; "
                     f"got prediction {p.shape} and ground truth {g.shape}")


def _blocks(p: np.ndarray, g: np.ndarray, resize, fixations: bool = False):
    """Yield (slice, pred block, gt block), both flattened to (n, H*W) and read-only for the
    caller: predictions resized to the ground truth's size (float64) or, when the size already
    matches, views in their own dtype; a fixation map comes as booleans ("is fixated")."""
    n, h, w = g.shape
    step = max(1, _BLOCK_PIXELS // (h * w))
    for start in range(0, n, step):
        sl = slice(start, min(n, start + step))
        pb = p[sl]
        pb = resize_to(pb, (h, w), resize) if pb.shape[1:] != (h, w) else pb
        pb = pb.reshape(sl.stop - sl.start, h * w)
        gb = g[sl].reshape(sl.stop - sl.start, h * w)
        if fixations and gb.dtype != bool:
            gb = gb > 0
        yield sl, pb, gb


def _result(out: np.ndarray, single: bool):
    return float(out[0]) if single else out


def _trapezoid(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Area under y(x) by the trapezoid rule along the last axis (MATLAB `trapz`)."""
    return np.sum((x[..., 1:] - x[..., :-1]) * (y[..., 1:] + y[..., :-1]), axis=-1) / 2.0


# ---------------------------------------------------------------- NSS, CC
# Maps arrive as float32 more often than not. Each map is copied once into a reused float64
# buffer (fresh float64 copies would cost page faults on every map) and worked on in place.

def _centre(row: np.ndarray, buf: np.ndarray, what: str, index: int) -> tuple[float, bool]:
    """Copy `row` into `buf` minus its mean (two-pass, exact centring); returns (sum of squares,
    constant). A map is constant when all its values are equal, tested exactly when the spread
    is at rounding level (a mean of equal values may differ from them by an ulp)."""
    np.copyto(buf, row)
    mean = buf.sum() / buf.size
    if not np.isfinite(mean):
        raise ValueError(f"{what} map {index} has NaN or infinite values")
    buf -= mean
    css = float(np.dot(buf, buf))
    constant = css <= (1e-12 * abs(mean)) ** 2 * buf.size and row.min() == row.max()
    return css, constant


def _as_float64(row: np.ndarray, buf: np.ndarray) -> np.ndarray:
    """The map itself when it is float64 already, else its float64 copy in `buf`."""
    if row.dtype == np.float64:
        return row
    np.copyto(buf, row)
    return buf


def nss(pred, fixations, ddof: int = 1, resize: str | None = "bicubic",
        constant_value: float = 0.0):
    """Normalized Scanpath Saliency (Peters et al. 2005; MIT benchmark NSS.m): the prediction
    z-scored over the whole map (std with `ddof`), averaged over fixated pixels."""
    p, f, single = _pairs(pred, fixations)
    out = np.empty(p.shape[0])
    buf = np.empty(f.shape[1] * f.shape[2])  # one buffer per call: fresh pages cost page faults
    for sl, pb, fb in _blocks(p, f, resize, fixations=True):
        for i, row in enumerate(pb):
            index = sl.start + i
            fixated = np.flatnonzero(fb[i])  # per row: far faster than a 2-D nonzero
            x = _as_float64(row, buf)
            total = float(x.sum())
            mean = total / x.size
            if not np.isfinite(mean):
                raise ValueError(f"prediction map {index} has NaN or infinite values")
            # One pass: sum of squares minus n * mean^2, exact to ~1e-12 while the variance is
            # not tiny beside mean^2; otherwise (or for a constant map) centre first.
            css = float(np.dot(x, x)) - total * mean
            constant = False
            if not css > 1e-3 * total * mean:
                css, constant = _centre(row, buf, "prediction", index)
            if fixated.size == 0:
                out[index] = np.nan
            elif constant:
                out[index] = constant_value
            else:  # MATLAB: mean of the z-scored map at the fixated pixels
                z = (row[fixated].astype(np.float64) - mean) / np.sqrt(css / (row.size - ddof))
                out[index] = np.mean(z)
    return _result(out, single)


def cc(pred, gt, resize: str | None = "bicubic", constant_value: float = 0.0):
    """Pearson linear correlation between prediction and continuous ground truth (CC.m)."""
    p, g, single = _pairs(pred, gt)
    out = np.empty(p.shape[0])
    buf_p, buf_g = np.empty(g.shape[1] * g.shape[2]), np.empty(g.shape[1] * g.shape[2])
    for sl, pb, gb in _blocks(p, g, resize):
        for i in range(pb.shape[0]):
            index = sl.start + i
            css_p, constant_p = _centre(pb[i], buf_p, "prediction", index)
            css_g, constant_g = _centre(gb[i], buf_g, "ground-truth", index)
            if constant_g:
                out[index] = np.nan
            elif constant_p:
                out[index] = constant_value
            else:
                out[index] = np.clip(np.dot(buf_p, buf_g) / np.sqrt(css_p * css_g), -1.0, 1.0)
    return _result(out, single)


# ---------------------------------------------------------------- SIM, KLD

def _row_min(row: np.ndarray, what: str, index: int) -> float:
    low = float(row.min())  # in the map's own dtype: exact, and fast on float32
    if not np.isfinite(low):
        raise ValueError(f"{what} map {index} has NaN or infinite values")
    return low


def _shifted_mass(row: np.ndarray, buf: np.ndarray, minmax: bool, what: str, index: int) -> float:
    """Write `row` minus its shift into `buf` and return the mass sum(buf). The shift is the
    minimum (min-max normalisation: (x - min) / (max - min) / sum equals (x - min) / sum(x - min),
    the range cancels) or, without minmax, min(minimum, 0) (pysaliency: only negative maps move)."""
    low = _row_min(row, what, index)
    np.copyto(buf, row)
    buf -= low if minmax else min(low, 0.0)
    mass = float(buf.sum())
    if not np.isfinite(mass):
        raise ValueError(f"{what} map {index} has NaN or infinite values")
    return mass


def sim(pred, gt, minmax: bool = True, resize: str | None = "bicubic"):
    """Similarity / histogram intersection (Swain & Ballard 1991; similarity.m): sum over pixels
    of min(P, Q) after making both maps distributions (min-max normalised first by default).

    A prediction without mass after the shift is MATLAB's zero map with `minmax` (SIM 0) and
    uniform without (pysaliency); a ground truth without mass (all zero, or constant under
    min-max) gives nan."""
    p, g, single = _pairs(pred, gt)
    out = np.empty(p.shape[0])
    buf_p, buf_g = np.empty(g.shape[1] * g.shape[2]), np.empty(g.shape[1] * g.shape[2])
    for sl, pb, gb in _blocks(p, g, resize):
        width = pb.shape[1]
        for i in range(pb.shape[0]):
            index = sl.start + i
            mass_p = _shifted_mass(pb[i], buf_p, minmax, "prediction", index)
            low_g = _row_min(gb[i], "ground-truth", index)
            shift_g = low_g if minmax else min(low_g, 0.0)
            # Where Q is 0 after the shift, min(P, Q) is 0: a sparse ground truth (blobs around
            # fixations) is visited on its support only.
            support = np.flatnonzero(gb[i] > shift_g)
            if support.size < width // 4:
                q, x = gb[i, support].astype(np.float64) - shift_g, buf_p[support]
            else:
                q, x = buf_g, buf_p
                np.copyto(q, gb[i])
                q -= shift_g
            mass_g = float(q.sum())
            if not np.isfinite(mass_g):
                raise ValueError(f"ground-truth map {index} has NaN or infinite values")
            if mass_g == 0:
                out[index] = np.nan
            elif mass_p > 0:  # sum min(x / mp, q / mg) = sum min(x, q * mp / mg) / mp: one scaling
                q *= mass_p / mass_g
                out[index] = np.minimum(x, q, out=q).sum() / mass_p
            elif minmax:
                out[index] = 0.0  # MATLAB's zero map
            else:
                q /= mass_g
                out[index] = np.minimum(q, 1.0 / width, out=q).sum()  # uniform prediction
    return _result(out, single)


def kld(pred, gt, eps: float = MATLAB_EPS, resize: str | None = "bicubic"):
    """KL divergence of the prediction from the ground truth (KLdiv.m), both divided by their
    sums: sum Q * log(eps + Q / (P + eps)), Q the ground truth. Lower is better."""
    p, g, single = _pairs(pred, gt)
    out = np.empty(p.shape[0])
    buf = np.empty(g.shape[1] * g.shape[2])
    for sl, pb, gb in _blocks(p, g, resize):
        for i in range(pb.shape[0]):
            index = sl.start + i
            for row, what in ((pb[i], "prediction"), (gb[i], "ground-truth")):
                if _row_min(row, what, index) < 0:
                    raise ValueError(f"KLD needs non-negative maps; {what} map {index} has negative values")
            x = _as_float64(pb[i], buf)
            sum_p = float(x.sum())
            # Pixels where Q = 0 add exactly 0 (log(eps) is finite): only Q's support is visited.
            support = np.flatnonzero(gb[i] > 0)
            q = gb[i, support].astype(np.float64)
            sum_g = float(q.sum())
            if not (np.isfinite(sum_p) and np.isfinite(sum_g)):
                raise ValueError(f"map {index} has NaN or infinite values")
            if sum_g == 0:
                out[index] = np.nan
                continue
            q /= sum_g
            pv = x[support] / sum_p if sum_p > 0 else np.zeros(support.size)  # MATLAB keeps a zero map
            out[index] = np.sum(q * np.log(eps + q / (pv + eps)))
    return _result(out, single)


# ---------------------------------------------------------------- AUC

def _minmax_range(s: np.ndarray, index: int) -> tuple[float, float]:
    low, high = s.min(), s.max()
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"prediction map {index} has NaN or infinite values")
    return float(low), float(high - low)


def _auc_judd_one(s: np.ndarray, fixated: np.ndarray, jitter: bool, seed, ties: str, index: int) -> float:
    n_fix, n_pix = fixated.size, s.size
    if n_fix == 0 or n_fix == n_pix:
        return float("nan")  # nothing to predict, or no non-fixated pixel to rank against
    if jitter:
        s = s + np.random.default_rng(seed).random(n_pix) * AUC_JUDD_JITTER
    low, span = _minmax_range(s, index)
    if span == 0:
        return 0.5
    raw_fix = s[fixated]
    # Only pixels at or above the lowest fixated value can pass a threshold. The margin keeps the
    # pixels that min-max rounding (a few ulps of the values involved) could merge with it.
    cut = float(raw_fix.min())
    cut -= 1e-12 * (abs(cut) + abs(low) + span)
    if s.dtype.kind == "f" and s.dtype.itemsize < 8:  # compare in the map's dtype, rounding down
        native = s.dtype.type(cut)
        cut = native if native <= cut else np.nextafter(native, s.dtype.type(-np.inf))
    candidates = s[s >= cut].astype(np.float64)
    values = (candidates - low) / span  # MATLAB: (map - min) / (max - min), in double
    thresholds = np.sort((raw_fix.astype(np.float64) - low) / span)  # ascending
    slot = np.searchsorted(thresholds, values, side="right")  # number of thresholds <= value
    above_asc = values.size - np.cumsum(np.bincount(slot, minlength=n_fix + 1))[:n_fix]
    above = above_asc[::-1]  # pixels >= each threshold, thresholds descending as in AUC_Judd.m
    if ties == "matlab":
        hits = np.arange(1, n_fix + 1, dtype=np.float64)  # MATLAB: tp(i+1) = i / Nfixations
    elif ties == "count":
        hits = (n_fix - np.searchsorted(thresholds, thresholds[::-1], side="left")).astype(np.float64)
    else:
        raise ValueError(f"ties must be 'matlab' or 'count', got {ties!r}")
    tp = np.r_[0.0, hits / n_fix, 1.0]
    fp = np.r_[0.0, (above - hits) / (n_pix - n_fix), 1.0]
    return float(_trapezoid(fp, tp))


def auc_judd(pred, fixations, jitter: bool = False, seed: int = 0, ties: str = "matlab",
             resize: str | None = "bicubic"):
    """AUC-Judd (Judd et al. 2009; AUC_Judd.m): ROC over thresholds at the fixated saliency
    values; true positives among fixated pixels, false positives among all other pixels.

    `jitter=True` adds MATLAB's uniform noise of up to 1e-7 (numpy generator seeded `seed`).
    """
    p, f, single = _pairs(pred, fixations)
    out = np.empty(p.shape[0])
    for sl, pb, fb in _blocks(p, f, resize, fixations=True):
        for i in range(pb.shape[0]):
            out[sl.start + i] = _auc_judd_one(pb[i], np.flatnonzero(fb[i]), jitter, seed, ties, sl.start + i)
    return _result(out, single)


def matlab_colon_ends(stop: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """For MATLAB's `0:step:stop` (stop >= 0, array): the number of intervals n and the last
    element c, as the colon operator computes them (C. Moler, "colonop": round, correct by a
    2*eps*|stop| tolerance, snap the end to `stop` when within it)."""
    stop = np.asarray(stop, dtype=np.float64)
    tol = 2.0 * MATLAB_EPS * np.abs(stop)
    if float(step) == np.floor(step):  # integer start and step: exact integer count
        n = np.floor(stop / step)
    else:
        n = np.floor(stop / step + 0.5)  # MATLAB round(): halves away from zero (stop >= 0)
        n = np.where(n * step - stop > tol, n - 1, n)
    last = n * step
    last = np.where(last - stop > -tol, stop, last)
    return n.astype(np.int64), last


def _colon_grid(stop: np.ndarray, step: float) -> np.ndarray:
    """Rows of `0:step:stop` (ascending, built symmetrically about the middle as MATLAB does),
    padded with +inf to a common length."""
    n, last = matlab_colon_ends(stop, step)
    k = np.arange(int(n.max()) + 1)[None, :]
    n_, last_ = n[:, None], last[:, None]
    grid = np.where(k >= n_ - n_ // 2, last_ - (n_ - k) * step, k * step)
    grid = np.where((n_ % 2 == 0) & (k == n_ // 2), last_ / 2.0, grid)
    return np.where(k > n_, np.inf, grid)


def _auc_borji_one(s: np.ndarray, fixated: np.ndarray, n_splits: int, step: float, seed, index: int) -> float:
    n_fix, n_pix = fixated.size, s.size
    if n_fix == 0:
        return float("nan")
    low, span = _minmax_range(s, index)
    if span == 0:
        return 0.5
    at_fix = (s[fixated].astype(np.float64) - low) / span
    draws = np.random.default_rng(seed).integers(0, n_pix, size=(n_fix, n_splits))
    at_random = (s[draws].astype(np.float64) - low) / span  # (n_fix, n_splits)
    stops = np.maximum(at_fix.max(), at_random.max(axis=0))
    thresholds = _colon_grid(stops, step)[:, ::-1]  # (n_splits, K), descending like fliplr
    tp = (n_fix - np.searchsorted(np.sort(at_fix), thresholds, side="left")) / n_fix
    above = np.zeros(thresholds.shape, dtype=np.int64)
    rows_per_block = max(1, 4_000_000 // thresholds.size)
    for start in range(0, n_fix, rows_per_block):
        block = at_random[start:start + rows_per_block, :, None]
        above += np.count_nonzero(block >= thresholds[None], axis=0)
    fp = above / n_fix
    zeros, ones = np.zeros((n_splits, 1)), np.ones((n_splits, 1))
    auc = _trapezoid(np.hstack([zeros, fp, ones]), np.hstack([zeros, tp, ones]))
    return float(np.mean(auc))


def auc_borji(pred, fixations, n_splits: int = 100, step: float = 0.1, seed: int = 0,
              resize: str | None = "bicubic"):
    """AUC-Borji (Borji et al. 2013; AUC_Borji.m): fixated pixels against as many pixels drawn
    uniformly from the whole map, thresholds 0:step:max over the min-max normalised map, the AUC
    averaged over `n_splits` draws. Each map uses a generator seeded `seed`."""
    p, f, single = _pairs(pred, fixations)
    out = np.empty(p.shape[0])
    for sl, pb, fb in _blocks(p, f, resize, fixations=True):
        for i in range(pb.shape[0]):
            out[sl.start + i] = _auc_borji_one(pb[i], np.flatnonzero(fb[i]), n_splits, step, seed, sl.start + i)
    return _result(out, single)
