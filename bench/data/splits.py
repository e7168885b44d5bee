"""Train/test splits: the official 1,600/400 split and seeded k-fold (random or grouped).

A split file is JSON::

    {"format": "gen3dhf-bench/split/1", "name": "kfold-5-seed0", "kind": "kfold",
     "seed": 0, "grouped_by": null | "group" | "generator", "dataset_hash": "...",
     "folds": [{"train": [ids...], "test": [ids...]}, ...]}

Results cite a split by the sha256 of its canonical JSON (`split_hash`), so a table never
mixes numbers from different partitions.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional

import numpy as np

from bench.data.dataset import Dataset
from bench.errors import ConfigError, DataError
from bench.io import atomic_write_text

FORMAT = "gen3dhf-bench/split/1"


def kfold_split(ids: list[str], k: int = 5, seed: int = 0, groups: Optional[list] = None) -> list[dict]:
    """k folds, each test fold ~1/k of the data (the paper's 4:1 for k=5), deterministic from `seed`.

    With `groups`, whole groups go to one fold (folds balanced greedily by size, largest group first,
    groups shuffled by the seed before the stable size sort so ties fall differently per seed).
    """
    if k < 2:
        raise ConfigError(f"k-fold needs at least 2 folds, got {k}")
    if len(ids) < k:
        raise ConfigError(f"{len(ids)} samples cannot be split into {k} folds")
    rng = np.random.default_rng(seed)
    if groups is None:
        order = rng.permutation(len(ids))
        assignment = np.empty(len(ids), dtype=int)
        assignment[order] = np.arange(len(ids)) % k
    else:
        uniq = list(dict.fromkeys(groups))
        if len(uniq) < k:
            raise ConfigError(f"{len(uniq)} groups cannot be split into {k} folds")
        uniq = [uniq[i] for i in rng.permutation(len(uniq))]
        sizes = {g: 0 for g in uniq}
        for g in groups:
            sizes[g] += 1
        fold_of, load = {}, np.zeros(k, dtype=int)
        for g in sorted(uniq, key=lambda g: -sizes[g]):
            f = int(np.argmin(load))
            fold_of[g] = f
            load[f] += sizes[g]
        assignment = np.array([fold_of[g] for g in groups])
    return [{"train": [i for i, a in zip(ids, assignment) if a != f],
             "test": [i for i, a in zip(ids, assignment) if a == f]} for f in range(k)]


def make_split(dataset: Dataset, kind: str = "kfold", k: int = 5, seed: int = 0,
               grouped_by: Optional[str] = None) -> dict:
    """A split document for `dataset`: kind 'official' (its 1,600/400) or 'kfold'."""
    ids = [s.id for s in dataset.samples]
    if kind == "official":
        official = dataset.official_split()
        if official is None:
            raise DataError(f"{dataset.root}: the manifest has no official split "
                            "(no samples marked \"official_split\": \"train\"/\"test\")")
        train, test = official
        folds, name = [{"train": train, "test": test}], "official"
    elif kind == "kfold":
        groups = None
        if grouped_by:
            if grouped_by not in ("group", "generator"):
                raise ConfigError(f"--group-by must be 'group' or 'generator', got {grouped_by!r}")
            groups = [getattr(s, grouped_by) or s.id for s in dataset.samples]
        folds = kfold_split(ids, k, seed, groups)
        name = f"kfold-{k}-seed{seed}" + (f"-by-{grouped_by}" if grouped_by else "")
    else:
        raise ConfigError(f"--split must be 'official' or 'kfold', got {kind!r}")
    return {"format": FORMAT, "name": name, "kind": kind, "seed": seed if kind == "kfold" else None,
            "grouped_by": grouped_by, "dataset_hash": dataset.content_hash(), "folds": folds}


def check_split(split: dict, dataset: Dataset, path: Path) -> None:
    """A split file must name this dataset's samples only, and was made for it when it says for which."""
    known = {s.id for s in dataset.samples}
    for i, f in enumerate(split["folds"]):
        unknown = [x for x in f["train"] + f["test"] if x not in known]
        if unknown:
            raise DataError(f"{path}: fold {i} names {len(unknown)} sample id(s) the dataset {dataset.root} lacks, "
                            f"e.g. {unknown[:3]}")
    made_for = split.get("dataset_hash")
    if made_for and made_for != dataset.content_hash():
        raise DataError(f"{path}: made for another dataset (dataset hash {made_for[:12]}, this one "
                        f"{dataset.content_hash()[:12]}); make a split for it with `bench data split`")


def split_hash(split: dict) -> str:
    return hashlib.sha256(json.dumps(split, sort_keys=True).encode()).hexdigest()


def save_split(split: dict, path: Path) -> Path:
    atomic_write_text(path, json.dumps(split, indent=1))
    return Path(path)


def load_split(path: Path) -> dict:
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"{path}: split file not found") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: split file is not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("folds"), list) \
            or not doc["folds"]:
        raise DataError(f"{path}: not a split file (expected \"format\": \"{FORMAT}\" and \"folds\")")
    for i, f in enumerate(doc["folds"]):
        if not isinstance(f, dict) or not all(isinstance(f.get(k), list) and all(isinstance(x, str) for x in f[k])
                                              for k in ("train", "test")):
            raise DataError(f"{path}: fold {i} must have \"train\" and \"test\" lists of sample ids")
        overlap = set(f.get("train", [])) & set(f.get("test", []))
        if overlap:
            raise DataError(f"{path}: fold {i} has {len(overlap)} id(s) in both train and test")
    return doc
