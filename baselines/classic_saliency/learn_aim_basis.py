"""Learns AIM's ICA basis (`data/aim_ica_basis.npz`) by Bruce & Tsotsos' recipe; run once:

    python -m baselines.classic_saliency.learn_aim_basis [--patches 40000] [--seed 0]

21 x 21 RGB patches of natural colour photographs that ship offline (scikit-image's
astronaut, chelsea, coffee, rocket, stereo motorcycle pair; matplotlib's grace_hopper), at
full and half size; PCA keeping 95 % of the variance; FastICA (scikit-learn) on the
whitened coefficients. The unmixing rows are AIM's filters. Needs scikit-image (only here).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench.errors import ModelUnavailable

from ._channels import resize, to_float_rgb
from .aim import BASIS_FILE, PATCH


def natural_images() -> list:
    """(name, uint8 RGB) natural colour photographs that ship inside installed packages."""
    try:
        from skimage import data
    except ImportError as exc:
        raise ModelUnavailable("learning the AIM basis needs scikit-image (pip install scikit-image)") from exc
    import matplotlib
    from PIL import Image

    out = [(name, np.asarray(getattr(data, name)())[..., :3])
           for name in ("astronaut", "chelsea", "coffee", "rocket")]
    out += [(f"stereo_motorcycle_{k}", np.asarray(img)[..., :3])
            for k, img in zip(("left", "right"), data.stereo_motorcycle()[:2])]
    hopper = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    if hopper.is_file():
        out.append(("grace_hopper", np.asarray(Image.open(hopper).convert("RGB"))))
    return out


def sample_patches(images, n_patches: int, patch: int = PATCH, scales=(1.0, 0.5), seed: int = 0) -> np.ndarray:
    """(n_patches, patch*patch*3) float64 in [0, 1], drawn uniformly over images and scales."""
    rng = np.random.default_rng(seed)
    pyramid = [resize(to_float_rgb(img), (round(img.shape[0] * s), round(img.shape[1] * s)), "area")
               for img in images for s in scales]
    pick = rng.integers(len(pyramid), size=n_patches)
    out = np.empty((n_patches, patch * patch * 3))
    for i, k in enumerate(pick):
        im = pyramid[k]
        y = rng.integers(im.shape[0] - patch + 1)
        x = rng.integers(im.shape[1] - patch + 1)
        out[i] = im[y:y + patch, x:x + patch].ravel()
    return out


def learn_ica_basis(patches: np.ndarray, variance: float = 0.95, seed: int = 0) -> dict:
    """PCA keeping `variance` of the variance, then FastICA on the whitened coefficients.

    Returns {'filters': (k, 21, 21, 3) unmixing rows, 'mean': (21, 21, 3), 'variance_kept'}.
    """
    from sklearn.decomposition import FastICA

    mean = patches.mean(axis=0)
    centred = patches - mean
    evals, evecs = np.linalg.eigh(centred.T @ centred / len(centred))
    evals, evecs = evals[::-1], evecs[:, ::-1]
    k = int(np.searchsorted(np.cumsum(evals) / evals.sum(), variance) + 1)
    whitening = evecs[:, :k] / np.sqrt(evals[:k])
    ica = FastICA(whiten=False, random_state=seed, max_iter=2000, tol=1e-5)
    ica.fit(centred @ whitening)
    unmixing = ica.components_ @ whitening.T  # (k, d): source = unmixing @ (patch - mean)
    side = int(round(np.sqrt(patches.shape[1] / 3)))
    return {"filters": unmixing.reshape(k, side, side, 3), "mean": mean.reshape(side, side, 3),
            "variance_kept": float(evals[:k].sum() / evals.sum())}


def write_basis(path: Path = BASIS_FILE, n_patches: int = 40000, seed: int = 0) -> dict:
    images = natural_images()
    basis = learn_ica_basis(sample_patches([im for _, im in images], n_patches, seed=seed), seed=seed)
    meta = {"recipe": "21x21x3 patches, PCA to 95% variance, sklearn FastICA (logcosh)",
            "images": [name for name, _ in images], "scales": [1.0, 0.5], "n_patches": n_patches,
            "seed": seed, "components": int(len(basis["filters"])), "variance_kept": basis["variance_kept"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, filters=basis["filters"].astype(np.float32), mean=basis["mean"].astype(np.float32),
                        meta=json.dumps(meta))
    return meta


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patches", type=int, default=40000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(write_basis(n_patches=args.patches, seed=args.seed), indent=1))
