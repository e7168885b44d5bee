"""Itti-Koch style feature channels shared by the classic saliency models (IT, GBVS, Judd, SMVJ).

Pure functions on float images; no state. What each model takes from here:

- `to_float_rgb(image)`: uint8/float RGB (H, W, 3) -> float32 in [0, 1].
- `resize(x, (h, w), interp="linear"|"cubic"|"area"|"nearest")`: OpenCV resize of a 2-D/3-D array.
- `rescale01(x)`: min-max to [0, 1] (MATLAB's mat2gray; a constant map gives zeros).
- `pyr_down(x)`, `gaussian_pyramid(x, levels)`: Burt-Adelson 5-tap dyadic pyramid; level 0
  is the input, level k is 2**-k of it (Itti et al. 1998, Sec. 2).
- `itti_opponents(rgb)`: intensity I=(r+g+b)/3 and the broadly tuned R, G, B, Y channels of
  Itti et al. 1998 (hue normalised by I where I > max(I)/10, negatives clipped).
- `gabor_pair(theta_deg, period, stddev, elongation)`: zero-mean, unit-norm even/odd Gabor
  kernels (the parametrisation of Harel's GBVS code: period pi, stddev 2, elongation 2).
- `orientation_energy(gray, theta_deg)`: |even * gray| + |odd * gray|, the orientation feature.
- `center_surround(center, surround)`: |center (-) surround|, surround upsampled to the centre.
- `itti_normalize(x)`: the N(.) operator of Itti et al. 1998: scale to [0, 1], multiply by
  (1 - mean of the other local maxima)**2.
- `attenuate_borders(x, width)`: linear ramp to zero over `width` pixels at each border (GBVS).
- `rgb_to_dkl(rgb)`: Derrington-Krauskopf-Lennie opponent space (luminance, L-M, S-(L+M)).
- `haar_faces(rgb_uint8, cascade=...)`: Viola-Jones face boxes (x, y, w, h) with OpenCV's
  shipped Haar cascades (`cv2.data.haarcascades`, OpenCV 4.x wheels).
- `box_map((h, w), boxes)`: binary map with the boxes filled.
- `centre_distance(h, w)`: Euclidean distance to the image centre, scaled to [0, 1].
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage

_INTERP = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "area": cv2.INTER_AREA,
           "nearest": cv2.INTER_NEAREST}


def to_float_rgb(image: np.ndarray) -> np.ndarray:
    img = np.asarray(image)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.0
    return img.astype(np.float32)


def resize(x: np.ndarray, size_hw, interp: str = "linear") -> np.ndarray:
    h, w = int(size_hw[0]), int(size_hw[1])
    x = np.asarray(x, dtype=np.float32)
    if x.shape[:2] == (h, w):
        return x
    return cv2.resize(x, (max(w, 1), max(h, 1)), interpolation=_INTERP[interp])


def rescale01(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    lo, hi = float(x.min()), float(x.max())
    if not np.isfinite(lo) or hi - lo <= 1e-12:
        return np.zeros_like(x)
    return (x - lo) / (hi - lo)


def pyr_down(x: np.ndarray) -> np.ndarray:
    return cv2.pyrDown(np.asarray(x, dtype=np.float32))


def gaussian_pyramid(x: np.ndarray, levels: int) -> list:
    """[level 0 (input), ..., level `levels`]; stops early once a side would drop below 2."""
    out = [np.asarray(x, dtype=np.float32)]
    for _ in range(levels):
        if min(out[-1].shape[:2]) < 4:
            out.append(out[-1])  # keep indices valid on tiny inputs
        else:
            out.append(pyr_down(out[-1]))
    return out


def itti_opponents(rgb: np.ndarray):
    """(I, R, G, B, Y) of Itti, Koch & Niebur 1998, Sec. 2.1, from float RGB in [0, 1]."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    intensity = (r + g + b) / 3.0
    # Hue is only meaningful where there is light: normalise by I above a tenth of its maximum.
    mask = intensity > 0.1 * float(intensity.max())
    denom = np.where(mask, intensity, 1.0)
    rn, gn, bn = (np.where(mask, c / denom, 0.0) for c in (r, g, b))
    red = np.maximum(rn - (gn + bn) / 2, 0)
    green = np.maximum(gn - (rn + bn) / 2, 0)
    blue = np.maximum(bn - (rn + gn) / 2, 0)
    yellow = np.maximum((rn + gn) / 2 - np.abs(rn - gn) / 2 - bn, 0)
    return tuple(np.asarray(c, dtype=np.float32) for c in (intensity, red, green, blue, yellow))


@lru_cache(maxsize=64)
def gabor_pair(theta_deg: float, period: float = np.pi, stddev: float = 2.0, elongation: float = 2.0):
    """Even (cos) and odd (sin) Gabor kernels, each zero-mean and unit-norm.

    The carrier runs along direction theta; the envelope has `stddev` along the carrier and
    `stddev * elongation` across it; half-size ceil(max_std * sqrt(10)).
    """
    minor = stddev * elongation
    half = int(np.ceil(max(stddev, minor) * np.sqrt(10)))
    v = np.arange(-half, half + 1, dtype=np.float64)
    yy, xx = np.meshgrid(v, v, indexing="ij")
    t = np.deg2rad(theta_deg)
    along = xx * np.cos(t) - yy * np.sin(t)
    across = -xx * np.sin(t) - yy * np.cos(t)
    env = np.exp(-along ** 2 / (2 * stddev ** 2) - across ** 2 / (2 * minor ** 2))
    out = []
    for phase in (0.0, np.pi / 2):
        k = np.cos(2 * np.pi / period * along + phase) * env
        k -= k.mean()
        k /= np.sqrt((k ** 2).sum())
        out.append(k.astype(np.float32))
    return tuple(out)


def orientation_energy(gray: np.ndarray, theta_deg: float, **gabor) -> np.ndarray:
    even, odd = gabor_pair(float(theta_deg), **gabor)
    g = np.asarray(gray, dtype=np.float32)
    return (np.abs(cv2.filter2D(g, -1, even, borderType=cv2.BORDER_REPLICATE))
            + np.abs(cv2.filter2D(g, -1, odd, borderType=cv2.BORDER_REPLICATE)))


def center_surround(center: np.ndarray, surround: np.ndarray) -> np.ndarray:
    """Itti's across-scale difference: upsample the coarse surround to the centre, |difference|."""
    return np.abs(center - resize(surround, center.shape[:2], "linear"))


def itti_normalize(x: np.ndarray, threshold: float = 0.1) -> np.ndarray:
    """N(.) of Itti et al. 1998: promote maps with one strong peak, suppress uniform ones.

    The map is scaled to [0, 1] (global maximum M = 1); m is the mean of its other local
    maxima (4-neighbour maxima at least `threshold` high, the global one left out); the map
    is multiplied by (M - m)**2. One peak only: factor 1.
    """
    x = rescale01(x)
    if x.size == 0 or x.max() <= 0:
        return x
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool)
    peaks = (x >= ndimage.maximum_filter(x, footprint=cross, mode="nearest")) & (x >= threshold)
    peaks[0, :] = peaks[-1, :] = peaks[:, 0] = peaks[:, -1] = False  # interior only
    values = np.sort(x[peaks])
    others = values[:-1] if values.size and values[-1] >= 1.0 - 1e-6 else values
    m = float(others.mean()) if others.size else 0.0
    return x * (1.0 - m) ** 2


def attenuate_borders(x: np.ndarray, width: int) -> np.ndarray:
    x = np.array(x, dtype=np.float32, copy=True)
    h, w = x.shape[:2]
    width = min(int(width), h // 2, w // 2)
    if width < 1:
        return x
    ramp = (np.arange(1, width + 1) / (width + 1)).astype(np.float32)
    x[:width] *= ramp[:, None]
    x[h - width:] *= ramp[::-1, None]
    x[:, :width] *= ramp[None, :]
    x[:, w - width:] *= ramp[None, ::-1]
    return x


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB decoding."""
    rgb = np.asarray(rgb, dtype=np.float32)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


# Linear RGB -> cone excitations (L, M, S) of a standard CRT and the adapting background;
# the DKL axes are luminance L+M, the L-M axis and the S-(L+M) axis (Derrington, Krauskopf &
# Lennie 1984), scaled as in Harel's GBVS 'D' channel so the three have comparable ranges.
_RGB_TO_LMS = np.array([[18.32535, 44.60077, 7.46216],
                        [4.09544, 28.20135, 6.66066],
                        [0.02114, 0.10325, 1.05258]])
_LMS0 = np.array([34.918538957799996, 19.314796676499999, 0.585610818500000])


def _dkl_matrix() -> np.ndarray:
    l0, m0, s0 = _LMS0
    f = 1.0 / (l0 + m0)
    return np.array([[np.sqrt(3.0) * f, np.sqrt(3.0) * f, 0.0],
                     [np.hypot(l0, m0) / l0 * f, -np.hypot(l0, m0) / m0 * f, 0.0],
                     [-f, -f, (l0 + m0) / s0 * f]]) * np.array([[0.5774], [2.7525], [0.4526]])


_DKL = _dkl_matrix()


def rgb_to_dkl(rgb: np.ndarray) -> np.ndarray:
    """Float sRGB in [0, 1] (H, W, 3) -> DKL (H, W, 3): luminance, red-green, blue-yellow."""
    lms = srgb_to_linear(rgb) @ _RGB_TO_LMS.T - _LMS0
    return (lms @ _DKL.T).astype(np.float32)


@lru_cache(maxsize=8)
def _cascade(name: str):
    path = Path(cv2.data.haarcascades) / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: OpenCV Haar cascade missing (OpenCV 4.x wheels ship them in cv2.data; 5.x do not)")
    clf = cv2.CascadeClassifier(str(path))
    if clf.empty():
        raise RuntimeError(f"{path}: OpenCV could not load this cascade")
    return clf


def haar_faces(rgb_uint8: np.ndarray, cascade: str = "haarcascade_frontalface_alt.xml",
               scale_factor: float = 1.1, min_neighbors: int = 3, min_size_frac: float = 0.05) -> np.ndarray:
    """Viola-Jones detections as an (N, 4) int array of (x, y, w, h) boxes."""
    gray = cv2.cvtColor(np.ascontiguousarray(rgb_uint8, dtype=np.uint8), cv2.COLOR_RGB2GRAY)
    gray = cv2.equalizeHist(gray)
    side = max(8, int(min(gray.shape) * min_size_frac))
    boxes = _cascade(cascade).detectMultiScale(gray, scaleFactor=scale_factor, minNeighbors=min_neighbors,
                                               minSize=(side, side))
    return np.asarray(boxes, dtype=int).reshape(-1, 4)


def box_map(shape_hw, boxes, scale: float = 1.0) -> np.ndarray:
    """Binary float map of `shape_hw` with each (x, y, w, h) box (times `scale`) set to 1."""
    out = np.zeros(tuple(int(s) for s in shape_hw), np.float32)
    for x, y, w, h in np.asarray(boxes, dtype=float).reshape(-1, 4) * scale:
        out[int(y):int(np.ceil(y + h)), int(x):int(np.ceil(x + w))] = 1.0
    return out


def centre_distance(h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot(yy - (h - 1) / 2, xx - (w - 1) / 2)
    return d / max(float(d.max()), 1e-12)
