"""Input preparation in worker processes: the speed-up of `--workers N` on this machine (not a test).

Each sample is prepared as a video model's input is: 8 frames decoded from the video (cold: no frame store),
resized to 224 px and normalised to a float tensor. The model side is simulated by a fixed compute per batch
(`--model-ms`), so that the figure shows how much of the decoding the workers hide behind the model's work.

    .venv/bin/python benchmarks/input_pipeline.py --videos 40 --workers 0 --workers 1 --workers 2
"""
from __future__ import annotations

import argparse
import time

import numpy as np


class Prepare:
    """Picklable per-sample preparation: 8 frames at `size` px, float32, ImageNet-normalised, (T, 3, H, W)."""

    def __init__(self, size: int):
        self.size = size

    def __call__(self, sample) -> dict:
        frames = sample.frames(count=8, size=self.size).astype(np.float32) / 255.0
        mean, std = np.array([0.485, 0.456, 0.406], np.float32), np.array([0.229, 0.224, 0.225], np.float32)
        return {"x": ((frames - mean) / std).transpose(0, 3, 1, 2)}


def busy(ms: float) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def main() -> None:
    from dataclasses import replace

    from bench.data.dataset import load_dataset
    from bench.data.pipeline import prepared_batches
    from bench.synth.default import ensure_default_dataset

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default=None, help="dataset folder (default: the embedded stand-in)")
    ap.add_argument("--videos", type=int, default=40)
    ap.add_argument("--workers", type=int, action="append", help="worker processes (repeatable; default 0 and 2)")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--model-ms", type=float, default=200.0, help="simulated model time per batch (ms)")
    args = ap.parse_args()
    dataset = load_dataset(args.dataset or ensure_default_dataset())
    print(f"| workers | s for {args.videos} videos | videos/s | speed-up |\n|---:|---:|---:|---:|")
    base = None
    for workers in args.workers or [0, 2]:
        samples = [replace(s, store=None) for s in dataset.samples[:args.videos]]  # cold: every video decoded
        t0 = time.perf_counter()
        for batch in prepared_batches(samples, Prepare(args.size), args.batch_size, workers=workers):
            if any(err for _, err in batch):
                raise SystemExit(f"preparation failed: {[err for _, err in batch if err][0]}")
            busy(args.model_ms)
        dt = time.perf_counter() - t0
        base = base or dt
        print(f"| {workers} | {dt:.1f} | {args.videos / dt:.2f} | {base / dt:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
