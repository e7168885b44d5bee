"""Annotators' red dots and descriptions -> combined annotation, saliency map, categories.

Input format (JSON)::

    {"format": "gen3dhf-bench/annotations/1",
     "image_size": [1536, 512],                      # width, height of the 3-view image the dots refer to
     "records": [
       {"video": "seed0000", "annotator": "A1",
        "dots": [[812.0, 240.5], [300.0, 190.0]],    # (x, y) pixels on the 3-view image; may be empty
        "description": "the left eye is misaligned"},
       ...]}

A bare list of records is accepted too. The paper's three annotators per image are
"aggregated into a single combined annotation per image": here every annotator's dots are
kept (a dot closer than two dot diameters to one already kept is the same mark and is
dropped, as overlapping red dots would merge on the image), and the descriptions are joined
with "; ", each phrase once (a "no distortion" remark is dropped when another annotator
described a distortion). The combined description maps to the 9 categories by the documented rule
`bench.data.categories.categories_from_description`.

Saliency: the dots are drawn as pure-red discs on the clean 3-view image, and that annotated
image goes through the authors' pipeline (`bench.data.saliency_maps`: red in HSV, contours of
20-200 px, centroids, Gaussian sigma 5 at 1536x512). For 3-view images of another width the
sigma scales with the width (5 px per 1536 px), so maps keep the release's relative blur.
A real release's annotated images (`image/` with the dots already drawn) go through the same
pipeline directly.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench.data.categories import NO_DISTORTION, categories_from_description
from bench.data.saliency_maps import SIGMA, red_dot_centres, saliency_from_points
from bench.errors import DataError

FORMAT = "gen3dhf-bench/annotations/1"
RELEASE_WIDTH = 1536
RED = (255, 0, 0)


def dot_radius(view_size: int) -> int:
    """Red-dot radius for 3-view images of `view_size` px per view: area well inside the 20-200 px window."""
    return int(max(4, round(6 * view_size / 512)))


def saliency_sigma(image_width: int) -> float:
    return SIGMA * image_width / RELEASE_WIDTH


def read_annotations_json(path: str | Path) -> dict[str, list[dict]]:
    """Records grouped by video, in file order."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: annotations file is missing")
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from exc
    records = doc.get("records") if isinstance(doc, dict) else doc
    if not isinstance(records, list):
        raise DataError(f"{path}: expected a list of records or {{\"records\": [...]}}")
    out: dict[str, list[dict]] = {}
    for i, r in enumerate(records):
        if not isinstance(r, dict) or not isinstance(r.get("video"), str):
            raise DataError(f"{path}: record #{i} has no string \"video\"")
        dots = r.get("dots") or []
        try:
            dots = [[float(x), float(y)] for x, y in dots]
        except (TypeError, ValueError):
            raise DataError(f"{path}: record #{i} ({r['video']}): \"dots\" must be a list of [x, y]") from None
        out.setdefault(r["video"], []).append({"video": r["video"], "annotator": str(r.get("annotator", "")),
                                               "dots": dots, "description": str(r.get("description") or "")})
    return out


def write_annotations_json(path: str | Path, records: list[dict], image_size: tuple) -> None:
    from bench.io import atomic_write_text

    head = json.dumps({"format": FORMAT, "image_size": list(image_size)})[:-1]
    body = ",\n".join(json.dumps(r) for r in records)  # one record per line: diffable, greppable
    atomic_write_text(path, f"{head},\n\"records\": [\n{body}\n]}}\n")


def combine_annotations(records: list[dict], min_separation: float = 10.0) -> tuple[list, str]:
    """Union of the annotators' dots (near-duplicates dropped) and their descriptions joined."""
    kept: list[list[float]] = []
    for r in records:
        for x, y in r["dots"]:
            if all((x - a) ** 2 + (y - b) ** 2 >= min_separation ** 2 for a, b in kept):
                kept.append([x, y])
    texts = []
    for r in records:
        for t in r["description"].split(";"):
            t = t.strip()
            if t and t not in texts:
                texts.append(t)
    described = [t for t in texts if categories_from_description(t) != (NO_DISTORTION,)]
    text = "; ".join(described if described else texts[:1])
    return kept, text


def draw_red_dots(image_rgb: np.ndarray, dots, radius: int) -> np.ndarray:
    """A copy of the image with filled pure-red discs at the dots (what the annotation tool draws)."""
    import cv2

    out = np.ascontiguousarray(image_rgb.copy())
    for x, y in dots:
        cv2.circle(out, (int(round(x)), int(round(y))), int(radius), RED, thickness=-1, lineType=cv2.LINE_8)
    return out


def saliency_from_annotated(image_rgb: np.ndarray) -> np.ndarray:
    """The authors' pipeline on an annotated 3-view image of any width; map at the image's size."""
    h, w = image_rgb.shape[:2]
    return saliency_from_points(red_dot_centres(image_rgb), (h, w), sigma=saliency_sigma(w), out_size=(h, w))
