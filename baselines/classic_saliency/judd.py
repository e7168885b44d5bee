"""Judd [28]: Judd, Ehinger, Durand & Torralba (2009), "Learning to predict where humans look",
ICCV.

A linear SVM over per-pixel features of the image at 200 x 200 (Sec. 4):
- low level: the local energy of 13 steerable-pyramid subbands (3 scales x 4 orientations
  + highpass; abs, blurred, divided by its mean), Itti & Koch's colour / intensity /
  orientation conspicuity maps (`itti.itti_conspicuity`), the R, G, B values, their
  probabilities (-log of a 100-bin histogram) and the probability of the colour in a
  10 x 10 x 10 RGB histogram after median filters of 0, 2, 4, 8, 16 px, and Torralba's
  saliency (-log p of the steerable subbands, 4 scales);
- high level: a Viola-Jones face detector (OpenCV's shipped haarcascade_frontalface_alt, the
  cascade Judd used) and a person detector (OpenCV's shipped Dalal-Triggs HOG people SVM, in
  place of Felzenszwalb's DPM person model, which has no offline copy);
- the distance to the image centre.
Left out, with no offline equivalent: the horizon line (Torralba's gist regressor trained on
LabelMe) and the DPM car detector.

Training, by Judd's recipe but on this dataset's ground truth (`fit(samples, context)`): per
view, 10 positive pixels drawn from the top 20 % of the ground-truth saliency map (restricted
to pixels with saliency > 0: the maps are sparse) and 10 negatives from the bottom 70 %;
features standardised to zero mean and unit variance; scikit-learn's LinearSVC (liblinear,
C = 1). Prediction: w . x + b at 200 x 200 (the native scale; the family's base class scales
it to [0, 1]). The whole strip (default) or its views (per_view=True) are treated alike in
training and prediction.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import cv2
import numpy as np

from bench.data.sample import Sample
from bench.models.base import Prediction, RunContext
from bench.models.registry import register_model

from ._steerable_pyramid import subband_energy, torralba_saliency
from ._channels import box_map, centre_distance, haar_faces, resize, to_float_rgb
from .base import VIEWS, SaliencyModel, is_three_view_strip
from .itti import itti_conspicuity

DIMS = (200, 200)
MEDIAN_SIZES = (0, 2, 4, 8, 16)
FEATURE_NAMES = (
    ["subband_highpass"] + [f"subband_s{s}_o{o}" for s in range(3) for o in range(4)]
    + ["itti_color", "itti_intensity", "itti_orientation", "red", "green", "blue",
       "prob_red", "prob_green", "prob_blue"] + [f"prob_color_median{m}" for m in MEDIAN_SIZES]
    + ["torralba", "person_hog", "face_haar", "centre_distance"])


def _channel_improbability(channel: np.ndarray, bins: int = 100) -> np.ndarray:
    """-log p of each value under the channel's 100-bin histogram (+1 smoothing), as Judd scales it."""
    lo, hi = float(channel.min()), float(channel.max())
    idx = np.clip(np.rint((channel - lo) / max(hi - lo, 1e-12) * (bins - 1)), 0, bins - 1).astype(int)
    hist = np.bincount(idx.ravel(), minlength=bins) + 1.0
    p = -np.log(hist / hist.sum())[idx]
    return (p - p.min()) / max(float(p.max()), 1e-12)


def _colour_improbability(rgb: np.ndarray, median: int, bins: int = 10) -> np.ndarray:
    """-log p of each pixel's colour in a bins^3 RGB histogram (+1), after a median filter.

    OpenCV's fast median needs an odd window: m + 1 stands in for Judd's m x m (m even).
    """
    if median:
        img8 = np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint8)
        img = cv2.medianBlur(img8, median + 1).astype(np.float32) / 255.0
    else:
        img = rgb
    q = np.clip((np.minimum(img, 0.999) * bins).astype(int), 0, bins - 1)
    code = (q[..., 0] * bins + q[..., 1]) * bins + q[..., 2]
    hist = np.bincount(code.ravel(), minlength=bins ** 3) + 1.0
    return -np.log(hist / hist.sum())[code]


@lru_cache(maxsize=1)
def _people_detector():
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    return hog


def people_boxes(rgb_uint8: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(np.ascontiguousarray(rgb_uint8), cv2.COLOR_RGB2GRAY)
    if min(gray.shape) < 128:
        return np.zeros((0, 4), int)
    boxes, _ = _people_detector().detectMultiScale(gray, winStride=(8, 8), padding=(8, 8), scale=1.1)
    return np.asarray(boxes, dtype=int).reshape(-1, 4)


def judd_features(image: np.ndarray, dims=DIMS) -> np.ndarray:
    """(len(FEATURE_NAMES), *dims) float32 feature maps of one image."""
    img8 = np.ascontiguousarray(image, dtype=np.uint8)
    small = resize(to_float_rgb(img8), dims, "area")
    gray = small.mean(axis=2)
    feats = list(subband_energy(gray))
    cm = itti_conspicuity(img8)
    feats += [resize(cm[k], dims, "linear") for k in ("color", "intensity", "orientation")]
    feats += [small[..., c] for c in range(3)]
    feats += [_channel_improbability(small[..., c]) for c in range(3)]
    feats += [_colour_improbability(small, m) for m in MEDIAN_SIZES]
    feats.append(torralba_saliency(gray))
    h, w = img8.shape[:2]
    feats.append(resize(box_map((h, w), people_boxes(img8)), dims, "area"))
    feats.append(resize(box_map((h, w), haar_faces(img8, "haarcascade_frontalface_alt.xml")), dims, "area"))
    feats.append(centre_distance(*dims))
    return np.stack([np.asarray(f, np.float32) for f in feats])


def _split(width: int, views: int) -> list:
    """Column ranges of `views` equal parts, as SaliencyModel.strip_saliency cuts them."""
    edges = np.linspace(0, width, views + 1).round().astype(int)
    return list(zip(edges[:-1], edges[1:]))


def training_pixels(gt: np.ndarray, rng: np.random.Generator, n: int = 10, top: float = 0.2,
                    bottom: float = 0.7) -> tuple:
    """Indices of `n` positives from the top `top` of the map (saliency > 0) and `n` negatives
    from the bottom `bottom`, by rank."""
    flat = gt.ravel()
    order = np.argsort(flat, kind="stable")
    pos_pool = order[int(round((1 - top) * flat.size)):]
    pos_pool = pos_pool[flat[pos_pool] > 0]
    neg_pool = order[:int(round(bottom * flat.size))]
    pos = rng.choice(pos_pool, min(n, pos_pool.size), replace=False) if pos_pool.size else pos_pool[:0]
    neg = rng.choice(neg_pool, min(n, neg_pool.size), replace=False)
    return pos, neg


def _sample_training_rows(sample: Sample, per_view: bool, seed: int):
    gt = sample.saliency()
    if gt is None:
        return np.zeros((0, len(FEATURE_NAMES)), np.float32), np.zeros(0, int)
    strip = sample.three_view()
    gt = resize(gt, strip.shape[:2], "area")
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    views = VIEWS if per_view and is_three_view_strip(sample, strip) else 1
    for a, b in _split(strip.shape[1], views):
        feats = judd_features(strip[:, a:b]).reshape(len(FEATURE_NAMES), -1).T
        pos, neg = training_pixels(resize(gt[:, a:b], DIMS, "area"), rng)
        xs += [feats[pos], feats[neg]]
        ys += [np.ones(len(pos), int), np.zeros(len(neg), int)]
    return np.concatenate(xs), np.concatenate(ys)


def _pixel_seed(seed: int, sample_id: str) -> int:
    """Seed for one sample's training-pixel draw: stable across folds and processes."""
    import hashlib

    return int.from_bytes(hashlib.sha256(f"{seed}:{sample_id}".encode()).digest()[:8], "little")


def _training_rows_job(job) -> tuple:
    return _sample_training_rows(*job)


@register_model("judd")
class Judd(SaliencyModel):
    trainable = True
    state_attributes = ("weights",)

    def __init__(self, C: float = 1.0, **config):
        super().__init__(C=C, **config)
        self.C = C
        self.weights = None  # (mean, std, w, b) after fit

    def fit(self, samples: Sequence[Sample], context: RunContext) -> "Judd":
        from sklearn.svm import LinearSVC

        from bench.parallel import map_in_processes

        self.context = context
        samples = list(samples)
        # A sample's training pixels depend on its id and the run's seed only, not on the fold, so
        # the rows are memoised across the folds of a run (each video is in 4 of 5 training folds).
        memo = getattr(context, "memo", None)
        memo = {} if memo is None else memo
        keys = [("judd_rows", s.id, str(s.image or s.video), self.per_view, context.seed) for s in samples]
        todo = [(k, s) for k, s in zip(keys, samples) if k not in memo]
        jobs = [(s, self.per_view, _pixel_seed(context.seed, s.id)) for _, s in todo]
        computed = map_in_processes(_training_rows_job, jobs, self.n_jobs or 1)
        memo.update(zip([k for k, _ in todo], computed))
        rows = [memo[k] for k in keys]
        x = np.concatenate([r[0] for r in rows]).astype(np.float64)
        y = np.concatenate([r[1] for r in rows])
        if len(np.unique(y)) < 2:
            raise ValueError("Judd.fit: the training samples gave no salient pixels (ground-truth maps "
                             "missing or empty); it needs samples with saliency maps")
        mean, std = x.mean(0), x.std(0)
        std[std < 1e-12] = 1.0
        svm = LinearSVC(C=self.C, random_state=context.seed, max_iter=20000).fit((x - mean) / std, y)
        self.weights = (mean, std, svm.coef_.ravel(), float(svm.intercept_[0]))
        return self

    def native_map(self, image: np.ndarray) -> np.ndarray:
        if self.weights is None:
            raise RuntimeError("Judd is a learned model: call fit() on a training fold before predicting")
        mean, std, w, b = self.weights
        feats = judd_features(image)
        return np.tensordot((w / std).astype(np.float32), feats, axes=1) + (b - float((w / std) @ mean))

    def predict(self, samples: Sequence[Sample]) -> list[Prediction]:
        if self.weights is None:
            raise RuntimeError("Judd is a learned model: call fit() on a training fold before predicting")
        return super().predict(samples)
