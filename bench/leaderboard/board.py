"""A board folder: one dataset, one split, the submissions it accepted after checking them.

Layout::

    BOARD/
      board.json                 {"schema": "gen3dhf-bench/board/1", "created",
                                  "dataset": {"root", "name", "label", "hash", "synthetic", "n_samples"},
                                  "split": {"name", "kind", "hash", "n_folds"},
                                  "limits": {max_members, max_file_bytes, max_total_bytes, max_map_pixels},
                                  "statistics": {"bootstrap": 1000, "seed": 0, "confidence": 0.95}}
      split.json                 the board's split (`bench data split` format); submissions must match its hash
      submissions/<id>/          one accepted submission, <id> = <name>-<first 12 hex of the archive's sha256>
        submission.json          the packer's manifest (bench/leaderboard/submission.py)
        accepted.json            {"archive", "sha256", "bytes", "accepted", "tolerance", "verified": {model: folds}}
        split.json, run.json
        records/<model>/fold-K.json, .predictions.jsonl, .maps.npz     as submitted
        derived/<model>/fold-K.saliency.json                           per-video saliency metrics (board's own)
      site/                      `bench leaderboard build` output (default)

The board's state is the set of folders under submissions/. `add` unpacks and checks a submission in a
temporary folder inside the board (`.incoming-*`), writes everything it keeps there, and commits it by
one rename into submissions/; a submission refused at any step is deleted with its temporary folder,
so the board's files stay byte-identical. Concurrent `add`s take a lock on board.json.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from bench.data.dataset import Dataset, load_dataset
from bench.data.splits import load_split, make_split, save_split, split_hash
from bench.errors import ConfigError, DataError
from bench.io import atomic_write_json
from bench.leaderboard.archive import Limits, safe_unpack
from bench.leaderboard.submission import pack, read_manifest, sha256_file
from bench.leaderboard.verify import TOLERANCE, Rejected, verify_fold
from bench.results import SCHEMA as RESULT_SCHEMA
from bench.results import Frames, load_results, metrics_frame, predictions_frame, read_result

SCHEMA = "gen3dhf-bench/board/1"
BOARD_FILE = "board.json"
SUBMISSIONS = "submissions"
DEFAULT_STATISTICS = {"bootstrap": 1000, "seed": 0, "confidence": 0.95}


def is_board(path) -> bool:
    return (Path(path) / BOARD_FILE).is_file()


@dataclass
class Board:
    root: Path
    doc: dict

    # ---- creating and opening ----------------------------------------------------------------
    @classmethod
    def init(cls, root: Path, dataset_root: Path, split: str = "kfold", folds: int = 5, seed: int = 0,
             group_by: Optional[str] = None, limits: Limits = Limits(), statistics: Optional[dict] = None) -> "Board":
        """A new, empty board for `dataset_root` and a split (official | kfold | a split file)."""
        root = Path(root)
        if root.exists() and any(root.iterdir()):
            raise ConfigError(f"{root}: exists and is not empty; a board needs a new folder")
        ds = load_dataset(dataset_root)
        sp = make_split(ds, split, folds, seed, group_by) if split in ("official", "kfold") else load_split(Path(split))
        if sp.get("dataset_hash") not in (None, ds.content_hash()):
            raise DataError(f"{split}: this split was made for another dataset (hash {sp['dataset_hash'][:12]}, "
                            f"{ds.root} is {ds.content_hash()[:12]})")
        ids = {s.id for s in ds.samples}
        unknown = sorted({i for f in sp["folds"] for i in f["test"]} - ids)
        if unknown:
            raise DataError(f"{split}: test ids not in {ds.root}, e.g. {unknown[0]!r}")
        (root / SUBMISSIONS).mkdir(parents=True, exist_ok=True)
        save_split(sp, root / "split.json")
        doc = {"schema": SCHEMA, "created": _now(),
               "dataset": {"root": str(ds.root), "name": ds.name, "label": ds.label, "hash": ds.content_hash(),
                           "synthetic": ds.synthetic, "n_samples": len(ds)},
               "split": {"name": sp["name"], "kind": sp.get("kind"), "hash": split_hash(sp), "n_folds": len(sp["folds"])},
               "limits": limits.to_json(), "statistics": {**DEFAULT_STATISTICS, **(statistics or {})}}
        atomic_write_json(root / BOARD_FILE, doc)
        return cls(root, doc)

    @classmethod
    def open(cls, root: Path) -> "Board":
        root = Path(root)
        path = root / BOARD_FILE
        if not path.is_file():
            raise DataError(f"{root}: not a leaderboard folder (no {BOARD_FILE}; `bench leaderboard init` makes one)")
        try:
            doc = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: not valid JSON ({exc})") from exc
        if doc.get("schema") != SCHEMA:
            raise DataError(f"{path}: not a board file (expected \"schema\": \"{SCHEMA}\")")
        return cls(root, doc)

    @property
    def limits(self) -> Limits:
        return Limits.from_json(self.doc.get("limits"))

    def split(self) -> dict:
        return load_split(self.root / "split.json")

    def dataset(self) -> Dataset:
        """The board's dataset, checked to be the one the board was made for (labels and file sizes)."""
        ds = load_dataset(self.doc["dataset"]["root"])
        if ds.content_hash() != self.doc["dataset"]["hash"]:
            raise DataError(f"{ds.root}: this dataset changed since the board was made (hash "
                            f"{ds.content_hash()[:12]}, the board's is {self.doc['dataset']['hash'][:12]})")
        return ds

    def submissions(self) -> list[Path]:
        folder = self.root / SUBMISSIONS
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if folder.is_dir() else []

    # ---- adding ------------------------------------------------------------------------------
    def add(self, source: Path, name: Optional[str] = None) -> str:
        """Check and accept one submission (a .tar.gz from `pack`, or a run folder, packed here first).

        Returns the new submission's id. Raises Rejected (or another DataError) naming the file and the
        problem; the board is then unchanged.
        """
        source = Path(source)
        with self._locked(), _staging(self.root) as staging:
            if source.is_dir():
                archive = staging / "packed.tar.gz"
                pack(source, archive, name=name)
            elif source.is_file():
                archive = source
            else:
                raise DataError(f"{source}: no such submission file or run folder")
            digest = sha256_file(archive)
            for existing in self.submissions():
                if _read_json(existing / "accepted.json").get("sha256") == digest:
                    raise Rejected(f"{source}: already on the board as {existing.name}")
            unpacked = staging / "submission"
            unpacked.mkdir()
            names = safe_unpack(archive, unpacked, self.limits)
            try:
                manifest = read_manifest(unpacked, names)
                verified = self._verify(unpacked, manifest)
            except DataError as exc:
                raise Rejected(f"{source}: {exc}") from None
            sub_id = f"{_slug(manifest.get('name') or source.stem)}-{digest[:12]}"
            atomic_write_json(unpacked / "accepted.json", {
                "archive": source.name, "sha256": digest, "bytes": archive.stat().st_size, "accepted": _now(),
                "tolerance": TOLERANCE, "verified": verified})
            (self.root / SUBMISSIONS).mkdir(exist_ok=True)
            os.rename(unpacked, self.root / SUBMISSIONS / sub_id)  # the commit: one atomic rename
            _fsync_dir(self.root / SUBMISSIONS)
        return sub_id

    def _verify(self, folder: Path, manifest: dict) -> dict:
        board_ds, board_split = self.doc["dataset"], self.doc["split"]
        if manifest["dataset"].get("hash") != board_ds["hash"]:
            raise Rejected(f"submission.json: dataset hash {str(manifest['dataset'].get('hash'))[:12]} is not the "
                           f"board's {board_ds['hash'][:12]} ({board_ds['label']})")
        split = load_split(folder / "split.json")
        if split_hash(split) != board_split["hash"] or manifest["split"].get("hash") != board_split["hash"]:
            raise Rejected(f"split.json: split hash {split_hash(split)[:12]} is not the board's "
                           f"{board_split['hash'][:12]} ({board_split['name']})")
        models = manifest["models"]
        folders = {p.name for p in (folder / "records").iterdir()} if (folder / "records").is_dir() else set()
        if not models:
            raise Rejected("submission.json: lists no model")
        if folders != set(models):
            odd = sorted(folders ^ set(models))[0]
            raise Rejected(f"records/{odd}: the model folders and submission.json's models differ")
        samples = self.dataset().by_id()
        folds = split["folds"]
        verified = {}
        for model in sorted(models):
            for k, fold in enumerate(folds):
                where = f"records/{model}/fold-{k}.json"
                record = _record(folder / where, where)
                self._check_record(record, model, k, where)
                per_video = verify_fold(record, folder / "records" / model, f"records/{model}", k, fold["test"],
                                        samples, self.limits)
                if per_video:
                    atomic_write_json(folder / "derived" / model / f"fold-{k}.saliency.json", per_video)
            verified[model] = len(folds)
        return verified

    def _check_record(self, record: dict, model: str, fold: int, where: str) -> None:
        checks = [(record.get("model") == model, f"its model is {record.get('model')!r}, not {model!r}"),
                  (record["split"].get("fold") == fold, f"its split fold is {record['split'].get('fold')!r}, not {fold}"),
                  (record["dataset"].get("hash") == self.doc["dataset"]["hash"], "its dataset hash is not the board's"),
                  (record["split"].get("hash") == self.doc["split"]["hash"], "its split hash is not the board's"),
                  (record.get("status") == "ok", f"its status is {record.get('status')!r}; only complete runs rank")]
        for ok, why in checks:
            if not ok:
                raise Rejected(f"{where}: {why}")

    @contextmanager
    def _locked(self):
        with open(self.root / BOARD_FILE, "rb") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # ---- reading -----------------------------------------------------------------------------
    def records(self) -> list[dict]:
        """Every accepted result record, each with `_submission` (its submission id) and `_path`."""
        out = []
        for sub in self.submissions():
            for r in load_results(sub / "records"):
                r["_submission"] = sub.name
                out.append(r)
        return out

    def frames(self, predictions: bool = True) -> Frames:
        """`bench.results.load` for a board: ground truth from the board's dataset, plus sal_<metric>."""
        records = self.records()
        if not predictions:
            return Frames(metrics_frame(records), predictions_frame([]))
        preds = predictions_frame(records, dataset=self.dataset())
        saliency = self._saliency_frame()
        if not saliency.empty:
            preds = preds.merge(saliency, on=["submission", "model", "fold", "id"], how="left")
        return Frames(metrics_frame(records), preds)

    def _saliency_frame(self):
        import pandas as pd

        rows = []
        for sub in self.submissions():
            for f in sorted((sub / "derived").glob("*/fold-*.saliency.json")):
                fold = int(re.match(r"fold-(\d+)", f.name).group(1))
                for sid, values in _read_json(f).items():
                    rows.append({"submission": sub.name, "model": f.parent.name, "fold": fold, "id": sid,
                                 **{f"sal_{k}": v for k, v in values.items()}})
        frame = pd.DataFrame(rows)
        if not frame.empty:
            frame["fold"] = pd.array(frame["fold"], dtype="Int64")
        return frame

    def submission_info(self, sub_id: str) -> dict:
        folder = self.root / SUBMISSIONS / sub_id
        return {"id": sub_id, **_read_json(folder / "submission.json"), "accepted": _read_json(folder / "accepted.json")}


def _record(path: Path, where: str) -> dict:
    if not path.is_file():
        raise Rejected(f"{where}: missing; every fold of the board's split must be present")
    try:
        rec = read_result(path)
    except DataError:
        rec = None
    if rec is None:
        raise Rejected(f"{where}: not a result record (schema {RESULT_SCHEMA})")
    if not isinstance(rec.get("split"), dict) or not isinstance(rec.get("dataset"), dict):
        raise Rejected(f"{where}: has no dataset or split")
    return rec


@contextmanager
def _staging(root: Path):
    folder = Path(tempfile.mkdtemp(prefix=".incoming-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:40] or "submission"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
