"""Speed of the classic saliency family: seconds per 512x512 view, and per 3-view sample in parallel.

Imports every model module in baselines/classic_saliency/ (so it works before the package's
__init__ lists them), then for each registered model of family `classic_saliency`:

- per view: median wall time of `saliency_map` on one 512x512 natural photograph (scikit-learn's
  sample photo china.jpg, centre crop; a synthetic 1/f image if that is missing), after one
  warm-up call (loading parameters, caches), over `--repeats` runs, one process;
- per sample: wall time of the family's sample-parallel path (joblib over `--samples` 3-view
  strips of 512x1536, `--jobs` processes, as `SaliencyModel.predict` does) divided by the count.

Prints a Markdown table; models over `--budget` seconds per view are flagged.

    python benchmarks/saliency_speed.py [--repeats 3] [--samples 4] [--jobs 2] [--models sr,sun]
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FAMILY = "classic_saliency"


def import_family_modules() -> dict[str, str]:
    """Import each public module of the family folder; returns {module: error} for those that fail."""
    import baselines.classic_saliency as pkg

    errors = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        try:
            importlib.import_module(f"{pkg.__name__}.{info.name}")
        except Exception as exc:  # noqa: BLE001 - reported in the output, the others still run
            errors[info.name] = f"{type(exc).__name__}: {exc}"
    return errors


def benchmark_view(size: int = 512) -> tuple[np.ndarray, str]:
    try:
        from sklearn.datasets import load_sample_image

        img = load_sample_image("china.jpg")  # 427x640 photograph shipped with scikit-learn
        import cv2

        side = min(img.shape[:2])
        y0, x0 = (img.shape[0] - side) // 2, (img.shape[1] - side) // 2
        crop = img[y0: y0 + side, x0: x0 + side]
        return cv2.resize(crop, (size, size), interpolation=cv2.INTER_CUBIC), "china.jpg (scikit-learn), centre crop"
    except Exception:  # noqa: BLE001
        from baselines.classic_saliency.synthetic_images import natural_image

        return natural_image(size, seed=0), "synthetic 1/f image"


def fit_on_synthetic_samples(model, view: np.ndarray, folder: Path, count: int = 2) -> float:
    """Fit a trainable model (e.g. Judd's SVM) on `count` synthetic samples; returns the fit time.

    Each sample is a 3-view strip of the test view (mirrored in the middle) with a ground-truth map
    of one Gaussian blob per view; only the prediction speed is of interest here.
    """
    import cv2

    from bench.data.sample import Sample
    from bench.models.base import RunContext

    h, w = view.shape[:2]
    yy, xx = np.mgrid[0:h, 0:3 * w]
    samples = []
    for i in range(count):
        strip = np.concatenate([view, view[:, ::-1], view], axis=1)
        gt = sum(np.exp(-((xx - (k + 0.3 + 0.4 * i) * w) ** 2 + (yy - 0.4 * h) ** 2) / (2 * (0.08 * w) ** 2))
                 for k in range(3)).astype(np.float32)
        img_path, map_path = folder / f"s{i}.png", folder / f"s{i}.npy"
        cv2.imwrite(str(img_path), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))
        np.save(map_path, gt / gt.max())
        samples.append(Sample(id=f"s{i}", image=img_path, saliency_map=map_path))
    t0 = time.perf_counter()
    model.fit(samples, RunContext(seed=0, work_dir=folder))
    return time.perf_counter() - t0


def time_per_view(model, view: np.ndarray, repeats: int) -> float:
    model.saliency_map(view)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.saliency_map(view)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_per_sample(model, view: np.ndarray, samples: int, jobs: int) -> float:
    from joblib import Parallel, delayed

    strip = np.concatenate([view, view[:, ::-1], view], axis=1)  # 512x1536, like a 3-view image
    t0 = time.perf_counter()
    Parallel(n_jobs=jobs)(delayed(model.strip_saliency)(strip) for _ in range(samples))
    return (time.perf_counter() - t0) / samples


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Time the classic saliency models per 512x512 view.")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--samples", type=int, default=4, help="3-view samples for the parallel timing (0: skip)")
    ap.add_argument("--jobs", type=int, default=2, help="processes for the parallel timing")
    ap.add_argument("--budget", type=float, default=1.0, help="seconds per view above which a model is flagged")
    ap.add_argument("--models", default="", help="comma-separated names (default: the whole family)")
    args = ap.parse_args(argv)

    from bench.models.registry import create_model, list_models

    errors = import_family_modules()
    names = [n for n in args.models.split(",") if n] or list_models(FAMILY)
    view, source = benchmark_view()
    print(f"Test view: {source}, 512x512. Per view: median of {args.repeats} runs after a warm-up, one process."
          + (f" Per sample: {args.samples} 3-view samples (512x1536) over {args.jobs} processes." if args.samples else ""))
    print()
    head = "| model | paper row | s / view |" + (f" s / sample ({args.jobs} jobs) |" if args.samples else "") + " over budget |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    if args.samples:  # start the worker processes once, so that their start-up is not billed to a model
        from joblib import Parallel, delayed

        Parallel(n_jobs=args.jobs)(delayed(abs)(i) for i in range(args.jobs))
    slow = []
    fitted = {}
    for name in names:
        model = create_model(name, n_jobs=1)
        if model.trainable:
            with tempfile.TemporaryDirectory() as tmp:
                fitted[name] = fit_on_synthetic_samples(model, view, Path(tmp))
        per_view = time_per_view(model, view, args.repeats)
        row = f"| {name}{' *' if name in fitted else ''} | {model.paper_row} | {per_view:.3f} |"
        if args.samples:
            row += f" {time_per_sample(model, view, args.samples, args.jobs):.3f} |"
        over = per_view > args.budget
        slow += [name] if over else []
        print(row + (f" **yes** (> {args.budget:g} s) |" if over else " no |"), flush=True)
    print()
    print(f"{len(names)} models; over {args.budget:g} s per view: {', '.join(slow) or 'none'}.")
    for name, secs in fitted.items():
        print(f"* {name} is trained: fitted first on 2 synthetic 3-view samples ({secs:.1f} s, not counted).")
    for mod, err in errors.items():
        print(f"module {mod} failed to import: {err}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
