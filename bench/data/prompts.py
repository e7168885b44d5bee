"""The words models are asked and answer with, in one place: the authors' own prompts and answer format (from
their label files, `YyWooo/LMME3DHF` `main/datasets/`), the distortion question of Table 2, and the parsing
of answers back into levels and categories. Shared by the zero-shot LMMs (`baselines/lmm/`) and LMME3DHF,
so every model is asked the same thing and every answer is read by the same rules.

- Rating: `PROMPTS[dimension]`, answered "The quality of the human face in this video is good."
  (`level_answer`). Level-token scoring puts the answer's opening (`answer_prefix`) in the assistant's
  turn and reads the next token's logits for the five `level_words()`; generation asks
  `rating_question(...)` and reads the free answer with `parse_level`.
- Distortions: `DISTORTION_QUESTION` names the nine categories of section 3 ("select all that apply");
  `parse_distortions` reads an answer into categories with the category rule of
  `bench.data.categories` (the rule that turns the annotators' descriptions into the labels).
"""
from __future__ import annotations

import math
import re
from typing import Optional

from bench.data.categories import CATEGORIES, categories_from_description
from bench.data.levels import LEVELS

DIMENSIONS = ("quality", "authenticity")
SYSTEM = "You are a helpful assistant."  # the authors' ms-swift `--system`

# Per dimension, verbatim from the official label files.
PROMPTS = {
    "quality": ("Please rate the quality of the human face in this video, considering factors such as "
                "resolution, clarity, smoothness, and overall visual quality."),
    "authenticity": ("Please rate the authenticity of the human face in this video, considering factors such "
                     "as natural facial movements, consistency, texture realism, and any signs of digital "
                     "manipulation or artificial generation."),
}

# Generation only: without it zero-shot models answer in paragraphs or on a 1-10 scale; with it they answer
# in the five words Eq. 4's levels are named by (the parser still reads other answers).
LEVEL_HINT = "Answer with one of these words: " + ", ".join(reversed(LEVELS)) + "."


def check_dimension(dimension: str) -> str:
    if dimension not in PROMPTS:
        raise ValueError(f"unknown dimension {dimension!r}; choose one of {DIMENSIONS}")
    return dimension


def answer_prefix(dimension: str) -> str:
    """The assistant's words before the level, no trailing space: "The quality of the human face in this video is"."""
    return f"The {check_dimension(dimension)} of the human face in this video is"


def level_answer(dimension: str, level: str) -> str:
    """The authors' answer for a level: "The quality of the human face in this video is good."."""
    return f"{answer_prefix(dimension)} {level}."


def level_words() -> list[str]:
    """The five level words as they follow the answer prefix (with their leading space), bad first."""
    return [" " + level for level in LEVELS]


def rating_question(dimension: str, hint: bool = True) -> str:
    """The generation-mode question: the authors' prompt, then `LEVEL_HINT` when `hint`."""
    prompt = PROMPTS[check_dimension(dimension)]
    return f"{prompt} {LEVEL_HINT}" if hint else prompt


# Table 2: "Models are asked to identify and classify the types of distortions present in the video
# content. They are required to select from predefined distortion categories as defined in Section 3."
# The nine names are separated by semicolons: "Blurring / Exposure / Grain" holds slashes, others "or".
DISTORTION_QUESTION = ("Which types of distortion does the human face in this video show? Select all that apply "
                       "from these categories: " + "; ".join(CATEGORIES) + ".")
DISTORTION_PREFIX = "The distortions of the human face in this video are:"


# LMME3DHF's saliency forward: the instruction comes BEFORE the video, so that the visual tokens (whose
# features the saliency decoder reads) attend to it; Table 4's "empty prompt" ablation leaves it out.
SALIENCY_PROMPT = "Find the regions of the human face in this video that show distortions."


def distortion_answer(categories) -> str:
    """The answer LMME3DHF is taught for a set of categories (in `CATEGORIES` order)."""
    return f"{DISTORTION_PREFIX} {'; '.join(c for c in CATEGORIES if c in set(categories))}."


def parse_distortions(text: Optional[str]) -> tuple:
    """The categories an answer names, in `CATEGORIES` order: the category names themselves when the answer
    uses them (as the question asks), else what the category rule reads in its words ("blurry eyes" ->
    Eye Distortions and Blurring / Exposure / Grain; nothing recognisable -> No Distortion)."""
    low = (text or "").lower()
    named = tuple(c for c in CATEGORIES if c.lower() in low)
    return named or categories_from_description(text or "")


# A negation up to two words before a level word, with no punctuation between ("not very good";
# not "not bad, but fair").
_NEGATION = re.compile(r"(?:\b(?:not|never|no|neither|nor|hardly)|n't)\s+(?:\w+\s+){0,2}$")
_LEVEL_WORD = re.compile(r"\b(" + "|".join(LEVELS) + r")\b")
_FRACTION = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:/|out of)\s*(5|10|100)\b")  # "4/5", "4 out of 5", "82/100"
_BARE_DIGIT = re.compile(r"^\W*([1-5])\W*$")
_BELOW_FAIR = ("bad", "poor")


def parse_level(text: Optional[str]) -> Optional[str]:
    """The level a free answer gives, or None when it gives none.

    In order: the first level word that is not negated in the two words before it; a negated "bad" or
    "poor" ("not bad", "not too poor") reads as "fair", the next level up, which is what the phrase
    means, while another negated level ("not excellent") names none and the search goes on ("not
    excellent, but good" is good). Else a score written as a fraction of 5, 10 or 100, mapped onto five
    equal bins as Eq. 4 maps MOS ("7.5/10" is good). Else an answer that is only one digit 1-5.
    """
    low = (text or "").lower()
    for m in _LEVEL_WORD.finditer(low):
        if not _NEGATION.search(low[:m.start()]):
            return m.group(1)
        if m.group(1) in _BELOW_FAIR:
            return "fair"
    m = _FRACTION.search(low)
    if m:
        value, scale = float(m.group(1)), float(m.group(2))
        if 0 <= value <= scale:
            return LEVELS[min(max(math.ceil(value / scale * len(LEVELS)), 1), len(LEVELS)) - 1]
    m = _BARE_DIGIT.match(low)
    return LEVELS[int(m.group(1)) - 1] if m else None
