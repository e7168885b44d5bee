"""Arguments and entry points of `bench tables` and `bench compare` (wired into bench/cli.py).

Both raise `bench.errors.BenchError` subclasses for problems a user can fix (mixed datasets,
missing folders, bad options); bench/cli.py prints them as one line.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.errors import ConfigError, DataError
from bench.io import atomic_write_text
from bench.results import group_by_protocol
from bench.tables.build import build_tables, slugify
from bench.tables.compare import compare
from bench.tables.compare import to_csv as compare_csv
from bench.tables.compare import to_markdown as compare_markdown
from bench.tables.layout import TABLES
from bench.tables.render import RENDERERS, latex_document
from bench.tables.sources import default_paper_dir, describe_groups, load_paper, load_runs

DEFAULT_OUT = Path("results") / "tables"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plcc", choices=("raw", "logistic"), default="raw",
                        help="PLCC of raw predictions (default; what the authors' code computes) or after "
                             "the logistic fit; every table states which")
    parser.add_argument("--auc", choices=("judd", "borji"), default="judd",
                        help="which AUC fills the saliency tables' AUC column (default judd)")
    parser.add_argument("--dataset-hash", default=None, help="keep only records whose dataset hash starts so")
    parser.add_argument("--split-hash", default=None, help="keep only records whose split hash starts so")
    parser.add_argument("--paper-dir", type=Path, default=None,
                        help=f"the paper's published numbers (default {default_paper_dir()})")


def add_tables_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", type=Path, default=None,
                        help="a run's results folder (needed with --source runs)")
    parser.add_argument("--source", choices=("runs", "paper"), default="runs",
                        help="rows from a run's results (default) or the paper's published numbers")
    parser.add_argument("--table", default="all", choices=("1", "2", "3", "4", "5", "all"),
                        help="which of the paper's tables (default all that have rows)")
    parser.add_argument("--format", choices=tuple(RENDERERS), default="md")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="tables are written to OUT/<dataset-label>/tableN.<ext> (default results/tables)")
    parser.add_argument("--no-write", action="store_true", help="print only, write no files")
    parser.add_argument("--standalone", action="store_true",
                        help="with --format latex: also write all.tex, a compilable document of the tables")
    parser.add_argument("--quiet", action="store_true", help="do not print the tables")
    _common(parser)


def _records(args) -> tuple[list[dict], dict]:
    if args.source == "paper":
        return load_paper(args.paper_dir)
    if args.results is None:
        raise ConfigError("bench tables: give --results DIR (a run's folder) or --source paper")
    records = load_runs(args.results, args.dataset_hash, args.split_hash)
    if len(group_by_protocol(records)) > 1:
        raise DataError(f"{args.results}: results of several datasets/splits cannot share a table; pick one:\n"
                        + describe_groups(records))
    return records, {}


def run_tables(args) -> int:
    records, printed = _records(args)
    numbers = sorted(TABLES) if args.table == "all" else [int(args.table)]
    tables = build_tables(records, numbers, source=args.source, plcc=args.plcc, auc=args.auc, printed=printed)
    if not tables:
        where = "the paper's records" if args.source == "paper" else str(args.results)
        raise DataError(f"{where}: no results for table {args.table}")
    render, ext = RENDERERS[args.format]
    texts = [render(t) for t in tables]
    if not args.quiet:
        sys.stdout.write("\n".join(texts))
    if not args.no_write:
        folder = Path(args.out) / tables[0].slug()
        for table, text in zip(tables, texts):
            atomic_write_text(folder / f"table{table.number}.{ext}", text)
        if args.standalone and args.format == "latex":
            atomic_write_text(folder / "all.tex", latex_document(tables))
        print(f"wrote {', '.join(f'table{t.number}.{ext}' for t in tables)} to {folder}", file=sys.stderr)
    if args.table == "all":
        missing = [n for n in numbers if n not in {t.number for t in tables}]
        if missing:
            print(f"no rows for table(s) {', '.join(map(str, missing))} in these results", file=sys.stderr)
    return 0


def add_compare_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="a run's results folder")
    parser.add_argument("--against", default="paper",
                        help="'paper' (the published numbers, default) or another run's results folder")
    parser.add_argument("--format", choices=("md", "csv"), default="md")
    parser.add_argument("--out", type=Path, default=None, help="also write the comparison to this file")
    _common(parser)


def run_compare(args) -> int:
    run_records = load_runs(args.results, args.dataset_hash, args.split_hash)
    if len(group_by_protocol(run_records)) > 1:
        raise DataError(f"{args.results}: results of several datasets/splits; pick one:\n"
                        + describe_groups(run_records))
    if args.against == "paper":
        ref_records, _ = load_paper(args.paper_dir)
        result = compare(run_records, ref_records, reference_is_paper=True, plcc=args.plcc,
                                     auc=args.auc, reference_name="paper")
    else:
        ref_dir = Path(args.against)
        ref_records = load_runs(ref_dir)
        if len(group_by_protocol(ref_records)) > 1:
            raise DataError(f"{ref_dir}: results of several datasets/splits; compare against one run")
        result = compare(run_records, ref_records, reference_is_paper=False, plcc=args.plcc,
                                     auc=args.auc, reference_name=slugify(ref_dir.name) or "reference")
    if not result.lines and not any(result.only_run.values()):
        raise DataError(f"{args.results}: no rows to compare")
    text = compare_markdown(result) if args.format == "md" else compare_csv(result)
    sys.stdout.write(text)
    if args.out:
        atomic_write_text(args.out, text)
    return 0
