"""Patch features and learned-codebook files shared by HOSA [76] and QAC [77].

Both methods describe an image by small grey-level patches normalised for local contrast
(the CORNIA-style normalisation both papers use: x = (p - mean(p)) / (std(p) + C), C = 10 on the
0..255 scale) and compare them with a codebook learned beforehand. The codebooks are learned
here by `train_codebooks.py` (which documents the images and recipe) and shipped as small
.npz files in `data/`.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from bench.errors import ModelUnavailable


DATA_DIR = Path(__file__).resolve().parent / "data"
NORM_C = 10.0


def patch_grid(gray: np.ndarray, size: int, stride: int) -> np.ndarray:
    """Patches of `size` x `size` on a regular grid of step `stride`: (n, size*size), top-left first."""
    win = np.lib.stride_tricks.sliding_window_view(gray, (size, size))[::stride, ::stride]
    return win.reshape(-1, size * size)


def normalise_patches(p: np.ndarray, c: float = NORM_C) -> np.ndarray:
    """Local contrast normalisation of each row: (p - mean) / (std + c)."""
    p = np.asarray(p, dtype=np.float64)
    mean = p.mean(axis=1, keepdims=True)
    std = p.std(axis=1, keepdims=True)
    return (p - mean) / (std + c)


def squared_distances(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """||x_i - c_k||^2 for all pairs, (n, k), by the expanded form (one matrix product)."""
    d = (x * x).sum(1)[:, None] + (centres * centres).sum(1)[None, :] - 2.0 * x @ centres.T
    return np.maximum(d, 0.0)


@lru_cache(maxsize=None)
def load_codebook(name: str) -> dict:
    """Arrays of the shipped `data/<name>.npz` (read-only), or `ModelUnavailable` naming the script that makes it."""
    path = DATA_DIR / f"{name}.npz"
    if not path.is_file():
        raise ModelUnavailable(f"{path}: codebook file missing; regenerate it with "
                               "`python -m baselines.handcrafted_iqa.train_codebooks`")
    return load_codebook_file(str(path))


@lru_cache(maxsize=8)
def load_codebook_file(path: str) -> dict:
    """Arrays of a codebook file (read-only): an .npz, or a MATLAB .mat holding the same variables."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise ModelUnavailable(f"{p}: codebook file not found")
    if p.suffix.lower() == ".mat":
        from scipy.io import loadmat

        # MATLAB stores vectors and scalars as 1 x n / 1 x 1 matrices
        out = {k: (v.reshape(()) if v.size == 1 else v.ravel()) if v.ndim == 2 and 1 in v.shape else v
               for k, v in loadmat(str(p)).items() if not k.startswith("__")}
    else:
        with np.load(p, allow_pickle=False) as z:
            out = {k: z[k] for k in z.files}
    for v in out.values():
        v.setflags(write=False)
    return out
