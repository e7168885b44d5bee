"""CA [16]: Goferman, Zelnik-Manor & Tal (2010/2012), "Context-aware saliency detection",
CVPR 2010 / IEEE TPAMI 34(10).

The image is resized to 250 px (longer side) and converted to CIE L*a*b* (each plane scaled to
[0, 1]). A 7 x 7 patch p_i is salient when it is unlike the K = 64 patches most similar to it:
d(p_i, q) = d_color / (1 + c d_position) with c = 3, d_color the Euclidean distance of the
vectorised Lab patches normalised to [0, 1] and d_position the distance of the patch centres
over the larger image side (Eq. 1); S_i^r = 1 - exp(-1/K sum_k d(p_i, q_k)) (Eq. 2).
Multi-scale (Sec. 3.2): at each scale r in {100, 80, 50, 30} % the K neighbours are searched
among the patches of scales {r, r/2, r/4}; the scale maps are averaged (Eq. 3). Immediate
context (Sec. 3.3): the pixels above 0.8 of the maximum are the attended foci and
S(i) <- S(i) (1 - d_foci(i)), d_foci the normalised distance to the nearest focus (Eq. 5).
Patches are taken on a grid with stride 3 (at least 50 % overlap, Sec. 4) and the patch
scores interpolated to pixels. The high-level face prior (Sec. 3.4) is optional
(`faces=True`, Viola-Jones via OpenCV) and off by default: every view here is a face render.

Inherently heavier than the others: the K-nearest-neighbour search is quadratic in the number
of patches (~7k x 9k patch pairs at the finest scale); float32 BLAS distances, chunked.
"""
from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from bench.models.registry import register_model

from ._channels import box_map, haar_faces, rescale01, resize, to_float_rgb
from .base import SaliencyModel

SCALES = (1.0, 0.8, 0.5, 0.3)


def lab_image(image: np.ndarray, max_side: int = 250) -> np.ndarray:
    rgb = to_float_rgb(image)
    h, w = rgb.shape[:2]
    f = max_side / max(h, w)
    rgb = resize(rgb, (max(round(h * f), 8), max(round(w * f), 8)), "linear")
    lab = cv2.cvtColor(np.clip(rgb, 0, 1), cv2.COLOR_RGB2Lab)
    lo, hi = lab.reshape(-1, 3).min(0), lab.reshape(-1, 3).max(0)
    return ((lab - lo) / np.maximum(hi - lo, 1e-6)).astype(np.float32)


def grid_patches(img: np.ndarray, patch: int, stride: int):
    """Vectorised patches on a grid, their centres relative to the larger side, and the grid shape."""
    h, w = img.shape[:2]
    ys = np.arange(0, h - patch + 1, stride)
    xs = np.arange(0, w - patch + 1, stride)
    win = np.lib.stride_tricks.sliding_window_view(img, (patch, patch), axis=(0, 1))  # (h', w', 3, p, p)
    vecs = win[ys][:, xs].reshape(len(ys) * len(xs), -1)
    cy, cx = np.meshgrid(ys + patch / 2, xs + patch / 2, indexing="ij")
    pos = np.stack([cy.ravel(), cx.ravel()], 1) / max(h, w)
    return np.ascontiguousarray(vecs, dtype=np.float32), pos.astype(np.float32), (len(ys), len(xs))


def _knn_mean_distance(q, qpos, cands, cpos, self_index, k, c, chunk=512):
    """Mean of the k smallest d = d_color / (1 + c d_pos), d_color normalised by its maximum.

    The normalisation is one constant, so the k nearest are found on d_color / (1 + c d_pos)
    and divided by the largest d_color afterwards: one pass, one chunk of distances in memory.
    """
    cn = (cands ** 2).sum(1)
    pn = (cpos ** 2).sum(1)
    kk = min(k, len(cands) - 1)
    means, top = [], 0.0
    for a in range(0, len(q), chunk):
        qa, pa = q[a:a + chunk], qpos[a:a + chunk]
        dc = np.sqrt(np.maximum((qa ** 2).sum(1)[:, None] + cn[None, :] - 2.0 * qa @ cands.T, 0))
        dp = np.sqrt(np.maximum((pa ** 2).sum(1)[:, None] + pn[None, :] - 2.0 * pa @ cpos.T, 0))
        top = max(top, float(dc.max()))
        d = dc / (1.0 + c * dp)
        d[np.arange(len(qa)), self_index[a:a + chunk]] = np.inf  # a patch is not its own neighbour
        means.append(np.partition(d, kk - 1, axis=1)[:, :kk].mean(1))
    return np.concatenate(means) / max(top, 1e-12)


def scale_map(lab: np.ndarray, r: float, patch: int, stride: int, k: int, c: float) -> np.ndarray:
    """S^r at the resolution of the scale-r image (Eq. 2 with the {r, r/2, r/4} search)."""
    base_h, base_w = lab.shape[:2]
    imgs = [resize(lab, (max(round(base_h * s), patch), max(round(base_w * s), patch)), "linear")
            for s in (r, r / 2, r / 4)]
    grids = [grid_patches(im, patch, stride) for im in imgs if min(im.shape[:2]) >= patch]
    q, qpos, shape = grids[0]
    cands = np.concatenate([g[0] for g in grids])
    cpos = np.concatenate([g[1] for g in grids])
    dist = _knn_mean_distance(q, qpos, cands, cpos, np.arange(len(q)), k, c)
    sal = 1.0 - np.exp(-dist)
    h, w = imgs[0].shape[:2]
    inner = resize(sal.reshape(shape).astype(np.float32), (h - patch + 1, w - patch + 1), "linear")
    half = patch // 2
    return np.pad(inner, ((half, h - inner.shape[0] - half), (half, w - inner.shape[1] - half)), mode="edge")


def ca_saliency(image: np.ndarray, max_side: int = 250, patch: int = 7, stride: int = 3, k: int = 64,
                c: float = 3.0, scales=SCALES, foci_threshold: float = 0.8, faces: bool = False) -> np.ndarray:
    lab = lab_image(image, max_side)
    h, w = lab.shape[:2]
    mean = np.mean([resize(scale_map(lab, r, patch, stride, k, c), (h, w), "linear") for r in scales], axis=0)
    mean = rescale01(mean)
    foci = mean > foci_threshold
    if foci.any():
        d = ndimage.distance_transform_edt(~foci)
        mean = mean * (1.0 - d / max(float(d.max()), 1e-12))
    if faces:  # Sec. 3.4: detected faces join the map
        boxes = haar_faces(np.asarray(image), cascade="haarcascade_frontalface_default.xml")
        fmap = box_map(np.asarray(image).shape[:2], boxes)
        mean = np.maximum(mean, resize(fmap, (h, w), "area"))
    return mean.astype(np.float32)


@register_model("ca")
class ContextAware(SaliencyModel):

    def __init__(self, stride: int = 3, faces: bool = False, **config):
        super().__init__(stride=stride, faces=faces, **config)
        self.stride, self.faces = stride, faces

    def native_map(self, image: np.ndarray) -> np.ndarray:
        return ca_saliency(image, stride=self.stride, faces=self.faces)
