"""Simulated annotators: red dots on the 3-view image near the real distortions, and a short description.

Three annotators per video, as in the paper. Each notices a planted distortion with a
probability that grows with its visibility (some annotators are more thorough), marks it
with one to three dots at pixels where it shows in one of the three views (with a little
hand jitter), and names it in words drawn from a per-variant vocabulary. Every phrase of
the vocabulary maps to its own category under `bench.data.categories.categories_from_description`
(tested), so the documented rule recovers the categories from the text, as it must for
real descriptions. Dots and descriptions are the raw annotation data that `bench.study`
then processes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# {side} is "left"/"right" as seen in the frontal view; {where} a coarse location
PHRASES = {
    "eye_shift": ["the {side} eye is misaligned", "{side} eye is bigger than the other one",
                  "the {side} eye sits too high", "eyes do not match, {side} one is off"],
    "iris_smear": ["the pupil of the {side} eye is smeared", "iris colour of the {side} eye looks wrong",
                   "{side} eye has a strange torn pupil"],
    "socket_warp": ["the {side} eye socket is sunken", "{side} eye looks sunken",
                    "the eyelid of the {side} eye is warped"],
    "lip_warp": ["the mouth is warped", "lips are wavy and uneven", "the lips look melted"],
    "mouth_smear": ["strange teeth smeared across the mouth", "white smear over the lips",
                    "the mouth is filled with smudged teeth"],
    "mouth_droop": ["the {side} corner of the mouth droops", "mouth is twisted to the {side}",
                    "lips are pulled down on the {side}"],
    "hair_hole": ["hair has a hole on the {where}", "a bald spot in the hair on the {where}",
                  "missing hair on the {where}"],
    "hair_spikes": ["the hair is spiky and messy on the {where}", "hair strands stick out on the {where}",
                    "rough lumpy hair on the {where}"],
    "hair_blotch": ["odd colour blotch in the hair on the {where}", "the hair changes colour on the {where}",
                    "discoloured hair on the {where}"],
    "hair_tuft": ["a stray tuft of hair on the scalp", "a lump of hair stuck on the bald scalp"],
    "nose_bend": ["the nose is bent", "nose is crooked to the {side}", "the tip of the nose is twisted"],
    "cheek_lump": ["a lump on the {side} cheek", "the {side} cheek is swollen", "a dent in the {side} cheek"],
    "ear_melt": ["the {side} ear is malformed", "the {side} ear looks melted and spiky", "ear on the {side} is misshapen"],
    "forehead_crease": ["a dent in the forehead", "creases across the forehead", "the forehead is uneven"],
    "skull_flat": ["the skull is caved in at the {where}", "the side of the head is flattened",
                   "head shape is wrong, flattened on the {where}"],
    "skull_cone": ["the skull is pointed at the top", "the head shape is too tall and pointed",
                   "the skull bulges on top"],
    "jaw_shift": ["the head shape is lopsided at the lower {side}", "the skull is lopsided on the {side} below",
                  "head structure is wrong around the lower {side}"],
    "neck_warp": ["the neck is too thin", "the neck looks pinched", "the neck is oddly narrow on the {side}"],
    "seam": ["a visible seam on the {side}", "colours do not blend on the {side}",
             "two textures meet in a seam on the {side}"],
    "ghost_feature": ["a ghostly duplicate printed on the {side}", "double image on the {side}",
                      "a ghost mark on the {side}"],
    "hair_bleed": ["colours blend into each other near the top {side}", "a ghostly blend near the top {side}",
                   "textures merge near the top {side}"],
    "floater": ["floating blobs next to the {side}", "detached fragments floating in the air",
                "bits floating beside the {side}"],
    "blur": ["the {where} is blurry", "blurred area on the {where}", "the {where} looks fuzzy"],
    "grain": ["grainy noise on the {where}", "the {where} is noisy", "heavy grain on the {where}"],
    "exposure_up": ["overexposed area on the {where}", "the {where} is too bright", "washed out on the {where}"],
    "exposure_down": ["the {where} is too dark", "underexposed area on the {where}", "dark smudge on the {where}"],
    "glasses_break": ["the glasses are broken", "the glasses frame is bent", "glasses frame is melted on the {side}"],
    "earring_float": ["the jewellery hangs in the wrong place", "jewellery is detached on the {side}",
                      "the jewel on the {side} is misplaced"],
    "hat_warp": ["the hat is warped", "the hat has a lumpy bulge", "hat looks crumpled"],
    "collar_melt": ["the collar is melting", "the shirt looks melted", "cloth around the collar is torn up"],
}
NO_DISTORTION_PHRASES = ["no obvious distortion", "looks natural", "no visible distortion", "nothing wrong"]


@dataclass
class Annotator:
    id: str
    threshold: float  # visibility at which this annotator notices a defect 63% of the time
    dots_mean: float  # extra dots per noticed defect (Poisson mean)
    jitter: float  # hand jitter of a dot, pixels at 256 px per view


def make_annotators(rng: np.random.Generator, n: int = 3) -> list[Annotator]:
    return [Annotator(f"A{i + 1}", float(rng.uniform(0.06, 0.16)), float(rng.uniform(0.2, 0.8)),
                      float(rng.uniform(0.8, 2.0))) for i in range(n)]


def phrase_key(d) -> str:
    if d.variant == "exposure":
        return "exposure_up" if d.params.get("sign", 1) > 0 else "exposure_down"
    if d.variant in ("hair_hole", "hair_spikes", "hair_blotch") and d.params.get("bald"):
        return "hair_tuft"
    return d.variant


def location_words(d) -> dict:
    side = "right" if d.phi > 0 else "left"  # the viewer's right in the frontal view
    a = abs(d.phi)
    # no word that the category rule reads as a facial feature ("face", "cheek"...): a location only
    if d.theta > 1.0:
        where = "top"
    elif a > 2.3:
        where = "back"
    elif a > 1.2:
        where = f"{side} side"
    else:
        where = f"front {side}" if d.theta < 0.5 else "top"
    return {"side": side, "where": where}


def describe(d, rng: np.random.Generator) -> str:
    return str(rng.choice(PHRASES[phrase_key(d)])).format(**location_words(d))


def annotate_video(video_id: str, distortions: list, visibility: np.ndarray, mask: np.ndarray, size: int,
                   annotators: list[Annotator], rng: np.random.Generator, dot_radius: int) -> list[dict]:
    """One record per annotator: {"video", "annotator", "dots": [[x, y], ...], "description"}.

    `mask` is the 3-view truth mask (0 = none, k + 1 = distortion k), `size` one view's width.
    """
    records = []
    H, W = mask.shape
    margin = dot_radius + 1
    for a in annotators:
        dots, phrases = [], []
        for k, d in enumerate(distortions):
            p_notice = 1 - np.exp(-visibility[k] / a.threshold)
            if rng.random() >= p_notice:
                continue
            ys, xs = np.nonzero(mask == k + 1)
            if len(xs):
                view = xs // size
                counts = np.bincount(view, minlength=3).astype(float)
                v = int(rng.choice(3, p=counts / counts.sum()))
                ys, xs = ys[view == v], xs[view == v]
                n_dots = 1 + min(2, int(rng.poisson(a.dots_mean * min(1.0, len(xs) / (0.01 * size * size)) + 0.1)))
                for _ in range(n_dots):
                    i = int(rng.integers(len(xs)))
                    jit = rng.normal(0, a.jitter * size / 256.0, 2)
                    x = float(np.clip(xs[i] + jit[0], v * size + margin, (v + 1) * size - 1 - margin))
                    y = float(np.clip(ys[i] + jit[1], margin, H - 1 - margin))
                    dots.append([round(x, 1), round(y, 1)])
            elif rng.random() >= 0.5:
                continue  # not in the 3-view image: seen in the video only, described half the time
            phrases.append(describe(d, rng))
        description = "; ".join(phrases) if phrases else str(rng.choice(NO_DISTORTION_PHRASES))
        records.append({"video": video_id, "annotator": a.id, "dots": dots, "description": description})
    return records
