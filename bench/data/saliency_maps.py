"""Annotators' red dots -> distortion-aware saliency map -> binary fixation map.

Follows the authors' released processing (see `../shared/gen3dhf-official/README.md`):
red in HSV (hue 0-10 or 170-180, saturation and value >= 200), external contours of
area 20-200 px, one point per contour centroid, Gaussian filter sigma 5, divided by its
maximum, resized to 1536x512 (width x height) with area interpolation. The fixation map
is the min-max-normalised saliency map thresholded at 0.95.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.errors import DataError

MAP_SIZE = (512, 1536)  # (height, width) of the release's 3-view image and saliency maps
SIGMA = 5.0
FIXATION_THRESHOLD = 0.95


def red_dot_centres(image_rgb: np.ndarray, min_area: float = 20, max_area: float = 200) -> np.ndarray:
    """(x, y) centroids of the red dots on an annotated RGB image, shape (N, 2)."""
    import cv2

    hsv = cv2.cvtColor(np.ascontiguousarray(image_rgb), cv2.COLOR_RGB2HSV)
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    # OpenCV hue runs 0-179; the authors' 170-180 band is 170-179 here
    red = (((h <= 10) | (h >= 170)) & (s >= 200) & (v >= 200)).astype(np.uint8)
    contours, _ = cv2.findContours(red, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    centres = []
    for c in contours:
        area = cv2.contourArea(c)
        if min_area <= area <= max_area:
            m = cv2.moments(c)
            if m["m00"] > 0:
                centres.append((m["m10"] / m["m00"], m["m01"] / m["m00"]))
    return np.array(centres, dtype=float).reshape(-1, 2)


def saliency_from_points(points_xy: np.ndarray, shape: tuple, sigma: float = SIGMA,
                         out_size: tuple = MAP_SIZE) -> np.ndarray:
    """Gaussian-blurred point map, max-normalised, resized to `out_size` (h, w). float32 in [0, 1]."""
    import cv2
    from scipy.ndimage import gaussian_filter

    h, w = shape[:2]
    fix = np.zeros((h, w), dtype=np.float64)
    for x, y in np.asarray(points_xy, dtype=float).reshape(-1, 2):
        xi, yi = int(round(x)), int(round(y))
        if 0 <= yi < h and 0 <= xi < w:
            fix[yi, xi] = 1.0
    smap = gaussian_filter(fix, sigma=sigma)
    peak = smap.max()
    if peak > 0:
        smap /= peak
    if (h, w) != tuple(out_size):
        smap = cv2.resize(smap, (out_size[1], out_size[0]), interpolation=cv2.INTER_AREA)
    return smap.astype(np.float32)


def saliency_from_annotated_image(image_rgb: np.ndarray, out_size: tuple = MAP_SIZE) -> np.ndarray:
    """The authors' whole pipeline: red dots on the 3-view image -> saliency map."""
    return saliency_from_points(red_dot_centres(image_rgb), image_rgb.shape, out_size=out_size)


def fixation_map(saliency: np.ndarray, threshold: float = FIXATION_THRESHOLD) -> np.ndarray:
    """Binary fixations: min-max normalise, keep pixels >= threshold. An all-zero map gives none."""
    s = np.asarray(saliency, dtype=np.float64)
    lo, hi = s.min(), s.max()
    if hi <= lo:
        return np.zeros(s.shape, dtype=bool)
    return (s - lo) / (hi - lo) >= threshold


def read_saliency_map(path: Path) -> np.ndarray:
    """A ground-truth map from a grey image (0-255 -> 0-1) or a .npy array. float32."""
    import cv2

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: saliency map file is missing")
    if path.suffix == ".npy":
        try:
            arr = np.load(path)
        except (ValueError, OSError) as exc:
            raise DataError(f"{path}: cannot be read as a .npy map ({exc})") from exc
        arr = np.asarray(arr, dtype=np.float32)
    else:
        img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if img is None:
            raise DataError(f"{path}: cannot be read as a saliency-map image")
        if img.ndim == 3:
            img = cv2.cvtColor(img[..., :3], cv2.COLOR_BGR2GRAY)
        arr = img.astype(np.float32) / (65535.0 if img.dtype == np.uint16 else 255.0)
    if arr.ndim != 2:
        raise DataError(f"{path}: saliency map must be 2-D, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise DataError(f"{path}: saliency map has NaN or infinite values")
    return arr


def write_saliency_map(path: Path, smap: np.ndarray) -> None:
    """Save a [0, 1] map as an 8-bit grey PNG (the release's format)."""
    import cv2

    img = np.clip(np.rint(np.asarray(smap, dtype=np.float64) * 255.0), 0, 255).astype(np.uint8)
    if not cv2.imwrite(str(path), img):
        raise DataError(f"{path}: cannot write saliency map")
