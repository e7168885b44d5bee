"""Planted distortions: the paper's 8 categories as 3D-generator artifacts.

Each `Distortion` is one artifact of one video: a category (section 3.3 of the paper),
a variant (how it shows), a severity in (0, 1], and an anchor on the head (latitude
`theta`, longitude `phi` seen from the head's centre; longitude 0 faces the frontal
camera). Geometric variants change the surface (`head.py` applies them while building
the head), so their visibility changes with the view the way a fixed 3D defect does;
texture and image-space variants also carry a view profile (`view_weight`): 3D-aware
generators are trained mostly on frontal images, so their blending seams, ghosts and
super-resolution blur grow as the camera leaves the frontal view, while eye asymmetry
is worst frontally.

Every variant tags the surface samples it changed with the distortion's index; the
renderer turns tags into per-pixel masks, which drive the simulated subjects (how
visible is each defect, frame by frame) and annotators (where to put red dots).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from bench.data.categories import CATEGORIES

EYE, MOUTH, HAIR, FACIAL, HEAD, OVERLAP, BLUR, ACCESSORY = CATEGORIES[:8]

# variant -> (category, view profile). Profiles: "fixed" (geometry decides), "frontal", "oblique", "flicker".
VARIANTS = {
    "eye_shift": (EYE, "fixed"), "iris_smear": (EYE, "frontal"), "socket_warp": (EYE, "fixed"),
    "lip_warp": (MOUTH, "fixed"), "mouth_smear": (MOUTH, "frontal"), "mouth_droop": (MOUTH, "fixed"),
    "hair_hole": (HAIR, "fixed"), "hair_spikes": (HAIR, "fixed"), "hair_blotch": (HAIR, "oblique"),
    "nose_bend": (FACIAL, "fixed"), "cheek_lump": (FACIAL, "fixed"), "ear_melt": (FACIAL, "fixed"),
    "forehead_crease": (FACIAL, "fixed"),
    "skull_flat": (HEAD, "fixed"), "skull_cone": (HEAD, "fixed"), "jaw_shift": (HEAD, "fixed"),
    "neck_warp": (HEAD, "fixed"),
    "seam": (OVERLAP, "oblique"), "ghost_feature": (OVERLAP, "oblique"), "hair_bleed": (OVERLAP, "flicker"),
    "floater": (OVERLAP, "fixed"),
    "blur": (BLUR, "oblique"), "grain": (BLUR, "flicker"), "exposure": (BLUR, "oblique"),
    "glasses_break": (ACCESSORY, "fixed"), "earring_float": (ACCESSORY, "fixed"), "hat_warp": (ACCESSORY, "fixed"),
    "collar_melt": (ACCESSORY, "fixed"),
}
BY_CATEGORY = {c: [v for v, (cat, _) in VARIANTS.items() if cat == c] for c in CATEGORIES[:8]}
# variants that need an accessory the identity may lack
NEEDS = {"glasses_break": "glasses", "earring_float": "earrings", "hat_warp": "hat"}
IMAGE_SPACE = ("blur", "grain", "exposure")


@dataclass
class Distortion:
    index: int
    variant: str
    severity: float
    theta: float  # anchor latitude (rad)
    phi: float  # anchor longitude (rad), 0 = frontal
    width: float = 0.3  # angular radius of the affected patch (rad)
    side: int = 1  # -1 / +1: which eye, ear, cheek...
    params: dict = field(default_factory=dict)

    @property
    def category(self) -> str:
        return VARIANTS[self.variant][0]

    @property
    def profile(self) -> str:
        return VARIANTS[self.variant][1]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["category"] = self.category
        return d

    @staticmethod
    def from_dict(d: dict) -> "Distortion":
        d = {k: v for k, v in d.items() if k != "category"}
        return Distortion(**d)


def view_weight(profile: str, yaw_deg, phase: float = 0.0) -> np.ndarray:
    """How strongly a texture or image-space artifact shows at camera yaw `yaw_deg` (0 = frontal), in [0, 1]."""
    a = np.radians(np.asarray(yaw_deg, dtype=float))
    if profile == "frontal":
        return 0.35 + 0.65 * np.cos(a) ** 2
    if profile == "oblique":
        return 0.3 + 0.7 * np.abs(np.sin(a))
    if profile == "flicker":
        # view-inconsistent texture: comes and goes as the camera moves
        return 0.55 + 0.45 * np.sin(3.0 * a + phase)
    return np.ones_like(a)


def region_weight(theta, phi, d: Distortion, sharp: float = 1.0) -> np.ndarray:
    """Angular Gaussian around the anchor, in [0, 1]."""
    from bench.synth.surface import bump

    return bump(theta, phi, d.theta, d.phi, d.width / sharp, d.width / sharp)


def sample_distortion(index: int, variant: str, severity: float, identity, rng: np.random.Generator) -> Distortion:
    """Anchor and parameters of one planted artifact, consistent with the identity's face layout."""
    side = int(rng.choice([-1, 1]))
    t, p, w = 0.0, 0.0, 0.3
    par: dict = {}
    eye_t, eye_p = identity.eye_height, identity.eye_spacing
    mouth_t = _mouth_theta(identity)
    if variant in ("eye_shift", "iris_smear", "socket_warp"):
        t, p, w = eye_t, side * eye_p, 0.12
        par = {"dy": float(rng.uniform(-1, 1)), "scale": float(rng.choice([-1, 1]))}
    elif variant in ("lip_warp", "mouth_smear", "mouth_droop"):
        t, p, w = mouth_t, side * 0.05, 0.16
        par = {"waves": float(rng.uniform(2, 5)), "phase": float(rng.uniform(0, 2 * np.pi))}
    elif variant in ("hair_hole", "hair_spikes", "hair_blotch"):
        t, p, w = rng.uniform(0.2, 1.0), side * rng.uniform(0.8, 2.6), rng.uniform(0.22, 0.38)
        par = {"bald": identity.hair_style == "bald"}
    elif variant == "nose_bend":
        t, p, w = eye_t - 0.2, 0.0, 0.14
    elif variant == "cheek_lump":
        t, p, w = eye_t - 0.25, side * rng.uniform(0.45, 0.8), 0.14
        par = {"sign": float(rng.choice([-1, 1]))}
    elif variant == "ear_melt":
        t, p, w = 0.0, side * 1.62, 0.2
    elif variant == "forehead_crease":
        t, p, w = rng.uniform(0.38, 0.5), rng.uniform(-0.4, 0.4), 0.14
    elif variant == "skull_flat":
        t, p, w = rng.uniform(-0.1, 0.5), side * rng.uniform(1.5, 2.7), rng.uniform(0.35, 0.55)
    elif variant == "skull_cone":
        t, p, w = 1.2, side * rng.uniform(0, 3.0), 0.45
    elif variant == "jaw_shift":
        t, p, w = mouth_t - 0.25, side * 0.9, 0.4
    elif variant == "neck_warp":
        t, p, w = -1.0, side * rng.uniform(0.3, 1.5), 0.35
    elif variant == "seam":
        t, p, w = rng.uniform(-0.2, 0.4), side * rng.uniform(0.9, 2.0), 0.5
        par = {"shift": [float(x) for x in rng.uniform(-1, 1, 3)]}
    elif variant == "ghost_feature":
        t, p, w = eye_t, side * rng.uniform(0.95, 1.25), 0.12
    elif variant == "hair_bleed":
        t, p, w = identity.hairline - 0.12, side * rng.uniform(0.2, 0.9), 0.2
    elif variant == "floater":
        t, p, w = rng.uniform(-0.2, 0.8), side * rng.uniform(1.0, 2.2), 0.18
        par = {"lift": float(rng.uniform(0.12, 0.22))}
    elif variant in IMAGE_SPACE:
        t, p = rng.uniform(-0.4, 0.6), side * rng.uniform(0.0, 1.6)
        w = rng.uniform(0.25, 0.45)
        par = {"sign": float(rng.choice([-1, 1], p=[0.35, 0.65])), "phase": float(rng.uniform(0, 6.28))}
    elif variant == "glasses_break":
        t, p, w = eye_t, side * eye_p, 0.2
    elif variant == "earring_float":
        t, p, w = -0.25, side * 1.62, 0.15
    elif variant == "hat_warp":
        t, p, w = 0.9, side * rng.uniform(0, 2.5), 0.4
    elif variant == "collar_melt":
        t, p, w = -1.1, side * rng.uniform(0.0, 1.2), 0.35
    return Distortion(index=index, variant=variant, severity=float(severity), theta=float(t), phi=float(p),
                      width=float(w), side=side, params=par)


def _mouth_theta(identity) -> float:
    return identity.eye_height - 0.42 * identity.nose_length - 0.02
