"""Coloured point surfaces: the stand-in's heads are built from parametric grid surfaces.

Every part of a head (skin, hair shell, eyeballs, glasses, neck, torso...) is a grid
surface P(u, v) sampled densely enough that neighbouring samples project less than a
pixel apart; each sample carries a normal, an albedo, a specular weight and a tag (the
index of the planted distortion that changed it, -1 for none). `render.py` splats them
with a z-buffer, which makes the grid a mesh rendered at sub-pixel resolution.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Points:
    """A flat set of surface samples (all arrays share the first dimension)."""

    pos: np.ndarray  # (N, 3) float32, head-centred world coordinates (x right, y up, z towards the frontal camera)
    nrm: np.ndarray  # (N, 3) float32 unit outward normals
    albedo: np.ndarray  # (N, 3) float32 in [0, 1]
    spec: np.ndarray  # (N,) float32 specular weight
    tag: np.ndarray  # (N,) int16 distortion index or -1
    two_sided: np.ndarray  # (N,) bool: thin parts (brims, ears of glasses) are seen from both sides

    def __len__(self) -> int:
        return len(self.pos)

    @staticmethod
    def concat(parts: list["Points"]) -> "Points":
        parts = [p for p in parts if p is not None and len(p)]
        return Points(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                        ("pos", "nrm", "albedo", "spec", "tag", "two_sided")))

    def select(self, keep: np.ndarray) -> "Points":
        return Points(self.pos[keep], self.nrm[keep], self.albedo[keep], self.spec[keep], self.tag[keep],
                      self.two_sided[keep])


def grid_points(pos: np.ndarray, albedo: np.ndarray, spec=0.1, tag=None, keep=None, two_sided=False,
                outward: np.ndarray | None = None) -> Points:
    """Flatten a (nu, nv, 3) grid surface; normals from the grid's tangents.

    `outward`: a (nu, nv, 3) or (3,) reference point the normals must point away from
    (defaults to the origin, right for surfaces around the head's centre).
    """
    du = np.gradient(pos, axis=0)
    dv = np.gradient(pos, axis=1)
    n = np.cross(du, dv)
    norm = np.linalg.norm(n, axis=-1, keepdims=True)
    n = n / np.maximum(norm, 1e-12)
    ref = pos - (0.0 if outward is None else outward)
    flip = np.sum(n * ref, axis=-1) < 0
    n[flip] *= -1
    shape = pos.shape[:2]
    spec = np.broadcast_to(np.asarray(spec, dtype=np.float32), shape)
    tag = np.full(shape, -1, np.int16) if tag is None else tag
    keep = np.ones(shape, bool) if keep is None else keep
    # samples whose tangents vanish (poles, degenerate grid rows) have no usable normal
    keep = keep & (norm[..., 0] > 1e-12)
    ts = np.broadcast_to(np.asarray(two_sided), shape)
    return Points(pos[keep].astype(np.float32), n[keep].astype(np.float32),
                  np.clip(albedo[keep], 0, 1).astype(np.float32), spec[keep].astype(np.float32),
                  tag[keep].astype(np.int16), ts[keep].copy())


def sphere_dirs(theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Unit directions for latitude `theta` (up +) and longitude `phi` (0 = front, + towards +x)."""
    c = np.cos(theta)
    return np.stack([c * np.sin(phi), np.sin(theta) * np.ones_like(phi), c * np.cos(phi)], axis=-1)


def angles_of(pos: np.ndarray, centre=(0.0, 0.0, 0.0)) -> tuple[np.ndarray, np.ndarray]:
    """(theta, phi) of points seen from `centre` (inverse of `sphere_dirs`)."""
    p = pos - np.asarray(centre)
    r = np.linalg.norm(p, axis=-1)
    theta = np.arcsin(np.clip(p[..., 1] / np.maximum(r, 1e-12), -1, 1))
    phi = np.arctan2(p[..., 0], p[..., 2])
    return theta, phi


def wrap(a: np.ndarray) -> np.ndarray:
    """Angle difference wrapped to [-pi, pi)."""
    return (a + np.pi) % (2 * np.pi) - np.pi


def bump(theta, phi, t0, p0, wt, wp) -> np.ndarray:
    """Angular Gaussian centred at (t0, p0) with widths (wt, wp) radians; longitude scaled by cos(latitude)."""
    dt = (theta - t0) / wt
    dp = wrap(phi - p0) * np.cos(theta) / wp
    return np.exp(-0.5 * (dt * dt + dp * dp))


def smoothstep(e0, e1, x) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def stripes(u: np.ndarray, v: np.ndarray, rng: np.random.Generator, freq: float, n: int = 5) -> np.ndarray:
    """Cheap band-limited texture in [-1, 1]: a sum of `n` random sinusoids mostly along `u`.

    Used for hair strands (u = longitude) and knit/cloth weave; deterministic given `rng`.
    """
    out = np.zeros(np.broadcast(u, v).shape)
    for _ in range(n):
        f = freq * rng.uniform(0.6, 1.6)
        out += np.sin(f * u + rng.uniform(-0.3, 0.3) * f * v + rng.uniform(0, 2 * np.pi))
    return out / np.sqrt(n / 2)


def value_noise(theta, phi, rng: np.random.Generator, cells: int = 12) -> np.ndarray:
    """Smooth random field on the sphere in about [-1, 1], from a bilinearly interpolated random lattice."""
    import cv2

    lat = rng.standard_normal((cells + 1, 2 * cells + 1)).astype(np.float32)
    lat[:, -1] = lat[:, 0]  # wrap in longitude
    ti = (np.asarray(theta) + np.pi / 2) / np.pi * cells
    pi = (wrap(np.asarray(phi)) + np.pi) / (2 * np.pi) * (2 * cells)
    return cv2.remap(lat, pi.astype(np.float32), ti.astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE).astype(np.float64)
