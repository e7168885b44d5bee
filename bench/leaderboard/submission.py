"""`bench leaderboard pack`: a run folder -> a submission archive; and reading one back.

A submission is one run's results on one dataset and split: its result records, per-sample
predictions and saliency maps (byte-for-byte as the run wrote them), its split file, `run.json`
(settings and package versions) and `submission.json`::

    {"schema": "gen3dhf-bench/submission/1", "name": "my-lab", "created": "...Z",
     "dataset": {"name", "label", "hash", "synthetic"}, "split": {"name", "hash", "n_folds"},
     "profiles": ["quick"], "settings": {...}, "versions": {...},
     "models": {"brisque": {"registry_name", "family", "paper_row", "tasks", "higher_is_better", "config",
                            "folds": 5}},
     "skipped": {"dover": "fold 0 is unavailable: ..."},
     "files": {"records/brisque/fold-0.json": {"sha256": "...", "bytes": 1234}, ...}}

Only models with an "ok" record for every fold of the split are packed; the others are listed
under `skipped` with the reason. Fitted models (`--save-models` checkpoints) are never packed.
"""
from __future__ import annotations

import hashlib
import json
import re
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from bench.data.splits import load_split, split_hash
from bench.errors import DataError
from bench.leaderboard.archive import MODEL_DIR, write_archive
from bench.results import group_by_protocol, load_results, registry_name

SCHEMA = "gen3dhf-bench/submission/1"
MANIFEST = "submission.json"


@dataclass
class PackReport:
    archive: Path
    models: list
    skipped: dict = field(default_factory=dict)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def pack(run_dir: Path, out: Path, name: Optional[str] = None) -> PackReport:
    """Pack the run in `run_dir` into the archive `out` (tar.gz, written atomically)."""
    run_dir = Path(run_dir)
    records = [r for r in load_results(run_dir) if r.get("source") != "paper"]
    if not records:
        raise DataError(f"{run_dir}: no result records of a run here")
    if len(group_by_protocol(records)) > 1:
        raise DataError(f"{run_dir}: results of several datasets or splits; pack one run folder")
    split_file = run_dir / "split.json"
    split = load_split(split_file)
    if split_hash(split) != records[0]["split"]["hash"]:
        raise DataError(f"{split_file}: its hash differs from the split hash in the run's records; "
                        "the run folder was changed after the run")
    n_folds = len(split["folds"])
    by_model: dict[str, dict[int, dict]] = defaultdict(dict)
    for r in records:
        fold = r["split"].get("fold")
        if fold in by_model[r["model"]]:
            raise DataError(f"{r['_path']}: a second record for {r['model']} fold {fold} "
                            f"(also {by_model[r['model']][fold]['_path']})")
        by_model[r["model"]][fold] = r
    files: dict[str, Path] = {"split.json": split_file}
    if (run_dir / "run.json").is_file():
        files["run.json"] = run_dir / "run.json"
    models, skipped = {}, {}
    for model, folds in sorted(by_model.items()):
        why = _unpackable(model, folds, n_folds)
        if why:
            skipped[model] = why
            continue
        for k in range(n_folds):
            rec = Path(folds[k]["_path"])
            files[f"records/{model}/fold-{k}.json"] = rec
            files[f"records/{model}/fold-{k}.predictions.jsonl"] = rec.with_name(f"fold-{k}.predictions.jsonl")
            maps = rec.with_name(f"fold-{k}.maps.npz")
            if maps.is_file():
                files[f"records/{model}/fold-{k}.maps.npz"] = maps
        first = folds[0]
        models[model] = {"registry_name": registry_name(first), "family": first.get("family"),
                         "paper_row": first.get("paper_row"), "tasks": first.get("tasks"),
                         "higher_is_better": first.get("higher_is_better"), "config": first.get("config"),
                         "folds": n_folds}
    if not models:
        raise DataError(f"{run_dir}: nothing to pack; no model has an ok record for every fold ("
                        + "; ".join(f"{m}: {w}" for m, w in skipped.items()) + ")")
    run = json.loads((run_dir / "run.json").read_text()) if "run.json" in files else {}
    first = records[0]
    manifest = {
        "schema": SCHEMA, "name": name or run_dir.resolve().name,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "dataset": {k: first["dataset"].get(k) for k in ("name", "label", "hash", "synthetic")},
        "split": {"name": split.get("name"), "hash": split_hash(split), "n_folds": n_folds},
        "profiles": sorted({str(r.get("profile")) for r in records if r["model"] in models}),
        "settings": run.get("settings", first.get("settings")), "versions": run.get("versions", first.get("versions")),
        "models": models, "skipped": skipped,
        "files": {m: {"sha256": sha256_file(p), "bytes": p.stat().st_size} for m, p in sorted(files.items())},
    }
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / MANIFEST
        doc.write_text(json.dumps(manifest, indent=1) + "\n")
        write_archive(Path(out), {**files, MANIFEST: doc})
    return PackReport(Path(out), sorted(models), skipped)


def _unpackable(model: str, folds: dict, n_folds: int) -> Optional[str]:
    if not re.fullmatch(MODEL_DIR, model):
        raise DataError(f"{folds[next(iter(folds))]['_path']}: model label {model!r} cannot name a folder of a "
                        "submission (letters, digits and _ . @ = , + - only)")
    missing = [k for k in range(n_folds) if k not in folds]
    if missing:
        return f"no record for fold(s) {', '.join(map(str, missing))}"
    for k in range(n_folds):
        rec = folds[k]
        if rec.get("status") != "ok":
            return f"fold {k} is {rec.get('status')}: {rec.get('reason') or 'no reason recorded'}"
        preds = Path(rec["_path"]).with_name(f"fold-{k}.predictions.jsonl")
        if not preds.is_file():
            return f"{preds} is missing (the run saved no per-sample predictions)"
        maps = Path(rec["_path"]).with_name(f"fold-{k}.maps.npz")
        if "saliency" in (rec.get("tasks") or []) and not maps.is_file():
            return f"{maps} is missing (saliency runs must keep their maps: run without --no-maps)"
    return None


def read_manifest(folder: Path, names: list[str]) -> dict:
    """The unpacked submission's `submission.json`, checked against the files that were unpacked:
    every file listed, none extra, each with the listed size and sha256."""
    path = Path(folder) / MANIFEST
    try:
        doc = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{MANIFEST}: missing or not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise DataError(f"{MANIFEST}: not a submission manifest (expected \"schema\": \"{SCHEMA}\")")
    for key in ("dataset", "split", "models", "files"):
        if not isinstance(doc.get(key), dict):
            raise DataError(f"{MANIFEST}: \"{key}\" is missing or not an object")
    listed = set(doc["files"])
    present = set(names) - {MANIFEST}
    if present - listed:
        raise DataError(f"{sorted(present - listed)[0]}: in the archive but not listed in {MANIFEST}")
    if listed - present:
        raise DataError(f"{sorted(listed - present)[0]}: listed in {MANIFEST} but not in the archive")
    for name in sorted(listed):
        entry = doc["files"][name]
        if not isinstance(entry, dict) or sha256_file(Path(folder) / name) != entry.get("sha256"):
            raise DataError(f"{name}: its sha256 differs from the one {MANIFEST} lists (the file was changed)")
    return doc
