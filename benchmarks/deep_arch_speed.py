"""Forward + backward time of the eight deep IQA / VQA architectures on this CPU, one thread, batch 1.

For every method, `tiny` (the CPU-test variant) and `full` (the published architecture, random
weights) get one training item each, built by the method's own `Prepare` (training mode) from a
synthetic video, and run `loss(model(**item), target)` + backward, one warm-up then `--repeats`
timed runs; the median is printed with the parameter count.

Item sizes (full): CNNIQA one 512x512 frame (256 patches); StairIQA one 320 crop; HyperIQA one 224
crop; FAST-VQA one 32x224x224 fragment clip; DOVER that plus the 32x224x224 aesthetic view;
SimpleVQA 8 key frames of 448 and 8 motion clips of 32x224x224 (the frozen SlowFast runs forward
only). VSFA and TCSVT-BVQA run their frozen extractors forward and train only their heads; their
published input (every frame at native size) is reduced here to `--video-frames` frames of
224x224 (default 64), stated in the output. Tiny items use the tests' sizes.

The loss needs two items for the correlation losses (FAST-VQA, DOVER, TCSVT-BVQA): those run a
batch of two and report the time per item.

    PYTHONPATH=. python benchmarks/deep_arch_speed.py [--sizes tiny full] [--models fastvqa vsfa] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def video(frames: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (1, height, width, 3)).astype(np.int16)
    drift = rng.integers(-3, 4, (frames, 1, 1, 3)).cumsum(0)
    return np.clip(base + drift, 0, 255).astype(np.uint8)


def cases(video_frames: int):
    """name -> (module, {size: (prepare options, (frames, height, width), items)})."""
    from baselines.deep_iqa import cnniqa, hyperiqa, stairiqa
    from baselines.deep_vqa import dover, fastvqa, simplevqa, tcsvt_bvqa, vsfa

    clip = (video_frames, 224, 224)
    return {
        "cnniqa": (cnniqa, {"tiny": ({}, (1, 64, 64), 1), "full": ({}, (1, 512, 512), 1)}),
        "stairiqa": (stairiqa, {"tiny": (dict(resize=64, crop=64), (1, 64, 64), 1),
                                "full": ({}, (1, 512, 512), 1)}),
        "hyperiqa": (hyperiqa, {"tiny": (dict(crop=64), (1, 64, 64), 1), "full": ({}, (1, 512, 512), 1)}),
        "simplevqa": (simplevqa, {"tiny": (dict(fps=4, key_frames=2, resize=40, crop=36, clip_len=4,
                                                clip_size=36), (8, 48, 48), 1),
                                  "full": ({}, (240, 512, 512), 1)}),
        "fastvqa": (fastvqa, {"tiny": (dict(fragments=2, fsize=16, clip_len=4), (16, 64, 64), 2),
                              "full": ({}, (240, 512, 512), 2)}),
        "dover": (dover, {"tiny": (dict(fragments=2, fsize=16, clip_len=4, aesthetic_size=32, aesthetic_frames=4),
                                   (24, 64, 64), 2),
                          "full": ({}, (240, 512, 512), 2)}),
        "tcsvt_bvqa": (tcsvt_bvqa, {"tiny": (dict(chunk=8, steps=4), (24, 40, 40), 2), "full": ({}, clip, 2)}),
        "vsfa": (vsfa, {"tiny": ({}, (6, 40, 40), 1), "full": ({}, clip, 1)}),
    }


def time_case(module, size: str, options: dict, shape, items: int, repeats: int) -> tuple[float, int]:
    import torch

    from baselines.deep_iqa.common import count_parameters

    prepare = module.Prepare(train=True, **options)
    rng = np.random.default_rng(0)
    prepared = [prepare(video(*shape, seed=i), rng) for i in range(items)]
    batch = {k: torch.stack([p[k] for p in prepared]) for k in prepared[0]}
    target = torch.rand(items, 2)
    net = module.build(size)
    net.train()
    times = []
    for i in range(repeats + 1):
        start = time.perf_counter()
        net.zero_grad(set_to_none=True)
        module.loss(net(**batch), target).backward()
        if i:  # the first run warms up
            times.append((time.perf_counter() - start) / items)
    return statistics.median(times), count_parameters(net)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["tiny", "full"], choices=["tiny", "full"])
    parser.add_argument("--models", nargs="+", default=None, help="default: all eight")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--video-frames", type=int, default=64,
                        help="frames (224x224) of the VSFA / TCSVT-BVQA full-size item")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)  # pytorchvideo's torch.jit.script
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    table = cases(args.video_frames)
    names = args.models or list(table)
    print(f"{'model':12} {'size':5} {'params':>12} {'fwd+bwd s/item':>15}  item")
    for name in names:
        module, sizes = table[name]
        for size in args.sizes:
            options, shape, items = sizes[size]
            seconds, params = time_case(module, size, options, shape, items, args.repeats)
            item = f"{shape[0]}x{shape[1]}x{shape[2]} frames" + (f", batch {items}" if items > 1 else "")
            print(f"{name:12} {size:5} {params:12,d} {seconds:15.3f}  {item}", flush=True)


if __name__ == "__main__":
    main()
