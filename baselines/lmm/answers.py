"""From a model's output to the harness's answers: level probabilities, parsed levels and categories.

- Level-token scoring (Q-Bench / Q-Align): the logits of the five level words after the answer prefix,
  softmax over those five, expected level in 1 (bad) .. 5 (excellent) as the score.
- Generation: the free answer is parsed to a level (`parse_level`) and scored 1..5; the raw text is kept.
- The distortion answer is read by the category rule of `bench.data.categories`, the same rule that
  turns the annotators' descriptions into the labelled categories.
"""
from __future__ import annotations

import math
import re
from typing import NamedTuple, Optional

import numpy as np

from bench.data.categories import categories_from_description
from bench.data.levels import LEVELS


class LevelScore(NamedTuple):
    score: float  # expected level, 1 (bad) .. 5 (excellent)
    probs: dict  # level word -> probability (the softmax over the five level logits)
    text: str  # the answer these probabilities make most likely ("... is good")

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


def expected_level(level_logits) -> tuple[float, dict]:
    """(expected level in [1, 5], {level: probability}) from the five level logits, bad first."""
    z = np.asarray(level_logits, dtype=np.float64)
    if z.shape != (len(LEVELS),) or not np.all(np.isfinite(z)):
        raise ValueError(f"need {len(LEVELS)} finite level logits (bad..excellent), got {z.tolist()}")
    p = np.exp(z - z.max())
    p /= p.sum()
    return float(p @ np.arange(1, len(LEVELS) + 1)), {lv: float(x) for lv, x in zip(LEVELS, p)}


# a negation up to two words before, with no punctuation between ("not very good"; not "not bad, but fair")
_NEGATION = re.compile(r"(?:\b(?:not|never|no|neither|nor|hardly)|n't)\s+(?:\w+\s+){0,2}$")
_LEVEL_WORD = re.compile(r"\b(" + "|".join(LEVELS) + r")\b")
# "4/5", "4 out of 5", "7.5/10", "82/100"
_FRACTION = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:/|out of)\s*(5|10|100)\b")
_BARE_DIGIT = re.compile(r"^\W*([1-5])\W*$")


def parse_level(text: str) -> Optional[str]:
    """The level a free answer gives, or None.

    In order: the first level word not negated in the two words before it ("not bad" names no
    level, "not excellent, but good" names good); else a score written as a fraction of 5, 10 or 100,
    mapped onto five equal bins as Eq. 4 maps MOS; else an answer that is one digit 1-5.
    """
    low = (text or "").lower()
    for m in _LEVEL_WORD.finditer(low):
        if not _NEGATION.search(low[:m.start()]):
            return m.group(1)
    m = _FRACTION.search(low)
    if m:
        value, scale = float(m.group(1)), float(m.group(2))
        if 0 <= value <= scale:
            return LEVELS[min(max(math.ceil(value / scale * len(LEVELS)), 1), len(LEVELS)) - 1]
    m = _BARE_DIGIT.match(low)
    return LEVELS[int(m.group(1)) - 1] if m else None


def level_answer(text: str) -> LevelAnswer:
    level = parse_level(text)
    return LevelAnswer(level, None if level is None else float(LEVELS.index(level) + 1), text)


def distortion_answer(text: str) -> DistortionAnswer:
    return DistortionAnswer(categories_from_description(text), text)
