"""SMVJ: low-level saliency combined with face detection (Cerf, Harel, Einhaeuser & Koch, NIPS 2007) [3].

The saliency model of the paper is GBVS (Harel et al. 2006) on colour (C), intensity (I) and
orientation (O) channels; a fourth, face channel (Viola & Jones 2001) is added with the same
weight as each of the others:

    SMVJ = (w_face * F + (w_C + w_I + w_O) * S) / (w_face + w_C + w_I + w_O),   then / max,

with S the GBVS master map at image size (min-max normalised) and F the face conspicuity map, a
sum of one isotropic Gaussian exp(-|x - c|^2 / r^2) per detected face (c its box centre,
r = (w + h) / 4), divided by its maximum. Without a detection SMVJ is S.

As in the authors' SMVJ code (SMVJ_Main.m with GBVS channels 'CIO' and faceWeight 1, as set in the
copy of Gen3DHF co-author H. Duan's baseline_saliency_models): channel 'C' is GBVS's RGB opponency
|R-G| / max(R,G,B) and |B-min(R,G)| / max(R,G,B); faces come from OpenCV's Viola-Jones cascade
haarcascade_frontalface_alt2 on the histogram-equalised grey image (scale factor 1.1, 2 neighbours,
minimum 30x30 px). Here the detector is the same cascade file as shipped in OpenCV 4.x wheels
(cv2.data.haarcascades), not a re-trained one.

The default is what produced the paper's row: that collection's batch script (calTraSal.m) saved
`SMVJ_Main(...).master_map_resized`, the GBVS 'CIO' map *without* the face channel (SMVJ_Main
keeps the face-weighted map in `master_map_VJSM`), so `face_weight=0` is the default;
`face_weight=1` adds the face channel as the SMVJ paper does. Without faces the map is returned
on GBVS's native scale (the family's base class min-max scales it).
"""
from __future__ import annotations

import numpy as np

from bench.models.registry import register_model

from ._channels import haar_faces, rescale01, resize
from .base import SaliencyModel
from .gbvs import gbvs_saliency

FACE_CASCADE = "haarcascade_frontalface_alt2.xml"
MIN_FACE_PX = 30


def face_map(image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Sum of exp(-|x - c|^2 / r^2) over the face boxes (c: centre, r = (w + h) / 4), max-normalised."""
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.zeros((h, w))
    for x, y, bw, bh in np.asarray(boxes, dtype=np.float64).reshape(-1, 4):
        r = max(round((bw + bh) / 4), 1)
        out += np.exp(-((xx - (x + bw / 2)) ** 2 + (yy - (y + bh / 2)) ** 2) / r**2)
    return out / out.max() if out.max() > 0 else out


def detect_faces(image: np.ndarray, min_face: int = MIN_FACE_PX) -> np.ndarray:
    side = min(image.shape[:2])
    if side < min_face:
        return np.zeros((0, 4), int)
    # haar_faces takes the minimum size as a fraction of the short side; +0.5 guards the int() rounding
    return haar_faces(image, FACE_CASCADE, scale_factor=1.1, min_neighbors=2, min_size_frac=(min_face + 0.5) / side)


def smvj_saliency(image: np.ndarray, face_weight: float = 0.0, channel_weight: float = 3.0) -> np.ndarray:
    h, w = image.shape[:2]
    master = resize(gbvs_saliency(image, channels="CIO"), (h, w), "cubic")
    boxes = detect_faces(image) if face_weight > 0 else np.zeros((0, 4))
    if len(boxes) == 0:
        return master
    sal = rescale01(master)
    combined = (face_weight * face_map(image, boxes) + channel_weight * sal) / (face_weight + channel_weight)
    combined = np.maximum(combined / combined.max(), 0)
    return combined.astype(np.float32)


@register_model("smvj")
class SMVJ(SaliencyModel):

    def __init__(self, face_weight: float = 0.0, **config):
        super().__init__(face_weight=face_weight, **config)
        self.face_weight = face_weight

    def native_map(self, image: np.ndarray) -> np.ndarray:
        return smvj_saliency(image, self.face_weight)
