"""HFT [37]: Li, Levine, An, Xu & He (2013), "Visual saliency based on scale-space analysis in
the frequency domain", IEEE TPAMI 35(4) (hypercomplex Fourier transform, HFT).

The image (resized to 128 x 128 by MATLAB's antialiased bilinear imresize) becomes the pure
quaternion 0.25 RG i + 0.25 BY j + 0.5 I k (the motion channel is zero for a still image; I is
max(R, G, B), as in the authors' HFT.m, whose `I = max(max(r,g),b)` overrides the mean); its hypercomplex Fourier transform (axis
mu = (i+j+k)/sqrt(3), left-sided) has amplitude A, phase and eigenaxis. The log amplitude
spectrum log(1+A) is smoothed by Gaussians of std 2^(k-2), k = 1..8 (the spectrum scale
space); each smoothed amplitude with the original phase and axis is transformed back and its
squared modulus is a candidate map. The candidate with the least centre-weighted entropy
(entropy of the map blurred at 0.02 W, divided by the map's mass under a Gaussian of std W/4)
is kept, its border (1 %) cut, blurred with std 0.04 W and multiplied by a centred Gaussian
of std 42/127 of the image (the authors' released defaults, callHFTParams); their final
mat2gray is the family's base class's min-max.

The quaternion transform is computed exactly with two complex FFTs (symplectic split in a
basis whose first axis is mu); because the spectrum filter is a real gain Ak/A, the inverse
transform's modulus is sqrt(|ifft(g C1)|^2 + |ifft(g C2)|^2).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from bench.models.registry import register_model

from ._channels import rescale01, to_float_rgb
from ._matlab_filters import imresize
from .base import SaliencyModel

FEATURE_WEIGHTS = (0.25, 0.25, 0.5)  # RG, BY, I on the i, j, k axes


def _gauss(x: np.ndarray, std: float, window: float, mode: str = "constant") -> np.ndarray:
    """MATLAB's imfilter(x, fspecial('gaussian', window, std)): zero padding, kernel of `window` px."""
    radius = max(int(window // 2), 1)
    return ndimage.gaussian_filter(x, std, mode=mode, truncate=radius / std)


def _axis_basis(mu) -> np.ndarray:
    """Right-handed orthonormal basis (rows mu, e2, mu x e2) of the pure quaternions.

    With it q = (x0 + x1 mu) + (x2 + x3 mu) e2, and the left-sided transform about mu is the
    complex FFT of each bracket with mu as the imaginary unit.
    """
    mu = np.asarray(mu, float) / np.linalg.norm(mu)
    helper = np.eye(3)[int(np.argmin(np.abs(mu)))]
    e2 = helper - (helper @ mu) * mu
    e2 /= np.linalg.norm(e2)
    return np.stack([mu, e2, np.cross(mu, e2)])


def hft_candidates(image: np.ndarray, size: int = 128, n_scales: int = 8, mu=(1, 1, 1)) -> np.ndarray:
    """The spectrum scale space: (n_scales, size, size) candidate saliency maps."""
    img = imresize(to_float_rgb(image) * 255.0, size=(size, size), method="bilinear")
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    intensity = img.max(axis=2)
    red, green, blue = r - (g + b) / 2, g - (r + b) / 2, b - (r + g) / 2
    yellow = np.maximum((r + g) / 2 - np.abs(r - g) / 2 - b, 0)  # the authors clip only Y
    pure = np.stack([w * f for w, f in zip(FEATURE_WEIGHTS, (red - green, blue - yellow, intensity))], -1)
    x1, x2, x3 = np.moveaxis(pure @ _axis_basis(mu).T, -1, 0)  # coordinates along mu and two normals
    n = np.sqrt(pure.shape[0] * pure.shape[1])
    c1 = np.fft.fft2(1j * x1) / n  # scalar part is zero: simplex 0 + x1*mu, perplex x2 + x3*mu
    c2 = np.fft.fft2(x2 + 1j * x3) / n
    amp = np.sqrt(np.abs(c1) ** 2 + np.abs(c2) ** 2)
    log_amp = np.fft.fftshift(np.log1p(amp))
    safe = np.where(amp > 0, amp, 1.0)
    out = []
    for k in range(1, n_scales + 1):
        smooth = np.expm1(np.fft.ifftshift(_gauss(log_amp, 2.0 ** (k - 2), size)))
        gain = np.where(amp > 0, smooth / safe, 0.0)
        back = np.sqrt(np.abs(np.fft.ifft2(gain * c1)) ** 2 + np.abs(np.fft.ifft2(gain * c2)) ** 2) * n
        out.append(rescale01(back) ** 2)
    return np.stack(out).astype(np.float32)


def centre_weighted_entropy(smap: np.ndarray) -> float:
    """The authors' selection criterion: 2-D entropy over centre-weighted mass (entropy1)."""
    h, w = smap.shape
    mass = smap / max(float(smap.sum()), 1e-12)
    yy, xx = np.mgrid[0:h, 0:w]
    std = float(np.ceil(w / 4))
    centre = np.exp(-(((yy - (h - 1) / 2) ** 2 + (xx - (w - 1) / 2) ** 2) / (2 * std ** 2)))
    z = float((mass * centre).sum())
    blurred = rescale01(_gauss(smap.astype(np.float64), 0.02 * w, round(4 * 0.02 * w)))
    hist = np.bincount(np.rint(blurred * 255).astype(np.int64).ravel(), minlength=256) / blurred.size
    hist = hist[hist > 0]
    return float(-(hist * np.log2(hist)).sum() / max(z, 1e-12))


def hft_saliency(image: np.ndarray, size: int = 128, border_cut: float = 0.01, smoothing: float = 0.04,
                 centre_bias: float | None = 42 / 127) -> np.ndarray:
    cands = hft_candidates(image, size=size)
    best = cands[int(np.argmin([centre_weighted_entropy(c) for c in cands]))]
    smap = rescale01(best)
    if border_cut > 0:
        d = int(np.ceil(border_cut * size))
        smap[:d], smap[-d:], smap[:, :d], smap[:, -d:] = 0, 0, 0, 0
    std = smoothing * size
    smap = _gauss(smap.astype(np.float64), std, round(4 * std))
    if centre_bias:
        yy, xx = np.mgrid[0:size, 0:size]
        s = centre_bias * size
        smap = smap * np.exp(-(((yy - (size - 1) / 2) ** 2 + (xx - (size - 1) / 2) ** 2) / (2 * s ** 2)))
    return smap


@register_model("hft")
class HFT(SaliencyModel):

    def __init__(self, centre_bias: bool = True, **config):
        super().__init__(centre_bias=centre_bias, **config)
        self.centre_bias = centre_bias

    def native_map(self, image: np.ndarray) -> np.ndarray:
        return hft_saliency(image, centre_bias=42 / 127 if self.centre_bias else None)
