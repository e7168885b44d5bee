"""The words models are asked and answer with: the authors' own prompts and answer format (from their
label files, `YyWooo/LMME3DHF` `main/datasets/`), the distortion question of Table 2, and the parsing
of answers back into levels and categories. Shared by the zero-shot LMMs and LMME3DHF, so every
model is asked the same thing.
"""
from __future__ import annotations

import re
from typing import Optional

from bench.data.categories import CATEGORIES, categories_from_description
from bench.data.levels import LEVELS

SYSTEM = "You are a helpful assistant."  # the authors' ms-swift `--system`

# Per dimension, verbatim from the official label files.
PROMPTS = {
    "quality": ("Please rate the quality of the human face in this video, considering factors such as "
                "resolution, clarity, smoothness, and overall visual quality."),
    "authenticity": ("Please rate the authenticity of the human face in this video, considering factors such "
                     "as natural facial movements, consistency, texture realism, and any signs of digital "
                     "manipulation or artificial generation."),
}


def answer_prefix(dimension: str) -> str:
    """The assistant's words before the level: "The quality of the human face in this video is"."""
    return f"The {dimension} of the human face in this video is"


def level_answer(dimension: str, level: str) -> str:
    return f"{answer_prefix(dimension)} {level}."


# Table 2: "Models are asked to identify and classify the types of distortions present in the video
# content. They are required to select from predefined distortion categories as defined in Section 3."
DISTORTION_QUESTION = ("Which types of distortion does the human face in this video show? Select all that apply "
                       "from these categories: " + "; ".join(CATEGORIES) + ".")
DISTORTION_PREFIX = "The distortions of the human face in this video are:"


# LMME3DHF's saliency forward: the instruction comes BEFORE the video, so that the visual tokens (whose
# features the saliency decoder reads) attend to it; Table 4's "empty prompt" ablation leaves it out.
SALIENCY_PROMPT = "Find the regions of the human face in this video that show distortions."


def distortion_answer(categories) -> str:
    return f"{DISTORTION_PREFIX} {'; '.join(c for c in CATEGORIES if c in set(categories))}."


def parse_distortions(text: str) -> tuple:
    """Categories named in an answer: the category names themselves first, else the description rule."""
    found = [c for c in CATEGORIES if c.lower() in (text or "").lower()]
    return tuple(found) if found else categories_from_description(text or "")


_NUMBER = re.compile(r"\b([1-5])(?:\s*(?:/|out of)\s*5)?\b")


def parse_level(text: str) -> Optional[str]:
    """The level an answer gives: the first level word after any answer prefix ("not bad" reads as fair,
    a negated level is skipped), else a 1-5 number; None when there is none."""
    words = re.findall(r"[a-z]+|\d", (text or "").lower())
    for i, w in enumerate(words):
        if w in LEVELS:
            if i > 0 and words[i - 1] in ("not", "never", "hardly"):
                if w in ("bad", "poor"):
                    return "fair"
                continue
            return w
    m = _NUMBER.search(text or "")
    return LEVELS[int(m.group(1)) - 1] if m else None
