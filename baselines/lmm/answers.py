"""From a model's output to the harness's answers: level probabilities, parsed levels and categories.

- Level-token scoring (Q-Bench / Q-Align): the logits of the five level words after the answer prefix,
  softmax over those five, expected level in 1 (bad) .. 5 (excellent) as the score.
- Generation: the free answer is parsed to a level (`bench.data.prompts.parse_level`) and scored 1..5;
  the raw text is kept.
- The distortion answer is read into categories by `bench.data.prompts.parse_distortions` (the category
  rule of `bench.data.categories`, which also makes the labels).
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from bench.data.levels import LEVELS
from bench.data.prompts import parse_distortions, parse_level


class LevelScore(NamedTuple):
    score: float  # expected level, 1 (bad) .. 5 (excellent)
    probs: dict  # level word -> probability (the softmax over the five level logits)

    @property
    def level(self) -> str:
        """The likeliest level word: this mode's level answer (for level accuracy)."""
        return max(self.probs, key=self.probs.get)


class LevelAnswer(NamedTuple):
    level: Optional[str]  # None when the answer names no level
    score: Optional[float]  # 1..5, None when unparsed
    text: str  # the raw generated answer


class DistortionAnswer(NamedTuple):
    categories: tuple  # names from bench.data.categories.CATEGORIES
    text: str  # the raw generated answer


def expected_level(level_logits) -> LevelScore:
    """The expected level in [1, 5] and {level: probability} from the five level logits, bad first."""
    z = np.asarray(level_logits, dtype=np.float64)
    if z.shape != (len(LEVELS),) or not np.all(np.isfinite(z)):
        raise ValueError(f"need {len(LEVELS)} finite level logits (bad..excellent), got {z.tolist()}")
    p = np.exp(z - z.max())
    p /= p.sum()
    return LevelScore(float(p @ np.arange(1, len(LEVELS) + 1)), {lv: float(x) for lv, x in zip(LEVELS, p)})


def read_level(text: str) -> LevelAnswer:
    level = parse_level(text)
    return LevelAnswer(level, None if level is None else float(LEVELS.index(level) + 1), text)


def read_distortions(text: str) -> DistortionAnswer:
    return DistortionAnswer(parse_distortions(text), text)
