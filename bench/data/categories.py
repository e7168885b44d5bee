"""The paper's nine distortion categories (section 3.3) and the description -> category rule.

The rule reads a free-text description (an annotator's typed or transcribed words) and returns
every category it names (multi-label). It runs on the stand-in's simulated descriptions and on
real annotator text alike:

1. The text is lower-cased; each category has regular expressions over whole words (with their
   plural/inflected forms spelled out), so "brown" is not "brow", "earring" is not "ear",
   "eyeglasses" is not "eye" and "capture" is not "cap".
2. Accessory words are matched first and removed, so "eyeglasses" or "earrings" do not also
   count as eyes or ears.
3. Generic face words ("face", "facial", "skin") only name Facial Feature Distortions when no
   other category was found: in "blurry on the left half of the face" the face is a location,
   not the distortion.
4. Nothing found (an empty text, "no distortion", "looks natural") gives "No Distortion".
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
ACCESSORY = "Accessories or Cloth Distortions"
FACIAL = "Facial Feature Distortions"

# Short keys for file names, CLI output and table headers.
SHORT = dict(zip(CATEGORIES, ("eye", "mouth", "hair", "facial", "head", "overlap", "blur", "accessory", "none")))

PATTERNS = {
    ACCESSORY: [r"(eye)?glass(es)?", r"spectacles?", r"sunglasses", r"hats?", r"caps?", r"helmets?", r"hoods?",
                r"earrings?", r"necklaces?", r"jewels?", r"jewel(le)?ry", r"accessor(y|ies)", r"cloth(es|ing)?", r"collars?",
                r"shirts?", r"headbands?", r"scarf|scarves", r"ties?"],
    "Eye Distortions": [r"eyes?", r"eyeballs?", r"pupils?", r"iris(es)?", r"eyelids?", r"eyelash(es)?",
                        r"eyebrows?", r"brows?", r"squint(ing|s)?", r"cross-eyed", r"gaze"],
    "Mouth Distortions": [r"mouths?", r"lips?", r"teeth", r"tooth", r"tongue", r"smile", r"gums?"],
    "Hair Distortions": [r"hair(s|line|style)?", r"fringe", r"bangs", r"bald", r"beards?", r"m[ou]stache",
                         r"strands?", r"curls?", r"sideburns?"],
    FACIAL: [r"noses?", r"nostrils?", r"cheeks?", r"cheekbones?", r"foreheads?", r"ears?", r"chin", r"jaw(line)?",
             r"wrinkles?", r"asymmetr(y|ic|ical)", r"(facial )?features?", r"dimples?", r"temples?"],
    "Head Structure Distortions": [r"head shape", r"head structure", r"skull", r"back of (the )?head",
                                   r"side of (the )?head", r"misshapen head", r"flat(tened)? head", r"head is",
                                   r"neck", r"geometry", r"missing part", r"silhouette",
                                   r"cone[- ]?head", r"elongated head"],
    "Overlap or Blending Issues": [r"overlap(s|ping|ped)?", r"blend(s|ing|ed)?", r"merg(e|es|ed|ing)", r"seams?",
                                   r"ghost(ing|ed)?", r"double", r"duplicat(e|ed|ion)", r"float(s|ing)?", r"artifacts?",
                                   r"artefacts?", r"inconsisten(t|cy)", r"tear(s|ing)?", r"fus(e|ed|ing)"],
    "Blurring / Exposure / Grain": [r"blur(s|red|ry|riness)?", r"out of focus", r"(over|under)[- ]?expos(ed|ure)",
                                    r"exposure", r"too (dark|bright)", r"washed[- ]out", r"grain(y|s)?", r"noise",
                                    r"noisy", r"low[- ]resolution", r"pixelat(ed|ion)", r"fuzzy", r"dark smudges?",
                                    r"glare", r"(uneven|bad|strange) lighting"],
}
GENERIC_FACE = [r"faces?", r"facial", r"skin"]


def _compile(words) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b")


_REGEX = {c: _compile(w) for c, w in PATTERNS.items()}
_GENERIC = _compile(GENERIC_FACE)


def categories_from_description(text: str | None) -> tuple[str, ...]:
    """Categories a free-text description names, in `CATEGORIES` order (multi-label)."""
    if not text or not text.strip():
        return (NO_DISTORTION,)
    low = text.lower()
    found = set()
    if _REGEX[ACCESSORY].search(low):
        found.add(ACCESSORY)
        low = _REGEX[ACCESSORY].sub(" ", low)  # "eyeglasses", "earrings" name no eye or ear
    found |= {c for c, rx in _REGEX.items() if c != ACCESSORY and rx.search(low)}
    if not found and _GENERIC.search(low):
        found.add(FACIAL)
    if not found:
        return (NO_DISTORTION,)
    return tuple(c for c in CATEGORIES if c in found)


def check_categories(names) -> list[str]:
    """The names that are not one of the nine categories."""
    return [n for n in names if n not in CATEGORIES]
