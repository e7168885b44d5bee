"""SUN: Saliency Using Natural statistics (Zhang, Tong, Marks, Shan & Cottrell, JOV 2008) [81].

Bottom-up saliency is the self-information of local features, -log p(F = f), with p learned in
advance from natural images, not from the test image (paper Eq. 6). The features are linear ICA
filters on 11x11 colour patches (paper "Method 2"; 363 = 11*11*3 inputs, DC removed -> 362
filters), each response modelled by a zero-mean generalized Gaussian

    p(f_i) = theta_i / (2 sigma_i Gamma(1/theta_i)) * exp(-|f_i / sigma_i|^theta_i),

and the filters treated as independent, so that saliency = sum_i |f_i / sigma_i|^theta_i + const.

Pre-processing and output follow the authors' release as called by calTraSal.m of Gen3DHF co-author
H. Duan's baseline_saliency_models (`saliencyimage_convolution(img, 0.5)`): the image is scaled by 0.5
(MATLAB's imresize: bicubic, antialiased), divided by the standard deviation of all its values, and
filtered with 'valid' support; calTraSal.m min-max scales that map and resizes it (bicubic) to the
image, stretching the valid region over the whole frame (the family's base class does the min-max).

The statistics (`stats=`):

- ``"learned"`` (default, no download): the authors' filters and generalized-Gaussian fits were
  learned on the Kyoto image set; ours are re-learned by the same recipe (FastICA on 11x11x3 patches,
  maximum-likelihood fits of the responses) on the natural colour photographs that ship with
  scikit-image and scikit-learn, by `python -m baselines.classic_saliency.learn_sun_stats`, into
  `data/sun_ica_filters.npz`.
- a path to the authors' `stats.mat` (from their `imagesaliency` release: `B1`, one zero-sum filter
  of 3 x 11 x 11 values per row in MATLAB column order, applied by conv2, and `sigmas`, `thetas`),
  or to an .npz laid out like ours. With it the maps follow the authors' code (map correlation
  >= 0.95 against saliencyimage_convolution.m run under GNU Octave;
  `tests/classic_saliency/test_author_files.py`). Their file is not redistributed here.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.errors import ModelUnavailable
from bench.models.registry import register_model

from ._matlab_filters import imresize
from .base import SaliencyModel

PARAMS_PATH = Path(__file__).parent / "data" / "sun_ica_filters.npz"
LEARNED = "learned"
SCALE = 0.5  # the authors' call: saliencyimage_convolution(img, 0.5)
_ROWS_PER_CHUNK = 48  # keeps the patch matrix of one chunk near 20 MB


def preprocess(image_rgb: np.ndarray, scale: float = SCALE) -> np.ndarray:
    """MATLAB imresize(img, scale) (bicubic, antialiased) and division by the std of all values."""
    img = np.asarray(image_rgb, dtype=np.float64)
    if scale != 1:
        img = imresize(img, scale=scale)
    std = float(img.std(ddof=1)) if img.size > 1 else 0.0
    return (img / std if std > 0 else img).astype(np.float32)


def filter_responses(img: np.ndarray, filters: np.ndarray, rows=None) -> np.ndarray:
    """'Valid' responses of (d, p, p, 3) filters on an (H, W, 3) image -> (H-p+1, W-p+1, d).

    Each response is the dot product of the filter with the patch below it (correlation); the
    learning script uses this same function, so filters and fits agree by construction.
    """
    d, p = filters.shape[0], filters.shape[1]
    windows = np.lib.stride_tricks.sliding_window_view(img, (p, p), axis=(0, 1))  # H', W', 3, p, p
    flat = filters.transpose(0, 3, 1, 2).reshape(d, -1).T.astype(np.float32)  # (3*p*p, d)
    hv, wv = windows.shape[:2]
    rows = range(hv) if rows is None else rows
    return np.stack([windows[r].reshape(wv, -1) @ flat for r in rows]) if len(rows) else np.zeros((0, wv, d))


def self_information(img: np.ndarray, filters, sigmas, thetas) -> np.ndarray:
    """sum_i |f_i / sigma_i|^theta_i over the filters: -log p(F = f) up to a constant (Eq. 6)."""
    p = filters.shape[1]
    hv = img.shape[0] - p + 1
    inv_sigma = (1.0 / sigmas).astype(np.float32)
    thetas = thetas.astype(np.float32)
    out = []
    for start in range(0, hv, _ROWS_PER_CHUNK):
        resp = filter_responses(img, filters, range(start, min(hv, start + _ROWS_PER_CHUNK)))
        out.append(np.power(np.abs(resp * inv_sigma), thetas).sum(axis=-1))
    return np.concatenate(out, axis=0)


def stats_file(stats: str) -> Path:
    return PARAMS_PATH if stats in (LEARNED, "", None) else Path(stats).expanduser()


def load_params(path: Path = PARAMS_PATH) -> dict:
    """{'filters' (d, p, p, 3) correlation filters, 'sigmas' (d,), 'thetas' (d,)} from ours or the authors' file."""
    path = Path(path)
    if not path.is_file():
        raise ModelUnavailable(f"SUN parameters not found: {path} (set stats=<path to the authors' stats.mat>, "
                               "or run `python -m baselines.classic_saliency.learn_sun_stats` to learn ours)")
    if path.suffix.lower() == ".mat":
        from scipy.io import loadmat

        try:
            m = loadmat(str(path))
            rows, sigmas, thetas = (np.asarray(m[k], np.float64) for k in ("B1", "sigmas", "thetas"))
        except (KeyError, ValueError, OSError) as exc:
            raise ModelUnavailable(f"{path}: not SUN statistics (a MATLAB file with B1, sigmas, thetas): {exc}") \
                from exc
        side = int(round(np.sqrt(rows.shape[1] / 3)))
        if 3 * side * side != rows.shape[1]:
            raise ModelUnavailable(f"{path}: B1 has shape {rows.shape}, not (filters, 3 x side x side)")
        # row = [R(:); G(:); B(:)] of column-major side x side kernels used by conv2: flip them to correlate
        kernels = rows.reshape(len(rows), 3, side, side).transpose(0, 3, 2, 1)
        return {"filters": np.ascontiguousarray(kernels[:, ::-1, ::-1]).astype(np.float32),
                "sigmas": sigmas.ravel().astype(np.float32), "thetas": thetas.ravel().astype(np.float32)}
    with np.load(path) as z:
        return {k: z[k] for k in ("filters", "sigmas", "thetas")}


@register_model("sun", stats=LEARNED)
class SUN(SaliencyModel):

    def __init__(self, stats: str = LEARNED, scale: float = SCALE, **config):
        super().__init__(stats=stats, scale=scale, **config)
        self.stats, self.scale = stats, scale
        self._params = load_params(stats_file(stats))

    @classmethod
    def availability(cls, config=None):
        path = stats_file((config or {}).get("stats", LEARNED))
        if not path.is_file():
            return False, (f"SUN statistics not found at {path} (set stats=<path to the authors' stats.mat>, "
                           "or learn ours: python -m baselines.classic_saliency.learn_sun_stats)")
        return super().availability(config)

    def native_map(self, image: np.ndarray) -> np.ndarray:
        prm = self._params
        img = preprocess(image, self.scale)
        p = prm["filters"].shape[1]
        if min(img.shape[:2]) < p:
            raise ValueError(f"SUN needs an image of at least {p / self.scale:.0f} px on each side")
        smap = self_information(img, prm["filters"], prm["sigmas"], prm["thetas"]).astype(np.float64)
        # the 'valid' map stretched over the whole image, its bicubic overshoot clipped as imwrite
        # clips calTraSal.m's min-max scaled map
        return np.clip(imresize(smap, size=np.shape(image)[:2]), smap.min(), smap.max())
