"""`bench data synth`: generate the synthetic stand-in (the lead's bench/cli.py wires these two functions)."""
from __future__ import annotations

import argparse
import sys
import time

from bench.synth.build import DEFAULT_NAME, PAPER_SCALE, SynthConfig, build_standin


def add_synth_arguments(parser: argparse.ArgumentParser) -> None:
    d = SynthConfig()
    parser.add_argument("--out", required=True, help="output folder (must be absent or empty unless --force)")
    parser.add_argument("--videos", type=int, default=None, help=f"number of videos (default {d.videos})")
    parser.add_argument("--size", type=int, default=None, help=f"frame size in pixels, even (default {d.size})")
    parser.add_argument("--frames", type=int, default=None,
                        help=f"frames per 180-degree orbit (default {d.frames}: -45/0/+45 are frames)")
    parser.add_argument("--fps", type=float, default=None, help=f"frame rate (default {d.fps:g})")
    parser.add_argument("--seed", type=int, default=d.seed, help="seed: same seed, byte-identical labels")
    parser.add_argument("--paper-scale", action="store_true",
                        help="the paper's size: 2,000 videos, 512x512, 240 frames at 60 fps (hours on 2 cores)")
    parser.add_argument("--subjects", type=int, default=d.subjects, help="simulated subjects (paper: 24)")
    parser.add_argument("--unreliable", type=int, default=d.unreliable,
                        help="of which unreliable (paper keeps 21 of 24)")
    parser.add_argument("--annotators", type=int, default=d.annotators, help="annotators per video (paper: 3)")
    parser.add_argument("--workers", type=int, default=0, help="render processes (default: one per core)")
    parser.add_argument("--name", default=DEFAULT_NAME, help="dataset name (always shown as a synthetic stand-in)")
    parser.add_argument("--force", action="store_true", help="replace a non-empty --out")
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def config_from_args(args) -> SynthConfig:
    base = dict(PAPER_SCALE) if args.paper_scale else {}
    for key in ("videos", "size", "frames", "fps"):
        if getattr(args, key) is not None:
            base[key] = getattr(args, key)
    return SynthConfig(seed=args.seed, subjects=args.subjects, unreliable=args.unreliable,
                       annotators=args.annotators, workers=args.workers, name=args.name, **base)


def run_synth(args) -> int:
    import json

    cfg = config_from_args(args)
    t0 = time.perf_counter()
    out = build_standin(args.out, cfg, progress=not args.quiet, force=args.force)
    report = json.loads((out / "study" / "report.json").read_text())
    m = report["mos"]
    print(f"{out}: {cfg.videos} videos in {time.perf_counter() - t0:.0f} s; "
          f"subjects kept {report['kept']}/{report['subjects']}; "
          f"quality MOS {m['quality']['min']:.1f}-{m['quality']['max']:.1f} (mean {m['quality']['mean']:.1f}, "
          f"SD {m['quality']['sd']:.1f}); authenticity {m['authenticity']['min']:.1f}-{m['authenticity']['max']:.1f} "
          f"(mean {m['authenticity']['mean']:.1f}, SD {m['authenticity']['sd']:.1f}); "
          f"r = {m['pearson_quality_authenticity']:.3f}", file=sys.stdout)
    return 0
