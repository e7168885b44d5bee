"""The questions put to every LMM: the authors' rating prompts, the answer they expect, the distortion question.

Rating prompts are the authors' own words, from their label files (`datasets/{text,numerical}/*.json` of
the LMME3DHF repository), one per dimension; their answers read "The quality of the human face in this
video is good." Level-token scoring puts that sentence's opening in the assistant's turn and reads the
next token; generation asks the same question and parses the free answer. The distortion question is
the one LMME3DHF is asked (Table 2 compares the answers to one question): every category named, select
all that apply.
"""
from __future__ import annotations

from bench.data.categories import CATEGORIES
from bench.data.levels import LEVELS

DIMENSIONS = ("quality", "authenticity")

PROMPTS = {
    "quality": ("Please rate the quality of the human face in this video, considering factors such as "
                "resolution, clarity, smoothness, and overall visual quality."),
    "authenticity": ("Please rate the authenticity of the human face in this video, considering factors such "
                     "as natural facial movements, consistency, texture realism, and any signs of digital "
                     "manipulation or artificial generation."),
}

# Generation mode only: without it zero-shot models answer in paragraphs or on a 1-10 scale; with it
# they answer in the five words Eq. 4 levels are named by (the parser still reads other answers).
LEVEL_HINT = "Answer with one of these words: " + ", ".join(reversed(LEVELS)) + "."

# Section 5.2: models "are required to select from predefined distortion categories as defined in Section 3".
# The nine names are separated by semicolons: "Blurring / Exposure / Grain" holds slashes, others "or".
DISTORTION_QUESTION = ("Which types of distortion does the human face in this video show? Select all that apply "
                       "from these categories: " + "; ".join(CATEGORIES) + ".")


def check_dimension(dimension: str) -> str:
    if dimension not in PROMPTS:
        raise ValueError(f"unknown dimension {dimension!r}; choose one of {DIMENSIONS}")
    return dimension


def answer_prefix(dimension: str) -> str:
    """The opening of the authors' answer, up to where the level word goes (no trailing space)."""
    return f"The {check_dimension(dimension)} of the human face in this video is"


def level_words() -> list[str]:
    """The five level words as they follow the answer prefix (leading space), bad first."""
    return [" " + level for level in LEVELS]


def rating_question(dimension: str, hint: bool) -> str:
    """The generation-mode question: the authors' prompt, then LEVEL_HINT when `hint`."""
    prompt = PROMPTS[check_dimension(dimension)]
    return f"{prompt} {LEVEL_HINT}" if hint else prompt
