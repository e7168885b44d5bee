"""Murray et al., "Saliency estimation using a non-parametric low-level vision model" (SIM), CVPR 2011 [53].

A colour-induction model used as a saliency model (paper Sec. 3): the image, in opponent space
(O1 = (R-G)/(R+G+B), O2 = (R+G-2B)/(R+G+B), O3 = R+G+B, after sRGB linearisation), is decomposed
per channel into wavelet planes w_{s,o} (scales s, orientations o). For every coefficient the
centre-surround contrast energy ratio r = var_cen / var_sur (Eq. 3; zero-mean windows of
13 and 26 px, oriented like the plane) is compressed to z = r^2 / (1 + r^2) (Eq. 4) and weighted by
the extended contrast sensitivity function of the scale, alpha = z * ECSF_max(s) + ECSF_min(s)
(Eqs. 5-7). The inverse transform of the alpha planes, with the residual set to one, gives each
channel's map; the channel maps (each divided by its sum) are combined by their Euclidean norm.

Parameters (window sizes [13 26], ECSF constants per channel type, gamma 2.4, number of scales
min(7, floor(log2(min(h, w))))) are those of the authors' SIM code and demo, as called by
calTraSal.m, the classic-saliency batch script of Gen3DHF co-author H. Duan's public
baseline_saliency_models collection (the likely source of Table 3). calTraSal.m min-max normalises
the map (the family's base class does; `sim_saliency` returns it unscaled).
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

from bench.models.registry import register_model

from . import _murray_wavelet as wavelet
from .base import SaliencyModel

# ECSF constants (Otazu et al. 2010 form) fitted by the authors: (sigma1, sigma2, sigma3, beta, s_k0, s_g0).
ECSF = {
    "intensity": (1.021035, 1.048155, 0.212226, 4.981624, 4.530974, 4.0),
    "colour": (1.360638, 0.796124, 0.348766, 3.611746, 5.059210, 4.724440),
}


def rgb_to_opponent(image_rgb: np.ndarray, gamma: float = 2.4) -> np.ndarray:
    """sRGB uint8 -> linear RGB -> (O1/O3, O2/O3, O3), with 0 where O3 = 0."""
    c = np.asarray(image_rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** gamma)
    r, g, b = lin[..., 0], lin[..., 1], lin[..., 2]
    o3 = r + g + b
    with np.errstate(invalid="ignore", divide="ignore"):
        o1 = np.where(o3 > 0, (r - g) / o3, 0.0)
        o2 = np.where(o3 > 0, (r + g - 2 * b) / o3, 0.0)
    return np.stack([o1, o2, o3])


def _diagonal_sum(x2: np.ndarray, half: int, skip: int) -> np.ndarray:
    """Sum over both diagonals through each pixel at offsets skip..half (0 counted once), symmetric edges."""
    n0, n1 = x2.shape
    p = np.pad(x2, half, mode="symmetric")
    out = p[half: half + n0, half: half + n1].copy() if skip == 0 else np.zeros_like(x2)
    for t in range(max(skip, 1), half + 1):
        for dy, dx in ((t, t), (-t, -t), (t, -t), (-t, t)):
            out += p[half + dy: half + dy + n0, half + dx: half + dx + n1]
    return out


def relative_contrast(plane: np.ndarray, orientation: int, center: int = 13, surround: int = 26) -> np.ndarray:
    """z = r^2 / (1 + r^2), r = centre / surround energy along the plane's orientation (Eqs. 3-4).

    Windows (as in the authors' code): centre = `center` samples; surround = `surround` samples on
    each side of the centre window; orientation 0 horizontal, 1 vertical, 2 both diagonals.
    """
    x2 = plane * plane
    big = center + 2 * surround
    if orientation < 2:
        axis = 1 - orientation  # horizontal planes are filtered along rows (axis 1)
        sum_c = uniform_filter1d(x2, center, axis=axis, mode="reflect") * center
        sum_b = uniform_filter1d(x2, big, axis=axis, mode="reflect") * big
        var_cen, var_sur = sum_c / center, (sum_b - sum_c) / (2 * surround)
    else:
        hc, hb = center // 2, big // 2
        var_cen = _diagonal_sum(x2, hc, 0) / (4 * hc + 1)
        var_sur = _diagonal_sum(x2, hb, hc + 1) / (4 * (hb - hc))
    r = var_cen / (var_sur + 1e-6)
    return r * r / (1 + r * r)


def ecsf(scale: int, channel: str) -> tuple[float, float]:
    """(ECSF_max, ECSF_min) at wavelet scale `scale` (1 = finest), Eqs. 6-7."""
    s1, s2, s3, beta, sk0, sg0 = ECSF[channel]
    d = scale - sg0
    f_max = beta * np.exp(-d * d / (2 * (s1 if d <= 0 else s2) ** 2))
    d = scale - sk0
    f_min = np.exp(-d * d / (2 * s3 * s3)) if d <= 0 else 1.0
    return float(f_max), float(f_min)


def channel_saliency(channel: np.ndarray, levels: int, kind: str, windows=(13, 26)) -> np.ndarray:
    planes, residuals = wavelet.forward(channel, levels)
    alphas = []
    for s, p in enumerate(planes, start=1):
        f_max, f_min = ecsf(s, kind)
        alphas.append(np.stack([relative_contrast(p[o], o, *windows) * f_max + f_min for o in range(3)]))
    rec = wavelet.inverse(alphas, np.ones_like(residuals[-1]), *channel.shape)
    total = rec.sum()
    return rec / total if total > 0 else rec


def sim_saliency(image_rgb: np.ndarray, windows=(13, 26), gamma: float = 2.4, levels=None) -> np.ndarray:
    h, w = image_rgb.shape[:2]
    if levels is None:
        levels = min(7, int(np.floor(np.log2(min(h, w)))))
    opp = rgb_to_opponent(image_rgb, gamma)
    maps = [channel_saliency(opp[i], levels, kind, windows)
            for i, kind in enumerate(("colour", "colour", "intensity"))]
    return np.sqrt(sum(m * m for m in maps))


@register_model("murray")
class Murray(SaliencyModel):

    def __init__(self, center: int = 13, surround: int = 26, gamma: float = 2.4, **config):
        super().__init__(center=center, surround=surround, gamma=gamma, **config)
        self.windows, self.gamma = (center, surround), gamma

    def native_map(self, image: np.ndarray) -> np.ndarray:
        return sim_saliency(image, self.windows, self.gamma)
