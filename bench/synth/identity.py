"""Who is in each video: head shape, skin, eyes, hair, facial hair and accessories.

Identities are sampled from one seeded generator per video, then re-drawn (a bounded
number of times) while they look too much like an identity already in the set, so no
two identities of a set look alike (distance in `appearance_vector`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

# sRGB albedos (0-1). Skin runs along a tone curve from very light to very dark.
SKIN_TONES = np.array([
    [0.96, 0.80, 0.70], [0.92, 0.73, 0.61], [0.85, 0.64, 0.50], [0.76, 0.57, 0.41],
    [0.63, 0.45, 0.31], [0.50, 0.34, 0.23], [0.36, 0.24, 0.16], [0.26, 0.17, 0.12],
])
HAIR_COLOURS = {
    "black": (0.06, 0.05, 0.05), "dark brown": (0.17, 0.11, 0.07), "brown": (0.33, 0.21, 0.12),
    "auburn": (0.45, 0.20, 0.10), "blond": (0.78, 0.64, 0.40), "platinum": (0.88, 0.84, 0.74),
    "grey": (0.55, 0.54, 0.52), "white": (0.86, 0.86, 0.84),
}
EYE_COLOURS = {
    "dark brown": (0.20, 0.11, 0.06), "brown": (0.38, 0.22, 0.10), "hazel": (0.45, 0.38, 0.18),
    "green": (0.30, 0.45, 0.28), "blue": (0.30, 0.48, 0.70), "grey": (0.50, 0.55, 0.58),
}
HAIR_STYLES = ("bald", "buzz", "short", "side part", "medium", "long", "bun", "afro", "bob")
EARS_COVERED = ("medium", "long", "bob")  # styles whose hair falls over the ears
FACIAL_HAIR = ("none", "stubble", "moustache", "beard")
CLOTH_COLOURS = np.array([
    [0.20, 0.25, 0.40], [0.55, 0.55, 0.58], [0.15, 0.15, 0.16], [0.85, 0.85, 0.82], [0.35, 0.45, 0.30],
    [0.55, 0.30, 0.25], [0.62, 0.52, 0.36], [0.30, 0.42, 0.55], [0.45, 0.25, 0.40], [0.70, 0.62, 0.30],
])
FRAME_COLOURS = {"black": (0.05, 0.05, 0.05), "tortoise": (0.30, 0.17, 0.08), "gold": (0.75, 0.60, 0.30),
                 "silver": (0.72, 0.72, 0.74)}
HAT_COLOURS = np.array([[0.12, 0.14, 0.22], [0.50, 0.12, 0.12], [0.25, 0.35, 0.25], [0.70, 0.68, 0.62],
                        [0.35, 0.30, 0.45], [0.60, 0.45, 0.25]])


@dataclass
class Identity:
    # skull ellipsoid half-axes (head height chin-crown is about 2 units) and shape details
    rx: float
    ry: float
    rz: float
    jaw_taper: float
    chin: float
    cheek: float
    brow: float
    forehead: float
    nose_length: float
    nose_tip: float
    nose_width: float
    lip_full: float
    mouth_width: float
    eye_size: float
    eye_spacing: float  # longitude of each eye centre (rad)
    eye_height: float  # latitude of the eyes (rad)
    ear_size: float
    ear_out: float
    # appearance
    skin_tone: float  # 0 (very light) .. 1 (very dark) along SKIN_TONES
    skin_rgb: tuple
    eye_colour: str
    hair_style: str
    hair_colour: str
    hair_volume: float
    hairline: float  # front hairline latitude (rad)
    parting: float  # longitude of the parting / asymmetry (rad)
    facial_hair: str
    glasses: str  # "none", "round", "rect"
    frame_colour: str
    hat: str  # "none", "beanie", "cap"
    hat_rgb: tuple
    earrings: str  # "none", "gold", "silver"
    cloth_rgb: tuple
    texture_seed: int

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        extras = [x for x in (self.glasses != "none" and f"{self.glasses} glasses",
                              self.hat != "none" and self.hat, self.earrings != "none" and f"{self.earrings} earrings",
                              self.facial_hair != "none" and self.facial_hair) if x]
        tone = ("very light", "light", "medium", "tan", "brown", "dark")[min(int(self.skin_tone * 6), 5)]
        return f"{tone} skin, {self.hair_colour} {self.hair_style} hair, {self.eye_colour} eyes" + \
            (", " + ", ".join(extras) if extras else "")


def skin_colour(t: float, rng: np.random.Generator) -> tuple:
    """Albedo at position `t` of the tone curve, with a small warm/olive undertone jitter."""
    x = t * (len(SKIN_TONES) - 1)
    i = min(int(x), len(SKIN_TONES) - 2)
    c = SKIN_TONES[i] * (1 - (x - i)) + SKIN_TONES[i + 1] * (x - i)
    c = c * np.array([1.0, 1.0 + rng.uniform(-0.03, 0.03), 1.0 + rng.uniform(-0.06, 0.04)])
    return tuple(float(v) for v in np.clip(c, 0, 1))


def sample_identity(rng: np.random.Generator) -> Identity:
    u = rng.uniform
    style = str(rng.choice(HAIR_STYLES, p=[0.08, 0.10, 0.18, 0.12, 0.14, 0.16, 0.08, 0.06, 0.08]))
    colour = str(rng.choice(list(HAIR_COLOURS), p=[0.26, 0.22, 0.16, 0.07, 0.11, 0.04, 0.08, 0.06]))
    tone = float(u(0, 1))
    masculine = rng.random() < 0.5
    facial = str(rng.choice(FACIAL_HAIR, p=[0.45, 0.2, 0.1, 0.25])) if masculine else "none"
    glasses = str(rng.choice(["none", "round", "rect"], p=[0.7, 0.12, 0.18]))
    hat = str(rng.choice(["none", "beanie", "cap"], p=[0.84, 0.08, 0.08])) if style not in ("afro", "bun") else "none"
    earrings = str(rng.choice(["none", "gold", "silver"], p=[0.75, 0.14, 0.11]))
    return Identity(
        rx=u(0.66, 0.76) * (1.03 if masculine else 1.0), ry=u(0.98, 1.08), rz=u(0.84, 0.94),
        jaw_taper=u(0.10, 0.32) * (0.75 if masculine else 1.0), chin=u(0.0, 0.06), cheek=u(0.0, 0.05),
        brow=u(0.01, 0.04) * (1.4 if masculine else 1.0), forehead=u(-0.03, 0.03),
        nose_length=u(0.85, 1.15), nose_tip=u(0.13, 0.22), nose_width=u(0.8, 1.3),
        lip_full=u(0.6, 1.5), mouth_width=u(0.85, 1.15), eye_size=u(0.9, 1.1),
        eye_spacing=u(0.36, 0.42), eye_height=u(0.09, 0.14), ear_size=u(0.85, 1.2), ear_out=u(0.5, 1.2),
        skin_tone=tone, skin_rgb=skin_colour(tone, rng),
        eye_colour=str(rng.choice(list(EYE_COLOURS), p=[0.3, 0.25, 0.12, 0.1, 0.15, 0.08])),
        hair_style=style, hair_colour=colour, hair_volume=u(0.7, 1.3), hairline=u(0.50, 0.66),
        parting=u(-0.5, 0.5), facial_hair=facial, glasses=glasses,
        frame_colour=str(rng.choice(list(FRAME_COLOURS))), hat=hat,
        hat_rgb=tuple(float(v) for v in HAT_COLOURS[rng.integers(len(HAT_COLOURS))]), earrings=earrings,
        cloth_rgb=tuple(float(v) for v in np.clip(CLOTH_COLOURS[rng.integers(len(CLOTH_COLOURS))]
                                                   * u(0.85, 1.15), 0, 1)),
        texture_seed=int(rng.integers(2**31)))


def appearance_vector(p: Identity) -> np.ndarray:
    """What makes two identities look alike: skin, hair style and colour, accessories, facial hair, shape."""
    hair = np.zeros(len(HAIR_STYLES))
    hair[HAIR_STYLES.index(p.hair_style)] = 1.5
    return np.concatenate([
        np.array(p.skin_rgb) * 4, np.array(HAIR_COLOURS[p.hair_colour]) * 2.5 * (p.hair_style != "bald"), hair,
        [p.glasses != "none", p.hat != "none", p.earrings != "none", FACIAL_HAIR.index(p.facial_hair) * 0.5],
        np.array(EYE_COLOURS[p.eye_colour]) * 1.5, np.array(p.cloth_rgb),
        [p.rx * 4, p.nose_tip * 6, p.jaw_taper * 3, p.hair_volume],
    ])


def distinct_identities(n: int, rng_for, min_distance: float = 1.0, tries: int = 40) -> list[Identity]:
    """`n` identities, the i-th drawn from `rng_for(i, attempt)`, each at least `min_distance` from all before it.

    After `tries` attempts the farthest candidate is kept (paper-scale sets of 2,000 cannot all
    be far apart on a few attributes; the default set can).
    """
    chosen: list[Identity] = []
    vecs: list[np.ndarray] = []
    for i in range(n):
        best, best_d = None, -1.0
        for attempt in range(tries):
            cand = sample_identity(rng_for(i, attempt))
            v = appearance_vector(cand)
            d = min((float(np.linalg.norm(v - w)) for w in vecs), default=np.inf)
            if d > best_d:
                best, best_d, best_v = cand, d, v
            if d >= min_distance:
                break
        chosen.append(best)
        vecs.append(best_v)
    return chosen
