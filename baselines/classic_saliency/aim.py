"""AIM [2]: Bruce & Tsotsos (2005/2009), "Saliency based on information maximization" (NIPS 18)
and "Saliency, attention, and visual search: an information theoretic approach" (JoV 9(3)).

Every 21 x 21 RGB neighbourhood is projected on a learned ICA basis (the rows of the
unmixing matrix, used as correlation filters); the likelihood of each coefficient is read off
the histogram of that coefficient over the whole image (256 bins over the common range of
all coefficients: the released code's method 1, scaling type 1); assuming independent
coefficients, saliency is the self-information sum_k -log(p_k + 1e-6). The map is padded to
the image with its minimum and blurred with a Gaussian of 8 px (the released code's
`convolve` option, 8 px per degree of visual angle), here scaled with the working resolution
(default: the view at half size, as in the authors' usage `AIM(img, 0.5)`).

The ICA basis: Bruce learned his (21jade950: 21 x 21 x 3 patches, PCA keeping 95 % of the
variance, then JADE) from natural images. Here it is learned by the same recipe with
scikit-learn's FastICA, on 21 x 21 RGB patches of the natural colour photographs that ship
offline with scikit-image (astronaut, chelsea, coffee, rocket, motorcycle left/right) and
matplotlib (grace_hopper), once, by `python -m baselines.classic_saliency.learn_aim_basis`, which
writes `data/aim_ica_basis.npz` (committed; scikit-image is needed only to rerun it). 95 % of
the variance takes 44 components on these images (Bruce's 21jade950 has 25).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import ndimage

from bench.errors import ModelUnavailable
from bench.models.registry import register_model

from ._channels import resize, to_float_rgb
from .base import SaliencyModel

BASIS_FILE = Path(__file__).resolve().parent / "data" / "aim_ica_basis.npz"
PATCH = 21


@lru_cache(maxsize=2)
def load_basis(path: str = str(BASIS_FILE)):
    p = Path(path)
    if not p.is_file():
        raise ModelUnavailable(f"{p}: AIM ICA basis missing; create it with "
                               "`python -m baselines.classic_saliency.learn_aim_basis`")
    with np.load(p) as z:
        return z["filters"].astype(np.float32), z["mean"].astype(np.float32)


@lru_cache(maxsize=2)  # ~35 MB per 256 x 256 view
def _filter_spectra(path: str, h: int, w: int) -> np.ndarray:
    """rfft2 of every (flipped) filter channel, zero-padded to (h, w): (k, 3, h, w//2+1)."""
    filters, _ = load_basis(path)
    k, p = filters.shape[:2]
    padded = np.zeros((k, 3, h, w), np.float32)
    padded[:, :, :p, :p] = np.transpose(filters[:, ::-1, ::-1, :], (0, 3, 1, 2))  # correlation = flipped conv
    return np.fft.rfft2(padded).astype(np.complex64)


def basis_responses(img: np.ndarray, path: str = str(BASIS_FILE)) -> np.ndarray:
    """(k, H-p+1, W-p+1) coefficients of every full p x p neighbourhood (the valid region)."""
    filters, mean = load_basis(path)
    p = filters.shape[1]
    h, w = img.shape[:2]
    spectra = _filter_spectra(path, h, w)
    image_fft = np.fft.rfft2(np.transpose(img, (2, 0, 1)))
    resp = np.fft.irfft2((spectra * image_fft[None]).sum(axis=1), s=(h, w))
    # circular wrap-around only touches the first p-1 rows/columns; subtract the patch mean's projection
    offset = np.tensordot(filters, mean, axes=([1, 2, 3], [0, 1, 2]))
    return resp[:, p - 1:, p - 1:] - offset[:, None, None]


def self_information(coeffs: np.ndarray, bins: int = 256) -> np.ndarray:
    """sum_k -log(p_k + 1e-6), p_k from each coefficient's histogram over the image."""
    lo, hi = float(coeffs.min()), float(coeffs.max())
    idx = np.rint((coeffs - lo) / max(hi - lo, 1e-12) * (bins - 1)).astype(np.int64)
    k = coeffs.shape[0]
    counts = np.bincount((idx + np.arange(k)[:, None, None] * bins).ravel(), minlength=k * bins).reshape(k, bins)
    prob = np.take_along_axis(counts, idx.reshape(k, -1), axis=1).reshape(idx.shape) / idx[0].size
    return (-np.log(prob + 1e-6)).sum(axis=0)


def aim_saliency(image: np.ndarray, scale: float = 0.5, bins: int = 256, blur_px: float = 8.0,
                 path: str = str(BASIS_FILE)) -> np.ndarray:
    rgb = to_float_rgb(image)
    h, w = max(round(rgb.shape[0] * scale), PATCH), max(round(rgb.shape[1] * scale), PATCH)
    img = resize(rgb, (h, w), "area") if scale != 1.0 else rgb
    info = self_information(basis_responses(img, path), bins)
    ph = (img.shape[0] - info.shape[0]) // 2
    full = np.full(img.shape[:2], info.min(), np.float32)
    full[ph:ph + info.shape[0], ph:ph + info.shape[1]] = info
    if blur_px > 0:
        std = blur_px * scale
        full = ndimage.gaussian_filter(full, std, mode="constant", truncate=15.0 / 8.0)  # 30 px window at 8
    return full - full.min()


@register_model("aim")
class AIM(SaliencyModel):
    paper_row = "AIM [2]"

    def __init__(self, scale: float = 0.5, basis_path: str | None = None, **config):
        super().__init__(scale=scale, basis_path=basis_path, **config)
        self.scale, self.basis_path = scale, str(basis_path or BASIS_FILE)

    @classmethod
    def availability(cls, config=None):
        path = Path((config or {}).get("basis_path") or BASIS_FILE)
        if not path.is_file():
            return False, f"AIM ICA basis not found at {path} (python -m baselines.classic_saliency.learn_aim_basis)"
        return super().availability(config)

    def saliency_map(self, image: np.ndarray) -> np.ndarray:
        return aim_saliency(image, scale=self.scale, path=self.basis_path)

