"""Render a head scene on the paper's camera path: a uniform 180-degree orbit, frontal view in the middle.

Point splatting with a z-buffer (numpy): every surface sample is rotated into the camera's
frame, back-facing samples are culled, the rest are projected with a pinhole camera and
written as 2x2-pixel splats; the nearest sample wins each pixel. Shading is Lambert
(a key and a fill light fixed to the camera, as on a turntable) plus Blinn-Phong highlights.
Alongside the RGB frame the renderer returns the depth and the tag buffer (which planted
distortion each pixel shows), used for the subjects' visibility and the annotators' dots.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.synth.distortions import view_weight
from bench.synth.head import Scene

BACKGROUND = np.array([0.93, 0.93, 0.93], dtype=np.float32)
KEY = np.array([-0.45, 0.5, 0.74])
KEY /= np.linalg.norm(KEY)
FILL = np.array([0.7, 0.05, 0.45])
FILL /= np.linalg.norm(FILL)
HALF = KEY + np.array([0.0, 0.0, 1.0])
HALF /= np.linalg.norm(HALF)


@dataclass(frozen=True)
class Camera:
    size: int  # square frames, pixels
    distance: float = 8.0  # orbit radius, world units (the head is about 2 units tall)
    half_height: float = 1.45  # half the visible height at the head's centre
    y_centre: float = -0.22  # world height at the image centre (head plus a little of the shoulders)

    @property
    def focal(self) -> float:
        return (self.size / 2) * self.distance / self.half_height

    @property
    def pixel(self) -> float:
        """World size of one pixel at the head's centre."""
        return 2 * self.half_height / self.size

    @property
    def spacing(self) -> float:
        """Surface sampling the head needs: 2x2 splats close up while samples land < 2 px apart;
        1.35 px leaves room for surfaces stretched by steep relief (nose, ears); `fill_pinholes` does the rest."""
        return 1.35 * self.pixel


def orbit_yaws(n_frames: int) -> np.ndarray:
    """Camera yaw (degrees) of each frame: uniform from -90 to +90, frontal (0) in the middle."""
    if n_frames == 1:
        return np.zeros(1)
    return np.linspace(-90.0, 90.0, n_frames)


THREE_VIEW_YAWS = (-45.0, 0.0, 45.0)


def prepare(scene: Scene) -> Scene:
    """Sort samples by the azimuth of their normal, once per scene.

    The camera only turns about the vertical axis, so a sample whose normal is mostly
    horizontal can face it only when the normal's azimuth is within about 120 degrees of the
    camera's (90, plus room for the perspective and for the normal's vertical part): each frame
    then transforms one contiguous slice. Steep normals and two-sided samples are always candidates.
    """
    pts = scene.points
    az = np.degrees(np.arctan2(pts.nrm[:, 0], pts.nrm[:, 2]))
    steep = (np.hypot(pts.nrm[:, 0], pts.nrm[:, 2]) < STEEP) | pts.two_sided
    az[steep] = 1000.0  # sorted last, outside every window
    order = np.argsort(az, kind="stable")
    scene.points = pts.select(order)
    scene.azimuth = az[order]
    scene.two_sided_idx = np.flatnonzero(scene.azimuth >= 999.0)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    for eff in scene.view_effects:
        new = inverse[eff.idx]
        o = np.argsort(new)
        eff.idx, eff.delta = new[o], eff.delta[o]
    return scene


STEEP = 0.7  # normals with a horizontal part below this are candidates from every view
WINDOW = 122.0


def _candidates(scene: Scene, yaw_deg: float) -> np.ndarray:
    """Indices of the samples that may face a camera at `yaw_deg`, ascending."""
    az = scene.azimuth
    ranges = []
    for shift in (-360.0, 0.0, 360.0):
        lo, hi = yaw_deg - WINDOW + shift, yaw_deg + WINDOW + shift
        a, b = np.searchsorted(az, [max(lo, -180.0), min(hi, 180.0 + 1e-6)])
        if b > a:
            ranges.append(np.arange(a, b))
    ranges.sort(key=lambda r: r[0])  # disjoint windows: ascending once ordered by their start
    ranges.append(scene.two_sided_idx)  # stored after every azimuth, so the result stays ascending
    return np.concatenate(ranges)


def render_frame(scene: Scene, cam: Camera, yaw_deg: float, style=None):
    """One view. Returns (rgb uint8 (S,S,3), tag int16 (S,S) with -1 where no distortion shows, depth float32)."""
    if getattr(scene, "azimuth", None) is None:
        prepare(scene)
    pts = scene.points
    S = cam.size
    a = np.radians(yaw_deg)
    c, s = np.float32(np.cos(a)), np.float32(np.sin(a))
    cand = _candidates(scene, yaw_deg)
    P = pts.pos[cand]
    N = pts.nrm[cand]
    x, y, z = P[:, 0], P[:, 1], P[:, 2]
    xc = x * c - z * s
    depth = np.float32(cam.distance) - (x * s + z * c)
    nx = N[:, 0] * c - N[:, 2] * s
    nz = N[:, 0] * s + N[:, 2] * c
    ny = N[:, 1]
    facing = nx * (-xc) + ny * (np.float32(cam.y_centre) - y) + nz * depth  # n . (camera - p)
    keep = np.flatnonzero((facing > 0) | pts.two_sided[cand])
    f = np.float32(cam.focal) / depth[keep]
    iu = np.floor(S / 2 - 0.5 + xc[keep] * f).astype(np.int32)
    iv = np.floor(S / 2 - 0.5 - (y[keep] - np.float32(cam.y_centre)) * f).astype(np.int32)
    inside = (iu >= 0) & (iu < S - 1) & (iv >= 0) & (iv < S - 1)
    keep = keep[inside]
    base = iv[inside] * S + iu[inside]
    # 2x2 splats: every sample covers its pixel and the right, lower and diagonal neighbours
    pix = np.concatenate([base, base + 1, base + S, base + S + 1])
    d = np.tile(depth[keep], 4)
    sid = np.tile(keep, 4)
    zbuf = np.full(S * S, np.inf, np.float32)
    np.minimum.at(zbuf, pix, d)
    win = d <= zbuf[pix]
    owner = np.full(S * S, -1, np.int64)
    owner[pix[win]] = sid[win]
    covered = np.flatnonzero(owner >= 0)
    j = owner[covered]  # index into the candidate arrays
    k = cand[j]  # index into the scene's samples
    # shading, only for the samples that won a pixel
    n = np.stack([nx[j], ny[j], nz[j]], 1)
    flip = (facing[j] < 0)
    n[flip] *= -1
    albedo = pts.albedo[k].copy()
    for eff in scene.view_effects:
        w = float(view_weight(eff.profile, yaw_deg, eff.phase))
        if w > 0 and len(eff.idx):
            pos_in = np.clip(np.searchsorted(eff.idx, k), 0, len(eff.idx) - 1)
            hit = eff.idx[pos_in] == k
            albedo[hit] += w * eff.delta[pos_in[hit]]
    albedo = np.clip(albedo, 0, 1)
    lam = 0.32 + 0.62 * np.clip(n @ KEY, 0, None) + 0.22 * np.clip(n @ FILL, 0, None)
    spec = pts.spec[k] * np.clip(n @ HALF, 0, None) ** 30
    rgb = albedo * lam[:, None] + (0.55 * spec)[:, None]
    img = np.empty((S * S, 3), np.float32)
    img[:] = BACKGROUND
    img[covered] = rgb
    img = img.reshape(S, S, 3)
    tag = np.full(S * S, -1, np.int16)
    tag[covered] = pts.tag[k]
    tag = tag.reshape(S, S)
    zimg = zbuf.reshape(S, S)
    fill_pinholes(img, tag, zimg)
    img = apply_image_effects(img, tag, scene, yaw_deg, cam)
    if style is not None:
        img = style.apply(img, zimg < np.inf, yaw_deg, cam)
    out = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
    return out, tag, zimg


def fill_pinholes(img: np.ndarray, tag: np.ndarray, depth: np.ndarray) -> None:
    """In place: an empty pixel whose four neighbours are all surface is a gap between splats, not background."""
    fg = np.isfinite(depth)
    inner = np.zeros_like(fg)
    inner[1:-1, 1:-1] = (~fg[1:-1, 1:-1] & fg[:-2, 1:-1] & fg[2:, 1:-1] & fg[1:-1, :-2] & fg[1:-1, 2:])
    ys, xs = np.nonzero(inner)
    if not len(ys):
        return
    img[ys, xs] = (img[ys - 1, xs] + img[ys + 1, xs] + img[ys, xs - 1] + img[ys, xs + 1]) / 4
    tag[ys, xs] = tag[ys, xs - 1]
    depth[ys, xs] = np.minimum(np.minimum(depth[ys - 1, xs], depth[ys + 1, xs]),
                               np.minimum(depth[ys, xs - 1], depth[ys, xs + 1]))


def apply_image_effects(img: np.ndarray, tag: np.ndarray, scene: Scene, yaw_deg: float, cam: Camera) -> np.ndarray:
    """Blur, grain and exposure distortions, inside their tagged region, with their view profile."""
    import cv2

    if not scene.image_effects:
        return img
    scale = cam.size / 256.0
    for d in scene.image_effects:
        mask = (tag == d.index).astype(np.float32)
        if not mask.any():
            continue
        w = float(view_weight(d.profile, yaw_deg, d.params.get("phase", 0.0))) * d.severity
        soft = cv2.GaussianBlur(mask, (0, 0), 2.0 * scale)[..., None]
        if d.variant == "blur":
            blurred = cv2.GaussianBlur(img, (0, 0), (0.8 + 4.5 * w) * scale)
            img = img * (1 - soft) + blurred * soft
        elif d.variant == "grain":
            # deterministic per frame: the grain pattern flickers with the view, as generator noise does
            rng = np.random.default_rng([d.index, int(round((yaw_deg + 360) * 1000))])
            noise = rng.standard_normal(img.shape[:2]).astype(np.float32)
            noise = cv2.GaussianBlur(noise, (0, 0), 0.6 * scale)[..., None]
            img = img + soft * noise * 0.32 * w
        elif d.variant == "exposure":
            gain = 1 + 0.9 * w if d.params.get("sign", 1) > 0 else 1 - 0.6 * w
            img = img * (1 - soft) + np.clip(img * gain + (0.08 * w if gain > 1 else 0), 0, 1) * soft
    return img
