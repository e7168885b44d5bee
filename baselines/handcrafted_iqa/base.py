"""Shared machinery of the handcrafted IQA family: frame sampling, aggregation, the two modes.

Each method is a frame-level image metric applied to frames sampled from the video and
aggregated over them. Two modes, recorded with every result:

- ``native``: the method's own score (its authors' learned parts or their published
  parameters); the same value answers both dimensions. `higher_is_better` says its direction.
- ``svr``: the usual benchmark protocol: the method's features, averaged over frames, are
  regressed onto each dimension's MOS by an RBF SVR fitted on the training fold.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from bench.data.sample import Sample
from bench.models.base import Model, Prediction, RunContext

AGGREGATES = {"mean": np.mean, "median": np.median}


class HandcraftedIQA(Model):
    family = "handcrafted_iqa"
    tasks = frozenset({"quality", "authenticity"})
    batch_size = 16

    def __init__(self, mode: str = "native", frames: int = 8, frame_size=None, aggregate: str = "mean",
                 n_jobs: int = 2, **config):
        if mode not in ("native", "svr"):
            raise ValueError(f"mode must be 'native' or 'svr', got {mode!r}")
        if aggregate not in AGGREGATES:
            raise ValueError(f"aggregate must be one of {sorted(AGGREGATES)}, got {aggregate!r}")
        super().__init__(mode=mode, frames=frames, frame_size=frame_size, aggregate=aggregate,
                         n_jobs=n_jobs, **config)
        self.mode, self.n_frames, self.frame_size = mode, frames, frame_size
        self.aggregate, self.n_jobs = aggregate, n_jobs
        self._regressors: dict = {}
        if mode == "svr":
            self.higher_is_better = True  # SVR outputs estimate MOS, whatever the method's direction

    @property
    def trainable(self) -> bool:  # the runner fits per fold only in svr mode
        return self.mode == "svr"

    # -- what a method implements ---------------------------------------------------------
    def frame_score(self, frame: np.ndarray) -> float:
        """Native score of one uint8 RGB frame."""
        raise NotImplementedError

    def frame_features(self, frame: np.ndarray) -> np.ndarray:
        """Feature vector of one uint8 RGB frame (for svr mode)."""
        raise NotImplementedError

    # -- the contract ------------------------------------------------------------------------
    def sample_frames(self, sample: Sample) -> np.ndarray:
        return sample.frames(count=self.n_frames, size=self.frame_size)

    def video_features(self, sample: Sample) -> np.ndarray:
        return np.mean([self.frame_features(f) for f in self.sample_frames(sample)], axis=0)

    def video_score(self, sample: Sample) -> float:
        return float(AGGREGATES[self.aggregate]([self.frame_score(f) for f in self.sample_frames(sample)]))

    def fit(self, samples: Sequence[Sample], context: RunContext):
        self.context = context
        if self.mode != "svr":
            return self
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVR

        feats = np.stack([self.video_features(s) for s in samples])
        for dim in ("quality", "authenticity"):
            y = np.array([s.mos.get(dim, np.nan) for s in samples], dtype=float)
            ok = np.isfinite(y) & np.isfinite(feats).all(axis=1)
            if ok.sum() < 2:
                continue
            reg = make_pipeline(StandardScaler(), SVR(kernel="rbf", C=1.0, epsilon=0.1, gamma="scale"))
            self._regressors[dim] = reg.fit(feats[ok], y[ok])
        return self

    def predict(self, samples: Sequence[Sample]) -> list[Prediction]:
        if self.mode == "native":
            out = []
            for s in samples:
                v = self.video_score(s)
                out.append(Prediction(scores={"quality": v, "authenticity": v}))
            return out
        if not self._regressors:
            raise RuntimeError(f"{self.name}: svr mode needs fit() on a training fold before predict()")
        feats = np.stack([self.video_features(s) for s in samples])
        preds = {d: r.predict(np.nan_to_num(feats)) for d, r in self._regressors.items()}
        return [Prediction(scores={d: float(p[i]) for d, p in preds.items()}) for i in range(len(samples))]
