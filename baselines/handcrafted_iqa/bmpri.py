"""BMPRI: blind image quality estimation via distortion aggravation (Min et al., IEEE T-BC 2018) [49].

The test image is aggravated by four distortions, each at five levels, giving 20 multiple
pseudo reference images (MPRIs). Each MPRI is compared with the image through a binary
4-neighbour LBP map (see `_pri_common`) by the similarity |D & P| / (|P| + 1): the share of the
MPRI's distortion pattern that the image already shows. Parameters follow the authors' MATLAB
release (`LBPjpeg.m`, `LBPjp2k.m`, `LBPgb.m`, `LBPwn.m`):

=========  ==========================================  ==================  =============
feature    MPRI (on the colour image unless noted)     levels              LBP map
=========  ==========================================  ==================  =============
1-5        JPEG, libjpeg quality                       0, 2, 4, 6, 8       count == 0
6-10       JPEG2000, compression ratio                 150, 175, ... 250   count in {2,3}
11-15      3x3 Gaussian filter of the grey image       sigma 0.5 ... 2.5   count in {2,3}
16-20      Gaussian noise, variance (image in [0,1])   0.3 ... 0.7         count in {0,1}
=========  ==========================================  ==================  =============

The quality is then regressed from the 20 features by an epsilon-SVR that the authors trained
on LIVE (DMOS: lower = better, so `higher_is_better = False`). There is no training-free score
in the paper: BMPRI is only defined with a learned regressor.

- svr mode (what a benchmark on Gen3DHF does, and the mode to use for paper Table 1's BMPRI
  row unless one has the authors' model): the 20 features, averaged over frames, regressed onto
  each dimension's MOS by the RBF SVR fitted per training fold.
- native mode: the authors' SVR, read from a local copy of their release folder (`SVM/model`,
  `SVM/range`) given as `weights_path`; nothing is shipped or downloaded. Without it native mode
  is unavailable and says why.

Known differences from the MATLAB release: JPEG2000 is OpenJPEG (9/7 wavelet, colour transform,
4 decomposition levels) where MATLAB uses its own codec, and the noise field is our own fixed one.
Checked on the release's demo image (a LIVE JPEG image whose MATLAB features sit in the
release's training file): JPEG and blur features equal to 6 decimals, noise within 0.0005,
JPEG2000 within 0.003; the authors' SVR then gives 71.8 on ours vs 72.0 on theirs (DMOS 70.0).
Bad frames (side < 32 px, constant, non-finite) are skipped; see `base.HandcraftedIQA`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from bench.errors import ModelUnavailable
from bench.models.base import Requirements
from bench.models.registry import register_model

from ._pri_common import (add_gaussian_noise, as_uint8_image, coverage_similarity,
                          filter_uint8, gaussian_kernel, jpeg2000_roundtrip, jpeg_roundtrip, lbp_map,
                          release_folder_problem, to_gray)
from .base import HandcraftedIQA

JPEG_QUALITIES = (0, 2, 4, 6, 8)
JP2K_RATIOS = (150, 175, 200, 225, 250)
BLUR_SIGMAS = (0.5, 1.0, 1.5, 2.0, 2.5)
NOISE_VARIANCES = (0.3, 0.4, 0.5, 0.6, 0.7)
N_FEATURES = 20
RELEASE_FILES = {"model": ("SVM/model", "model"), "range": ("SVM/range", "range")}


def _similarities(gray: np.ndarray, pri_grays: np.ndarray, kind: str) -> np.ndarray:
    return coverage_similarity(lbp_map(gray, kind), lbp_map(pri_grays, kind))


def bmpri_features(frame: np.ndarray) -> np.ndarray:
    """The 20 BMPRI features of one frame, in the release's order (JPEG, JPEG2000, blur, noise)."""
    img = as_uint8_image(frame)
    gray = to_gray(img)
    jpeg = np.stack([to_gray(jpeg_roundtrip(img, q)) for q in JPEG_QUALITIES])
    jp2k = np.stack([to_gray(jpeg2000_roundtrip(img, r)) for r in JP2K_RATIOS])
    blur = np.stack([filter_uint8(gray, gaussian_kernel(3, s)) for s in BLUR_SIGMAS])
    noise = to_gray_stack(add_gaussian_noise(img, NOISE_VARIANCES))
    return np.concatenate([_similarities(gray, jpeg, "peak"), _similarities(gray, jp2k, "structure"),
                           _similarities(gray, blur, "structure"), _similarities(gray, noise, "noise")])


def to_gray_stack(stack: np.ndarray) -> np.ndarray:
    return np.stack([to_gray(s) for s in stack])


class BMPRIRelease:
    """The authors' trained SVR (LIVE DMOS) and feature scaling, from a local copy of their release."""

    def __init__(self, root):
        from ._pri_libsvm import find_release_file, read_model, read_range

        root = Path(root).expanduser()
        self.regressor = read_model(find_release_file(root, *RELEASE_FILES["model"]))
        if self.regressor.svm_type != "epsilon_svr" or self.regressor.sv.shape[1] > N_FEATURES:
            raise ModelUnavailable(f"{root}: SVM/model is not the 20-feature BMPRI regressor")
        self.scaling = read_range(find_release_file(root, *RELEASE_FILES["range"]))

    def score(self, features: np.ndarray) -> float:
        from ._pri_libsvm import as_matlab_text

        return float(self.regressor.predict_regression(self.scaling(as_matlab_text(features)))[0])


# The authors' LIVE-trained regressor is not shipped anywhere installable, so the registered default
# learns it by its recipe (an SVR on MOS) per training fold; mode=native + weights_path uses theirs.
@register_model("bmpri", mode="svr")
class BMPRI(HandcraftedIQA):
    __doc__ = __doc__
    higher_is_better = False  # native: predicted LIVE DMOS
    n_features = N_FEATURES
    frame_workers = "processes"  # Pillow's JPEG2000 codec, 3/4 of the time, holds the GIL
    requirements = Requirements(
        packages=("cv2", "PIL"),
        weights="native mode only: the authors' BMPRI MATLAB release folder (SVM/model, SVM/range), "
                "set weights_path to it; svr mode needs nothing")

    def __init__(self, mode: str = "native", weights_path: Optional[str] = None, **config):
        super().__init__(mode=mode, weights_path=weights_path, **config)
        self.weights_path = weights_path
        self._release: Optional[BMPRIRelease] = None

    def frame_features(self, frame: np.ndarray) -> np.ndarray:
        return bmpri_features(frame)

    def frame_score(self, frame: np.ndarray) -> float:
        release = self._load_release()  # before the features: a missing release fails fast
        return release.score(bmpri_features(frame))

    def video_score(self, sample) -> float:
        self._load_release()  # once here, not in every worker process
        return super().video_score(sample)

    def _load_release(self) -> BMPRIRelease:
        if self._release is None:
            ok, why = type(self).availability(self.config)
            if not ok:
                raise ModelUnavailable(why)
            self._release = BMPRIRelease(self.weights_path)
        return self._release

    @classmethod
    def native_availability(cls, config: dict) -> tuple[bool, str]:
        path = config.get("weights_path")
        if not path:
            return False, ("BMPRI is only defined with a learned regressor (the authors' SVR trained on LIVE), "
                           "which is not shipped: use mode=svr (regressed on Gen3DHF per fold), or set "
                           "weights_path to the authors' BMPRI release folder (SVM/model, SVM/range)")
        problem = release_folder_problem(path, RELEASE_FILES, "BMPRI")
        return (False, problem) if problem else (True, "")
