"""Learn SUN's natural-statistics parameters (Zhang et al., JOV 2008, "Method 2: ICA features").

Recipe of the paper, on images that ship offline instead of the Kyoto set:
1. natural colour photographs (scikit-image's and scikit-learn's sample photos, listed in
   `IMAGES`), each pre-processed exactly as at test time (`sun.preprocess`: scale 0.5, divide by std);
2. random 11x11x3 patches, each with its DC (mean over all 363 values) removed, so that the filters
   come out zero-sum like the authors' ("each filter is zero summed");
3. FastICA (Hyvarinen & Oja 1997; scikit-learn's implementation) -> 362 filters in pixel space;
4. each filter's responses on fresh patches fitted by a zero-mean generalized Gaussian by maximum
   likelihood (profile likelihood over the shape theta; sigma has a closed form given theta).

Run (about 2-3 min on 2 cores; needs scikit-image for its sample photos)::

    python -m baselines.classic_saliency.learn_sun_stats [--out PATH] [--patches N] [--seed S]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from .sun import PARAMS_PATH, filter_responses, preprocess

PATCH = 11
# Natural colour photographs shipped inside the wheels (no download): scikit-image's data folder
# and scikit-learn's sample images. Synthetic, astronomical and microscopy images are left out.
IMAGES = ("skimage:astronaut", "skimage:chelsea", "skimage:coffee", "skimage:rocket",
          "skimage:stereo_motorcycle", "sklearn:china.jpg", "sklearn:flower.jpg")


def load_images() -> list[np.ndarray]:
    out = []
    for name in IMAGES:
        source, key = name.split(":")
        if source == "skimage":
            import skimage.data

            img = getattr(skimage.data, key)()
            img = img[0] if isinstance(img, tuple) else img  # stereo_motorcycle: (left, right, disparity)
        else:
            from sklearn.datasets import load_sample_image

            img = load_sample_image(key)
        out.append(np.ascontiguousarray(img[..., :3]))
    return out


def sample_patches(images, n: int, rng) -> np.ndarray:
    """n random (p, p, 3) patches, equally many per image, of the pre-processed images -> (n, 363)."""
    per = int(np.ceil(n / len(images)))
    rows = []
    for img in images:
        h, w = img.shape[:2]
        ys, xs = rng.integers(0, h - PATCH + 1, per), rng.integers(0, w - PATCH + 1, per)
        idx = (ys[:, None, None] + np.arange(PATCH)[None, :, None], xs[:, None, None] + np.arange(PATCH)[None, None, :])
        rows.append(img[idx].reshape(per, -1))  # (per, p, p, 3) -> (per, 363)
    return np.concatenate(rows)[:n].astype(np.float64)


def learn_filters(patches: np.ndarray, seed: int, max_iter: int = 300) -> np.ndarray:
    """FastICA on DC-removed patches -> (d, p, p, 3) zero-sum filters, d = 3*p*p - 1."""
    from sklearn.decomposition import FastICA

    x = patches - patches.mean(axis=1, keepdims=True)  # remove each patch's DC
    d = x.shape[1] - 1
    ica = FastICA(n_components=d, algorithm="parallel", whiten="unit-variance", fun="logcosh",
                  max_iter=max_iter, tol=1e-4, random_state=seed)
    ica.fit(x)
    w = ica.components_  # (d, 363): unmixing in pixel space, whitening included
    w = w - w.mean(axis=1, keepdims=True)  # exact zero sum (removes round-off along the DC direction)
    return w.reshape(d, PATCH, PATCH, 3).astype(np.float32)


def fit_generalized_gaussian(x: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood (sigma, theta) of p(x) = theta/(2 sigma Gamma(1/theta)) exp(-|x/sigma|^theta)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import gammaln

    a = np.abs(np.asarray(x, dtype=np.float64))
    a = a[a > 0]
    n = a.size
    log_a = np.log(a)

    def neg_loglik(theta):
        # sigma^theta = theta/n * sum |x|^theta maximises the likelihood for a given theta
        s_theta = theta / n * np.exp(np.logaddexp.reduce(theta * log_a))
        log_sigma = np.log(s_theta) / theta
        return -(n * (np.log(theta) - np.log(2) - log_sigma - gammaln(1 / theta)) - n / theta)

    theta = float(minimize_scalar(neg_loglik, bounds=(0.05, 4.0), method="bounded").x)
    sigma = float((theta / n * np.exp(np.logaddexp.reduce(theta * log_a))) ** (1 / theta))
    return sigma, theta


def fit_responses(images, filters, n_positions: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Fit each filter's responses at `n_positions` random positions (the same across filters)."""
    per = int(np.ceil(n_positions / len(images)))
    resp = []
    for img in images:
        hv = img.shape[0] - PATCH + 1
        rows = np.sort(rng.choice(hv, size=min(hv, 40), replace=False))
        r = filter_responses(img.astype(np.float32), filters, rows).reshape(-1, filters.shape[0])
        resp.append(r[rng.choice(len(r), size=min(per, len(r)), replace=False)])
    resp = np.concatenate(resp)
    fits = [fit_generalized_gaussian(resp[:, i]) for i in range(resp.shape[1])]
    return np.array([f[0] for f in fits], np.float32), np.array([f[1] for f in fits], np.float32)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=PARAMS_PATH)
    ap.add_argument("--patches", type=int, default=60_000, help="patches for ICA")
    ap.add_argument("--fit-positions", type=int, default=50_000, help="responses per filter for the fits")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    images = [preprocess(img) for img in load_images()]
    patches = sample_patches(images, args.patches, rng)
    print(f"{len(images)} images, {len(patches)} patches of {patches.shape[1]} values", flush=True)
    filters = learn_filters(patches, args.seed)
    print(f"ICA: {filters.shape[0]} filters in {time.time() - t0:.0f} s", flush=True)
    sigmas, thetas = fit_responses(images, filters, args.fit_positions, rng)
    print(f"fits: theta median {np.median(thetas):.3f} (range {thetas.min():.3f}-{thetas.max():.3f})", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, filters=filters, sigmas=sigmas, thetas=thetas,
                        images=np.array(IMAGES), patch=PATCH, seed=args.seed, n_patches=len(patches))
    print(f"wrote {args.out} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
