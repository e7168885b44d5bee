"""IT [27]: Itti, Koch & Niebur (1998), "A model of saliency-based visual attention for rapid
scene analysis", IEEE TPAMI 20(11).

Two variants (`variant=`):

- ``"saliency_toolbox"`` (default): what produced the paper's IT row. calTraSal.m computes it with
  Walther & Koch's SaliencyToolbox (`makeSaliencyMap` with `defaultSaliencyParams`), whose
  normalisation is the *iterative* one of Itti & Koch (2000) and gives much sparser maps than the
  1998 paper's N(.); written out in `_saliency_toolbox.py`. The map is resized to the image
  (MATLAB bicubic) and clipped to [0, 1], as calTraSal.m's imresize + imwrite do.
- ``"itti1998"``: the 1998 paper's own form, below.

The 1998 form: nine-level dyadic Gaussian pyramids (Sec. 2); intensity, red/green and blue/yellow opponency
and four Gabor orientations; centre-surround differences at centres c in {2, 3, 4} and
surrounds s = c + d, d in {3, 4} (42 feature maps, Eqs. 1-4); each normalised by N(.),
added across scales at level 4 into three conspicuity maps (Eqs. 5-7) and averaged into the
saliency map (Eq. 8). The map is the model's native output at pyramid level 4 (1/16 of the
input); the base class resizes it. No final blur (none in the paper).

Details the paper leaves open, chosen here: the colour double-opponency is |RG(c) - RG(s)|
(the usual reading of Eq. 3); orientation is the even+odd Gabor energy of each intensity
level (`_channels.gabor_pair`); N(.) uses 4-neighbour local maxima above a tenth of the
maximum.
"""
from __future__ import annotations

import numpy as np

from bench.models.registry import register_model

from ._channels import (center_surround, gaussian_pyramid, itti_normalize, itti_opponents,
                        orientation_energy, resize, to_float_rgb)
from ._matlab_filters import imresize
from ._saliency_toolbox import toolbox_saliency
from .base import SaliencyModel

VARIANTS = ("saliency_toolbox", "itti1998")

ANGLES = (0, 45, 90, 135)


def _across_scale_sum(maps, shape):
    """Itti's point-by-point addition at the output scale (Eq. 5-7, the circled plus)."""
    out = np.zeros(shape, np.float32)
    for m in maps:
        out += resize(m, shape, "area" if m.shape[0] > shape[0] else "linear")
    return out


def itti_conspicuity(image: np.ndarray, centres=(2, 3, 4), deltas=(3, 4), out_level: int = 4,
                     angles=ANGLES) -> dict:
    """The three conspicuity maps {'intensity', 'color', 'orientation'} at pyramid level `out_level`."""
    rgb = to_float_rgb(image)
    intensity, red, green, blue, yellow = itti_opponents(rgb)
    top = max(centres) + max(deltas)
    pyr_i = gaussian_pyramid(intensity, top)
    pyr_rg = gaussian_pyramid(red - green, top)
    pyr_by = gaussian_pyramid(blue - yellow, top)
    needed = sorted({c for c in centres} | {c + d for c in centres for d in deltas})
    pyr_o = {a: {k: orientation_energy(pyr_i[k], a) for k in needed} for a in angles}
    shape = pyr_i[out_level].shape
    pairs = [(c, c + d) for c in centres for d in deltas]

    i_bar = _across_scale_sum([itti_normalize(center_surround(pyr_i[c], pyr_i[s])) for c, s in pairs], shape)
    c_bar = _across_scale_sum([itti_normalize(center_surround(pyr_rg[c], pyr_rg[s]))
                               + itti_normalize(center_surround(pyr_by[c], pyr_by[s])) for c, s in pairs], shape)
    o_bar = np.zeros(shape, np.float32)
    for a in angles:
        per_angle = _across_scale_sum(
            [itti_normalize(center_surround(pyr_o[a][c], pyr_o[a][s])) for c, s in pairs], shape)
        o_bar += itti_normalize(per_angle)
    return {"intensity": i_bar, "color": c_bar, "orientation": o_bar}


def itti_saliency(image: np.ndarray, **kwargs) -> np.ndarray:
    """S = (N(I) + N(C) + N(O)) / 3 (Eq. 8), at pyramid level 4."""
    cm = itti_conspicuity(image, **kwargs)
    return (itti_normalize(cm["intensity"]) + itti_normalize(cm["color"])
            + itti_normalize(cm["orientation"])) / 3.0


@register_model("it", variant="saliency_toolbox")
class IttiKoch(SaliencyModel):

    def __init__(self, variant: str = "saliency_toolbox", **config):
        if variant not in VARIANTS:
            raise ValueError(f"IT variant must be one of {VARIANTS}, got {variant!r}")
        super().__init__(variant=variant, **config)
        self.variant = variant

    def native_map(self, image: np.ndarray) -> np.ndarray:
        if self.variant == "itti1998":
            return itti_saliency(image)  # pyramid level 4; the base class resizes it
        return np.clip(imresize(toolbox_saliency(image), size=np.shape(image)[:2]), 0, 1)
