"""Training speed of the deep saliency family on this CPU: seconds per 3-view image.

For each model (SALICON, Sal-CFS-GAN, TranSalNet-ResNet, TranSalNet-Dense) and size ("tiny", the
test configuration, and "full", the published architecture at its published input size), in a
fresh process with one torch thread (`torch.set_num_threads(1)`), random weights:

- a batch of `--batch` prepared 3-view samples (512x1536 strip of noise with a saliency map of a
  few blobs, through the model's `Prepare`) at the size's `INPUT_SIZE` per view;
- forward: median wall time of `model(**batch)` without gradients;
- train step: median wall time of forward + `loss` + backward (for the GAN: `training_step`, i.e.
  generator and discriminator forward and backward and both Adam steps);
- after one untimed warm-up step, over `--repeats` runs; times divided by the batch size;
- peak resident memory of the process (ru_maxrss).

Prints a Markdown table.

    python benchmarks/deep_saliency_speed.py [--sizes tiny,full] [--models salicon,transalnet_resnet]
                                             [--batch 1] [--repeats 3]

Measured on the 2-core development machine under a load average of ~16 (other jobs), batch 1,
seconds per 3-view image, train step / forward: tiny (--repeats 3) SALICON 0.09 / 0.04, GazeGAN
0.31 / 0.06, TranSalNet-ResNet 0.13 / 0.06, TranSalNet-Dense 0.10 / 0.04; full (--repeats 1)
SALICON 165 / 51 (3.5 GB), GazeGAN 90 / 15 (6.0 GB), TranSalNet-ResNet 52 / 14 (2.8 GB),
TranSalNet-Dense 52 / 16 (3.6 GB): the published sizes are GPU work.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODELS = {"salicon": ("salicon", {}), "sal_cfs_gan": ("sal_cfs_gan", {}),
          "transalnet_resnet": ("transalnet", {"variant": "resnet"}),
          "transalnet_dense": ("transalnet", {"variant": "densenet"})}


def sample_strip(seed: int = 0):
    import numpy as np

    from bench.data.saliency_maps import saliency_from_points

    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (512, 1536, 3), dtype=np.uint8)
    points = np.column_stack([rng.uniform(0, 1536, 6), rng.uniform(0, 512, 6)])
    return image, saliency_from_points(points, (512, 1536))


def measure_one(name: str, size: str, batch_size: int, repeats: int) -> dict:
    import importlib

    import torch

    torch.set_num_threads(1)
    module_name, options = MODELS[name]
    module = importlib.import_module(f"baselines.deep_saliency.{module_name}")
    net = module.build(size, **options)
    prepare = module.Prepare(module.INPUT_SIZE[size])
    items = [prepare(*sample_strip(i)) for i in range(batch_size)]
    batch = {k: torch.stack([item[k] for item in items]) for k in items[0]}
    optimizers = net.configure_optimizers() if hasattr(net, "training_step") else None

    def train_step():
        if optimizers is not None:
            net.training_step(batch, optimizers)
            return
        net.zero_grad(set_to_none=True)
        module.loss(net(**batch), batch).backward()

    def forward():
        with torch.no_grad():
            net(**batch)

    net.train()
    timings = {}
    for label, step in (("train_step", train_step), ("forward", forward)):
        step()  # warm-up
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            runs.append(time.perf_counter() - start)
        timings[label] = statistics.median(runs) / batch_size
    return {"model": name, "size": size, "params": sum(p.numel() for p in net.parameters()),
            "input": "x".join(map(str, module.INPUT_SIZE[size])), **timings,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="tiny,full")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--batch", type=int, default=1, help="3-view samples per step")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", nargs=2, metavar=("MODEL", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one[0], args.one[1], args.batch, args.repeats)))
        return
    unknown = set(args.models.split(",")) - set(MODELS)
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; choose from {sorted(MODELS)}")
    print("| model | size | parameters | input per view | train step s / 3-view image | forward s / 3-view image | peak RSS GB |")
    print("|---|---|---:|---|---:|---:|---:|")
    for size in args.sizes.split(","):
        for name in args.models.split(","):
            cmd = [sys.executable, __file__, "--one", name, size, "--batch", str(args.batch), "--repeats", str(args.repeats)]
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            if done.returncode:
                print(f"| {name} | {size} | failed: {done.stderr.strip().splitlines()[-1]} | | | | |", flush=True)
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"| {r['model']} | {r['size']} | {r['params']:,} | {r['input']} | {r['train_step']:.3f} | "
                  f"{r['forward']:.3f} | {r['peak_rss_gb']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
