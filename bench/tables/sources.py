"""Where table rows come from: a run's result folder, or the paper's published numbers (results/paper/)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import bench
from bench.errors import DataError
from bench.results import group_by_protocol, load_results

PRINTED_SCHEMA = "gen3dhf-bench/paper-printed/1"


def default_paper_dir() -> Path:
    """results/paper/ of this checkout (the package is installed editable from it)."""
    return Path(bench.__file__).resolve().parents[1] / "results" / "paper"


def load_paper(paper_dir: Optional[Path] = None) -> tuple[list[dict], dict]:
    """The paper's records and its printed derived rows (Table 1's Improvement)."""
    paper_dir = Path(paper_dir) if paper_dir else default_paper_dir()
    if not paper_dir.is_dir():
        raise DataError(f"{paper_dir}: the paper's published numbers are not here (they ship in the "
                        "repository's results/paper/); pass --paper-dir")
    records = [r for r in load_results(paper_dir) if r.get("source") == "paper"]
    if not records:
        raise DataError(f"{paper_dir}: no paper result records (source: paper) found")
    printed_path = paper_dir / "printed.json"
    printed = {}
    if printed_path.exists():
        doc = json.loads(printed_path.read_text())
        if doc.get("schema") != PRINTED_SCHEMA:
            raise DataError(f"{printed_path}: not a {PRINTED_SCHEMA} file")
        printed = doc
    return records, printed


def load_runs(results_dir, dataset_hash: Optional[str] = None, split_hash: Optional[str] = None) -> list[dict]:
    """A run's records, filtered by dataset/split hash prefix; the paper's records are never mixed in."""
    found = load_results(Path(results_dir))
    records = [r for r in found if r.get("source") != "paper"]
    if found and not records:
        raise DataError(f"{results_dir}: holds only the paper's published numbers; use --source paper "
                        "(or `bench compare RUN --against paper`)")
    if dataset_hash:
        records = [r for r in records if str(r["dataset"].get("hash", "")).startswith(dataset_hash)]
    if split_hash:
        records = [r for r in records if str(r["split"].get("hash", "")).startswith(split_hash)]
    if not records:
        raise DataError(f"{results_dir}: no result records"
                        + (" match the --dataset-hash/--split-hash filter" if dataset_hash or split_hash else ""))
    return records


def describe_groups(records: list[dict]) -> str:
    """One line per dataset/split group, to help a user pick a filter."""
    lines = []
    for (d, s), recs in group_by_protocol(records).items():
        r = recs[0]
        lines.append(f"  --dataset-hash {str(d)[:12]} --split-hash {str(s)[:12]}: {r['dataset'].get('label')}, "
                     f"split {r['split'].get('name')}, {len({x['model'] for x in recs})} models")
    return "\n".join(lines)
