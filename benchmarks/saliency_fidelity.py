"""Map correlation of each classic saliency model with its authors' MATLAB code on the same images.

The authors' maps come from `benchmarks/octave/run_authors_saliency.m`, which runs the classic models
of co-author H. Duan's baseline_saliency_models bundle (the calls of its calTraSal.m) under GNU Octave
on every PNG of `<folder>/imgs` and saves `<folder>/out/<MODEL>/<image>.mat` (variable `sal`, the map
before `imwrite`). Neither their code nor their maps belong in this repository: make the folder
outside it. This script computes the project's map of each image (the whole image, as calTraSal.m
does) and prints the Pearson correlation (CC) per model: mean, min, and per image with --verbose.

    python benchmarks/saliency_fidelity.py /tmp/octave-check [--models it aim ...] \\
        [--set aim.basis=/path/21jade950.mat --set sun.stats=/path/stats.mat] [--verbose]

The authors' maps are clipped to [0, 1] first, as `imwrite` does when calTraSal.m saves them.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

# registry name -> the authors' folder name (calTraSal.m's ALG)
AUTHOR_NAMES = {"it": "IT", "aim": "AIM", "gbvs": "GBVS", "sr": "SR", "sun": "SUN", "pft": "PFT",
                "smvj": "SMVJ", "judd": "Judd", "swd": "SWD", "murray": "Murray", "ca": "CA",
                "covsal": "CovSal", "hft": "HFT"}


def map_cc(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    a, b = a - a.mean(), b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else float("nan")


def author_map(folder: Path, model: str, image_name: str):
    from scipy.io import loadmat

    path = folder / "out" / AUTHOR_NAMES[model] / f"{image_name}.mat"
    return np.clip(loadmat(str(path))["sal"], 0, 1) if path.is_file() else None


def parse_sets(items) -> dict:
    """{model: {option: value}} from model.option=value items (values read as JSON where they parse)."""
    import json

    out: dict = {}
    for item in items or []:
        key, _, value = item.partition("=")
        model, _, option = key.partition(".")
        if not option or not value:
            raise SystemExit(f"--set takes model.option=value, got {item!r}")
        try:
            value = json.loads(value)
        except ValueError:
            pass
        out.setdefault(model, {})[option] = value
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="folder with imgs/ and the Octave driver's out/")
    ap.add_argument("--models", nargs="+", default=sorted(set(AUTHOR_NAMES) - {"judd"}))
    ap.add_argument("--set", action="append", help="model.option=value, e.g. aim.basis=/path/21jade950.mat")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)

    import cv2
    import torch

    from bench.models.registry import create_model

    torch.set_num_threads(1)
    sets = parse_sets(args.set)
    images = sorted((args.folder / "imgs").glob("*.png"))
    print(f"{'model':<8} {'n':>2} {'mean CC':>8} {'min CC':>7}  config")
    for name in args.models:
        model = create_model(name, n_jobs=1, **sets.get(name, {}))
        ccs, t0 = [], time.time()
        for path in images:
            ref = author_map(args.folder, name, path.name)
            if ref is None:
                continue
            rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
            ours = model.strip_saliency(rgb)
            ccs.append(map_cc(ours, cv2.resize(ref.astype(np.float32), ours.shape[::-1])))
            if args.verbose:
                print(f"  {name} {path.name}: {ccs[-1]:.3f}")
        cfg = " ".join(f"{k}={v}" for k, v in sets.get(name, {}).items())
        if ccs:
            print(f"{name:<8} {len(ccs):>2} {np.mean(ccs):8.3f} {np.min(ccs):7.3f}  {cfg}  ({time.time() - t0:.0f} s)")
        else:
            print(f"{name:<8}  0        -       -  no authors' maps in {args.folder / 'out' / AUTHOR_NAMES[name]}")


if __name__ == "__main__":
    main()
