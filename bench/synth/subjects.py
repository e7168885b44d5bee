"""Simulated subjects of the stand-in's subjective study: raw 0-5 slider ratings.

The paper's 24 subjects rated every video on two sliders (quality, authenticity, 0 to 5).
Here each simulated subject has a bias, a gain (how much of the slider they use), a noise
level, and a personal sensitivity to each distortion category; a few are unreliable (they
rate very noisily, or slam the slider to its ends). What a subject perceives comes from the
render: for every planted distortion, how visible it was over the orbit
(`videos.visibility`), weighted per dimension: authenticity reacts more to structure,
blending, eyes and facial features, quality more to blur, grain and texture. The
rendering style of the generator (softness, grain) is seen too. Ratings then go through
the same processing as a real study (`bench.study`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.data.categories import CATEGORIES

CATS = CATEGORIES[:8]
# (quality, authenticity) weight of each category's visibility
WEIGHTS = np.array([
    [1.0, 1.3],    # eye
    [0.9, 1.15],   # mouth
    [1.0, 0.85],   # hair
    [0.9, 1.25],   # facial features
    [0.8, 1.45],   # head structure
    [0.85, 1.4],   # overlap / blending
    [1.3, 0.75],   # blurring / exposure / grain
    [0.8, 0.75],   # accessories / cloth
])
STYLE_WEIGHTS = {"softness": (0.5, 0.3), "grain": (12.0, 7.0)}  # per px of softness at 256 px, per unit grain

# Calibrated (through the whole simulated study, 1,000 videos) so that the MOS resemble the official
# label files: spread, tails, top, quality/authenticity correlation (see the project's report).
# Latent opinion on the slider scale: TOP for a flawless video, falling with the impairment I as
# SLOPE * I + CURVE * I^2 (convex: slight flaws barely register, several strong ones ruin a video,
# which gives the official MOS their long left tail and crowded top).
TOP, SLOPE, CURVE = 2.85, 0.266, 0.21
CONTENT_SD = 0.042  # what subjects agree on beyond the planted defects (identity, lighting...)
CONTENT_CORR = 0.8  # ... and how much that agreement is shared by the two dimensions
HALO = 0.8  # correlation of one subject's noise between the two sliders of one video
NOISE = 0.76  # typical standard deviation of a reliable subject's rating noise (slider units)
BIAS_SD = 0.25  # spread of the subjects' biases
UNRELIABLE = ("noisy", "extreme", "erratic")


@dataclass
class Subject:
    id: str
    kind: str  # "reliable", "noisy", "extreme", "erratic"
    bias: float
    gain: float
    noise: float
    sensitivity: np.ndarray  # per category multiplier


@dataclass
class Percept:
    """What every subject could see in one video."""

    id: str
    visibility: np.ndarray  # (8,) summed visibility of the planted distortions of each category
    softness: float
    grain: float
    content: np.ndarray  # (2,) video-specific agreement term per dimension


def make_panel(n_subjects: int = 24, n_unreliable: int = 3, rng: np.random.Generator | None = None) -> list[Subject]:
    """`n_subjects` subjects, `n_unreliable` of them unreliable, at random positions in the id order.

    Unreliable subjects are inconsistent, not biased: "noisy" (three times the usual noise),
    "extreme" (half their ratings slammed to 0 or 5), "erratic" (twice the noise and a third of
    the ratings at an extreme). A merely biased or scale-compressed subject is not unreliable:
    the per-subject z-scores of Eq. 1 absorb that.
    """
    rng = rng or np.random.default_rng(0)
    kinds = ["reliable"] * (n_subjects - n_unreliable) + [UNRELIABLE[i % len(UNRELIABLE)]
                                                         for i in range(n_unreliable)]
    order = rng.permutation(n_subjects)
    panel = []
    for i, j in enumerate(order):
        kind = kinds[j]
        bias, gain = float(rng.normal(0, BIAS_SD)), float(rng.uniform(0.75, 1.3))
        noise = float(NOISE * rng.uniform(0.8, 1.2))
        if kind != "reliable":
            bias, gain = 0.0, 1.0
            noise *= {"noisy": 3.0, "extreme": 1.0, "erratic": 2.0}[kind]
        panel.append(Subject(id=f"S{i + 1:02d}", kind=kind, bias=bias, gain=gain, noise=noise,
                             sensitivity=np.exp(rng.normal(0, 0.25, len(CATS)))))
    return panel


def percept_of(video_id: str, visibility_by_cat: np.ndarray, style, rng: np.random.Generator) -> Percept:
    content = rng.multivariate_normal([0, 0], CONTENT_SD ** 2 * np.array([[1, CONTENT_CORR], [CONTENT_CORR, 1]]))
    return Percept(video_id, np.asarray(visibility_by_cat, float), float(style.softness), float(style.grain), content)


def latent_opinion(p: Percept, sensitivity: np.ndarray | None = None) -> np.ndarray:
    """(quality, authenticity) on the slider scale for a subject with `sensitivity` (ones = average)."""
    sens = np.ones(len(CATS)) if sensitivity is None else sensitivity
    imp = (p.visibility * sens) @ WEIGHTS
    imp = imp + p.softness * np.array(STYLE_WEIGHTS["softness"]) + p.grain * np.array(STYLE_WEIGHTS["grain"])
    return TOP - SLOPE * imp - CURVE * imp ** 2 + p.content


def simulate_ratings(percepts: list[Percept], panel: list[Subject], rng: np.random.Generator) -> list[tuple]:
    """Rows (subject, video, dimension, rating): every subject rates every video on both sliders."""
    rows = []
    cov = np.array([[1, HALO], [HALO, 1]])
    for s in panel:
        noise = rng.multivariate_normal([0, 0], cov, size=len(percepts)) * s.noise
        wild = rng.random(len(percepts))
        uniform = rng.uniform(0, 5, size=(len(percepts), 2))
        for j, p in enumerate(percepts):
            lat = latent_opinion(p, s.sensitivity)
            r = 3.0 + s.gain * (lat - 3.0) + s.bias + noise[j]
            if (s.kind == "extreme" and wild[j] < 0.5) or (s.kind == "erratic" and wild[j] < 0.33):
                r = np.where(uniform[j] > 2.5, 5.0, 0.0)
            r = np.clip(r, 0, 5)
            for dim, v in zip(("quality", "authenticity"), r):
                rows.append((s.id, p.id, dim, round(float(v), 2)))
    return rows
