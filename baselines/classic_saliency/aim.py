"""AIM [2]: Bruce & Tsotsos (2005/2009), "Saliency based on information maximization" (NIPS 18)
and "Saliency, attention, and visual search: an information theoretic approach" (JoV 9(3)).

Every 21 x 21 RGB neighbourhood is projected on an ICA basis (the rows of the unmixing matrix,
used as correlation filters); the likelihood of each coefficient is read off the histogram of that
coefficient over the whole image; assuming independent coefficients, saliency is the
self-information sum_k -log(p_k + 1e-6), padded to the image with its minimum.

Defaults are those of the call behind the paper's row (calTraSal.m: `AIM(img_path)`, i.e. the
released AIM.m's defaults): the image at full size (`scale=1`), 1000 histogram bins over each
coefficient's own range (AIM.m's `method = 1`, `scalingtype = 2`; `scaling="common"` is its type 1,
one range for all coefficients), no Gaussian blur (`convolve = 0`; `blur_px=8` is its option,
8 px per degree). calTraSal.m then min-max scales the map (the family's base class does).

The basis (`basis=`):

- ``"learned"`` (default, no download): learned here by Bruce's recipe (21 x 21 x 3 patches, PCA
  keeping 95 % of the variance, then ICA; scikit-learn's FastICA in place of JADE) on the natural
  colour photographs that ship with scikit-image (astronaut, chelsea, coffee, rocket, motorcycle
  left/right) and matplotlib (grace_hopper), by `python -m baselines.classic_saliency.learn_aim_basis`,
  into `data/aim_ica_basis.npz` (committed). 95 % of the variance takes 44 components on these
  images (Bruce's 21jade950 has 25).
- a path to the authors' basis, `21jade950.mat` of the AIM release (variable `B`, one unmixing row
  of 3 x 21 x 21 values per component, MATLAB column order), or to an .npz laid out like ours.
  With it the maps follow the authors' code (map correlation >= 0.95 against AIM.m run under GNU
  Octave; `tests/classic_saliency/test_author_files.py`).

Licence: AIM's code and basis files are the property of N. D. B. Bruce; his copyright notice allows
distribution only of the unmodified software and non-profit research use, and forbids
distributing derivative works without his written consent. So neither his code nor his basis is
part of this repository: point `basis` at your own copy of his release.
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
LEARNED = "learned"
PATCH = 21
SCALINGS = ("per_feature", "common")


def basis_file(basis: str) -> Path:
    return BASIS_FILE if basis in (LEARNED, "", None) else Path(basis).expanduser()


@lru_cache(maxsize=4)
def load_basis(path: str = str(BASIS_FILE)) -> tuple:
    """(filters (k, p, p, 3), patch mean (p, p, 3)) from our .npz or the authors' .mat (variable B)."""
    p = Path(path)
    if not p.is_file():
        raise ModelUnavailable(f"{p}: AIM ICA basis missing; point `basis` at the authors' 21jade950.mat "
                               "or recreate ours with `python -m baselines.classic_saliency.learn_aim_basis`")
    if p.suffix.lower() == ".mat":
        from scipy.io import loadmat

        try:
            unmixing = np.asarray(loadmat(str(p))["B"], np.float64)
        except (KeyError, ValueError, OSError) as exc:
            raise ModelUnavailable(f"{p}: not an AIM basis file (a MATLAB file with the unmixing matrix B): {exc}") \
                from exc
        side = int(round(np.sqrt(unmixing.shape[1] / 3)))
        if unmixing.ndim != 2 or 3 * side * side != unmixing.shape[1]:
            raise ModelUnavailable(f"{p}: B has shape {unmixing.shape}, not (components, 3 x side x side)")
        # one row = a patch t(:) of MATLAB's (row, column, colour) array, i.e. column-major
        filters = unmixing.reshape(len(unmixing), 3, side, side).transpose(0, 3, 2, 1)
        return filters.astype(np.float32), np.zeros((side, side, 3), np.float32)
    with np.load(p) as z:
        return z["filters"].astype(np.float32), z["mean"].astype(np.float32)


def basis_responses(img: np.ndarray, path: str = str(BASIS_FILE)) -> np.ndarray:
    """(k, H-p+1, W-p+1) coefficients of every full p x p neighbourhood (the valid region)."""
    import cv2

    filters, mean = load_basis(path)
    p = filters.shape[1]
    half = p // 2
    img = np.ascontiguousarray(img, np.float32)
    out = np.zeros((len(filters), img.shape[0] - p + 1, img.shape[1] - p + 1), np.float32)
    for k, f in enumerate(filters):
        for c in range(3):  # filter2D correlates; anchored at the centre, 'valid' = drop the half borders
            out[k] += cv2.filter2D(img[..., c], -1, f[..., c], borderType=cv2.BORDER_CONSTANT)[
                half:img.shape[0] - half, half:img.shape[1] - half]
    return out - np.tensordot(filters, mean, axes=([1, 2, 3], [0, 1, 2]))[:, None, None]


def self_information(coeffs: np.ndarray, bins: int = 1000, scaling: str = "per_feature") -> np.ndarray:
    """sum_k -log(p_k + 1e-6), p_k the frequency of each coefficient's histogram bin over the image
    (bins over each coefficient's own range, or over the common range of all)."""
    k = coeffs.shape[0]
    flat = coeffs.reshape(k, -1).astype(np.float64)
    if scaling == "per_feature":
        lo, hi = flat.min(axis=1, keepdims=True), flat.max(axis=1, keepdims=True)
    else:
        lo, hi = np.full((k, 1), flat.min()), np.full((k, 1), flat.max())
    idx = np.rint((flat - lo) / np.maximum(hi - lo, 1e-12) * (bins - 1)).astype(np.int64)
    counts = np.bincount((idx + np.arange(k)[:, None] * bins).ravel(), minlength=k * bins).reshape(k, bins)
    prob = np.take_along_axis(counts, idx, axis=1) / idx.shape[1]
    return (-np.log(prob + 1e-6)).sum(axis=0).reshape(coeffs.shape[1:])


def aim_saliency(image: np.ndarray, scale: float = 1.0, bins: int = 1000, scaling: str = "per_feature",
                 blur_px: float = 0.0, path: str = str(BASIS_FILE)) -> np.ndarray:
    """AIM's information map at the (scaled) image's size, unscaled (nats)."""
    rgb = to_float_rgb(image)
    p = load_basis(path)[0].shape[1]
    h, w = max(round(rgb.shape[0] * scale), p), max(round(rgb.shape[1] * scale), p)
    img = resize(rgb, (h, w), "area") if (h, w) != rgb.shape[:2] else rgb
    info = self_information(basis_responses(img, path), bins, scaling)
    half = p // 2
    full = np.full(img.shape[:2], info.min(), np.float64)
    full[half:half + info.shape[0], half:half + info.shape[1]] = info
    if blur_px > 0:  # AIM.m's convolve option: filter2(fspecial('gaussian', 30, 8), .)
        full = ndimage.gaussian_filter(full, blur_px * scale, mode="constant", truncate=15.0 / 8.0)
    return full


@register_model("aim", basis=LEARNED)
class AIM(SaliencyModel):

    def __init__(self, basis: str = LEARNED, scale: float = 1.0, bins: int = 1000, scaling: str = "per_feature",
                 blur_px: float = 0.0, **config):
        if scaling not in SCALINGS:
            raise ValueError(f"AIM scaling must be one of {SCALINGS}, got {scaling!r}")
        super().__init__(basis=basis, scale=scale, bins=bins, scaling=scaling, blur_px=blur_px, **config)
        self.basis, self.scale, self.bins, self.scaling, self.blur_px = basis, scale, int(bins), scaling, blur_px

    @classmethod
    def availability(cls, config=None):
        path = basis_file((config or {}).get("basis", LEARNED))
        if not path.is_file():
            return False, (f"AIM basis not found at {path} (set basis=<path to the authors' 21jade950.mat>, "
                           "or recreate ours: python -m baselines.classic_saliency.learn_aim_basis)")
        return super().availability(config)

    def native_map(self, image: np.ndarray) -> np.ndarray:
        return aim_saliency(image, scale=self.scale, bins=self.bins, scaling=self.scaling, blur_px=self.blur_px,
                            path=str(basis_file(self.basis)))
