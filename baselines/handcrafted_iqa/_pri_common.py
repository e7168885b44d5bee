"""Building blocks shared by the pseudo-reference-image metrics BPRI [48] and BMPRI [49].

Both metrics (Min et al., IEEE TMM 2018 and IEEE T-BC 2018) *aggravate* the distortion of the
test image to build pseudo reference images (PRIs), then measure how much of the test image's
local structure survives in its PRI: an image that is already badly distorted changes little
when distorted further, so a high similarity means a low quality.

The structure is described by a 4-neighbour, radius-1 local binary pattern (LBP): for every
interior pixel, the number of its 4 neighbours (right, up, left, down) that are >= the centre
(0..4). The authors' releases threshold that count into binary maps:

- ``structure``: count in {2, 3} (edges and slopes; blur and JPEG2000 destroy them),
- ``noise``:     count in {0, 1} (isolated peaks; noise creates them),
- ``peak``:      count == 0      (strict local maxima; used for JPEG in BMPRI).

Conventions follow the authors' MATLAB code, because the features depend on them: grey levels
by `rgb2gray` weights rounded to uint8, filters with zero padding and rounding to uint8
(`imfilter`), Gaussian noise added in [0, 1] and clipped (`imnoise`), JPEG quality on the
libjpeg scale (MATLAB's `imwrite` and OpenCV both call libjpeg's `jpeg_set_quality`).
"""
from __future__ import annotations

import io
import math
from typing import Optional, Sequence

import numpy as np

from .base import BadFrame


# MATLAB rgb2gray weights (the inverse of the NTSC YIQ matrix's first row, as MATLAB computes it).
RGB2GRAY = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103], dtype=np.float64)

MIN_SIDE = 32  # smaller frames carry no 8x8 block grid worth the name and break JPEG2000 levels
NOISE_SEED = 5489  # the authors fix the noise with MATLAB's default generator state; any fixed seed works


# -- input checks -----------------------------------------------------------------------------
def as_uint8_image(frame: np.ndarray) -> np.ndarray:
    """Validate one frame and return it as uint8 (H, W) or (H, W, 3).

    Raises `BadFrame` for frames on which the similarity is undefined: a side under
    `MIN_SIDE`, non-finite values, or no variation at all (every LBP map is empty, and the
    authors' formula would return 0, i.e. "perfect", for a blank frame). Raises `ValueError`
    for a shape that is not an image at all.
    """
    a = np.asarray(frame)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] != 3):
        raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {a.shape}")
    if min(a.shape[:2]) < MIN_SIDE:
        raise BadFrame(f"frame {a.shape[1]}x{a.shape[0]} is smaller than {MIN_SIDE} px on a side")
    if a.dtype != np.uint8:
        f = a.astype(np.float64)
        if not np.isfinite(f).all():
            raise BadFrame("frame has NaN or infinite values")
        a = np.clip(np.floor(f + 0.5), 0, 255).astype(np.uint8)  # values taken on the 0-255 scale
    if a.max() == a.min():
        raise BadFrame("frame is constant: no local structure to compare")
    return a


def to_gray(img: np.ndarray) -> np.ndarray:
    """uint8 grey image, as MATLAB's rgb2gray gives for a uint8 RGB input (a grey input is kept)."""
    if img.ndim == 2:
        return img
    g = img.astype(np.float32) @ RGB2GRAY.astype(np.float32)
    return np.clip(np.floor(g + 0.5), 0, 255).astype(np.uint8)


# -- LBP maps and similarities ------------------------------------------------------------------
def lbp4_count(gray: np.ndarray) -> np.ndarray:
    """Number of 4-neighbours >= the centre, for the interior pixels of (..., H, W) -> (..., H-2, W-2)."""
    c = gray[..., 1:-1, 1:-1]
    count = (gray[..., 1:-1, 2:] >= c).astype(np.uint8)
    count += gray[..., :-2, 1:-1] >= c
    count += gray[..., 1:-1, :-2] >= c
    count += gray[..., 2:, 1:-1] >= c
    return count


def lbp_map(gray: np.ndarray, kind: str) -> np.ndarray:
    """Binary LBP map of one kind ('structure', 'noise', 'peak'); works on stacks (..., H, W)."""
    n = lbp4_count(gray)
    if kind == "structure":
        return (n == 2) | (n == 3)
    if kind == "noise":
        return n <= 1
    if kind == "peak":
        return n == 0
    raise ValueError(f"unknown LBP map kind {kind!r}")


def jaccard_similarity(dist_map: np.ndarray, pri_maps: np.ndarray) -> np.ndarray:
    """BPRI's similarity |D & P| / (|D | P| + 1), per PRI in a stack (..., H, W)."""
    both = np.count_nonzero(dist_map & pri_maps, axis=(-2, -1))
    either = np.count_nonzero(dist_map | pri_maps, axis=(-2, -1))
    return both / (either + 1.0)


def coverage_similarity(dist_map: np.ndarray, pri_maps: np.ndarray) -> np.ndarray:
    """BMPRI's similarity |D & P| / (|P| + 1): how much of the PRI's pattern the image already has."""
    both = np.count_nonzero(dist_map & pri_maps, axis=(-2, -1))
    return both / (np.count_nonzero(pri_maps, axis=(-2, -1)) + 1.0)


# -- distortion aggravation (the PRIs) ------------------------------------------------------------
def filter_uint8(gray: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """MATLAB `imfilter(uint8, kernel)`: correlation, zero padding, 'same' size, rounded to uint8."""
    import cv2

    out = cv2.filter2D(gray.astype(np.float32), -1, kernel.astype(np.float32),
                       borderType=cv2.BORDER_CONSTANT)
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


def gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    """MATLAB `fspecial('gaussian', size, sigma)`: sampled Gaussian normalised to sum 1."""
    r = (size - 1) / 2
    x = np.arange(size) - r
    g = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma ** 2))
    return g / g.sum()


_NOISE_CACHE: dict[tuple, np.ndarray] = {}


def unit_noise(shape: tuple) -> np.ndarray:
    """A fixed standard-normal field for an image shape (float32, cached).

    The authors reset the generator to one stored state before every noise PRI, so every image
    of a given size, and every noise level, sees the same noise pattern. We keep that design
    with our own fixed seed (MATLAB's randn sequence is not reproducible here).
    """
    key = tuple(shape)
    noise = _NOISE_CACHE.get(key)
    if noise is None:
        if len(_NOISE_CACHE) > 8:  # a handful of frame sizes per run; keep memory bounded
            _NOISE_CACHE.clear()
        noise = np.random.default_rng(NOISE_SEED).standard_normal(key, dtype=np.float32)
        noise.setflags(write=False)
        _NOISE_CACHE[key] = noise
    return noise


def add_gaussian_noise(img: np.ndarray, variances: Sequence[float]) -> np.ndarray:
    """MATLAB `imnoise(img, 'gaussian', 0, v)` for each v: uint8 stack (len(v), *img.shape).

    In [0, 1] units: clip(img/255 + sqrt(v) * n, 0, 1), rounded back to uint8.
    """
    base = img.astype(np.float32) / 255.0
    noise = unit_noise(img.shape)
    out = np.empty((len(variances),) + img.shape, dtype=np.uint8)
    for i, v in enumerate(variances):
        x = base + np.float32(math.sqrt(v)) * noise
        np.clip(x, 0.0, 1.0, out=x)
        out[i] = np.floor(x * 255.0 + 0.5)
    return out


def jpeg_roundtrip(img: np.ndarray, quality: int) -> np.ndarray:
    """Encode/decode with libjpeg at `quality` (0 means 1, as in libjpeg and MATLAB); RGB or grey."""
    import cv2

    bgr = img[..., ::-1] if img.ndim == 3 else img
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(bgr), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("OpenCV could not encode a JPEG")
    out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return out[..., ::-1] if out.ndim == 3 else out


def jpeg2000_roundtrip(img: np.ndarray, ratio: float, levels: int = 4) -> np.ndarray:
    """Lossy JPEG2000 (9/7 wavelet, colour transform) at compression `ratio`, via OpenJPEG in Pillow.

    `ratio` is raw size / coded size, as MATLAB's imwrite 'CompressionRatio'; `levels` wavelet
    decomposition levels.
    """
    from PIL import Image

    buf = io.BytesIO()
    levels = max(1, min(levels, int(math.log2(min(img.shape[:2]))) - 2))  # small frames: fewer levels
    Image.fromarray(img).save(buf, format="JPEG2000", quality_mode="rates", quality_layers=[float(ratio)],
                              irreversible=True, mct=1 if img.ndim == 3 else 0, num_resolutions=levels + 1)
    buf.seek(0)
    with Image.open(buf) as dec:
        return np.asarray(dec.convert("RGB" if img.ndim == 3 else "L"))


def release_folder_problem(path, files: dict, what: str) -> Optional[str]:
    """Why `path` is not the authors' MATLAB release folder holding `files` ({key: (name, alternatives...)}),
    or None when it is."""
    from pathlib import Path

    root = Path(path).expanduser()
    missing = [names[0] for names in files.values() if not any((root / n).is_file() for n in names)]
    return f"{root}: not the {what} release folder (missing {', '.join(missing)})" if missing else None
