"""Shared machinery of the classic saliency family.

Each model predicts a distortion-aware saliency map for a sample's 3-view image
(-45, 0, +45 degrees side by side; 1536x512 in the release). `per_view=True` (default)
runs the model on each view alone and puts the three maps side by side, as the three
views are separate photographs; `per_view=False` treats the strip as one image.
Maps come out at the 3-view image's size, float32, non-negative. `n_jobs` > 1 spreads the
samples of one `predict` call over that many processes; 1 runs them here, serially.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from bench.data.sample import Sample
from bench.models.base import Model, Prediction


class SaliencyModel(Model):
    family = "classic_saliency"
    tasks = frozenset({"saliency"})
    batch_size = 4

    def __init__(self, per_view: bool = True, n_jobs: int = 2, **config):
        super().__init__(per_view=per_view, n_jobs=n_jobs, **config)
        self.per_view, self.n_jobs = per_view, n_jobs

    def saliency_map(self, image: np.ndarray) -> np.ndarray:
        """Saliency of one uint8 RGB image (H, W, 3) -> float map (H, W), any non-negative scale."""
        raise NotImplementedError

    def strip_saliency(self, strip: np.ndarray) -> np.ndarray:
        import cv2

        h, w = strip.shape[:2]
        if not self.per_view:
            parts = [self._map_at(strip, h, w)]
        else:
            edges = np.linspace(0, w, 4).round().astype(int)
            parts = [self._map_at(strip[:, a:b], h, b - a) for a, b in zip(edges[:-1], edges[1:])]
        out = np.concatenate(parts, axis=1)
        if out.shape != (h, w):
            out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
        return out.astype(np.float32)

    def _map_at(self, image, h, w):
        import cv2

        m = np.asarray(self.saliency_map(image), dtype=np.float32)
        if m.shape != (h, w):
            m = cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR)
        return np.maximum(m, 0)

    def predict(self, samples: Sequence[Sample]) -> list[Prediction]:
        samples = list(samples)
        if (self.n_jobs or 1) == 1 or len(samples) < 2:
            maps = [self.strip_saliency(s.three_view()) for s in samples]
        else:  # processes, one sample each (samples pickle cheaply: frames come from the store)
            from functools import partial

            from bench.parallel import map_in_processes

            maps = map_in_processes(partial(_sample_map, self), samples, self.n_jobs)
        return [Prediction(saliency=m) for m in maps]


def _sample_map(model: SaliencyModel, sample: Sample) -> np.ndarray:
    return model.strip_saliency(sample.three_view())
