"""Simulated subjects of the stand-in's subjective study: raw 0-5 slider ratings.

The paper's 24 subjects rated every video on two sliders (quality, authenticity, 0 to 5).
Here each simulated subject has a bias, a gain (how much of the slider they use), a noise
level, and a personal sensitivity to each distortion category; a few are unreliable (they
rate at random, very noisily, or at the extremes). What a subject perceives comes from the
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
    [0.9, 1.2],   # eye
    [0.8, 1.0],   # mouth
    [1.0, 0.6],   # hair
    [0.8, 1.1],   # facial features
    [0.6, 1.4],   # head structure
    [0.7, 1.3],   # overlap / blending
    [1.4, 0.45],  # blurring / exposure / grain
    [0.7, 0.6],   # accessories / cloth
])
STYLE_WEIGHTS = {"softness": (0.55, 0.2), "grain": (14.0, 5.0)}  # per px of softness at 256 px, per unit grain

# Latent opinion on the slider scale: TOP for a flawless video, falling by up to SPAN as
# the impairment grows (saturating: a second defect hurts less than the first).
TOP, SPAN, TAU = 4.35, 3.9, 1.6
CONTENT_SD = 0.22  # what subjects agree on beyond the planted defects (identity, lighting...)
HALO = 0.6  # correlation of one subject's noise between the two sliders of one video


@dataclass
class Subject:
    id: str
    kind: str  # "reliable", "random", "noisy", "extreme"
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
    rng = rng or np.random.default_rng(0)
    kinds = ["reliable"] * (n_subjects - n_unreliable) + [("random", "noisy", "extreme")[i % 3]
                                                         for i in range(n_unreliable)]
    order = rng.permutation(n_subjects)  # unreliable subjects are not the last ids
    panel = []
    for i, j in enumerate(order):
        kind = kinds[j]
        panel.append(Subject(id=f"S{i + 1:02d}", kind=kind, bias=float(rng.normal(0, 0.35)),
                             gain=float(rng.uniform(0.75, 1.3)),
                             noise=float(rng.uniform(0.75, 1.05) * (3.0 if kind == "noisy" else 1.0)),
                             sensitivity=np.exp(rng.normal(0, 0.25, len(CATS)))))
    return panel


def percept_of(video_id: str, visibility_by_cat: np.ndarray, style, rng: np.random.Generator) -> Percept:
    content = rng.multivariate_normal([0, 0], CONTENT_SD ** 2 * np.array([[1, 0.7], [0.7, 1]]))
    return Percept(video_id, np.asarray(visibility_by_cat, float), float(style.softness), float(style.grain), content)


def latent_opinion(p: Percept, sensitivity: np.ndarray | None = None) -> np.ndarray:
    """(quality, authenticity) on the slider scale for a subject with `sensitivity` (ones = average)."""
    sens = np.ones(len(CATS)) if sensitivity is None else sensitivity
    imp = (p.visibility * sens) @ WEIGHTS
    imp = imp + p.softness * np.array(STYLE_WEIGHTS["softness"]) + p.grain * np.array(STYLE_WEIGHTS["grain"])
    return TOP - SPAN * (1 - np.exp(-imp / TAU)) + p.content


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
            if s.kind == "random" and wild[j] < 0.7:
                r = uniform[j]
            elif s.kind == "extreme" and wild[j] < 0.5:
                r = np.where(uniform[j] > 2.5, 5.0, 0.0)
            r = np.clip(r, 0, 5)
            for dim, v in zip(("quality", "authenticity"), r):
                rows.append((s.id, p.id, dim, round(float(v), 2)))
    return rows
