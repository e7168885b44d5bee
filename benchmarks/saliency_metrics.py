"""Time bench.metrics' six saliency metrics beside pysaliency's equivalents on the same maps.

    python benchmarks/saliency_metrics.py            # 2,000 pairs of 512x1536 maps
    python benchmarks/saliency_metrics.py --n 200    # fewer; totals are also extrapolated

Maps (deterministic, `--seed`): ground truth made by the project's own pipeline
(`bench.data.saliency_maps`: annotator-like dots in clusters on the three views, Gaussian sigma 5,
max-normalised; fixations = min-max normalised map >= 0.95), predictions smooth float32 maps
that follow the ground truth loosely (blurred, shifted, mixed with smooth noise).

pysaliency (optional; 0.2.22 imports torch in its package `__init__`, so its metric modules are
loaded without it) is timed on its per-image code paths, the ones its model classes call:
metrics.NSS / CC / SIM / MIT_KLDiv and, for AUC, the positives/negatives of AUC_per_image with
roc.general_roc. Fixation coordinates, pysaliency's input format, are prepared outside the timer.
Our metrics run with the options that match pysaliency's conventions (NSS ddof=0, SIM
minmax=False, KLD eps=2.2204e-16, AUC-Judd ties="count"), so the values must agree;
pysaliency has no AUC-Borji: its nearest relative, AUC against all pixels at all thresholds,
is timed and its difference shown only for information. Both sides get the same float32 maps;
pysaliency sums SIM and KLD in float32 for such maps, so agreement is also checked on float64
copies of the first `--check` maps (`--dtype float64` gives both sides float64 maps throughout).
BLAS runs on one thread for both sides, and the side that runs first alternates from chunk to chunk
(the first pays for reading the maps from memory). The options chosen do not change our timings.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: same single thread for both sides
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import pathlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402

import numpy as np  # noqa: E402

from bench.data.saliency_maps import MAP_SIZE, fixation_map, saliency_from_points  # noqa: E402
from bench.metrics import SALIENCY_METRICS, auc_borji, auc_judd, cc, kld, nss, sim  # noqa: E402

PYSALIENCY_KLD_EPS = 2.2204e-16  # pysaliency MIT_KLDiv's regularisation (MATLAB eps, rounded)

OURS = {  # options matching pysaliency's conventions, see the module docstring
    "auc_judd": lambda p, g, f: auc_judd(p, f, ties="count"),
    "auc_borji": lambda p, g, f: auc_borji(p, f),
    "nss": lambda p, g, f: nss(p, f, ddof=0),
    "cc": lambda p, g, f: cc(p, g),
    "sim": lambda p, g, f: sim(p, g, minmax=False),
    "kld": lambda p, g, f: kld(p, g, eps=PYSALIENCY_KLD_EPS),
}
SAME_CONVENTION = {"auc_judd": True, "auc_borji": False, "nss": True, "cc": True, "sim": True, "kld": True}


def make_pairs(rng: np.random.Generator, count: int):
    """(pred, gt, fixations) batches: float32, float32, bool, each (count, 512, 1536)."""
    import cv2

    h, w = MAP_SIZE
    pred = np.empty((count, h, w), np.float32)
    gt = np.empty((count, h, w), np.float32)
    fix = np.empty((count, h, w), bool)
    for i in range(count):
        points = []
        for _ in range(rng.integers(1, 4)):  # clusters of dots on one of the three face views
            centre = (rng.integers(0, 3) * h + rng.uniform(0.25 * h, 0.75 * h), rng.uniform(0.2 * h, 0.8 * h))
            points.append(centre + rng.normal(0, 25, size=(rng.integers(2, 9), 2)))
        points = np.clip(np.concatenate(points), 0, [w - 1, h - 1])
        gt[i] = saliency_from_points(points, (h, w))
        fix[i] = fixation_map(gt[i])
        coarse = cv2.resize(gt[i], (w // 8, h // 8), interpolation=cv2.INTER_AREA)
        coarse = np.roll(coarse, rng.integers(-3, 4, size=2), axis=(0, 1))
        coarse = cv2.GaussianBlur(coarse, (0, 0), 2.0)
        noise = cv2.GaussianBlur(rng.random((h // 8, w // 8), dtype=np.float32), (0, 0), 3.0)
        mix = 0.7 * coarse / max(float(coarse.max()), 1e-6) + 0.3 * noise
        pred[i] = np.maximum(cv2.resize(mix, (w, h), interpolation=cv2.INTER_LINEAR), 0)
    return pred, gt, fix


def load_pysaliency():
    """pysaliency's per-image metric functions, or None when it is not installed."""
    spec = importlib.util.find_spec("pysaliency")
    if spec is None:
        return None
    # Its package __init__ imports torch (DeepGaze models); load the metric modules alone.
    package = types.ModuleType("pysaliency")
    package.__path__ = [str(pathlib.Path(spec.submodule_search_locations[0]))]
    sys.modules["pysaliency"] = package
    import pysaliency.metrics as metrics
    import pysaliency.roc as roc
    from pysaliency.saliency_map_models import _get_unfixated_values

    def judd(p, g, ys, xs):  # AUC_Judd(jitter=False) = AUC_per_image('unfixated', 'fixations')
        positives = np.asarray(p[ys, xs]).astype(float)
        negatives = _get_unfixated_values(p, ys, xs).astype(float)
        return roc.general_roc(positives, negatives, judd=1)[0]

    def uniform_auc(p, g, ys, xs):  # AUC_per_image('uniform', 'all')
        return roc.general_roc(np.asarray(p[ys, xs]).astype(float), p.flatten().astype(float), judd=0)[0]

    functions = {
        "auc_judd": judd,
        "auc_borji": uniform_auc,
        "nss": lambda p, g, ys, xs: float(np.mean(metrics.NSS(p, xs, ys))),
        "cc": lambda p, g, ys, xs: metrics.CC(p, g),
        "sim": lambda p, g, ys, xs: metrics.SIM(p, g),
        "kld": lambda p, g, ys, xs: metrics.MIT_KLDiv(p, g),
    }
    version = "unknown"
    try:
        from importlib.metadata import version as dist_version
        version = dist_version("pysaliency")
    except Exception:  # metadata missing: the timing is still valid
        pass
    return functions, version


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="map pairs (default 2000)")
    parser.add_argument("--chunk", type=int, default=20, help="pairs generated and held at once")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check", type=int, default=20, help="pairs re-checked on float64 copies")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                        help="dtype of the maps both sides get (float32 like the release's maps)")
    parser.add_argument("--no-pysaliency", action="store_true")
    args = parser.parse_args(argv)

    import warnings
    warnings.filterwarnings("ignore", category=RuntimeWarning)  # pysaliency's log(0) in KLD

    pysal = None if args.no_pysaliency else load_pysaliency()
    if pysal is not None:
        pysal_fns, pysal_version = pysal
        tiny = np.random.default_rng(1).random((4, 4))
        for fn in pysal_fns.values():  # numba compiles on first use: keep that out of the timing
            fn(tiny, tiny, np.array([1, 2]), np.array([1, 2]))

    rng = np.random.default_rng(args.seed)
    ours_s = dict.fromkeys(SALIENCY_METRICS, 0.0)
    theirs_s = dict.fromkeys(SALIENCY_METRICS, 0.0)
    diff32 = dict.fromkeys(SALIENCY_METRICS, 0.0)
    diff64 = dict.fromkeys(SALIENCY_METRICS, 0.0)
    generate_s, checked, fixations = 0.0, 0, []
    for start in range(0, args.n, args.chunk):
        t0 = time.perf_counter()
        pred, gt, fix = make_pairs(rng, min(args.chunk, args.n - start))
        pred, gt = pred.astype(args.dtype, copy=False), gt.astype(args.dtype, copy=False)
        generate_s += time.perf_counter() - t0
        coords = [np.nonzero(f) for f in fix]
        fixations += [len(c[0]) for c in coords]
        for name in SALIENCY_METRICS:
            def run_ours():
                return OURS[name](pred, gt, fix)

            def run_theirs():
                return np.array([pysal_fns[name](pred[i], gt[i], *coords[i]) for i in range(len(pred))])

            # Alternate who goes first on each chunk, so neither side inherits warm caches.
            sides = [("ours", run_ours)] + ([("theirs", run_theirs)] if pysal else [])
            if (start // args.chunk) % 2:
                sides.reverse()
            values = {}
            for side, run in sides:
                t0 = time.perf_counter()
                values[side] = run()
                (ours_s if side == "ours" else theirs_s)[name] += time.perf_counter() - t0
            if pysal is None:
                continue
            ours, theirs, fn = values["ours"], values["theirs"], pysal_fns[name]
            diff32[name] = max(diff32[name], float(np.max(np.abs(ours - theirs))))
            k = min(len(pred), args.check - checked)
            if k > 0:
                p64, g64 = pred[:k].astype(np.float64), gt[:k].astype(np.float64)
                ours64 = OURS[name](p64, g64, fix[:k])
                theirs64 = np.array([fn(p64[i], g64[i], *coords[i]) for i in range(k)])
                diff64[name] = max(diff64[name], float(np.max(np.abs(ours64 - theirs64))))
        checked += max(0, min(len(pred), args.check - checked))

    h, w = MAP_SIZE
    scale = 2000 / args.n
    print(f"{args.n} map pairs of {h}x{w} ({args.dtype}), seed {args.seed}; fixated pixels per map: "
          f"median {int(np.median(fixations))}, range {min(fixations)}-{max(fixations)}; "
          f"generating them took {generate_s:.1f} s")
    label = f"pysaliency {pysal_version}" if pysal else "pysaliency (not run)"
    print(f"{'metric':<10} {'ours s':>8} {label + ' s':>22} {'speed-up':>9} "
          f"{'max|diff|':>10} {'f64 check':>10}  convention")
    for name in SALIENCY_METRICS:
        theirs = f"{theirs_s[name]:.2f}" if pysal else "-"
        speed = f"{theirs_s[name] / ours_s[name]:.1f}x" if pysal else "-"
        d32 = f"{diff32[name]:.1e}" if pysal else "-"
        d64 = f"{diff64[name]:.1e}" if pysal else "-"
        note = "same" if SAME_CONVENTION[name] else "differs (AUC vs all pixels)"
        print(f"{name:<10} {ours_s[name]:>8.2f} {theirs:>22} {speed:>9} {d32:>10} {d64:>10}  {note}")
    total_ours, total_theirs = sum(ours_s.values()), sum(theirs_s.values())
    print(f"{'total':<10} {total_ours:>8.2f} {total_theirs if pysal else 0:>22.2f} "
          f"{(total_theirs / total_ours if pysal else 0):>8.1f}x")
    if args.n != 2000:
        print(f"extrapolated to 2000 pairs: ours {total_ours * scale:.1f} s"
              + (f", pysaliency {total_theirs * scale:.1f} s" if pysal else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
