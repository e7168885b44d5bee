"""Deterministic test images for the NSS / codebook metrics, and the published calibration set.

`dead_leaves` draws occluding discs with power-law radii plus a 1/f texture: a standard synthetic
stand-in for a natural photograph (scale-invariant statistics, sharp edges, textured surfaces).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# MATLAB scores of the original releases on pyiqa's ResultsCalibra images (TID2013 distorted
# images I03, I04, I06, I08, I19), from pyiqa's ResultsCalibra/results_official.csv (commit 01ae427).
CALIBRATION_IMAGES = ("I03", "I04", "I06", "I08", "I19")
MATLAB_BRISQUE = {"I03": 94.6421, "I04": -0.107618, "I06": 0.992889, "I08": 5.35827, "I19": 72.2617}
MATLAB_NIQE = {"I03": 15.7536293917814, "I04": 3.65492152353770, "I06": 3.23547743716998,
               "I08": 3.18403333858339, "I19": 8.63519663862637}


def _pyiqa_calibration() -> Path | None:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        return Path(distribution("pyiqa").locate_file("ResultsCalibra/dist_dir"))
    except PackageNotFoundError:
        return None


def calibration_dir() -> Path | None:
    """Folder holding I03.bmp ... I19.bmp (pyiqa's ResultsCalibra/dist_dir), or None.

    Looked for in $GEN3DHF_IQA_CALIBRATION_DIR, then in the `pyiqa` wheel, which ships them as data
    (`make` installs it with --no-deps, for these files only: its code is never imported).
    """
    candidates = [os.environ.get("GEN3DHF_IQA_CALIBRATION_DIR"), _pyiqa_calibration()]
    for c in candidates:
        if c and all((Path(c) / f"{k}.bmp").is_file() for k in CALIBRATION_IMAGES):
            return Path(c)
    return None


def read_rgb(path: Path) -> np.ndarray:
    import cv2

    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def pink_noise(size: int, seed: int, std: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    f = np.fft.fftfreq(size)
    r = np.hypot(f[:, None], f[None, :])
    r[0, 0] = 1.0
    x = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(size, size))) / r))
    return (x - x.mean()) / x.std() * std


def dead_leaves(size: int = 256, seed: int = 0, n: int = 3000, texture: float = 12.0) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    img = np.full((size, size, 3), 128, np.uint8)
    radii = (4 * (1 - rng.random(n)) ** (-1 / 2.0)).clip(2, size / 3).astype(int)
    for r, x, y, c in zip(radii, rng.integers(0, size, n), rng.integers(0, size, n), rng.integers(20, 236, (n, 3))):
        cv2.circle(img, (int(x), int(y)), int(r), tuple(int(v) for v in c), -1, lineType=cv2.LINE_AA)
    img = cv2.GaussianBlur(img, (0, 0), 0.6)  # a camera's slight optical blur
    return np.clip(img + pink_noise(size, seed + 1, texture)[..., None], 0, 255).round().astype(np.uint8)


def blurred(img: np.ndarray, sigma: float = 3.0) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(img, (0, 0), sigma)


def noisy(img: np.ndarray, std: float = 25.0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(img + rng.normal(0, std, img.shape), 0, 255).round().astype(np.uint8)


def write_png(path: Path, img: np.ndarray) -> Path:
    import cv2

    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return path


def image_samples(tmp_path: Path, n: int = 8, size: int = 128):
    """`n` one-frame samples whose blur grows and MOS falls with the index."""
    from bench.data.sample import Sample

    base = dead_leaves(size, seed=3)
    out = []
    for i in range(n):
        img = blurred(base, 0.3 + 0.5 * i) if i else base
        p = write_png(tmp_path / f"img{i}.png", img)
        out.append(Sample(id=f"img{i}", image=p, mos={"quality": 60.0 - 5 * i, "authenticity": 55.0 - 4 * i}))
    return out


def tiny_video_sample(tmp_path: Path, size: int = 128, n_frames: int = 6):
    """An H.264 mp4 (PyAV libx264) of a dead-leaves image drifting sideways, as a Sample."""
    from bench.data.sample import Sample
    from tests.conftest import write_video

    base = dead_leaves(size + 2 * n_frames, seed=5)
    frames = np.stack([base[n_frames:n_frames + size, t:t + size] for t in range(n_frames)])
    path = tmp_path / "clip.mp4"
    write_video(path, frames)
    return Sample(id="clip", video=path)
