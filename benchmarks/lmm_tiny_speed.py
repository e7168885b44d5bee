"""Per-video time of the LMM family's tiny models (random weights, `bench.learn.tiny_hf`) on this CPU.

For each native architecture, on `--videos` random clips of `--frames` frames at the tiny models' frame
size, times the three questions a run asks per video: level-token scoring (both dimensions), generation
(both dimensions, `--max-new-tokens`) and the distortion question (`--distortion-tokens`). The tiny
models are what CPU tests and `base=tiny` paths run; these numbers are their cost, not a real model's.

    python benchmarks/lmm_tiny_speed.py [--videos 5] [--frames 8] [--max-new-tokens 32] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--videos", type=int, default=5)
    p.add_argument("--frames", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, default=32)
    p.add_argument("--distortion-tokens", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    import baselines.lmm  # noqa: F401  (registers the architectures)
    from baselines.lmm.native import NativeLMM
    from bench.learn.tiny_hf import ARCHITECTURES, TINY_FRAME_SIZE, build_tiny

    rng = np.random.default_rng(0)
    clips = rng.integers(0, 256, (args.videos, args.frames, TINY_FRAME_SIZE, TINY_FRAME_SIZE, 3), dtype=np.uint8)
    rows = []
    print(f"{args.videos} videos x {args.frames} frames at {TINY_FRAME_SIZE}x{TINY_FRAME_SIZE}, "
          f"{args.threads} thread(s); seconds per video")
    print(f"{'architecture':18s} {'build':>6s} {'score x2':>9s} {'generate x2':>12s} {'distortion':>11s} {'total':>7s}")
    for arch in ARCHITECTURES:
        t0 = time.perf_counter()
        model, processor = build_tiny(arch)
        build = time.perf_counter() - t0
        lmm = NativeLMM(model, processor, max_new_tokens=args.max_new_tokens,
                        distortion_max_new_tokens=args.distortion_tokens)
        lmm.score(clips[0], "quality")  # warm-up: first-call imports and caches
        times = {"score": 0.0, "generate": 0.0, "distortion": 0.0}
        for clip in clips:
            for key, run in (("score", lmm.score), ("generate", lmm.generate_level)):
                t = time.perf_counter()
                for dim in ("quality", "authenticity"):
                    run(clip, dim)
                times[key] += time.perf_counter() - t
            t = time.perf_counter()
            lmm.ask_distortions(clip)
            times["distortion"] += time.perf_counter() - t
        per = {k: v / args.videos for k, v in times.items()}
        total = sum(per.values())
        print(f"{arch:18s} {build:6.2f} {per['score']:9.3f} {per['generate']:12.3f} {per['distortion']:11.3f} "
              f"{total:7.3f}")
        rows.append({"architecture": arch, "build_s": build, **{f"{k}_s_per_video": v for k, v in per.items()},
                     "total_s_per_video": total})
    if args.json:
        args.json.write_text(json.dumps({"settings": vars(args) | {"json": str(args.json)}, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
