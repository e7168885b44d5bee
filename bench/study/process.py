"""The whole subjective-data processing of section 3.3, on raw study files.

    outcome = process_study("study/ratings.csv", "study/annotations.json", root="my_dataset",
                            clean_images="image_clean")
    records = outcome.records()          # manifest records: mos, description, distortions, saliency_map
    write_manifest("my_dataset", "MyStudy", records)   # levels by Eq. 4

Steps: BT.500 subject screening and Eq. 1-3 MOS (`ratings.py`); per video, the annotators'
dots and descriptions combined, the dots drawn on the clean 3-view image (written to
`image/<id>.png`, like the release's annotated images) and turned into a saliency map by the
authors' pipeline (`saliency_map/<id>.png`); categories from the combined description.
With `annotated_images` (a folder of 3-view images that already carry red dots, as in the
real release), maps come from those images and `clean_images` is not needed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.data.categories import categories_from_description
from bench.data.saliency_maps import write_saliency_map
from bench.errors import DataError
from bench.study.annotations import (combine_annotations, dot_radius, draw_red_dots, read_annotations_json,
                                     saliency_from_annotated)
from bench.study.ratings import RatingTable, Screening, bt500_screening, mos_from_ratings, read_ratings_csv


@dataclass
class StudyOutcome:
    videos: list[str]
    mos: dict  # video -> {dimension: MOS}
    screening: Screening
    annotation: dict = field(default_factory=dict)  # video -> {"dots", "description", "distortions", paths}

    def records(self) -> list[dict]:
        out = []
        for v in self.videos:
            r = {"id": v, "mos": self.mos[v]}
            a = self.annotation.get(v)
            if a is not None:
                r.update({"description": a["description"], "distortions": list(a["distortions"])})
                if a.get("saliency_map"):
                    r["saliency_map"] = a["saliency_map"]
                if a.get("annotated_image"):
                    r["annotated_image"] = a["annotated_image"]
            out.append(r)
        return out

    def report(self) -> dict:
        return {"subjects": len(self.screening.kept) + len(self.screening.rejected),
                "kept": len(self.screening.kept), "screening": self.screening.to_dict(),
                "videos": len(self.videos)}


def _read_rgb(path: Path) -> np.ndarray:
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise DataError(f"{path}: cannot be read as an image")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _write_rgb(path: Path, rgb: np.ndarray) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1])):
        raise DataError(f"{path}: cannot write image")


def process_annotations(by_video: dict, root: Path, clean_images: str | None = "image_clean",
                        annotated_images: str | None = None, out_images: str = "image",
                        out_maps: str = "saliency_map", view_size: int | None = None) -> dict:
    """Combined annotation, annotated image and saliency map of every video in `by_video`."""
    root = Path(root)
    out = {}
    for vid in sorted(by_video):
        dots, text = combine_annotations(by_video[vid])
        entry = {"dots": dots, "description": text, "distortions": categories_from_description(text)}
        if annotated_images:
            src = root / annotated_images / f"{vid}.png"
            if src.is_file():
                img = _read_rgb(src)
                entry["annotated_image"] = f"{annotated_images}/{vid}.png"
            else:
                img = None
        elif clean_images:
            src = root / clean_images / f"{vid}.png"
            if not src.is_file():
                raise DataError(f"{src}: clean 3-view image is missing (needed to draw {vid}'s red dots)")
            clean = _read_rgb(src)
            size = view_size or clean.shape[1] // 3
            radius = dot_radius(size)
            # same-place dots of different annotators merge, as red discs would on one image
            dots, _ = combine_annotations([{"dots": dots, "description": ""}], min_separation=2 * radius + 2)
            entry["dots"] = dots
            img = draw_red_dots(clean, dots, radius)
            _write_rgb(root / out_images / f"{vid}.png", img)
            entry["annotated_image"] = f"{out_images}/{vid}.png"
        else:
            img = None
        if img is not None:
            smap = saliency_from_annotated(img)
            (root / out_maps).mkdir(parents=True, exist_ok=True)
            write_saliency_map(root / out_maps / f"{vid}.png", smap)
            entry["saliency_map"] = f"{out_maps}/{vid}.png"
        out[vid] = entry
    return out


def process_study(ratings, annotations=None, *, root: str | Path, clean_images: str | None = "image_clean",
                  annotated_images: str | None = None, out_images: str = "image", out_maps: str = "saliency_map",
                  per_dimension_screening: bool = False, view_size: int | None = None) -> StudyOutcome:
    """Raw ratings (+ annotations) -> MOS, screening, combined annotations, saliency maps.

    `ratings`: a CSV path or a RatingTable; `annotations`: a JSON path, a dict video -> records, or None.
    Image folders are relative to `root`.
    """
    table = ratings if isinstance(ratings, RatingTable) else read_ratings_csv(ratings)
    screening = bt500_screening(table, per_dimension=per_dimension_screening)
    if per_dimension_screening:
        mos_by_dim = {}
        for dim, scr in screening.items():
            mos_by_dim[dim] = mos_from_ratings(RatingTable(table.subjects, table.videos, {dim: table.matrix(dim)}),
                                               scr.kept)[dim]
        kept = sorted(set.intersection(*(set(s.kept) for s in screening.values())))
        screening = Screening(kept, [s for s in table.subjects if s not in kept])
    else:
        mos_by_dim = mos_from_ratings(table, screening.kept)
    mos = {v: {d: float(mos_by_dim[d][j]) for d in mos_by_dim if np.isfinite(mos_by_dim[d][j])}
           for j, v in enumerate(table.videos)}
    outcome = StudyOutcome(list(table.videos), mos, screening)
    if annotations is not None:
        by_video = annotations if isinstance(annotations, dict) else read_annotations_json(annotations)
        unknown = sorted(set(by_video) - set(table.videos))
        if unknown:
            raise DataError(f"annotations name {len(unknown)} video(s) without ratings, e.g. {unknown[:3]}")
        outcome.annotation = process_annotations(by_video, Path(root), clean_images, annotated_images,
                                                 out_images, out_maps, view_size)
    return outcome
