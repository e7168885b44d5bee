"""Import the authors' released Gen3DHF labels (and, where present, the release folders).

Input: the label folder as published (`numerical/{train,eval}_{quality,authenticity}.json`,
`text/...`): ms-swift chat records, one per video, the MOS in brackets at the end of the
assistant's answer, the video named by its path's file name (`seed1053.mp4`). Train files
are the official 1,600-video training split, eval files the 400-video test split.

Release folders next to the manifest (`--root`): `video_RGB/<id>.mp4`, `image/<id>.png`
(3-view image with the annotators' red dots), `saliency_map/<id>.png`. Whatever is absent is
reported, not fatal: the labels alone import and can be analysed.

The release's 3-view images carry the annotators' red dots, which mark the very distortions a
saliency model is asked to find: they are recorded as `annotated_image` and never shown to a
model. A model's 3-view input is `image_clean/<id>.png` when the folder exists, else the video's
frames at -45, 0 and +45 degrees (`Sample.three_view`).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from bench.data.dataset import write_manifest
from bench.data.levels import LEVELS, mos_to_level
from bench.errors import DataError

SPLITS = {"train": "train", "eval": "test"}
DIMENSIONS = ("quality", "authenticity")
_SCORE = re.compile(r"\(\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*\)\s*\.?\s*$")
_LEVEL = re.compile(r"\b(" + "|".join(LEVELS) + r"|None)\b\.?\s*(?:\(|$)")
IMAGE_EXTS = (".png", ".jpg", ".jpeg")
# Each block of 200 consecutive seeds has its own MOS level in the official labels; the release
# does not name the generators, so the importer records the block as a *presumed* generator.
SEEDS_PER_GENERATOR = 200


@dataclass
class ImportReport:
    n_samples: int = 0
    n_train: int = 0
    n_test: int = 0
    level_agreement: dict = field(default_factory=dict)  # dim -> (agree, total, [disagreeing ids])
    missing: dict = field(default_factory=dict)  # folder -> count of absent files
    manifest: Path | None = None

    def lines(self) -> list[str]:
        out = [f"imported {self.n_samples} videos ({self.n_train} train / {self.n_test} test, official split)"]
        for dim, (agree, total, bad) in self.level_agreement.items():
            note = f"; differ: {', '.join(bad[:5])}" if bad else ""
            out.append(f"{dim}: Eq. 4 levels agree with the official text labels for {agree}/{total}{note}")
        for folder, n in self.missing.items():
            if n:
                out.append(f"{folder}/: {n} of {self.n_samples} files absent (labels imported without them)")
        out.append(f"manifest: {self.manifest}")
        return out


def _read_records(path: Path) -> list[dict]:
    if not path.is_file():
        raise DataError(f"{path}: label file is missing (expected the authors' layout numerical/ and text/)")
    try:
        doc = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(doc, list):
        raise DataError(f"{path}: expected a list of chat records")
    return doc


def _video_id(rec: dict, path: Path, i: int) -> str:
    video = rec.get("videos")
    if isinstance(video, list):
        video = video[0] if video else None
    if not isinstance(video, str):
        raise DataError(f"{path}: record #{i} has no \"videos\" path")
    return Path(video).stem


def _answer(rec: dict, path: Path, i: int) -> str:
    for m in rec.get("messages") or []:
        if m.get("role") == "assistant":
            return str(m.get("content", ""))
    raise DataError(f"{path}: record #{i} has no assistant message")


def parse_numerical(path: Path) -> dict[str, float]:
    out = {}
    for i, rec in enumerate(_read_records(path)):
        vid, text = _video_id(rec, path, i), _answer(rec, path, i)
        m = _SCORE.search(text)
        if not m:
            raise DataError(f"{path}: record #{i} ({vid}): no '(score)' at the end of {text!r}")
        out[vid] = float(m.group(1))
    return out


def parse_text(path: Path) -> dict[str, str | None]:
    out = {}
    for i, rec in enumerate(_read_records(path)):
        vid, text = _video_id(rec, path, i), _answer(rec, path, i)
        m = _LEVEL.search(text)
        if not m:
            raise DataError(f"{path}: record #{i} ({vid}): no level word in {text!r}")
        out[vid] = None if m.group(1) == "None" else m.group(1)
    return out


def _find(root: Path, folder: str, vid: str, exts) -> str | None:
    for ext in exts:
        p = root / folder / f"{vid}{ext}"
        if p.is_file():
            return f"{folder}/{vid}{ext}"
    return None


def import_official(labels: str | Path, root: str | Path, name: str = "Gen3DHF") -> ImportReport:
    """Read the label folder, write `root/manifest.json`, report level agreement and absent files."""
    labels, root = Path(labels).expanduser().resolve(), Path(root).expanduser().resolve()
    if not labels.is_dir():
        raise DataError(f"{labels}: label folder not found")
    mos: dict[str, dict] = {}
    official_levels: dict[str, dict] = {}
    split: dict[str, str] = {}
    for prefix, split_name in SPLITS.items():
        for dim in DIMENSIONS:
            for vid, score in parse_numerical(labels / "numerical" / f"{prefix}_{dim}.json").items():
                mos.setdefault(vid, {})[dim] = score
                if split.setdefault(vid, split_name) != split_name:
                    raise DataError(f"{labels}: {vid} is in both the train and eval files")
            text_path = labels / "text" / f"{prefix}_{dim}.json"
            if text_path.is_file():
                for vid, lvl in parse_text(text_path).items():
                    official_levels.setdefault(vid, {})[dim] = lvl
    incomplete = [v for v, d in mos.items() if set(d) != set(DIMENSIONS)]
    if incomplete:
        raise DataError(f"{labels}: {len(incomplete)} video(s) lack a MOS in one dimension, e.g. {incomplete[:3]}")

    ids = sorted(mos)
    records, missing = [], {"video_RGB": 0, "image": 0, "saliency_map": 0}
    for vid in ids:
        video = _find(root, "video_RGB", vid, (".mp4",))
        annotated = _find(root, "image", vid, IMAGE_EXTS)
        clean = _find(root, "image_clean", vid, IMAGE_EXTS)
        smap = _find(root, "saliency_map", vid, IMAGE_EXTS + (".npy",))
        missing["video_RGB"] += video is None
        missing["image"] += annotated is None
        missing["saliency_map"] += smap is None
        records.append({"id": vid, "video": video, "image": clean, "annotated_image": annotated, "saliency_map": smap,
                        "mos": mos[vid], "generator": _presumed_generator(vid), "group": vid,
                        "official_split": split[vid]})
    manifest = write_manifest(root, name, records, synthetic=False,
                              description="Gen3DHF, imported from the authors' label files "
                                          f"({labels}); generators presumed from 200-seed blocks.")
    report = ImportReport(n_samples=len(ids), n_train=sum(v == "train" for v in split.values()),
                          n_test=sum(v == "test" for v in split.values()), missing=missing, manifest=manifest)
    for dim in DIMENSIONS:
        lo, hi = min(m[dim] for m in mos.values()), max(m[dim] for m in mos.values())
        ours = dict(zip(ids, mos_to_level([mos[v][dim] for v in ids], lo, hi)))
        have = [v for v in ids if dim in official_levels.get(v, {})]
        bad = [v for v in have if official_levels[v][dim] != ours[v]]
        report.level_agreement[dim] = (len(have) - len(bad), len(have), bad)
    return report


def _presumed_generator(vid: str) -> str | None:
    m = re.fullmatch(r"seed(\d+)", vid)
    return f"block{int(m.group(1)) // SEEDS_PER_GENERATOR} (presumed)" if m else None
