"""The ten simulated 'generator networks' (like the paper's 5 models x 2 weights) and the per-video plan.

Each generator has a profile, as in the paper's Fig. 3b: how often it produces each of
the 8 distortion categories, how severe its artifacts are (a Beta distribution over
severity), and a rendering style (softness, grain, colour) that every one of its videos
shares. Videos are assigned to generators in consecutive blocks, as the release's seeds
appear to be (see `../shared/gen3dhf-official/README.md`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bench.data.categories import CATEGORIES
from bench.synth.distortions import BY_CATEGORY, NEEDS, Distortion, sample_distortion
from bench.synth.identity import EARS_COVERED, Identity, distinct_identities

CATS = CATEGORIES[:8]


@dataclass(frozen=True)
class Style:
    """What every video of a generator shares: resolution-limited softness, sensor-like grain, colour."""

    softness: float = 0.0  # Gaussian sigma in pixels at 256 px (scaled with the frame size)
    grain: float = 0.0  # noise standard deviation (0-1 intensity units)
    saturation: float = 1.0
    tint: tuple = (1.0, 1.0, 1.0)

    def apply(self, img: np.ndarray, fg: np.ndarray, yaw_deg: float, cam) -> np.ndarray:
        import cv2

        if self.softness > 0:
            img = cv2.GaussianBlur(img, (0, 0), self.softness * cam.size / 256.0)
        if self.saturation != 1.0 or self.tint != (1.0, 1.0, 1.0):
            grey = img.mean(axis=2, keepdims=True)
            img = (grey + (img - grey) * self.saturation) * np.asarray(self.tint, np.float32)
        if self.grain > 0:
            rng = np.random.default_rng(int(round((yaw_deg + 360) * 1000)))
            img = img + self.grain * rng.standard_normal(img.shape[:2]).astype(np.float32)[..., None] * fg[..., None]
        return img


@dataclass(frozen=True)
class GeneratorProfile:
    name: str
    rates: dict  # category -> probability that a video shows a distortion of it
    severity: tuple  # Beta(a, b) over (0, 1), mapped to [0.12, 1]
    style: Style = field(default_factory=Style)


def _rates(eye, mouth, hair, facial, head, overlap, blur, acc) -> dict:
    return dict(zip(CATS, (eye, mouth, hair, facial, head, overlap, blur, acc)))


# Profiles echo the paper's observations: one network far worse than the rest (eyes and facial
# features), one sharp network whose artifacts are structural (good quality, weaker authenticity,
# like the paper's EG3D) and one soft network with few structural faults (the opposite, like PanoHead).
GENERATORS = (
    GeneratorProfile("genA-w1", _rates(0.80, 0.25, 0.20, 0.60, 0.25, 0.20, 0.15, 0.10), (3.0, 2.0),
                     Style(0.5, 0.012, 0.9)),
    GeneratorProfile("genA-w2", _rates(0.06, 0.04, 0.10, 0.18, 0.10, 0.10, 0.12, 0.08), (1.4, 3.5),
                     Style(0.3, 0.0)),
    GeneratorProfile("genB-w1", _rates(0.07, 0.18, 0.08, 0.26, 0.08, 0.12, 0.18, 0.10), (1.6, 3.2),
                     Style(0.4, 0.006, 1.05)),
    GeneratorProfile("genB-w2", _rates(0.06, 0.05, 0.16, 0.20, 0.08, 0.07, 0.12, 0.20), (1.4, 3.4),
                     Style(0.3, 0.0, 1.0, (1.02, 1.0, 0.97))),
    GeneratorProfile("genC-w1", _rates(0.10, 0.10, 0.15, 0.22, 0.32, 0.32, 0.04, 0.12), (1.8, 2.8),
                     Style(0.0, 0.0, 1.08)),
    GeneratorProfile("genC-w2", _rates(0.06, 0.08, 0.10, 0.20, 0.22, 0.24, 0.04, 0.08), (1.5, 3.2),
                     Style(0.0, 0.0, 1.05)),
    GeneratorProfile("genD-w1", _rates(0.08, 0.08, 0.15, 0.18, 0.05, 0.08, 0.40, 0.10), (1.6, 3.0),
                     Style(1.1, 0.01, 0.95)),
    GeneratorProfile("genD-w2", _rates(0.45, 0.40, 0.15, 0.25, 0.12, 0.22, 0.25, 0.28), (2.0, 2.6),
                     Style(0.8, 0.008, 0.95, (0.98, 1.0, 1.03))),
    GeneratorProfile("genE-w1", _rates(0.30, 0.32, 0.30, 0.45, 0.18, 0.42, 0.18, 0.15), (2.0, 2.6),
                     Style(0.5, 0.004)),
    GeneratorProfile("genE-w2", _rates(0.30, 0.25, 0.40, 0.42, 0.10, 0.35, 0.14, 0.14), (1.3, 3.6),
                     Style(0.3, 0.0)),
)
GENERATOR_NAMES = tuple(g.name for g in GENERATORS)


@dataclass
class VideoPlan:
    id: str
    index: int
    generator: str
    identity: Identity
    distortions: list

    def to_dict(self) -> dict:
        return {"id": self.id, "index": self.index, "generator": self.generator,
                "identity": self.identity.to_dict(), "identity_summary": self.identity.summary(),
                "distortions": [d.to_dict() for d in self.distortions]}


def generator_of(index: int, n_videos: int) -> GeneratorProfile:
    """Consecutive blocks of n/10 videos per generator (the release's 200-seed blocks at full size)."""
    return GENERATORS[min(index * len(GENERATORS) // max(n_videos, 1), len(GENERATORS) - 1)]


def plan_distortions(profile: GeneratorProfile, identity: Identity, rng: np.random.Generator,
                     max_count: int = 4) -> list[Distortion]:
    """Which artifacts this generator leaves on this identity, each at its own severity."""
    chosen = [c for c in CATS if rng.random() < profile.rates[c]]
    if len(chosen) > max_count:
        chosen = [str(c) for c in rng.choice(chosen, size=max_count, replace=False)]
        chosen = [c for c in CATS if c in chosen]
    out = []
    for c in chosen:
        options = [v for v in BY_CATEGORY[c] if _available(v, identity)]
        variant = str(rng.choice(options))
        a, b = profile.severity
        sev = 0.12 + 0.88 * rng.beta(a, b)
        out.append(sample_distortion(len(out), variant, round(float(sev), 4), identity, rng))
    return out


def _available(variant: str, identity: Identity) -> bool:
    need = NEEDS.get(variant)
    if need and getattr(identity, need) == "none":
        return False
    if variant == "hair_bleed" and identity.hair_style in ("bald", "buzz"):
        return False
    if variant in ("ear_melt", "earring_float") and identity.hair_style in EARS_COVERED:
        return False
    return True


def make_plan(n_videos: int, seed: int) -> list[VideoPlan]:
    """Identities (distinct), generators (blocks) and planted distortions of every video."""
    ids = distinct_identities(n_videos, lambda i, attempt: np.random.default_rng([seed, i, attempt, 11]),
                              min_distance=1.0)
    plans = []
    for i, idt in enumerate(ids):
        prof = generator_of(i, n_videos)
        ds = plan_distortions(prof, idt, np.random.default_rng([seed, i, 22]))
        plans.append(VideoPlan(f"seed{i:04d}", i, prof.name, idt, ds))
    return plans


def profile_by_name(name: str) -> GeneratorProfile:
    for g in GENERATORS:
        if g.name == name:
            return g
    raise KeyError(name)
