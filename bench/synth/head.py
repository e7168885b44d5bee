"""A textured 3D head as coloured surface samples, with the planted distortions applied.

The skin is a star-shaped surface r(theta, phi) around the head's centre: a tapered
ellipsoid (skull and jaw) plus angular bumps and dents for the brow ridge, eye sockets,
nose, cheekbones, lips, chin and ears. Eyeballs, the hair shell, neck, torso, glasses,
hat and earrings are separate grid surfaces. Sampling density follows the render size
(`spacing` = world units between samples), so the renderer's splats close up.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bench.synth.distortions import Distortion, region_weight
from bench.synth.identity import EARS_COVERED, EYE_COLOURS, FRAME_COLOURS, HAIR_COLOURS, Identity
from bench.synth.surface import (Points, angles_of, bump, grid_points, smoothstep, sphere_dirs, stripes,
                                 value_noise, wrap)

NECK_Z = -0.12
# variants tagged over their whole angular patch after assembly, with the weight threshold
REGION_TAGGED = {"skull_flat": 0.15, "skull_cone": 0.3, "hair_hole": 0.45, "blur": 0.3, "grain": 0.3,
                 "exposure": 0.3}


@dataclass
class ViewEffect:
    """Albedo change that shows with strength `view_weight(profile, yaw)` on samples `idx`."""

    index: int
    idx: np.ndarray
    delta: np.ndarray
    profile: str
    phase: float = 0.0


@dataclass
class Scene:
    points: Points
    view_effects: list = field(default_factory=list)
    image_effects: list = field(default_factory=list)  # Distortion objects applied in image space
    azimuth: np.ndarray = None  # set by render.prepare: samples sorted by normal azimuth
    two_sided_idx: np.ndarray = None


@dataclass
class Layout:
    """Latitudes/longitudes of the facial landmarks of one identity."""

    eye_t: float
    eye_p: float
    nose_top: float
    nose_tip: float
    mouth_t: float
    chin_t: float
    ear_p: float = 1.62

    @staticmethod
    def of(p: Identity) -> "Layout":
        tip = p.eye_height - 0.27 * p.nose_length
        mouth = p.eye_height - 0.42 * p.nose_length - 0.02
        return Layout(p.eye_height, p.eye_spacing, p.eye_height + 0.03, tip, mouth, mouth - 0.25)


def _tagged(tag: np.ndarray, w: np.ndarray, index: int, threshold: float = 0.25) -> None:
    tag[w > threshold] = index


def _dists(ds, *variants):
    return [d for d in ds if d.variant in variants]


# ----------------------------------------------------------------------------------------------- skin
def skin_radius(p: Identity, L: Layout, th, ph, ds, tag=None, smooth_only=False, ears=True):
    """Radius of the skin surface along (th, ph); distortions of the geometry applied and tagged."""
    d = sphere_dirs(th, ph)
    below = smoothstep(0.0, 1.0, -d[..., 1] * 1.2)
    rx = p.rx * (1 - p.jaw_taper * below)
    rz = p.rz * (1 - 0.22 * below * smoothstep(-0.2, 0.6, -d[..., 2]))  # jaw recedes towards the neck
    ry = p.ry * (1 - 0.05 * below)
    r = 1.0 / np.sqrt((d[..., 0] / rx) ** 2 + (d[..., 1] / ry) ** 2 + (d[..., 2] / rz) ** 2)
    r += 0.045 * bump(th, ph, 0.2, np.pi, 0.5, 0.6) + p.forehead * bump(th, ph, 0.45, 0, 0.22, 0.5)
    ear = np.zeros_like(r)
    flat = (0.3 if p.hair_style in EARS_COVERED else 1.0) * ears  # ears under long hair are not modelled in full
    for s in (-1, 1):
        # super-Gaussian flap: flat top, steep rim, a dent for the concha
        q = ((th - 0.02) / (0.19 * p.ear_size)) ** 2 + (wrap(ph - s * L.ear_p) / (0.11 * p.ear_size)) ** 2
        ear += flat * (0.10 + 0.08 * p.ear_out) * np.exp(-q ** 2.0)
        ear -= flat * 0.05 * bump(th, ph, 0.0, s * (L.ear_p + 0.02), 0.07, 0.035)
    for dd in _dists(ds, "ear_melt"):
        w = region_weight(th, ph, dd)
        grow = 1 + 1.2 * dd.severity * w
        noise = 1 + 0.8 * dd.severity * w * np.sin(40 * th + 9 * ph) * np.sin(23 * ph)
        ear = np.where(w > 0.05, ear * grow * noise, ear)
        if tag is not None:
            _tagged(tag, w * (ear > 0.02), dd.index)
    r += ear
    if smooth_only:
        return r
    # face relief
    r += p.brow * (bump(th, ph, L.eye_t + 0.1, 0.33, 0.05, 0.16) + bump(th, ph, L.eye_t + 0.1, -0.33, 0.05, 0.16))
    r += (0.03 + p.cheek) * (bump(th, ph, L.eye_t - 0.15, 0.6, 0.1, 0.13) + bump(th, ph, L.eye_t - 0.15, -0.6, 0.1, 0.13))
    r += (0.02 + p.chin) * bump(th, ph, L.chin_t, 0, 0.08, 0.16)
    for s in (-1, 1):
        socket_t, socket_p, depth = L.eye_t, s * L.eye_p, 0.085
        for dd in _dists(ds, "socket_warp"):
            if dd.side == s:
                socket_t += 0.04 * dd.severity * dd.params.get("dy", 1)
                depth *= 1 + 1.3 * dd.severity
                if tag is not None:
                    _tagged(tag, bump(th, ph, socket_t, socket_p, 0.09, 0.17), dd.index)
        r -= depth * bump(th, ph, socket_t, socket_p, 0.062, 0.13)
    # nose: a ridge from the bridge to the tip, widening towards the nostrils, cut under the tip
    nose_p = np.zeros_like(ph)
    for dd in _dists(ds, "nose_bend"):
        # the lower nose slides sideways and twists
        k = smoothstep(L.nose_top, L.nose_tip, th)
        nose_p = nose_p + dd.side * 0.17 * dd.severity * k
        if tag is not None:
            _tagged(tag, bump(th, ph, (L.nose_top + L.nose_tip) / 2 - 0.03, 0, 0.12, 0.14), dd.index)
    along = np.clip((L.nose_top - th) / (L.nose_top - L.nose_tip), 0, None)
    height = p.nose_tip * np.where(along <= 1, 0.18 + 0.82 * along ** 1.3, np.exp(-((along - 1) / 0.14) ** 2))
    width = (0.045 + 0.05 * np.clip(along, 0, 1) ** 2) * p.nose_width
    r += height * np.exp(-0.5 * (wrap(ph - nose_p) / width) ** 2) * (th < L.nose_top + 0.05)
    for s in (-1, 1):
        r += 0.035 * p.nose_width * bump(th, ph, L.nose_tip - 0.02, s * 0.085 * p.nose_width + nose_p, 0.03, 0.04)
    # lips: two rolls and a groove
    mw = 0.2 * p.mouth_width
    mouth_t = L.mouth_t + np.zeros_like(th)
    for dd in _dists(ds, "lip_warp"):
        w = bump(th, ph, L.mouth_t, dd.phi, 0.1, 0.3)
        mouth_t = mouth_t + 0.045 * dd.severity * w * np.sin(dd.params["waves"] * ph / mw * 1.5 + dd.params["phase"])
        if tag is not None:
            _tagged(tag, bump(th, ph, L.mouth_t, 0, 0.07, mw * 1.1), dd.index)
    for dd in _dists(ds, "mouth_droop"):
        k = np.clip(dd.side * ph / mw, 0, 1.3)
        mouth_t = mouth_t - 0.1 * dd.severity * k ** 2 * (np.abs(th - L.mouth_t) < 0.15)
        if tag is not None:
            _tagged(tag, bump(th, ph, L.mouth_t - 0.02, dd.side * mw * 0.8, 0.07, mw * 0.6), dd.index)
    across = np.exp(-(np.abs(ph) / mw) ** 6)
    r += 0.028 * p.lip_full * across * (np.exp(-0.5 * ((th - mouth_t - 0.025) / 0.022) ** 2)
                                        + 1.2 * np.exp(-0.5 * ((th - mouth_t + 0.035) / 0.026) ** 2))
    r -= 0.012 * across * np.exp(-0.5 * ((th - mouth_t) / 0.008) ** 2)
    # geometric head-structure and facial-feature distortions
    for dd in ds:
        if dd.variant == "cheek_lump":
            w = region_weight(th, ph, dd)
            r += dd.params.get("sign", 1) * 0.14 * dd.severity * w
        elif dd.variant == "forehead_crease":
            w = region_weight(th, ph, dd)
            r -= 0.07 * dd.severity * w * (1 + np.sin(30 * th))
        elif dd.variant == "skull_flat":
            w = region_weight(th, ph, dd)
            r *= 1 - 0.3 * dd.severity * w
        elif dd.variant == "skull_cone":
            w = smoothstep(0.4, 1.3, th) * bump(th, ph, 1.0, dd.phi, 0.5, 0.9)
            r *= 1 + 0.45 * dd.severity * w
        elif dd.variant == "jaw_shift":
            w = smoothstep(L.mouth_t + 0.1, L.chin_t - 0.1, th) * bump(th, ph, dd.theta, dd.phi, 0.4, 0.7)
            r *= 1 + 0.35 * dd.severity * w
        else:
            continue
        if tag is not None:
            _tagged(tag, w, dd.index)
    return r


def skin_albedo(p: Identity, L: Layout, th, ph, rng, ds, tag) -> np.ndarray:
    skin = np.array(p.skin_rgb)
    base = np.broadcast_to(skin, th.shape + (3,)).copy()
    base *= 1 + 0.04 * value_noise(th, ph, rng, 24)[..., None]
    blush = bump(th, ph, L.eye_t - 0.17, 0.55, 0.1, 0.16) + bump(th, ph, L.eye_t - 0.17, -0.55, 0.1, 0.16)
    base = base * (1 - 0.06 * blush[..., None]) + 0.06 * blush[..., None] * np.array([0.85, 0.45, 0.42])
    # lips
    mw = 0.2 * p.mouth_width
    lip_w = np.exp(-(np.abs(ph) / mw) ** 6) * np.exp(-0.5 * ((th - L.mouth_t + 0.005) / 0.035) ** 4)
    lip_col = skin * np.array([0.92, 0.68, 0.70]) + np.array([0.06, 0.0, 0.02])
    base = base * (1 - lip_w[..., None]) + lip_w[..., None] * lip_col
    line = np.exp(-(np.abs(ph) / (mw * 1.05)) ** 6) * np.exp(-0.5 * ((th - L.mouth_t) / 0.006) ** 2)
    base *= 1 - 0.65 * line[..., None]
    # eye region slightly darker, eyebrows in the hair colour
    hair = np.array(HAIR_COLOURS[p.hair_colour])
    brow_col = hair if p.hair_colour not in ("platinum", "white", "blond") else hair * 0.6
    for s in (-1, 1):
        base *= 1 - 0.12 * bump(th, ph, L.eye_t, s * L.eye_p, 0.06, 0.15)[..., None]
        lash = np.exp(-0.5 * ((th - L.eye_t - 0.045 + 0.25 * (s * ph - L.eye_p) ** 2) / 0.008) ** 2)
        lash *= np.exp(-(np.abs(s * ph - L.eye_p) / 0.13) ** 4)
        base *= 1 - 0.6 * lash[..., None]
        u = (s * ph - L.eye_p + 0.02) / 0.19
        arc = L.eye_t + 0.115 + 0.025 * np.cos(np.clip(u, -1.5, 1.5)) - 0.02 * u
        bw = (np.abs(u) < 1.05) * np.exp(-0.5 * ((th - arc) / 0.0175) ** 4)
        base = base * (1 - 0.85 * bw[..., None]) + 0.85 * bw[..., None] * brow_col
    # nostrils
    for s in (-1, 1):
        nb = bump(th, ph, L.nose_tip - 0.055, s * 0.04 * p.nose_width, 0.012, 0.02)
        base *= 1 - 0.7 * nb[..., None]
    # ears: inner shadow
    for s in (-1, 1):
        base *= 1 - 0.25 * bump(th, ph, 0.0, s * (L.ear_p + 0.02), 0.07, 0.04)[..., None]
    # facial hair
    if p.facial_hair != "none":
        fh_col = hair if p.hair_style != "bald" else np.array(HAIR_COLOURS["dark brown"])
        jaw = smoothstep(L.mouth_t + 0.12, L.mouth_t - 0.02, th) * smoothstep(1.5, 1.2, np.abs(ph))
        jaw *= 1 - np.exp(-(np.abs(ph) / (mw * 1.05)) ** 6) * np.exp(-0.5 * ((th - L.mouth_t + 0.005) / 0.04) ** 4)
        tache = np.exp(-(np.abs(ph) / (mw * 1.15)) ** 4) * np.exp(-0.5 * ((th - L.mouth_t - 0.055) / 0.022) ** 2)
        amount = {"stubble": 0.3 * jaw + 0.3 * tache, "moustache": 0.9 * tache, "beard": 0.9 * np.maximum(jaw, tache)}
        a = np.clip(amount[p.facial_hair], 0, 1) * (0.75 + 0.25 * stripes(ph * 2, th, rng, 70))
        a = np.clip(a, 0, 1)[..., None]
        base = base * (1 - a) + a * fh_col
    for dd in ds:
        if dd.variant == "mouth_smear":
            w = np.exp(-(np.abs(ph - dd.phi) / (mw * 1.2)) ** 4) * np.exp(-0.5 * ((th - L.mouth_t) / 0.045) ** 2)
            teeth = 0.75 + 0.25 * np.sin(ph * 120)
            a = (dd.severity * w)[..., None]
            base = base * (1 - a) + a * (np.array([0.9, 0.86, 0.8]) * teeth[..., None])
            _tagged(tag, w, dd.index)
    return base


# ------------------------------------------------------------------------------------------ builders
def _grid(n_t: int, n_p: int, t0=-np.pi / 2, t1=np.pi / 2):
    th = np.linspace(t0, t1, n_t)
    ph = np.linspace(-np.pi, np.pi, n_p, endpoint=False)
    return np.meshgrid(th, ph, indexing="ij")


def build_head(p: Identity, ds: list[Distortion], spacing: float) -> Scene:
    """All surface samples of identity `p` with distortions `ds`; `spacing` world units between samples."""
    def rng_for(part: int) -> np.random.Generator:
        # one stream per part, so a distortion drawing random numbers never changes another part's texture
        return np.random.default_rng([p.texture_seed, part])

    L = Layout.of(p)
    n_p = int(np.ceil(2 * np.pi * 1.15 / spacing))
    n_t = int(np.ceil(np.pi * 1.1 / spacing))
    th, ph = _grid(n_t, n_p, -1.25, np.pi / 2)
    tag = np.full(th.shape, -1, np.int16)
    r = skin_radius(p, L, th, ph, ds, tag)
    pos = sphere_dirs(th, ph) * r[..., None]
    alb = skin_albedo(p, L, th, ph, rng_for(1), ds, tag)
    view_effects = []
    parts = []
    skin = grid_points(pos, alb, spec=0.12, tag=tag, keep=~_under_hair(p, th, ph, ds))
    parts.append(skin)
    parts += build_eyes(p, L, ds, spacing, rng_for(2))
    hair = build_hair(p, L, ds, spacing, rng_for(3))
    parts += hair
    parts.append(build_neck(p, ds, spacing, rng_for(4)))
    parts.append(build_torso(p, ds, spacing, rng_for(5)))
    parts += build_accessories(p, L, ds, spacing, rng_for(6))
    parts += build_floaters(p, L, ds, spacing, rng_for(7))
    pts = Points.concat(parts)
    view_effects += texture_effects(p, L, pts, ds, rng_for(8))
    image_effects = [d for d in ds if d.variant in ("blur", "grain", "exposure")]
    th_p, ph_p = angles_of(pts.pos)
    for d in ds:
        # region-wide defects: every sample over the patch shows them (hair over a dented skull,
        # the scalp under a hair hole, whatever an image-space effect covers)
        if d.variant in REGION_TAGGED:
            w = region_weight(th_p, ph_p, d) if d.variant != "skull_cone" else \
                smoothstep(0.4, 1.3, th_p) * bump(th_p, ph_p, 1.0, d.phi, 0.5, 0.9)
            near = np.linalg.norm(pts.pos, axis=1) < 1.7
            pts.tag[(w > REGION_TAGGED[d.variant]) & (pts.tag < 0) & near] = d.index
    return Scene(pts, view_effects, image_effects)


def _under_hair(p: Identity, th, ph, ds) -> np.ndarray:
    """Skin that the hair shell or a hat always hides (not sampled: it could never win a pixel)."""
    if p.hair_style == "bald" and p.hat == "none":
        return np.zeros(th.shape, bool)
    hidden = th > (hairline(p, ph) + 0.12 if p.hair_style != "bald" else np.pi)
    if p.hat != "none":
        hidden |= th > 0.62
    for d in ds:
        if d.variant == "hair_hole":
            hidden &= region_weight(th, ph, d) < 0.15
    return hidden


def build_eyes(p: Identity, L: Layout, ds, spacing, rng) -> list[Points]:
    out = []
    iris_col = np.array(EYE_COLOURS[p.eye_colour])
    for s in (-1, 1):
        re = 0.12 * p.eye_size
        t, ph0 = L.eye_t, s * L.eye_p
        r_socket = skin_radius(p, L, np.array([t]), np.array([ph0]), []).item()
        centre = sphere_dirs(np.array(t), np.array(ph0)) * (r_socket - re + 0.05)
        scale, index, smear = 1.0, -1, 0.0
        for dd in ds:
            if dd.variant == "eye_shift" and dd.side == s:
                centre = centre + np.array([s * 0.02, 0.05 * dd.params["dy"], 0.02]) * dd.severity
                scale = 1 + 0.35 * dd.severity * dd.params["scale"]
                index = dd.index
            if dd.variant == "iris_smear" and dd.side == s:
                smear, index = dd.severity, dd.index
            if dd.variant == "socket_warp" and dd.side == s:
                index = dd.index
        re *= scale
        n = max(12, int(np.ceil(np.pi * re / spacing)))
        a, b = np.meshgrid(np.linspace(-np.pi / 2, np.pi / 2, n), np.linspace(-np.pi, np.pi, 2 * n, endpoint=False),
                           indexing="ij")
        dirs = sphere_dirs(a, b)
        gaze = np.array([-s * 0.03, -0.02, 1.0])
        gaze /= np.linalg.norm(gaze)
        ang = np.arccos(np.clip(dirs @ gaze, -1, 1))
        alb = np.broadcast_to(np.array([0.9, 0.87, 0.84]), a.shape + (3,)).copy()
        iris_r, pupil_r = 0.5, 0.2
        if smear:
            # a torn pupil and a mismatched, blotchy iris
            ang = ang * (1 + 0.6 * smear * np.sin(3 * b))
            iris_col = iris_col * (1 - 0.5 * smear) + smear * 0.5 * np.array([0.55, 0.35, 0.45])
            pupil_r *= 1 + 1.2 * smear
        alb[ang < iris_r] = iris_col * (0.8 + 0.2 * np.cos(ang[ang < iris_r] * 25))[:, None]
        alb[ang < pupil_r] = (0.03, 0.03, 0.03)
        alb *= (1 - 0.3 * smoothstep(iris_r, iris_r + 0.03, ang) * smoothstep(iris_r + 0.15, iris_r, ang))[..., None]
        pos = centre + dirs * re
        tag = np.full(a.shape, index, np.int16)
        out.append(grid_points(pos, alb, spec=0.6, tag=tag, outward=centre))
    return out


def hairline(p: Identity, ph):
    """Latitude below which there is no hair, per longitude (style-dependent)."""
    a = np.abs(wrap(ph - 0.15 * p.parting * (p.hair_style == "side part")))
    front = p.hairline - (0.25 if p.hair_style in ("bob",) else 0.0)
    ear = {"short": 0.28, "side part": 0.26, "buzz": 0.3, "medium": -0.2, "long": -0.6, "bob": -0.35,
           "bun": 0.2, "afro": 0.2}.get(p.hair_style, 0.3)
    back = {"short": -0.5, "side part": -0.5, "buzz": -0.45, "medium": -0.6, "long": -1.05, "bob": -0.65,
            "bun": -0.45, "afro": -0.55}.get(p.hair_style, -0.5)
    xs = [0.0, 0.6, 1.05, 1.35, 1.9, np.pi]
    ys = [front, front - 0.04, max(ear, 0.3) if ear > 0 else 0.25, ear, (ear + back) / 2, back]
    if ear < 0:
        ys[2] = 0.22  # long styles frame the face: the temples stay bare, hair falls over the ears
    return np.interp(a, xs, ys)


def build_hair(p: Identity, L: Layout, ds, spacing, rng) -> list[Points]:
    if p.hair_style == "bald":
        return _bald_floaters(p, L, ds, spacing, rng)
    thick = {"buzz": 0.012, "short": 0.06, "side part": 0.08, "medium": 0.10, "long": 0.09, "bob": 0.12,
             "bun": 0.06, "afro": 0.30}[p.hair_style] * p.hair_volume
    scale = 1.0 + thick
    n_p = int(np.ceil(2 * np.pi * 1.15 * scale / spacing))
    n_t = int(np.ceil(np.pi * 1.1 * scale / spacing))
    th, ph = _grid(n_t, n_p, -1.2, np.pi / 2)
    hl = hairline(p, ph)
    keep = th > hl
    r0 = skin_radius(p, L, th, ph, [d for d in ds if d.variant in ("skull_flat", "skull_cone")], smooth_only=False,
                     ears=p.hair_style not in EARS_COVERED)
    t = thick * smoothstep(hl, hl + 0.12, th) * (1 + 0.15 * np.sin(ph - p.parting))
    if p.hair_style == "afro":
        t *= 1 + 0.25 * value_noise(th, ph, rng, 10)
    r = r0 + 0.006 + t
    tag = np.full(th.shape, -1, np.int16)
    col = np.array(HAIR_COLOURS[p.hair_colour])
    strands = stripes(ph * np.cos(th) * 1.0, th, rng, 90)
    shade = 0.85 + 0.12 * strands + 0.12 * value_noise(th, ph, rng, 16)
    alb = col * shade[..., None]
    alb = alb * (1 - 0.25 * smoothstep(hl + 0.1, hl, th))[..., None]  # thinner, darker at the hairline
    for dd in ds:
        w = region_weight(th, ph, dd)
        if dd.variant == "hair_hole":
            hole = w * (1 + 0.3 * np.sin(17 * th) * np.sin(13 * ph)) > 0.55 - 0.35 * dd.severity
            keep &= ~hole
            _tagged(tag, w, dd.index, 0.35)
        elif dd.variant == "hair_spikes":
            spikes = np.maximum(0, np.sin(60 * th) * np.sin(45 * ph * np.cos(th))) ** 3
            w = w * (w > 0.12)  # a bounded patch of spikes
            lumps = value_noise(th, ph, np.random.default_rng([p.texture_seed, 100 + dd.index]), 30)
            r = r + (0.2 * dd.severity * w * spikes) + 0.05 * dd.severity * w * lumps
            _tagged(tag, w, dd.index, 0.05)
        elif dd.variant == "hair_blotch":
            pass  # texture effect, see texture_effects
    pos = sphere_dirs(th, ph) * r[..., None]
    out = [grid_points(pos, alb, spec=0.22, tag=tag, keep=keep)]
    if p.hair_style in ("long", "medium", "bob"):
        out.append(_hair_curtain(p, thick, col, spacing, rng))
    if p.hair_style == "bun":
        c = np.array([0.0, 0.72, -0.62]) * np.array([1, p.ry, p.rz])
        out.append(_sphere(c, 0.26 * p.hair_volume, col, spacing, rng, spec=0.2, strands=True))
    return out


def _hair_curtain(p: Identity, thick: float, col, spacing, rng) -> Points:
    """Hair falling from the crown past the ears towards the shoulders, open at the face.

    Above the ears the sheet follows the skull (plus the hair's thickness), so it grows out of the
    hair shell without a ledge; lower down it hangs straight, wide enough to cover the ears.
    """
    start = {"long": 1.35, "medium": 1.4, "bob": 1.25}[p.hair_style]
    bottom = {"long": -1.35, "medium": -0.75, "bob": -0.6}[p.hair_style]
    top, join = 0.6, 0.05
    ear = 0.12 + 0.08 * p.ear_out  # the hair falls over the ears
    n_a = int(np.ceil(2 * (np.pi - start) * 1.1 / spacing))
    n_y = int(np.ceil((top - bottom + 0.1) * 1.3 / spacing))
    a, y = np.meshgrid(np.linspace(start, 2 * np.pi - start, n_a), np.linspace(top, bottom - 0.1, n_y), indexing="ij")
    hem = bottom + 0.06 * np.sin(7 * a + rng.uniform(0, 6.28))
    keep = y > hem
    ry = p.ry + thick
    skull = np.sqrt(np.clip(1 - (np.maximum(y, join) / ry) ** 2, 0.05, 1))  # ellipse section at that height
    hang = smoothstep(join, join - 0.45, y)  # 0 above the join, 1 once the hair hangs free
    rx = (p.rx + thick + 0.005) * skull * (1 - hang) + (p.rx + ear + 0.02) * hang
    rz = (p.rz + thick + 0.005) * skull * (1 - hang) + (p.rz + thick + 0.03) * hang
    flare = 1 + 0.1 * smoothstep(0.0, bottom, y)
    # the front edges curl in a little towards the neck, so the frontal view does not see a bare sheet edge
    edge = np.minimum(a - start, 2 * np.pi - start - a)
    flare = flare * (1 - 0.15 * smoothstep(0.3, 0.0, edge) * smoothstep(-0.2, -0.6, y))
    pos = np.stack([rx * flare * np.sin(a), y, -0.02 + rz * flare * np.cos(a)], -1)
    strands = stripes(a * 1.0, y * 0.05, rng, 90)
    shade = (0.85 + 0.12 * strands) * (1 - 0.2 * smoothstep(bottom + 0.3, bottom, y))
    alb = np.asarray(col) * shade[..., None]
    axis = np.stack([0 * y, y, -0.02 + 0 * y], -1)
    return grid_points(pos, alb, spec=0.22, keep=keep, outward=axis)


def _bald_floaters(p, L, ds, spacing, rng) -> list[Points]:
    """Bald heads have no hair shell; a hair distortion there is a stray tuft floating on the scalp."""
    out = []
    for dd in ds:
        if dd.variant in ("hair_hole", "hair_spikes", "hair_blotch"):
            c = sphere_dirs(np.array(dd.theta), np.array(dd.phi)) * (1.0 + 0.05)
            pts = _sphere(c, 0.08 + 0.12 * dd.severity, np.array(HAIR_COLOURS["dark brown"]), spacing, rng,
                          spec=0.2, strands=True, squash=(1, 0.5, 1))
            pts.tag[:] = dd.index
            out.append(pts)
    return out


def _sphere(c, radius, col, spacing, rng, spec=0.2, strands=False, squash=(1, 1, 1)) -> Points:
    n = max(8, int(np.ceil(np.pi * radius / spacing)))
    a, b = np.meshgrid(np.linspace(-np.pi / 2, np.pi / 2, n), np.linspace(-np.pi, np.pi, 2 * n, endpoint=False),
                       indexing="ij")
    pos = np.asarray(c) + sphere_dirs(a, b) * radius * np.asarray(squash)
    shade = 0.8 + 0.2 * stripes(b, a, rng, 40) if strands else np.ones(a.shape)
    alb = np.asarray(col) * shade[..., None]
    return grid_points(pos, alb, spec=spec, outward=np.asarray(c))


def build_neck(p: Identity, ds, spacing, rng) -> Points:
    rn = 0.36 * p.rx / 0.7
    n_a = int(np.ceil(2 * np.pi * rn / spacing))
    n_y = int(np.ceil(2.0 / spacing))
    y, a = np.meshgrid(np.linspace(-2.4, -0.4, n_y), np.linspace(-np.pi, np.pi, n_a, endpoint=False), indexing="ij")
    rad = rn * (1 + 0.04 * smoothstep(-1.4, -2.0, y))
    tag = np.full(y.shape, -1, np.int16)
    for dd in _dists(ds, "neck_warp"):
        w = np.exp(-0.5 * ((y + 1.2) / 0.25) ** 2) * np.exp(-0.5 * (wrap(a - dd.phi) / 0.9) ** 2)
        rad = rad * (1 - 0.35 * dd.severity * w)
        _tagged(tag, w, dd.index)
    pos = np.stack([rad * np.sin(a), y, NECK_Z + rad * np.cos(a)], -1)
    alb = np.broadcast_to(np.array(p.skin_rgb) * 0.95, y.shape + (3,)).copy()
    return grid_points(pos, alb, spec=0.08, tag=tag, outward=np.stack([0 * y, y, NECK_Z + 0 * y], -1))


def build_torso(p: Identity, ds, spacing, rng) -> Points:
    c = np.array([0.0, -2.45, NECK_Z])
    radii = np.array([1.75, 0.95, 0.72])
    n_p = int(np.ceil(2 * np.pi * 1.75 / spacing))
    n_t = int(np.ceil(np.pi / 2 * 1.2 / spacing))
    th, ph = _grid(n_t, n_p, 0.05, np.pi / 2)
    pos = c + sphere_dirs(th, ph) * radii
    rn = 0.36 * p.rx / 0.7
    dist_axis = np.hypot(pos[..., 0], pos[..., 2] - NECK_Z)
    cloth = np.array(p.cloth_rgb)
    weave = 1 + 0.05 * stripes(ph * 2, th, rng, 300)
    alb = cloth * weave[..., None]
    collar = smoothstep(rn + 0.16, rn + 0.1, dist_axis)
    alb = alb * (1 - 0.3 * collar[..., None])
    tag = np.full(th.shape, -1, np.int16)
    for dd in _dists(ds, "collar_melt"):
        w = np.exp(-0.5 * (wrap(ph - dd.phi) / 0.5) ** 2) * smoothstep(rn + 0.6, rn, dist_axis)
        pos = pos + (0.25 * dd.severity * w)[..., None] * np.array([0, 1, 0]) * (1 + np.sin(20 * ph))[..., None]
        _tagged(tag, w, dd.index)
    return grid_points(pos, alb, spec=0.05, tag=tag, outward=c)


def build_accessories(p: Identity, L: Layout, ds, spacing, rng) -> list[Points]:
    out = []
    broken = _dists(ds, "glasses_break")
    if p.glasses != "none":
        col = np.array(FRAME_COLOURS[p.frame_colour])
        expo = 2.0 if p.glasses == "round" else 5.0
        rings = []
        for s in (-1, 1):
            r_s = skin_radius(p, L, np.array([L.eye_t]), np.array([s * L.eye_p]), []).item()
            c = sphere_dirs(np.array(L.eye_t), np.array(s * L.eye_p)) * r_s
            c = np.array([c[0] * 1.02, c[1], c[2] + 0.13 + 0.06 * (1 - np.cos(L.eye_p))])
            u = np.linspace(0, 2 * np.pi, int(np.ceil(2 * np.pi * 0.15 / spacing)) + 1)
            cu, su = np.cos(u), np.sin(u)
            rad = 1.0 / (np.abs(cu) ** expo + np.abs(su) ** expo) ** (1 / expo)
            path = c + np.stack([0.155 * rad * cu, 0.115 * rad * su, -0.03 * (rad * cu * s) ** 2], -1)
            tag = -1
            for dd in broken:
                if dd.side == s:
                    gap = (u > 0.4) & (u < 0.4 + 1.8 * dd.severity)
                    sag = np.exp(-0.5 * ((u - 3.5) / 0.6) ** 2)
                    path = path + (0.12 * dd.severity * sag)[:, None] * np.array([0, -0.6, -1.0])
                    path = path[~gap]
                    tag = dd.index
            rings.append((c, path))
            out.append(_tube(path, 0.014, col, spacing, tag))
        (cl, _), (cr, _) = rings
        bridge = np.linspace(cl + [0.155, 0.02, 0], cr - [0.155, -0.02, 0], 12)
        bridge[:, 2] += 0.03 * np.sin(np.linspace(0, np.pi, 12))
        out.append(_tube(bridge, 0.012, col, spacing, -1))
        for s, (c, _) in zip((-1, 1), rings):
            ear_x = s * (p.rx + 0.04)
            arm = np.linspace(c + [s * 0.155, 0.03, 0], [ear_x, c[1] + 0.05, -0.05], 30)
            out.append(_tube(arm, 0.011, col, spacing, -1))
    if p.hat != "none":
        out += _hat(p, L, ds, spacing, rng)
    if p.earrings != "none":
        col = np.array([0.85, 0.66, 0.28]) if p.earrings == "gold" else np.array([0.78, 0.78, 0.8])
        for s in (-1, 1):
            t = np.array(-0.2 * p.ear_size)
            r_e = float(skin_radius(p, L, t, np.array(s * L.ear_p), [])) + 0.02
            c = sphere_dirs(t, np.array(s * L.ear_p)) * r_e + np.array([0, -0.04, 0])
            tag = -1
            for dd in _dists(ds, "earring_float"):
                if dd.side == s:
                    c = c + np.array([s * 0.25, -0.2, 0.1]) * dd.severity
                    tag = dd.index
            e = _sphere(c, 0.035, col, spacing, rng, spec=0.9)
            e.tag[:] = tag
            out.append(e)
    return out


def _hat(p: Identity, L: Layout, ds, spacing, rng) -> list[Points]:
    col = np.array(p.hat_rgb)
    n_p = int(np.ceil(2 * np.pi * 1.3 / spacing))
    n_t = int(np.ceil(np.pi / 2 * 1.3 / spacing))
    low = 0.42 if p.hat == "beanie" else 0.5
    th, ph = _grid(n_t, n_p, low - 0.08, np.pi / 2)
    hl = low - 0.05 * np.cos(ph) + 0.02 * np.cos(2 * ph)
    keep = th > hl
    r = skin_radius(p, L, th, ph, [d for d in ds if d.variant in ("skull_flat", "skull_cone")], smooth_only=False)
    thick = {"buzz": 0.012, "bald": 0.0}.get(p.hair_style, 0.09 * p.hair_volume)
    r = r + thick + 0.05 + (0.06 if p.hat == "beanie" else 0.02) * smoothstep(low, 1.2, th)
    tag = np.full(th.shape, -1, np.int16)
    for dd in _dists(ds, "hat_warp"):
        w = region_weight(th, ph, dd)
        r = r + 0.18 * dd.severity * w * (0.5 + 0.5 * np.sin(25 * ph) * np.sin(14 * th))
        _tagged(tag, w, dd.index)
    knit = 1 + 0.08 * stripes(ph * 3, th * 0.2, rng, 120) if p.hat == "beanie" else np.ones(th.shape)
    band = smoothstep(hl + 0.1, hl + 0.06, th) * 0.15
    alb = col * (knit * (1 - band))[..., None]
    pos = sphere_dirs(th, ph) * r[..., None]
    out = [grid_points(pos, alb, spec=0.05, tag=tag, keep=keep)]
    if p.hat == "cap":
        # a flat brim in front, seen from both sides
        y0 = float(np.sin(low + 0.02) * skin_radius(p, L, np.array(low), np.array(0.0), []))
        n_a = int(np.ceil(1.2 * 2.0 / spacing))
        n_r = int(np.ceil(0.45 / spacing))
        a, rr = np.meshgrid(np.linspace(-1.1, 1.1, n_a), np.linspace(0.0, 1.0, n_r), indexing="ij")
        base_r = p.rz * 0.95 + 0.09
        rad = base_r + 0.42 * rr * np.cos(a / 1.1 * np.pi / 2) ** 0.5
        pos = np.stack([rad * np.sin(a) * p.rx / p.rz, y0 + 0 * a - 0.06 * rr ** 2, rad * np.cos(a)], -1)
        alb = np.broadcast_to(col * 0.9, a.shape + (3,))
        out.append(grid_points(pos, alb, spec=0.05, two_sided=True, outward=pos + np.array([0, -1, 0])))
    return out


def _tube(path: np.ndarray, radius: float, col, spacing, tag) -> Points:
    path = np.asarray(path, float)
    if len(path) < 2:
        return None
    seg = np.linalg.norm(np.diff(path, axis=0), axis=1).sum()
    n_s = max(4, int(np.ceil(seg / spacing)))
    s_old = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    s_new = np.linspace(0, s_old[-1], n_s)
    c = np.stack([np.interp(s_new, s_old, path[:, k]) for k in range(3)], -1)
    t = np.gradient(c, axis=0)
    t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-9)
    ref = np.where(np.abs(t[:, 1:2]) < 0.9, np.array([0, 1.0, 0]), np.array([1.0, 0, 0]))
    n1 = np.cross(t, ref)
    n1 /= np.linalg.norm(n1, axis=1, keepdims=True)
    n2 = np.cross(t, n1)
    n_a = max(6, int(np.ceil(2 * np.pi * radius / spacing)) + 2)
    ang = np.linspace(0, 2 * np.pi, n_a, endpoint=False)
    ring = np.cos(ang)[None, :, None] * n1[:, None] + np.sin(ang)[None, :, None] * n2[:, None]
    pos = c[:, None] + radius * ring
    alb = np.broadcast_to(np.asarray(col), pos.shape)
    tags = np.full(pos.shape[:2], tag, np.int16)
    return grid_points(pos, alb, spec=0.7, tag=tags, outward=np.broadcast_to(c[:, None], pos.shape))


def build_floaters(p: Identity, L: Layout, ds, spacing, rng) -> list[Points]:
    """Detached blobs near the head, the 'floaters' of radiance-field generators."""
    out = []
    for dd in _dists(ds, "floater"):
        n_blobs = 1 + int(dd.severity * 3)
        for _ in range(n_blobs):
            t = dd.theta + rng.normal(0, 0.12)
            ph = dd.phi + rng.normal(0, 0.15)
            c = sphere_dirs(np.array(t), np.array(ph)) * (1.0 + dd.params["lift"] + rng.uniform(0, 0.1))
            col = np.array(p.skin_rgb) * rng.uniform(0.6, 1.0) if rng.random() < 0.5 else np.array(HAIR_COLOURS[p.hair_colour])
            blob = _sphere(c, 0.03 + 0.07 * dd.severity * rng.uniform(0.5, 1), col, spacing, rng,
                           squash=(1, rng.uniform(0.4, 1), rng.uniform(0.5, 1.2)))
            blob.tag[:] = dd.index
            out.append(blob)
    return out


def texture_effects(p: Identity, L: Layout, pts: Points, ds, rng) -> list[ViewEffect]:
    """View-dependent albedo changes (seams, ghosts, blotches, hair bleeding) on the assembled samples."""
    out = []
    th, ph = angles_of(pts.pos)
    r = np.linalg.norm(pts.pos, axis=1)
    head = (r < 1.6) & (pts.pos[:, 1] > -0.9)
    hair_col = np.array(HAIR_COLOURS[p.hair_colour])
    for dd in ds:
        if dd.variant == "seam":
            # a blending seam along a meridian: one side's colour is shifted (two generated halves disagree)
            w = np.exp(-0.5 * ((th - dd.theta) / 0.6) ** 2) * head
            off = wrap(ph - dd.phi)
            side = (off * np.sign(dd.phi) > 0) * np.exp(-0.5 * (off / 0.25) ** 2)  # the mismatched band
            edge = np.exp(-0.5 * (off / 0.04) ** 2)
            amt = w * (side * 0.6 + edge * 0.6) * dd.severity
            idx = np.flatnonzero(amt > 0.04)
            shift = np.array(dd.params["shift"]) * 0.35 - 0.1
            delta = amt[idx, None] * (shift[None] + 0.25 * (edge[idx, None] > 0.3) * -1)
            out.append(ViewEffect(dd.index, idx, delta.astype(np.float32), dd.profile))
            pts.tag[idx[amt[idx] > 0.12 * dd.severity]] = dd.index  # the seam and the band it splits off
        elif dd.variant == "ghost_feature":
            # a faint second eye printed on the side of the head (a Janus-like duplicate)
            g = bump(th, ph, dd.theta, dd.phi, 0.03, 0.06) * head
            ring = bump(th, ph, dd.theta, dd.phi, 0.055, 0.11) * head
            idx = np.flatnonzero(ring > 0.05)
            delta = -(0.75 * g[idx] + 0.25 * ring[idx])[:, None] * pts.albedo[idx] * dd.severity * 1.3
            out.append(ViewEffect(dd.index, idx, delta.astype(np.float32), dd.profile))
            pts.tag[idx[ring[idx] > 0.3]] = dd.index
        elif dd.variant == "hair_bleed":
            w = region_weight(th, ph, dd) * head
            idx = np.flatnonzero(w > 0.05)
            delta = (hair_col - pts.albedo[idx]) * (w[idx] * dd.severity * 0.9)[:, None]
            out.append(ViewEffect(dd.index, idx, delta.astype(np.float32), dd.profile,
                                  float(rng.uniform(0, 6.28))))
            pts.tag[idx[w[idx] > 0.3]] = dd.index
        elif dd.variant == "hair_blotch" and p.hair_style != "bald":
            w = region_weight(th, ph, dd) * (r > 0.5)
            w = w * (1 + 0.5 * np.sin(20 * th) * np.sin(17 * ph))
            idx = np.flatnonzero(w > 0.1)
            target = np.array([0.55, 0.5, 0.35]) if hair_col.mean() < 0.4 else np.array([0.2, 0.18, 0.25])
            delta = (target - pts.albedo[idx]) * np.clip(w[idx] * dd.severity, 0, 1)[:, None]
            out.append(ViewEffect(dd.index, idx, delta.astype(np.float32), dd.profile))
            pts.tag[idx[w[idx] > 0.35]] = dd.index
    return out
