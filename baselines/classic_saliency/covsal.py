"""CovSal [15]: Erdem & Erdem (2013), "Visual saliency estimation by nonlinearly integrating
features using region covariances", Journal of Vision 13(4):11.

The image (resized to 512 x 512, with N(0, 2^2) noise so no region is degenerate) gives the
7-d pixel feature F = [L, a, b, |dI/dx|, |dI/dy|, x, y]. Each square region of a grid (sides
8, 16, 32, 64, 128 px = 512 x 2^-6..2^-2) is described by its covariance C (model 1,
"CovariancesOnly", the released default) or by the sigma points of (mean, C) (model 2,
`model="sigma_points"`). A region's saliency is the mean dissimilarity to the 10 % most similar
regions among its neighbours within 3 regions, where
d(Ri, Rj) = rho(Ci, Cj) / (1 + |xi - xj|), rho being the Foerstner metric
sqrt(sum log^2 lambda_k(Ci, Cj)) (or the Euclidean distance of sigma points) and |xi - xj| the
distance between the regions in pixels. A centre-bias factor 1 - |centre distance| / max
multiplies each scale (released default: on); the five scales are multiplied together and
the product is blurred with std 0.02 x image width (calTraSal.m then min-max normalises: the family's
base class does).
Like the authors' code, the image is resized to 512 x 512 whatever its aspect ratio (a 3-view strip
is squeezed 3:1 horizontally).

Region covariances come from integral images (Tuzel, Porikli & Meer 2006); the generalised
eigenvalues of all region pairs are computed batched, each unordered pair once.
"""
from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from bench.models.registry import register_model

from ._channels import resize, to_float_rgb
from .base import SaliencyModel

MODELS = ("covariance", "sigma_points")


def pixel_features(image: np.ndarray, size: int = 512, noise_std: float = 2.0, seed: int = 0) -> np.ndarray:
    """(size, size, 7) float64: L, a, b, |Ix|, |Iy|, row, column (pixel units)."""
    img = resize(to_float_rgb(image) * 255.0, (size, size), "cubic").astype(np.float64)
    img = img + np.random.default_rng(seed).normal(0, noise_std, img.shape)
    intensity = img.mean(axis=2)
    ix = np.abs(ndimage.correlate1d(intensity, [-1.0, 0.0, 1.0], axis=1, mode="reflect"))
    iy = np.abs(ndimage.correlate1d(intensity, [-1.0, 0.0, 1.0], axis=0, mode="reflect"))
    # CIE Lab of the (linear) RGB values, as the authors' RGB2Lab does (no gamma decoding)
    lab = cv2.cvtColor(np.clip(img / 255.0, 0, 1).astype(np.float32), cv2.COLOR_LRGB2Lab).astype(np.float64)
    rows, cols = np.mgrid[1:size + 1, 1:size + 1].astype(np.float64)
    return np.dstack([lab, ix, iy, rows, cols])


def region_statistics(features: np.ndarray, side: int):
    """Means (gh, gw, d) and covariances (gh, gw, d, d) of the side x side blocks of a grid."""
    h, w, d = features.shape
    gh, gw = h // side, w // side
    f = features[:gh * side, :gw * side].reshape(gh, side, gw, side, d)
    n = side * side
    mean = f.sum(axis=(1, 3)) / n
    second = np.einsum("aibjk,aibjl->abkl", f, f) / n
    cov = second - mean[..., :, None] * mean[..., None, :]
    return mean, cov


def _forstner(ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """sqrt(sum_k log^2 lambda_k) for the generalised eigenvalues of each (Ca, Cb) pair."""
    evals, evecs = np.linalg.eigh(ca)
    evals = np.maximum(evals, 1e-12)
    whiten = evecs / np.sqrt(evals)[..., None, :]  # Ca^(-1/2) up to rotation
    m = np.swapaxes(whiten, -1, -2) @ cb @ whiten
    lam = np.linalg.eigvalsh(m)
    lam = np.where(lam > 1e-22, lam, 1.0)  # the authors skip non-positive eigenvalues
    return np.sqrt((np.log(lam) ** 2).sum(axis=-1))


def _sigma_points(mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """[mu, mu + L_k, mu - L_k] with L = chol(2 (d + 0.1) (C + 1e-3 I)) (model 2)."""
    d = cov.shape[-1]
    lower = np.linalg.cholesky(2 * (d + 0.1) * (cov + 1e-3 * np.eye(d)))
    cols = np.swapaxes(lower, -1, -2)  # rows are the columns of L
    return np.concatenate([mean, (mean[..., None, :] + cols).reshape(*mean.shape[:-1], -1),
                           (mean[..., None, :] - cols).reshape(*mean.shape[:-1], -1)], axis=-1)


def scale_saliency(mean: np.ndarray, cov: np.ndarray, side: int, model: str, quantile: float,
                   reach: int) -> np.ndarray:
    """Saliency (gh, gw) of each region from its `reach`-neighbourhood at one scale."""
    gh, gw = mean.shape[:2]
    offsets = [(dy, dx) for dy in range(0, reach + 1) for dx in range(-reach, reach + 1)
               if (dy, dx) > (0, 0)]  # half of the neighbourhood; the other half by symmetry
    dists = np.full((gh, gw, 2 * len(offsets)), np.inf)
    desc = _sigma_points(mean, cov) if model == "sigma_points" else None
    for k, (dy, dx) in enumerate(offsets):
        ya, yb = slice(0, gh - dy), slice(dy, gh)
        xa, xb = (slice(0, gw - dx), slice(dx, gw)) if dx >= 0 else (slice(-dx, gw), slice(0, gw + dx))
        if gh - dy <= 0 or gw - abs(dx) <= 0:
            continue
        if model == "sigma_points":
            rho = np.linalg.norm(desc[ya, xa] - desc[yb, xb], axis=-1)
        else:
            rho = _forstner(cov[ya, xa], cov[yb, xb])
        d = rho / (1.0 + side * np.hypot(dy, dx))
        dists[ya, xa, 2 * k] = d
        dists[yb, xb, 2 * k + 1] = d
    count = np.isfinite(dists).sum(axis=-1)
    m = np.maximum(np.floor(count * quantile), 1).astype(int)
    ordered = np.sort(dists, axis=-1)
    csum = np.cumsum(np.where(np.isfinite(ordered), ordered, 0.0), axis=-1)
    return np.take_along_axis(csum, (m - 1)[..., None], axis=-1)[..., 0] / m


def covsal_saliency(image: np.ndarray, size: int = 512, model: str = "covariance", quantile: float = 0.1,
                    reach: int = 3, centre_bias: bool = True, blur_frac: float = 0.02, seed: int = 0) -> np.ndarray:
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    feats = pixel_features(image, size=size, seed=seed)
    product = np.ones((size, size))
    for side in (size * 2.0 ** np.arange(-6, -1)).astype(int):
        mean, cov = region_statistics(feats, side)
        sal = scale_saliency(mean, cov, side, model, quantile, reach)
        if centre_bias:
            gh, gw = sal.shape
            cy = np.arange(gh) * side + 1 + side / 2 - size / 2
            cx = np.arange(gw) * side + 1 + side / 2 - size / 2
            far = np.hypot(1 - size / 2, 1 - size / 2)
            sal = sal * (1 - np.hypot(cy[:, None], cx[None, :]) / far)
        product *= np.maximum(resize(sal.astype(np.float32), (size, size), "cubic"), 0)  # no cubic undershoot
    h, w = image.shape[:2]
    out = resize(product.astype(np.float32), (h, w), "linear")
    if blur_frac > 0:
        std = blur_frac * w
        out = ndimage.gaussian_filter(out, std, mode="constant", truncate=2.0)  # window 4 std wide
    return np.maximum(out, 0)


@register_model("covsal")
class CovSal(SaliencyModel):

    def __init__(self, model: str = "covariance", centre_bias: bool = True, **config):
        if model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {model!r}")
        super().__init__(model=model, centre_bias=centre_bias, **config)
        self.model, self.centre_bias = model, centre_bias

    def native_map(self, image: np.ndarray) -> np.ndarray:
        return covsal_saliency(image, model=self.model, centre_bias=self.centre_bias)
