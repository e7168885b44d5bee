"""Shared pieces of the handcrafted IQA tests: deterministic images, samples, LIBSVM release files.

`dead_leaves` draws occluding discs with power-law radii plus a 1/f texture: a standard synthetic
stand-in for a natural photograph (scale-invariant statistics, sharp edges, textured surfaces).
`natural_image` is multi-scale texture plus flat shapes with sharp edges (what the PRI tests use).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

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


needs_calibration_images = pytest.mark.skipif(
    calibration_dir() is None, reason="pyiqa's ResultsCalibra images are not provided (set "
    "GEN3DHF_IQA_CALIBRATION_DIR, or pip install --no-deps pyiqa==0.1.16, whose wheel ships them)")


def calibration_misses(model, matlab: dict, tol: float, tol_i19: float) -> list:
    """(image, score, MATLAB score) of the calibration images whose `model.frame_score` is off by more
    than `tol` (`tol_i19` for I19, whose flat JPEG blocks make the fits sensitive; see the modules)."""
    misses = []
    for name in CALIBRATION_IMAGES:
        got = model.frame_score(read_rgb(calibration_dir() / f"{name}.bmp"))
        if not abs(got - matlab[name]) <= (tol_i19 if name == "I19" else tol):
            misses.append((name, got, matlab[name]))
    return misses


def read_rgb(path: Path) -> np.ndarray:
    import cv2

    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


# -- images ----------------------------------------------------------------------------------------
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


def natural_image(size: int = 128, seed: int = 0) -> np.ndarray:
    """Multi-scale texture plus flat shapes with sharp edges: uint8 RGB, no download."""
    import cv2

    rng = np.random.default_rng(seed)
    img = np.zeros((size, size, 3), np.float32)
    for s in (1, 2, 4, 8):
        img += cv2.GaussianBlur(rng.standard_normal((size, size, 3)).astype(np.float32), (0, 0), s) * s
    for _ in range(12):
        x, y = (int(v) for v in rng.integers(0, size, 2))
        r, col = int(rng.integers(4, size // 4)), rng.uniform(-20, 20, 3).tolist()
        if rng.random() < 0.5:
            cv2.circle(img, (x, y), r, col, -1)
        else:
            cv2.rectangle(img, (x, y), (x + r, y + r), col, -1)
    return ((img - img.min()) / (img.max() - img.min()) * 215 + 20).astype(np.uint8)


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


# -- samples ---------------------------------------------------------------------------------------
def planted_samples(folder: Path, size: int = 128, seeds=range(3)):
    """One-frame samples of dead-leaves images whose MOS fall with planted blur, JPEG or noise."""
    from baselines.handcrafted_iqa._pri_common import jpeg_roundtrip
    from bench.data.sample import Sample

    out = []
    for seed in seeds:
        img = dead_leaves(size, seed=seed)
        for k, (x, mos) in enumerate([(img, 4.5), (blurred(img, 1), 3.5), (blurred(img, 2.5), 1.8),
                                      (jpeg_roundtrip(img, 8), 2.0), (noisy(img, 12), 3.0), (noisy(img, 30), 1.5)]):
            p = write_png(Path(folder) / f"s{seed}_{k}.png", x)
            out.append(Sample(id=p.stem, image=p, mos={"quality": mos, "authenticity": mos + 0.1}))
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


# -- the authors' release files, as LIBSVM writes them (for the BPRI / BMPRI readers) -------------
def libsvm_text(svm_type, gamma, rho, sv, coef, labels=None, n_sv=None, prob_a=None, prob_b=None) -> str:
    """A LIBSVM text model, as svm-train writes it."""
    lines = [f"svm_type {svm_type}", "kernel_type rbf", f"gamma {gamma!r}",
             f"nr_class {len(labels) if labels is not None else 2}", f"total_sv {len(sv)}",
             "rho " + " ".join(repr(float(r)) for r in np.atleast_1d(rho))]
    if labels is not None:
        lines.append("label " + " ".join(str(int(v)) for v in labels))
    if prob_a is not None:
        lines.append("probA " + " ".join(repr(float(v)) for v in prob_a))
        lines.append("probB " + " ".join(repr(float(v)) for v in prob_b))
    if n_sv is not None:
        lines.append("nr_sv " + " ".join(str(int(v)) for v in n_sv))
    lines.append("SV")
    for i, row in enumerate(sv):
        lines.append(" ".join(repr(float(c)) for c in coef[:, i]) + " "
                     + " ".join(f"{k + 1}:{float(v)!r}" for k, v in enumerate(row)))
    return "\n".join(lines) + "\n"


def range_text(lower, upper, mins, maxs) -> str:
    return f"x\n{lower} {upper}\n" + "".join(f"{k + 1} {float(lo)!r} {float(hi)!r}\n"
                                            for k, (lo, hi) in enumerate(zip(mins, maxs)))
