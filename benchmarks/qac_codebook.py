"""How a QAC codebook's score moves with distortion strength, on references it was not learned from.

QAC's score estimates a full-reference similarity (higher = better), so on every reference it should
fall as JPEG, JPEG2000, noise or blur get stronger: the Spearman correlation between score and
strength should be near -1. Prints, per codebook and distortion, the mean and range of that
correlation over the references, and the mean score at each strength.

References (not in `train_codebooks.py`'s set; the motorcycle view is the stereo partner of one
there): scikit-learn's china.jpg and flower.jpg, matplotlib's grace_hopper.jpg, scikit-image's
right motorcycle view, and the middle views of four clean renders of the default stand-in dataset
(when it is built: ~/.cache/gen3dhf-bench/standin-v1/image_clean).

    python benchmarks/qac_codebook.py [--codebook learned] [--codebook /path/other.npz] [--size 384]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

STRENGTHS = {
    "jpeg": (95, 70, 50, 30, 20, 10, 5),  # quality: falls as strength rises
    "jp2k": (10, 25, 50, 100, 200, 400),
    "noise": (2, 5, 10, 20, 35, 60),
    "blur": (0.5, 1.0, 1.5, 2.5, 4.0, 6.0),
}


def references(size: int) -> list:
    import cv2
    import matplotlib
    from sklearn.datasets import load_sample_image

    out = [("china", load_sample_image("china.jpg")), ("flower", load_sample_image("flower.jpg"))]
    hopper = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    if hopper.is_file():
        out.append(("grace_hopper", cv2.cvtColor(cv2.imread(str(hopper)), cv2.COLOR_BGR2RGB)))
    try:
        from skimage import data

        out.append(("motorcycle_right", np.asarray(data.stereo_motorcycle()[1])[..., :3]))
    except ImportError:
        pass
    clean = Path.home() / ".cache" / "gen3dhf-bench" / "standin-v1" / "image_clean"
    for path in sorted(clean.glob("*.png"))[:4]:
        strip = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        w = strip.shape[1] // 3
        out.append((f"standin_{path.stem}", strip[:, w:2 * w]))
    resized = []
    for name, img in out:
        f = size / max(img.shape[:2])
        resized.append((name, cv2.resize(np.ascontiguousarray(img), (round(img.shape[1] * f), round(img.shape[0] * f)),
                                         interpolation=cv2.INTER_AREA)))
    return resized


def measure(codebook: str, refs: list) -> dict:
    """{kind: (per-reference Spearman correlations, mean score per strength)}."""
    from scipy.stats import spearmanr

    from baselines.handcrafted_iqa.qac import QAC
    from baselines.handcrafted_iqa.train_codebooks import distort

    model = QAC(codebook=codebook, n_jobs=1)
    out = {}
    for kind, levels in STRENGTHS.items():
        rhos, table = [], []
        for _, img in refs:
            scores = [model.frame_score(distort(img, kind, lv, np.random.default_rng(0))) for lv in levels]
            strength = np.arange(len(levels))  # ordered weak -> strong for every kind
            rhos.append(spearmanr(strength, scores)[0])
            table.append(scores)
        out[kind] = (np.asarray(rhos), np.mean(table, axis=0))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codebook", action="append", help="'learned' or a codebook file (repeatable)")
    ap.add_argument("--size", type=int, default=384, help="longer side of the references (px)")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    refs = references(args.size)
    print(f"{len(refs)} references: {', '.join(n for n, _ in refs)}")
    for codebook in args.codebook or ["learned"]:
        t0 = time.time()
        res = measure(codebook, refs)
        print(f"\ncodebook {codebook}  ({time.time() - t0:.0f} s)")
        print(f"{'distortion':<10} {'Spearman(score, strength)':>26}  mean score, weak -> strong")
        for kind, (rhos, means) in res.items():
            print(f"{kind:<10} {rhos.mean():+8.2f} [{rhos.min():+.2f}, {rhos.max():+.2f}]"
                  f"           {' '.join(f'{m:.3f}' for m in means)}")


if __name__ == "__main__":
    main()
