"""Shared machinery of the handcrafted IQA family: frame sampling, aggregation, the two modes.

Each method is a frame-level image metric applied to `frames` frames sampled uniformly over the
video (the centres of `frames` equal segments of the orbit; `frame_size` resizes them, None keeps
the native 512x512) and aggregated over them (`aggregate`: mean or median). Two modes, recorded
with every result:

- ``native``: the method's own score (its authors' learned parts or their published
  parameters); the same value answers both dimensions. `higher_is_better` says its direction,
  and the harness negates lower-is-better scores before correlating.
- ``svr``: the usual benchmark protocol: the method's features, averaged over frames, are
  regressed onto each dimension's MOS by an SVR (`kernel` rbf or linear) fitted on the training
  fold. Its outputs estimate MOS, so they read higher = better.

Frames a metric is not defined on (too small, constant, NaN) raise `BadFrame`; a video skips
them, and a video with no valid frame scores NaN, which the runner records as a failed sample.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional, Sequence

import numpy as np

from bench.data.sample import Sample
from bench.models.base import Model, Prediction, RunContext

log = logging.getLogger(__name__)

AGGREGATES = {"mean": np.mean, "median": np.median}


class BadFrame(ValueError):
    """A frame the metric is not defined on (too small, constant, non-finite)."""


def _call_on_frame(fn: Callable[[np.ndarray], object], frame: np.ndarray, size: Optional[int]):
    """(fn(frame), None), or (NaN or a NaN vector of `size`, why) when the metric is undefined there."""
    try:
        return fn(frame), None
    except BadFrame as exc:
        return (np.nan if size is None else np.full(size, np.nan)), str(exc)


class HandcraftedIQA(Model):
    family = "handcrafted_iqa"
    tasks = frozenset({"quality", "authenticity"})
    batch_size = 16
    n_features: Optional[int] = None  # length of frame_features (lets a bad frame give a NaN vector)
    # "threads" (the default) suits metrics whose work is in OpenCV/numpy calls that release the GIL:
    # measured here, 2 threads give BRISQUE/NIQE/QAC/HOSA 1.5-1.9x while 2 processes lose to pickling
    # 512x512 frames. "processes" (`bench.parallel`, workers that die with the run) suits code that holds the GIL (a codec).
    frame_workers = "threads"

    def __init__(self, mode: str = "native", frames: int = 8, frame_size=None, aggregate: str = "mean",
                 kernel: str = "rbf", n_jobs: int = 2, **config):
        if mode not in ("native", "svr"):
            raise ValueError(f"mode must be 'native' or 'svr', got {mode!r}")
        if aggregate not in AGGREGATES:
            raise ValueError(f"aggregate must be one of {sorted(AGGREGATES)}, got {aggregate!r}")
        if kernel not in ("rbf", "linear"):
            raise ValueError(f"kernel must be 'rbf' or 'linear', got {kernel!r}")
        if not isinstance(frames, int) or frames < 1:
            raise ValueError(f"frames must be an integer >= 1, got {frames!r}")
        if not isinstance(n_jobs, int) or n_jobs < 1:
            raise ValueError(f"n_jobs must be an integer >= 1, got {n_jobs!r}")
        if frame_size is not None and (not isinstance(frame_size, int) or frame_size < 8):
            raise ValueError(f"frame_size must be None or an integer >= 8, got {frame_size!r}")
        super().__init__(mode=mode, frames=frames, frame_size=frame_size, aggregate=aggregate,
                         kernel=kernel, n_jobs=n_jobs, **config)
        self.mode, self.n_frames, self.frame_size = mode, frames, frame_size
        self.aggregate, self.kernel, self.n_jobs = aggregate, kernel, n_jobs
        self._regressors: dict = {}
        if mode == "svr":
            self.higher_is_better = True  # SVR outputs estimate MOS, whatever the method's direction

    state_attributes = ("_regressors",)

    @classmethod
    def is_trainable(cls, config: Optional[dict] = None) -> bool:  # the runner fits per fold only in svr mode
        import inspect

        default = inspect.signature(cls.__init__).parameters["mode"].default
        return (config or {}).get("mode", default) == "svr"

    @property
    def trainable(self) -> bool:
        return self.mode == "svr"

    @classmethod
    def availability(cls, config: Optional[dict] = None) -> tuple[bool, str]:
        """Packages first; svr mode needs nothing more, native mode whatever `native_availability` says."""
        config = config or {}
        ok, why = cls.packages_available()
        if not ok or config.get("mode", "native") != "native":
            return ok, why
        return cls.native_availability(config)

    @classmethod
    def native_availability(cls, config: dict) -> tuple[bool, str]:
        """Whether the native score's published parameters are at hand. Default: nothing needed."""
        return True, ""

    # -- what a method implements ---------------------------------------------------------
    def frame_score(self, frame: np.ndarray) -> float:
        """Native score of one uint8 RGB frame."""
        raise NotImplementedError(f"{type(self).__name__} has no native score; use mode='svr'")

    def frame_features(self, frame: np.ndarray) -> np.ndarray:
        """Feature vector of one uint8 RGB frame (for svr mode)."""
        raise NotImplementedError(f"{type(self).__name__} has no feature vector for svr mode")

    # -- frames ----------------------------------------------------------------------------------
    def sample_frames(self, sample: Sample) -> np.ndarray:
        return sample.frames(count=self.n_frames, size=self.frame_size)

    def _map_frames(self, fn, sample: Sample, size: Optional[int]) -> np.ndarray:
        """fn over the sample's frames on `n_jobs` workers; bad frames become NaN (logged once per video)."""
        from threadpoolctl import threadpool_limits

        frames = self.sample_frames(sample)
        n_jobs = min(max(1, int(self.n_jobs or 1)), len(frames))
        # Frames run in parallel instead of BLAS: its threads on these small products only contend
        # (several times slower on a busy machine, measured here). Set once, from this thread.
        with threadpool_limits(limits=1, user_api="blas"):
            if n_jobs == 1:
                out = [_call_on_frame(fn, f, size) for f in frames]
            elif self.frame_workers == "processes":
                from functools import partial

                from bench.parallel import map_in_processes

                out = map_in_processes(partial(_call_on_frame, fn, size=size), list(frames), n_jobs)
            else:
                with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                    out = list(pool.map(lambda f: _call_on_frame(fn, f, size), frames))
        bad = [why for _, why in out if why]
        if bad:
            log.warning("%s: %s skipped %d of %d frames (%s)", getattr(sample, "id", "video"), self.name or type(self).__name__,
                        len(bad), len(out), bad[0])
        return np.asarray([v for v, _ in out], dtype=np.float64)

    def video_features(self, sample: Sample) -> np.ndarray:
        # Features do not depend on the training fold: memoised across the folds of a run.
        memo = getattr(self.context, "memo", None)
        path = getattr(sample, "video", None) or getattr(sample, "image", None)
        if memo is None or path is None:  # only file-backed samples are memoised (the file identifies them)
            return self._compute_video_features(sample)
        key = ("features", sample.id, str(path))
        if key not in memo:
            memo[key] = self._compute_video_features(sample)
        return memo[key]

    def _compute_video_features(self, sample: Sample) -> np.ndarray:
        feats = self._map_frames(self.frame_features, sample, self.n_features)
        feats = feats.reshape(len(feats), -1)
        ok = np.isfinite(feats).all(axis=1)
        return feats[ok].mean(axis=0) if ok.any() else np.full(feats.shape[1], np.nan)

    def video_score(self, sample: Sample) -> float:
        scores = self._map_frames(self.frame_score, sample, None)
        scores = scores[np.isfinite(scores)]
        return float(AGGREGATES[self.aggregate](scores)) if scores.size else float("nan")

    # -- the contract ------------------------------------------------------------------------
    def fit(self, samples: Sequence[Sample], context: RunContext):
        self.context = context
        if self.mode != "svr":
            return self
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVR

        rows = []
        for s in samples:
            try:
                rows.append(self.video_features(s))
            except Exception as exc:  # noqa: BLE001 - an undecodable training video is left out, not fatal
                log.warning("%s: training video left out of the SVR fit: %s", s.id, exc)
                rows.append(None)
        width = max((len(r) for r in rows if r is not None), default=0)
        if width == 0:
            raise RuntimeError(f"{self.name}: no training video gave features")
        feats = np.stack([r if r is not None else np.full(width, np.nan) for r in rows])
        for dim in ("quality", "authenticity"):
            y = np.array([s.mos.get(dim, np.nan) for s in samples], dtype=float)
            ok = np.isfinite(y) & np.isfinite(feats).all(axis=1)
            if ok.sum() < 2:
                continue
            svr = SVR(kernel=self.kernel, C=1.0, epsilon=0.1, gamma="scale")
            self._regressors[dim] = make_pipeline(StandardScaler(), svr).fit(feats[ok], y[ok])
        if not self._regressors:
            raise RuntimeError(f"{self.name}: fewer than 2 training videos with features and MOS")
        return self

    def predict(self, samples: Sequence[Sample]) -> list[Prediction]:
        if self.mode == "native":
            return [Prediction(scores=dict.fromkeys(("quality", "authenticity"), self.video_score(s)))
                    for s in samples]
        if not self._regressors:
            raise RuntimeError(f"{self.name}: svr mode needs fit() on a training fold before predict()")
        feats = np.stack([self.video_features(s) for s in samples])
        # a test video without valid frames must fail, not be scored as an all-zero feature vector
        bad = ~np.isfinite(feats).all(axis=1)
        preds = {d: r.predict(np.where(bad[:, None], 0.0, feats)) for d, r in self._regressors.items()}
        return [Prediction(scores={d: (float("nan") if bad[i] else float(p[i])) for d, p in preds.items()})
                for i in range(len(samples))]
