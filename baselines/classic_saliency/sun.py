"""SUN: Saliency Using Natural statistics (Zhang, Tong, Marks, Shan & Cottrell, JOV 2008) [81].

Bottom-up saliency is the self-information of local features, -log p(F = f), with p learned in
advance from natural images, not from the test image (paper Eq. 6). The features are linear ICA
filters on 11x11 colour patches (paper "Method 2"; 363 = 11*11*3 inputs, DC removed -> 362
filters), each response modelled by a zero-mean generalized Gaussian

    p(f_i) = theta_i / (2 sigma_i Gamma(1/theta_i)) * exp(-|f_i / sigma_i|^theta_i),

and the filters treated as independent, so that saliency = sum_i |f_i / sigma_i|^theta_i + const.

Pre-processing follows the authors' release (`saliencyimage_convolution(img, 0.5)`, as called by
calTraSal.m of Gen3DHF co-author H. Duan's baseline_saliency_models): the image is scaled by 0.5,
divided by the standard deviation of all its values, and filtered with 'valid' support; the map is
min-max normalised.

The filters and the generalized-Gaussian fits are not the authors' (learned on the Kyoto image set):
they are re-learned by the same recipe (FastICA on 11x11x3 patches, maximum-likelihood fits of
the responses) on the natural colour photographs that ship with scikit-image and scikit-learn,
by `python -m baselines.classic_saliency.learn_sun_stats`, into `data/sun_ica_filters.npz`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.errors import ModelUnavailable
from bench.models.registry import register_model

from .base import SaliencyModel

PARAMS_PATH = Path(__file__).parent / "data" / "sun_ica_filters.npz"
SCALE = 0.5  # the authors' call: saliencyimage_convolution(img, 0.5)
_ROWS_PER_CHUNK = 48  # keeps the patch matrix of one chunk near 20 MB


def preprocess(image_rgb: np.ndarray, scale: float = SCALE) -> np.ndarray:
    """Resize by `scale` (area averaging, like MATLAB's anti-aliased imresize) and divide by the std."""
    import cv2

    img = np.asarray(image_rgb, dtype=np.float32)
    if scale != 1:
        h, w = img.shape[:2]
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    std = float(img.std())
    return img / std if std > 0 else img


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


def load_params(path: Path = PARAMS_PATH) -> dict:
    if not Path(path).exists():
        raise ModelUnavailable(f"SUN parameters not found: {path} "
                               "(run `python -m baselines.classic_saliency.learn_sun_stats` to learn them)")
    with np.load(path) as z:
        return {k: z[k] for k in ("filters", "sigmas", "thetas")}


@register_model("sun")
class SUN(SaliencyModel):
    paper_row = "SUN [81]"

    def __init__(self, scale: float = SCALE, params_path: str | None = None, **config):
        super().__init__(scale=scale, params_path=params_path, **config)
        self.scale = scale
        self._params = load_params(Path(params_path) if params_path else PARAMS_PATH)

    def saliency_map(self, image: np.ndarray) -> np.ndarray:
        import cv2

        prm = self._params
        img = preprocess(image, self.scale)
        p = prm["filters"].shape[1]
        if min(img.shape[:2]) < p:
            raise ValueError(f"SUN needs an image of at least {p / self.scale:.0f} px on each side")
        smap = self_information(img, prm["filters"], prm["sigmas"], prm["thetas"])
        lo, hi = float(smap.min()), float(smap.max())
        smap = (smap - lo) / (hi - lo) if hi > lo else np.zeros_like(smap)
        # 'valid' filtering trims p//2 pixels per side: pad them back (edge values) so that the map
        # stays registered with the image when resized to it.
        half = p // 2
        smap = np.pad(smap, ((half, p - 1 - half), (half, p - 1 - half)), mode="edge")
        h, w = image.shape[:2]
        return cv2.resize(smap.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
