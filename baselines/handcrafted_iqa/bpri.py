"""BPRI: blind quality assessment based on a pseudo reference image (Min et al., IEEE TMM 2018) [48].

Each distortion is aggravated once, to a fixed, extreme level, giving a pseudo reference image
(PRI); the test image is compared with its PRI by a similarity in which 1 means "the image is
already as distorted as the PRI". Definitions and parameters follow the authors' MATLAB release
(`PSS.m`, `LSSs.m`, `LSSn.m`, `BPRI.m`):

- **PSS** (pseudo structural similarity, blockiness): PRI = JPEG at libjpeg quality 0 (i.e. 1)
  of the grey image. Corners are detected in both (minimum-eigenvalue / Shi-Tomasi metric,
  gradient [-1 0 1], structure tensor smoothed by a 3x3 Gaussian of sigma 0.5, regional maxima
  above 0.001 x the maximum, border excluded) and only those on the 8x8 block grid are kept
  (0-based row and column = 7 or 0 mod 8). PSS = |corners shared| / (|PRI corners| + 1).
- **LSSs** (local structure similarity, sharpness): PRI = 3x3 mean filter of the grey image
  (zero padding); maps = 4-neighbour LBP count in {2, 3}; LSSs = |D & P| / (|D | P| + 1).
- **LSSn** (local structure similarity, noise): PRI = Gaussian noise of variance 0.5 (image in
  [0, 1], clipped) on the colour image; maps = LBP count in {0, 1}; same similarity.
- **BPRI** (overall): the three scores are each mapped by a 5-parameter logistic fitted by the
  authors (`para.mat`) and averaged with weights = distortion-type probabilities from the
  authors' 3-class SVM (`SVM/model`, `SVM/range`, trained on the three scores):
  BPRI = sum_k p_k * logistic_k(score_k).

Direction: every native score is a similarity to a *worse* image (and the mapped BPRI score
grows with them, as a DMOS does), so **higher = worse** (`higher_is_better = False`).

Modes (see `base.HandcraftedIQA`) and which one reproduces paper Table 1:

- `bpri_pss`, `bpri_lsss`, `bpri_lssn`, native: training-free with the published parameters,
  the authors' measures as released; most likely what those rows report (the paper does not say).
- `bpri`, native: needs the authors' learned classifier and logistic parameters, which are not
  redistributed here. Point `weights_path` at a local copy of the authors' BPRI release folder
  (the one holding `SVM/model`, `SVM/range` and `para.mat`); without it native mode is
  unavailable and says so. The paper does not say whether its BPRI row used these models or a
  regressor refitted on Gen3DHF.
- svr mode (every variant): features = [LSSs, LSSn, PSS] for `bpri` or the single score for a
  variant, averaged over frames, regressed onto the MOS per training fold.

PSS looks for corners on the 8x8 grid of the pixels it is given: keep `frame_size=None` (native
resolution) for it, since resizing moves a codec's block grid off that lattice.

Known differences from the MATLAB release: LSSn uses our own fixed noise field (MATLAB's randn
stream is not reproducible), and PSS's corner detector re-implements MATLAB's `corner` from its
documented behaviour (how a plateau of equal maxima is shrunk to one point is our choice; it
moved PSS by 0.01 on the authors' demo image).
Bad frames (side < 32 px, constant, non-finite) are skipped; see `base.HandcraftedIQA`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from bench.errors import ModelUnavailable
from bench.models.base import Requirements
from bench.models.registry import register_model

from ._pri_common import (add_gaussian_noise, as_uint8_image, filter_uint8,
                          jaccard_similarity, jpeg_roundtrip, lbp_map, release_folder_problem, to_gray)
from .base import HandcraftedIQA

# Parameters from the authors' release.
PSS_JPEG_QUALITY = 0  # imwrite(img, 'quality', 0); libjpeg treats 0 as 1
PSS_BLOCK = 8
CORNER_QUALITY_LEVEL = 0.001
CORNER_FILTER_SIGMA = 0.5  # fspecial('gaussian', [3 1], 0.5), used as a separable 3x3 window
LSSS_KERNEL = np.full((3, 3), 1 / 9)
LSSN_VARIANCE = 0.5

RELEASE_FILES = {"model": ("SVM/model", "model"), "range": ("SVM/range", "range"), "para": ("para.mat",)}


# -- the three measures -----------------------------------------------------------------------------
def min_eigen_corners(gray: np.ndarray) -> np.ndarray:
    """Boolean map of corners as MATLAB's `corner(I, 'MinimumEigenvalue', ...)` finds them.

    Gradients by [-1 0 1] on the interior; products smoothed by the separable 3x3 Gaussian
    (sigma 0.5, replicate border); metric = smaller eigenvalue of the structure tensor;
    corners = 8-connected regional maxima (a plateau counts once, at its first pixel in raster
    order) with metric >= 0.001 x max; pixels on the image border are excluded.
    """
    import cv2

    img = gray.astype(np.float64)
    gx = img[1:-1, 2:] - img[1:-1, :-2]
    gy = img[2:, 1:-1] - img[:-2, 1:-1]
    g = np.exp(-np.array([1.0, 0.0, 1.0]) / (2 * CORNER_FILTER_SIGMA ** 2))
    g /= g.sum()

    def smooth(a):
        a = np.pad(a, 1, mode="edge")  # MATLAB smooths the valid gradients with 'full' support
        return cv2.sepFilter2D(a, cv2.CV_64F, g, g, borderType=cv2.BORDER_REPLICATE)

    a, b, c = smooth(gx * gx), smooth(gy * gy), smooth(gx * gy)
    metric = ((a + b) - np.sqrt((a - b) ** 2 + 4 * c ** 2)) / 2
    top = metric.max()
    if top <= 0:
        return np.zeros(gray.shape, bool)
    peaks = (metric >= cv2.dilate(metric, np.ones((3, 3), np.uint8))) & (metric >= CORNER_QUALITY_LEVEL * top)
    peaks[0, :] = peaks[-1, :] = peaks[:, 0] = peaks[:, -1] = False
    n, labels = cv2.connectedComponents(peaks.astype(np.uint8), connectivity=8)
    if n - 1 < peaks.sum():  # plateaus: keep one pixel per connected maximum
        flat = labels.ravel()
        _, first = np.unique(flat, return_index=True)
        peaks = np.zeros(flat.shape, bool)
        peaks[first[1:]] = True  # label 0 is the background
        peaks = peaks.reshape(gray.shape)
    return peaks


def block_grid_mask(shape: tuple, block: int = PSS_BLOCK) -> np.ndarray:
    """Pixels next to a block boundary in both directions (MATLAB 1-based x, y = 0 or 1 mod 8)."""
    rows = np.isin(np.arange(shape[0]) % block, (block - 1, 0))
    cols = np.isin(np.arange(shape[1]) % block, (block - 1, 0))
    return rows[:, None] & cols[None, :]


def pss(img: np.ndarray) -> float:
    """Blockiness: share of the JPEG PRI's block-grid corners that the image already has."""
    gray = to_gray(as_uint8_image(img))
    grid = block_grid_mask(gray.shape)
    mine = min_eigen_corners(gray) & grid
    pri = min_eigen_corners(jpeg_roundtrip(gray, PSS_JPEG_QUALITY)) & grid
    return float(np.count_nonzero(mine & pri) / (np.count_nonzero(pri) + 1))


def lsss(img: np.ndarray) -> float:
    """Blur: similarity of the {2,3}-LBP structure maps of the image and its 3x3-mean-filtered PRI."""
    gray = to_gray(as_uint8_image(img))
    pri = filter_uint8(gray, LSSS_KERNEL)
    return float(jaccard_similarity(lbp_map(gray, "structure"), lbp_map(pri, "structure")))


def lssn(img: np.ndarray) -> float:
    """Noise: similarity of the {0,1}-LBP maps of the image and its noise PRI (variance 0.5)."""
    img = as_uint8_image(img)
    pri = to_gray(add_gaussian_noise(img, [LSSN_VARIANCE])[0])
    return float(jaccard_similarity(lbp_map(to_gray(img), "noise"), lbp_map(pri, "noise")))


MEASURES = {"lsss": lsss, "lssn": lssn, "pss": pss}
COMBINED_ORDER = ("lsss", "lssn", "pss")  # the release's Feature(1..3) and the classifier's inputs


def logistic5(beta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The release's `align`: b1 (1/2 - 1 / (1 + exp(b2 (x - b3)))) + b4 x + b5."""
    b1, b2, b3, b4, b5 = np.asarray(beta, dtype=np.float64).ravel()
    return b1 * (0.5 - 1.0 / (1.0 + np.exp(b2 * (x - b3)))) + b4 * x + b5


class BPRIRelease:
    """The authors' learned parts of BPRI, read from a local copy of their release folder."""

    def __init__(self, root):
        from scipy.io import loadmat

        from ._pri_libsvm import find_release_file, read_model, read_range

        root = Path(root).expanduser()
        self.classifier = read_model(find_release_file(root, *RELEASE_FILES["model"]))
        if self.classifier.svm_type != "c_svc" or len(self.classifier.n_sv) != 3:
            raise ModelUnavailable(f"{root}: SVM/model is not the 3-class BPRI distortion classifier")
        self.scaling = read_range(find_release_file(root, *RELEASE_FILES["range"]))
        para = loadmat(find_release_file(root, *RELEASE_FILES["para"]))
        try:
            self.logistic = [np.ravel(para[k]) for k in ("paraLSSs", "paraLSSn", "paraPSS")]
        except KeyError as exc:
            raise ModelUnavailable(f"{root}/para.mat: missing {exc}") from None

    def score(self, features: np.ndarray) -> float:
        """BPRIp = sum_k p_k logistic_k(f_k), f = [LSSs, LSSn, PSS] (the release's default output)."""
        from ._pri_libsvm import as_matlab_text

        f = np.asarray(features, dtype=np.float64)
        mapped = np.array([logistic5(b, v) for b, v in zip(self.logistic, f)])
        prob = self.classifier.predict_proba(self.scaling(as_matlab_text(f)))[0]
        prob = prob[np.argsort(self.classifier.labels)]  # columns by label 1, 2, 3 = LSSs, LSSn, PSS
        return float(mapped @ prob)


# -- the models -------------------------------------------------------------------------------------
# The combined score needs the authors' trained classifier and mappings (not installable): the
# registered default learns the combination per training fold (svr); mode=native + weights_path uses theirs.
@register_model("bpri", mode="svr")
class BPRI(HandcraftedIQA):
    __doc__ = __doc__
    higher_is_better = False
    variant = "combined"
    requirements = Requirements(
        packages=("cv2", "PIL", "scipy"),
        weights="native mode only: the authors' BPRI MATLAB release folder (SVM/model, SVM/range, "
                "para.mat), set weights_path to it; svr mode needs nothing")

    def __init__(self, mode: str = "native", weights_path: Optional[str] = None, **config):
        super().__init__(mode=mode, weights_path=weights_path, **config)
        self.weights_path = weights_path
        self._release: Optional[BPRIRelease] = None

    @property
    def n_features(self) -> int:
        return len(COMBINED_ORDER) if self.variant == "combined" else 1

    def frame_features(self, frame: np.ndarray) -> np.ndarray:
        img = as_uint8_image(frame)
        names = COMBINED_ORDER if self.variant == "combined" else (self.variant,)
        return np.array([MEASURES[n](img) for n in names])

    def frame_score(self, frame: np.ndarray) -> float:
        if self.variant != "combined":
            return MEASURES[self.variant](frame)
        release = self._load_release()  # before the features: a missing release fails fast
        return release.score(self.frame_features(frame))

    def _load_release(self) -> BPRIRelease:
        if self._release is None:
            ok, why = type(self).availability(self.config)
            if not ok:
                raise ModelUnavailable(why)
            self._release = BPRIRelease(self.weights_path)
        return self._release

    @classmethod
    def native_availability(cls, config: dict) -> tuple[bool, str]:
        if cls.variant != "combined":
            return True, ""  # the three partial scores need nothing learned
        path = config.get("weights_path")
        if not path:
            return False, ("native BPRI combines its three scores with the authors' trained distortion "
                           "classifier and logistic mappings, which are not shipped: set weights_path to "
                           "their BPRI release folder (SVM/model, SVM/range, para.mat), or use mode=svr, "
                           "or the training-free bpri_pss / bpri_lsss / bpri_lssn")
        problem = release_folder_problem(path, RELEASE_FILES, "BPRI")
        return (False, problem) if problem else (True, "")


@register_model("bpri_pss")
class BPRIPSS(BPRI):
    """BPRI-PSS [48]: the blockiness score alone (training-free; higher = blockier = worse)."""

    variant = "pss"
    requirements = Requirements(packages=("cv2", "PIL", "scipy"))


@register_model("bpri_lsss")
class BPRILSSs(BPRI):
    """BPRI-LSSs [48]: the blur score alone (training-free; higher = blurrier = worse)."""

    variant = "lsss"
    requirements = Requirements(packages=("cv2", "PIL", "scipy"))


@register_model("bpri_lssn")
class BPRILSSn(BPRI):
    """BPRI-LSSn [48]: the noise score alone (training-free; higher = noisier = worse)."""

    variant = "lssn"
    requirements = Requirements(packages=("cv2", "PIL", "scipy"))
