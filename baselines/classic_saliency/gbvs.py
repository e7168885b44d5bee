"""GBVS [18]: Harel, Koch & Perona (2006), "Graph-based visual saliency", NIPS 19.

Feature maps (DKL colour + intensity + 4 Gabor orientations, at pyramid levels 2, 3, 4 and
resized to a map of at most `max_side` = 32 nodes a side) are *activated* by the equilibrium
distribution of a Markov chain on the fully connected grid whose edge i->j weighs
|M(i) - M(j)| * exp(-d(i,j)^2 / (2 sigma^2)), sigma = 0.15 x map size (Sec. 2.3); activation
maps are *normalised* (Sec. 2.4), summed per channel, the channels summed, borders
attenuated and blurred (std 0.02 x map size); the authors' min-max scaling (before and after
the blur: one affine map, since the blur keeps constants) is left to the family's base class, so
`gbvs_saliency` returns the master map in equilibrium-mass units.

Defaults follow the authors' released code (makeGBVSParams): channels 'DIO' (`channels`; SMVJ uses
'CIO', 'C' being their RGB-opponency colour channel), levels [2 3 4],
sigma_frac_act 0.15, normalisation by raising to the power 1.5 (their default 'type 1'; the
paper's graph normalisation with sigma_frac_norm 0.06 is `normalization="graph"`), intensity = max(R, G, B), Gabor period pi / std 2 / elongation 2
with 13-px border attenuation, final blur 0.02. The paper's dissimilarity is |log(M_i/M_j)|;
the code uses |M_i - M_j|: `dissimilarity="difference"` (default) or `"log"`.
DKL uses the standard sRGB decoding instead of the authors' measured monitor table.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import ndimage

from bench.models.registry import register_model

from ._channels import (attenuate_borders, gaussian_pyramid, orientation_energy, rescale01, resize,
                        rgb_to_dkl, to_float_rgb)
from .base import SaliencyModel

ANGLES = (0, 45, 90, 135)
# GBVS channel letters (the authors' params.channels) -> the name of their maps
CHANNELS = {"C": "colour", "D": "dkl", "I": "intensity", "O": "orientation"}


def map_size(h: int, w: int, max_side: int = 32) -> tuple:
    scale = max_side / max(h, w)
    return max(int(round(h * scale)), 2), max(int(round(w * scale)), 2)


def rgb_opponency(rgb: np.ndarray) -> list[np.ndarray]:
    """Channel 'C' of one level: |B - min(R,G)| / max(R,G,B) and |R - G| / max(R,G,B) (0 where black)."""
    r, g, b = (rgb[..., k] for k in range(3))
    mx = np.maximum(np.maximum(r, g), b)
    safe = np.where(mx > 0, mx, 1.0)
    return [np.where(mx > 0, opp / safe, 0.0) for opp in (np.abs(b - np.minimum(r, g)), np.abs(r - g))]


def gbvs_feature_maps(image: np.ndarray, levels=(2, 3, 4), angles=ANGLES, max_side: int = 32,
                      channels: str = "DIO") -> dict:
    """{'dkl': [...], 'intensity': [...], 'orientation': [...]} for the default channels "DIO": raw
    maps at the graph's size, channels in the order of their letters ('C' gives 'colour').

    Level k is 2**-k of the input (the authors' level 1 is already half size).
    """
    if not channels or set(channels) - set(CHANNELS):
        raise ValueError(f"GBVS channels are letters of {''.join(CHANNELS)}, got {channels!r}")
    rgb = to_float_rgb(image)
    size = map_size(*rgb.shape[:2], max_side=max_side)
    pyr_rgb = gaussian_pyramid(rgb, max(levels))
    pyr_int = gaussian_pyramid(rgb.max(axis=2), max(levels))
    out = {CHANNELS[c]: [] for c in channels}
    for lev in levels:
        if "C" in channels:
            out["colour"] += [resize(m, size, "cubic") for m in rgb_opponency(pyr_rgb[lev])]
        if "D" in channels:
            dkl = rgb_to_dkl(np.clip(pyr_rgb[lev], 0, 1))
            out["dkl"] += [resize(dkl[..., k], size, "cubic") for k in range(3)]
        if "I" in channels:
            out["intensity"].append(resize(pyr_int[lev], size, "cubic"))
        if "O" in channels:
            out["orientation"] += [resize(attenuate_borders(orientation_energy(pyr_int[lev], a), 13), size, "cubic")
                                   for a in angles]
    return out


@lru_cache(maxsize=16)
def _spatial_weights(h: int, w: int, sigma: float) -> np.ndarray:
    """exp(-d^2 / 2 sigma^2) between every pair of grid nodes (non-cyclic distances)."""
    yy, xx = np.indices((h, w)).reshape(2, -1).astype(np.float64)
    d2 = (yy[:, None] - yy[None, :]) ** 2 + (xx[:, None] - xx[None, :]) ** 2
    return np.exp(-d2 / (2 * sigma ** 2))


def markov_equilibrium(values: np.ndarray, weights: np.ndarray, kind: str) -> np.ndarray:
    """Stationary distribution of the chain whose edge c->r weighs weights[r, c] * a(r, c).

    Exact, not iterated: for the symmetric activation edges (a = |M_r - M_c| or
    |log M_r - log M_c|) the column-normalised chain is a random walk on an undirected graph,
    whose equilibrium is proportional to the node degrees; for the normalisation edges
    (a = M_r, mass flowing towards high values) it is proportional to M_c * (W M)_c. The
    authors' code reaches the same vector by power iteration (to a tolerance of 1e-4).
    """
    v = values.ravel().astype(np.float64)
    if kind in ("difference", "log"):
        f = v if kind == "difference" else np.log(v + 1e-12)
        pi = (weights * np.abs(f[:, None] - f[None, :])).sum(axis=0)
    elif kind == "mass":
        pi = v * (weights @ v)
    else:
        raise ValueError(f"unknown edge type {kind!r}")
    total = pi.sum()
    if not total > 0:  # a flat map: no edge carries weight, every node is equally likely
        return np.full(values.shape, 1.0 / v.size)
    return (pi / total).reshape(values.shape)


def graph_activation(fmap: np.ndarray, sigma_frac: float = 0.15, kind: str = "difference") -> np.ndarray:
    a = rescale01(fmap)
    if a.max() <= 0:
        a = a + 1e-12
    sigma = sigma_frac * float(np.mean(a.shape))
    return markov_equilibrium(a, _spatial_weights(*a.shape, sigma), kind)


def gbvs_saliency(image: np.ndarray, max_side: int = 32, levels=(2, 3, 4), sigma_frac_act: float = 0.15,
                  sigma_frac_norm: float = 0.06, normalization: str = "power", dissimilarity: str = "difference",
                  blur_frac: float = 0.02, channels: str = "DIO") -> np.ndarray:
    """GBVS master map at the graph's resolution, unscaled; `channels` as the authors' letters (weights 1)."""
    master = 0.0
    for maps in gbvs_feature_maps(image, levels=levels, max_side=max_side, channels=channels).values():
        total = 0.0
        for fmap in maps:
            act = graph_activation(fmap, sigma_frac_act, dissimilarity)
            if normalization == "power":
                total = total + act ** 1.5
            elif normalization == "graph":
                total = total + graph_activation(act, sigma_frac_norm, "mass")
            else:
                raise ValueError(f"normalization must be 'power' or 'graph', got {normalization!r}")
        master = master + total
    master = attenuate_borders(master, 4)
    if blur_frac > 0:
        std = max(master.shape) * blur_frac
        radius = int(round(std * 2))
        if radius > 0:
            master = ndimage.gaussian_filter(master, std, mode="nearest", truncate=radius / std)
    return np.asarray(master, np.float32)


@register_model("gbvs")
class GBVS(SaliencyModel):

    def __init__(self, normalization: str = "power", dissimilarity: str = "difference", max_side: int = 32,
                 **config):
        super().__init__(normalization=normalization, dissimilarity=dissimilarity, max_side=max_side, **config)
        self.normalization, self.dissimilarity, self.max_side = normalization, dissimilarity, max_side

    def native_map(self, image: np.ndarray) -> np.ndarray:
        return gbvs_saliency(image, max_side=self.max_side, normalization=self.normalization,
                             dissimilarity=self.dissimilarity)
