"""The paper's nine distortion categories (section 3.3) and the description -> category rule.

The rule is keyword matching on a lower-cased description, one keyword list per
category; it runs on the stand-in's simulated descriptions and on real annotator
text alike. A description that matches nothing, or that says there is no
distortion, maps to "No Distortion".
"""
from __future__ import annotations

import re

CATEGORIES = (
    "Eye Distortions",
    "Mouth Distortions",
    "Hair Distortions",
    "Facial Feature Distortions",
    "Head Structure Distortions",
    "Overlap or Blending Issues",
    "Blurring / Exposure / Grain",
    "Accessories or Cloth Distortions",
    "No Distortion",
)
NO_DISTORTION = CATEGORIES[-1]

# Short keys for file names, CLI output and table headers.
SHORT = dict(zip(CATEGORIES, ("eye", "mouth", "hair", "facial", "head", "overlap", "blur", "accessory", "none")))

KEYWORDS = {
    "Eye Distortions": ["eye", "pupil", "iris", "eyelid", "eyelash", "eyebrow", "brow", "squint", "cross-eyed", "gaze"],
    "Mouth Distortions": ["mouth", "lip", "teeth", "tooth", "smile", "jaw line of mouth", "chin dimple"],
    "Hair Distortions": ["hair", "fringe", "bang", "bald", "beard", "moustache", "mustache", "hairline", "strand"],
    "Facial Feature Distortions": ["nose", "nostril", "cheek", "forehead", "ear", "chin", "skin", "face", "facial",
                                   "wrinkle", "asymmetr", "feature"],
    "Head Structure Distortions": ["head shape", "skull", "head structure", "back of the head", "neck", "deform",
                                   "geometry", "flat", "missing part", "hollow", "profile", "side of the head",
                                   "shape"],
    "Overlap or Blending Issues": ["overlap", "blend", "merge", "seam", "ghost", "double", "duplicate", "floating",
                                   "artifact", "patch", "inconsisten", "tear"],
    "Blurring / Exposure / Grain": ["blur", "blurry", "exposure", "overexpos", "underexpos", "dark", "bright",
                                    "grain", "noise", "noisy", "low resolution", "pixel", "fuzzy", "washed"],
    "Accessories or Cloth Distortions": ["glasses", "spectacle", "hat", "cap", "earring", "necklace", "cloth",
                                         "collar", "shirt", "accessor", "jewel", "headband"],
}
_NONE_PATTERNS = ("no distortion", "no obvious distortion", "no visible distortion", "looks fine", "nothing wrong",
                  "looks natural", "none")


def categories_from_description(text: str | None) -> tuple[str, ...]:
    """Categories a free-text description names, in `CATEGORIES` order (multi-label)."""
    if not text or not text.strip():
        return (NO_DISTORTION,)
    low = text.lower()
    if any(re.search(rf"\b{re.escape(p)}\b", low) for p in _NONE_PATTERNS) and not _any_keyword(low):
        return (NO_DISTORTION,)
    found = tuple(c for c, words in KEYWORDS.items() if any(_contains(low, w) for w in words))
    return found or (NO_DISTORTION,)


def _any_keyword(low: str) -> bool:
    return any(_contains(low, w) for words in KEYWORDS.values() for w in words)


def _contains(low: str, word: str) -> bool:
    # word-start match, so "ear" does not fire inside "appear" while "eye" matches "eyes"
    return re.search(rf"\b{re.escape(word)}", low) is not None


def check_categories(names) -> list[str]:
    """The names that are not one of the nine categories."""
    return [n for n in names if n not in CATEGORIES]
