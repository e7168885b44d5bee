"""A dataset is a root folder plus `manifest.json` in the harness format.

Format (`"format": "gen3dhf-bench/manifest/1"`)::

    {
      "format": "gen3dhf-bench/manifest/1",
      "name": "Gen3DHF",                 # shown in every table
      "synthetic": false,                # true for the embedded stand-in: never mistaken for the paper's data
      "description": "...",
      "mos_range": {"quality": [m, M], "authenticity": [m, M]},   # Eq. 4's m and M
      "samples": [
        {"id": "seed0000",
         "video": "video_RGB/seed0000.mp4",          # paths relative to the root; any may be null
         "image": "image_clean/seed0000.png",        # 3-view image (1536x512) shown to models; null: from the video
         "annotated_image": "image/seed0000.png",    # the same with the annotators' red dots (never shown to models)
         "saliency_map": "saliency_map/seed0000.png",# grey PNG or .npy, [0, 1]
         "mos": {"quality": 51.87, "authenticity": 50.12},        # [0, 100]
         "levels": {"quality": "good", "authenticity": "good"},   # Eq. 4
         "distortions": ["Eye Distortions"],         # the paper's 9 categories, multi-label
         "description": "left eye is blurred",
         "generator": "G03", "group": "seed0000",
         "official_split": "train"}                  # "train" | "test" | null
      ]
    }

Only `id` is required per sample; a labels-only dataset (videos absent) loads and can be
analysed, and `check` lists what is missing.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import numpy as np

from bench.data.categories import check_categories
from bench.data.levels import LEVELS, mos_to_level
from bench.data.sample import DIMENSIONS, Sample
from bench.data.frame_store import FrameStore
from bench.errors import DataError
from bench.io import atomic_write_text

MANIFEST = "manifest.json"
FORMAT = "gen3dhf-bench/manifest/1"
_FILE_FIELDS = ("video", "image", "annotated_image", "saliency_map")


@dataclass
class Dataset:
    root: Path
    name: str
    samples: list[Sample]
    synthetic: bool = False
    description: str = ""
    mos_range: dict = field(default_factory=dict)
    records: list[dict] = field(default_factory=list, repr=False)  # the manifest's raw sample records
    store: Optional[FrameStore] = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    def by_id(self) -> dict[str, Sample]:
        return {s.id: s for s in self.samples}

    def subset(self, ids) -> list[Sample]:
        index = self.by_id()
        missing = [i for i in ids if i not in index]
        if missing:
            raise DataError(f"{self.root / MANIFEST}: split names {len(missing)} unknown id(s), e.g. {missing[:3]}")
        return [index[i] for i in ids]

    def official_split(self) -> Optional[tuple[list[str], list[str]]]:
        train = [r["id"] for r in self.records if r.get("official_split") == "train"]
        test = [r["id"] for r in self.records if r.get("official_split") == "test"]
        return (train, test) if train and test else None

    @property
    def label(self) -> str:
        """Name as tables show it: the stand-in always says it is synthetic."""
        return f"{self.name} (synthetic stand-in)" if self.synthetic else self.name

    def content_hash(self) -> str:
        """sha256 over the manifest's records and the size of every file they name.

        Labels and file identities in, so two folders holding the same dataset hash equal;
        file contents are not read (2,000 videos would take minutes), sizes catch a swap.
        """
        h = hashlib.sha256()
        h.update(json.dumps({"name": self.name, "synthetic": self.synthetic, "mos_range": self.mos_range,
                             "samples": self.records}, sort_keys=True).encode())
        for r in self.records:
            for f in _FILE_FIELDS:
                if r.get(f):
                    p = self.root / r[f]
                    h.update(f"{r[f]}:{p.stat().st_size if p.exists() else -1}".encode())
        return h.hexdigest()


def load_dataset(root: str | Path, store: Optional[FrameStore] = None, *, allow_external: bool = False) -> Dataset:
    """Read `root/manifest.json` into a `Dataset`. Raises DataError naming the file, the sample and the problem.

    Every value a sample is built from is type-checked here (a MOS of "high", a `video` of 5, a
    malformed `mos_range`); value ranges, duplicates and files are `check_dataset`'s business.
    Paths that leave the dataset folder (absolute, or through `..`) are refused unless the manifest
    says `"external_media": true` or the caller passes `allow_external` (media kept elsewhere).
    """
    root = Path(root).expanduser().resolve()
    path = root / MANIFEST if root.is_dir() else root
    if root.is_file():
        root = root.parent
    if not path.is_file():
        raise DataError(f"{path}: no manifest here (a dataset folder holds {MANIFEST}; "
                        f"`bench data import-official` or `bench data synth` writes one)")
    try:
        doc = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataError(f"{path}: not a harness manifest (expected \"format\": \"{FORMAT}\")")
    records = doc.get("samples")
    if not isinstance(records, list):
        raise DataError(f"{path}: \"samples\" must be a list")
    mos_range = _checked_mos_range(path, doc.get("mos_range"))
    external = allow_external or doc.get("external_media") is True
    samples = []
    for i, r in enumerate(records):
        if not isinstance(r, dict) or not isinstance(r.get("id"), str) or not r["id"]:
            raise DataError(f"{path}: sample #{i} has no string \"id\"")
        samples.append(_sample_from_record(root, path, r, store, external))
    return Dataset(root=root, name=str(doc.get("name") or root.name), samples=samples,
                   synthetic=bool(doc.get("synthetic", False)), description=str(doc.get("description", "")),
                   mos_range=mos_range, records=records, store=store)


def _checked_mos_range(path: Path, value) -> dict:
    if value is None:
        return {}
    ok = isinstance(value, dict) and all(
        isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_number(x) for x in v) for v in value.values())
    if not ok:
        raise DataError(f"{path}: \"mos_range\" must map each dimension to [min, max] numbers, got {value!r}")
    return value


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _sample_from_record(root: Path, manifest: Path, r: dict, store, external: bool) -> Sample:
    where = f"{manifest} [{r['id']}]"

    def file(key):
        v = r.get(key)
        if v is None or v == "":
            return None
        if not isinstance(v, str):
            raise DataError(f"{where}: \"{key}\" must be a path relative to the dataset folder, got {v!r}")
        # Judged on the text (absolute paths, "..") as the manifest writes it: symbolic links inside the
        # dataset folder are the user's own arrangement (a release folder kept on another disk).
        p = Path(os.path.normpath(root / v))
        if not external and not p.is_relative_to(root):
            raise DataError(f"{where}: \"{key}\" {v!r} leaves the dataset folder {root}; a dataset whose media "
                            "live elsewhere says \"external_media\": true in its manifest")
        return p

    mos = r.get("mos") or {}
    if not isinstance(mos, dict):
        raise DataError(f"{where}: \"mos\" must be an object {{dimension: number}}, got {mos!r}")
    for dim, v in mos.items():
        if v is not None and not _is_number(v):
            raise DataError(f"{where}: {dim} MOS {v!r} is not a number")
    levels = r.get("levels") or {}
    if not isinstance(levels, dict):
        raise DataError(f"{where}: \"levels\" must be an object {{dimension: level}}, got {levels!r}")
    d = r.get("distortions")
    if d is not None and (not isinstance(d, list) or not all(isinstance(c, str) for c in d)):
        raise DataError(f"{where}: \"distortions\" must be a list of category names, got {d!r}")
    for key in ("description", "generator", "group"):
        if r.get(key) is not None and not isinstance(r[key], str):
            raise DataError(f"{where}: \"{key}\" must be a string, got {r[key]!r}")
    file("annotated_image")  # validated like the others; never shown to a model
    return Sample(id=r["id"], video=file("video"), image=file("image"), saliency_map=file("saliency_map"),
                  mos={k: float(v) for k, v in mos.items() if v is not None}, levels=dict(levels),
                  distortions=tuple(d) if d is not None else None, description=r.get("description"),
                  generator=r.get("generator"), group=r.get("group") or r["id"], store=store)


def write_manifest(root: str | Path, name: str, records: list[dict], *, synthetic: bool = False,
                   description: str = "", compute_levels: bool = True) -> Path:
    """Write `root/manifest.json` atomically. Levels are (re)computed from MOS by Eq. 4."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    mos_range = {}
    for dim in DIMENSIONS:
        vals = [r["mos"][dim] for r in records if r.get("mos", {}).get(dim) is not None]
        if vals:
            mos_range[dim] = [float(min(vals)), float(max(vals))]
    if compute_levels:
        for dim, (lo, hi) in mos_range.items():
            idx = [i for i, r in enumerate(records) if r.get("mos", {}).get(dim) is not None]
            if hi > lo:
                for i, lvl in zip(idx, mos_to_level([records[i]["mos"][dim] for i in idx], lo, hi)):
                    records[i].setdefault("levels", {})[dim] = lvl
    doc = {"format": FORMAT, "name": name, "synthetic": synthetic, "description": description,
           "mos_range": mos_range, "samples": records}
    path = root / MANIFEST
    atomic_write_text(path, json.dumps(doc, indent=1))
    return path


def check_dataset(root: str | Path | Dataset, *, decode: bool = True,
                  expect_map_size: Optional[tuple] = None) -> list[str]:
    """Every problem in a dataset, each naming its file and sample. Empty list = valid.

    Checks: duplicate ids; MOS missing (where other samples have that dimension), NaN or outside
    [0, 100]; levels that disagree with Eq. 4; unknown categories; named files missing or unreadable
    (videos decoded when `decode`); saliency maps of the wrong size (the 3-view image's size, else
    `expect_map_size`) or outside [0, 1]. (An all-zero map is a video where no annotator marked a
    distortion: valid data, on which saliency metrics are undefined; runs leave it out of saliency
    scoring and say so.) `bench data check` prints them; `bench run`
    refuses a dataset with any (the same rules, without decoding videos).
    """
    from bench.data.saliency_maps import read_saliency_map

    ds = root if isinstance(root, Dataset) else load_dataset(root)
    mpath = ds.root / MANIFEST
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, r in enumerate(ds.records):
        if r["id"] in seen:
            problems.append(f"{mpath}: duplicate id {r['id']!r} (samples #{seen[r['id']]} and #{i})")
        seen.setdefault(r["id"], i)
    dims_present = {d for r in ds.records for d in (r.get("mos") or {})}
    for r, s in zip(ds.records, ds.samples):
        where = f"{mpath} [{s.id}]"
        annotated = (ds.root / r["annotated_image"]) if r.get("annotated_image") else None
        if annotated is not None and not annotated.is_file():
            problems.append(f"{annotated}: annotated 3-view image file is missing")
        mos = r.get("mos") or {}
        for dim in sorted(dims_present):
            v = mos.get(dim)
            if dim not in DIMENSIONS:
                problems.append(f"{where}: unknown MOS dimension {dim!r}")
            elif v is None:
                problems.append(f"{where}: {dim} MOS is missing (other samples have one)")
            elif not math.isfinite(v):
                problems.append(f"{where}: {dim} MOS is {v!r}, not a number")
            elif not 0 <= v <= 100:
                problems.append(f"{where}: {dim} MOS {v} outside [0, 100]")
        for dim, lvl in (r.get("levels") or {}).items():
            if lvl not in LEVELS:
                problems.append(f"{where}: {dim} level {lvl!r} is not one of {LEVELS}")
            elif dim in ds.mos_range and _is_number((r.get("mos") or {}).get(dim)):
                lo, hi = ds.mos_range[dim]
                if hi > lo and mos_to_level([r["mos"][dim]], lo, hi)[0] != lvl:
                    problems.append(f"{where}: {dim} level {lvl!r} disagrees with Eq. 4 for MOS {r['mos'][dim]}")
        if r.get("distortions") is not None:
            bad = check_categories(r["distortions"])
            if bad:
                problems.append(f"{where}: unknown distortion categories {bad}")
        problems += _check_files(s, decode, expect_map_size, read_saliency_map, annotated)
    return problems


def _check_files(s: Sample, decode, expect_map_size, read_saliency_map, annotated=None) -> list[str]:
    import cv2

    from bench.data.video import FrameSpec, decode_frames

    problems = []
    for label, p in (("video", s.video), ("3-view image", s.image), ("saliency map", s.saliency_map)):
        if p is not None and not p.is_file():
            problems.append(f"{p}: {label} file is missing (sample {s.id})")
    image_shape = None
    for path in (s.image, annotated):  # maps take the 3-view image's size
        if path is not None and path.is_file():
            img = cv2.imread(str(path))
            if img is None:
                problems.append(f"{path}: cannot be read as an image (sample {s.id})")
            elif image_shape is None:
                image_shape = img.shape[:2]
    if s.video is not None and s.video.is_file() and decode:
        try:
            decode_frames(s.video, FrameSpec(count=1))
        except DataError as exc:
            problems.append(str(exc))
    if s.saliency_map is not None and s.saliency_map.is_file():
        try:
            smap = read_saliency_map(s.saliency_map)
            want = image_shape or expect_map_size
            if want is not None and smap.shape != tuple(want):
                problems.append(f"{s.saliency_map}: saliency map is {smap.shape[1]}x{smap.shape[0]}, "
                                f"expected {want[1]}x{want[0]} (the 3-view image's size; sample {s.id})")
            elif not np.isfinite(smap).all() or smap.min() < 0 or smap.max() > 1:
                problems.append(f"{s.saliency_map}: values outside [0, 1] (sample {s.id})")
        except DataError as exc:
            problems.append(str(exc))
    return problems


def mos_array(samples, dim: str) -> np.ndarray:
    return np.array([s.mos.get(dim, np.nan) for s in samples], dtype=float)
