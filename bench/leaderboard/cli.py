"""`bench leaderboard init | pack | add | build | list` (wired into bench/cli.py)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.errors import BenchError
from bench.leaderboard.archive import Limits
from bench.leaderboard.board import DEFAULT_STATISTICS, Board
from bench.leaderboard.render import RENDERERS
from bench.leaderboard.submission import pack
from bench.tables.sources import default_paper_dir, load_paper


def add_leaderboard_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="leaderboard_command", required=True)
    q = sub.add_parser("init", help="a new board folder for one dataset and split")
    q.add_argument("board", type=Path)
    q.add_argument("--dataset", required=True, type=Path, help="dataset folder: the board's ground truth")
    q.add_argument("--split", default="kfold", help="official | kfold | a split file (default kfold)")
    q.add_argument("--folds", type=int, default=5)
    q.add_argument("--seed", type=int, default=0, help="k-fold seed")
    q.add_argument("--group-by", choices=("group", "generator"))
    limits = Limits()
    q.add_argument("--max-members", type=int, default=limits.max_members, help="files per submission archive")
    q.add_argument("--max-file-bytes", type=int, default=limits.max_file_bytes, help="one unpacked file")
    q.add_argument("--max-bytes", type=int, default=limits.max_total_bytes, help="one unpacked submission")
    q.add_argument("--bootstrap", type=int, default=DEFAULT_STATISTICS["bootstrap"],
                   help="bootstrap replicates of the intervals and tests")
    q.add_argument("--stats-seed", type=int, default=DEFAULT_STATISTICS["seed"], help="seed of the bootstrap draws")

    q = sub.add_parser("pack", help="a run folder -> a submission archive (.tar.gz, data only)")
    q.add_argument("run_dir", type=Path)
    q.add_argument("-o", "--out", required=True, type=Path, help="the archive to write (.tar.gz)")
    q.add_argument("--name", help="who submits (default: the run folder's name)")

    q = sub.add_parser("add", help="check submissions (archives or run folders) and add those that pass")
    q.add_argument("files", nargs="+", type=Path)
    q.add_argument("--board", required=True, type=Path)
    q.add_argument("--name", help="submitter name for run folders packed on the fly")

    q = sub.add_parser("build", help="the board's pages: intervals, rank groups, breakdowns, plots")
    q.add_argument("board", type=Path)
    q.add_argument("--format", choices=tuple(RENDERERS), default="html")
    q.add_argument("--out", type=Path, help="output folder (default BOARD/site)")
    q.add_argument("--plcc", choices=("raw", "logistic"), default="raw")
    q.add_argument("--auc", choices=("judd", "borji"), default="judd")
    q.add_argument("--bootstrap", type=int, help="replicates (default: the board's)")
    q.add_argument("--seed", type=int, help="bootstrap seed (default: the board's)")
    q.add_argument("--paper-dir", type=Path, default=None, help=f"reference rows (default {default_paper_dir()})")
    q.add_argument("--no-paper", action="store_true", help="no reference rows from the paper")
    q.add_argument("--no-plots", action="store_true", help="do not draw or link the per-submission plots")
    q.add_argument("--jobs", type=int, default=1, help="processes for the bootstrap (-1: one per core)")

    q = sub.add_parser("list", help="the board's dataset, split and accepted submissions")
    q.add_argument("board", type=Path)


def run_leaderboard(args) -> int:
    return {"init": _init, "pack": _pack, "add": _add, "build": _build, "list": _list}[args.leaderboard_command](args)


def _init(args) -> int:
    limits = Limits(max_members=args.max_members, max_file_bytes=args.max_file_bytes, max_total_bytes=args.max_bytes)
    board = Board.init(args.board, args.dataset, args.split, args.folds, args.seed, args.group_by, limits,
                       {"bootstrap": args.bootstrap, "seed": args.stats_seed})
    d, s = board.doc["dataset"], board.doc["split"]
    print(f"{args.board}: board for {d['label']} (hash {d['hash'][:12]}), split {s['name']} ({s['n_folds']} folds, "
          f"hash {s['hash'][:12]})")
    return 0


def _pack(args) -> int:
    report = pack(args.run_dir, args.out, args.name)
    print(f"{report.archive}: {len(report.models)} model(s): {', '.join(report.models)}")
    for model, why in report.skipped.items():
        print(f"  not packed: {model}: {why}", file=sys.stderr)
    return 0


def _add(args) -> int:
    board = Board.open(args.board)
    status = 0
    for f in args.files:
        try:
            sub_id = board.add(f, name=args.name)
        except BenchError as exc:
            print(f"rejected: {exc}", file=sys.stderr)
            status = 1
            continue
        print(f"accepted: {f} as {sub_id}")
    return status


def _build(args) -> int:
    from bench.leaderboard.build import build_pages
    from bench.leaderboard.site import write_site
    from bench.results import metrics_frame

    board = Board.open(args.board)
    # the paper's method rows; its ablation rows (Tables 4-5) are variants of LMME3DHF, not submissions
    paper = None if args.no_paper else metrics_frame([r for r in load_paper(args.paper_dir)[0] if not r.get("ablation")])
    pages = build_pages(board, plcc=args.plcc, auc=args.auc, paper=paper, n_boot=args.bootstrap, seed=args.seed,
                        jobs=args.jobs)
    if not pages:
        raise BenchError(f"{args.board}: no accepted submission yet; `bench leaderboard add` one first")
    for path in write_site(board, pages, args.format, args.out or Path(args.board) / "site", plots=not args.no_plots):
        print(path)
    return 0


def _list(args) -> int:
    board = Board.open(args.board)
    d, s = board.doc["dataset"], board.doc["split"]
    print(f"dataset {d['label']} (hash {d['hash'][:12]}, {d['root']}); split {s['name']} ({s['n_folds']} folds, "
          f"hash {s['hash'][:12]})")
    for sub in board.submissions():
        info = board.submission_info(sub.name)
        print(f"  {sub.name}: {info.get('name')}, accepted {info['accepted'].get('accepted')}, "
              f"models {', '.join(sorted(info.get('models') or {}))}")
    return 0
