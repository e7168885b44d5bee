"""Shared machinery of the classic saliency family.

Each model predicts a distortion-aware saliency map for a sample's 3-view image (-45, 0, +45
degrees side by side; 1536x512 in the release). By default (`per_view=False`) a model sees that
image whole, as the authors' batch script (calTraSal.m of co-author H. Duan's
baseline_saliency_models) ran every classic model on the whole 3-view image. `per_view=True`
runs it on each view alone and puts the three maps side by side on one common scale: each view's
map on the model's native scale (`native_map`, what its authors' code computes before its final
per-image min-max scaling), then one min-max over the strip, so a view that the model finds
unremarkable is not stretched to the full range. Only that last stretching is removed: a method
that normalises each input inside (SR's and PFT's spectra, SUN's division by the image's std,
AIM's per-image histograms, GBVS's Markov chains) still gives each view a level of its own.
An input is cut into views only when it is a
3-view strip: a sample composed from a video's frames, or an image three times as wide as it is
high (three square views); anything else, e.g. a lone photo given to `bench predict`, is processed
whole.

Maps come out at the 3-view image's size, float32, in [0, 1]. `n_jobs` > 1 spreads the samples of
one `predict` call over that many processes; 1 runs them here, serially.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from bench.data.sample import Sample
from bench.models.base import Model, Prediction

from ._channels import rescale01, resize

VIEWS = 3


class SaliencyModel(Model):
    family = "classic_saliency"
    tasks = frozenset({"saliency"})
    batch_size = 4

    def __init__(self, per_view: bool = False, n_jobs: int = 2, **config):
        super().__init__(per_view=per_view, n_jobs=n_jobs, **config)
        self.per_view, self.n_jobs = per_view, n_jobs

    def native_map(self, image: np.ndarray) -> np.ndarray:
        """Saliency of one uint8 RGB image (H, W, 3) on the model's native scale, before the final
        per-image min-max scaling of its authors' code: (h, w) float, any size."""
        raise NotImplementedError

    def saliency_map(self, image: np.ndarray) -> np.ndarray:
        """The authors' map of one image: `native_map` scaled to [0, 1] (at the model's resolution)."""
        return rescale01(self.native_map(image))

    def strip_saliency(self, strip: np.ndarray, views: int = 1) -> np.ndarray:
        """Map of an (H, W, 3) image cut into `views` equal columns (1: whole), at its size, in [0, 1]."""
        h, w = strip.shape[:2]
        edges = np.linspace(0, w, views + 1).round().astype(int)
        parts = [resize(self.native_map(strip[:, a:b]), (h, b - a), "linear") for a, b in zip(edges[:-1], edges[1:])]
        return rescale01(np.concatenate(parts, axis=1)).astype(np.float32)

    def sample_map(self, sample: Sample) -> np.ndarray:
        image = sample.three_view()
        views = VIEWS if self.per_view and is_three_view_strip(sample, image) else 1
        return self.strip_saliency(image, views)

    def predict(self, samples: Sequence[Sample]) -> list[Prediction]:
        samples = list(samples)
        if (self.n_jobs or 1) == 1 or len(samples) < 2:
            maps = [self.sample_map(s) for s in samples]
        else:  # processes, one sample each (samples pickle cheaply: frames come from the store)
            from functools import partial

            from bench.parallel import map_in_processes

            maps = map_in_processes(partial(_sample_map, self), samples, self.n_jobs)
        return [Prediction(saliency=m) for m in maps]


def _sample_map(model: SaliencyModel, sample: Sample) -> np.ndarray:
    return model.sample_map(sample)


def is_three_view_strip(sample: Sample, image: np.ndarray) -> bool:
    """Whether `image` (the sample's `three_view()`) holds three views side by side: composed from
    the sample's video, or three square views (width 3 x height, within a pixel per view)."""
    if sample.image is None and sample.video is not None:
        return True
    h, w = image.shape[:2]
    return abs(w - VIEWS * h) <= VIEWS
