"""Models defined by the tests only (the shipped registry holds only real models)."""
from __future__ import annotations

import os
import time

import numpy as np

from bench.models import Model, Prediction, Requirements, register_model


@register_model("t_clean")
class Clean(Model):
    """Minus the mean absolute Laplacian of 4 frames: high-frequency energy (noise, grain) counts
    against quality. A real, if crude, no-reference cue."""

    family = "handcrafted_iqa"
    tasks = frozenset({"quality", "authenticity"})
    paper_row = None

    def predict(self, samples):
        import cv2

        out = []
        for s in samples:
            f = s.frames(count=4).astype(np.float32).mean(-1)
            v = -float(np.mean([np.abs(cv2.Laplacian(x, cv2.CV_32F)).mean() for x in f]))
            out.append(Prediction(scores={"quality": v, "authenticity": v}))
        return out


@register_model("t_noise_level")
class NoiseLevel(Model):
    """Mean absolute Laplacian, lower is better: t_clean negated, checks the harness's sign handling."""

    family = "handcrafted_iqa"
    tasks = frozenset({"quality", "authenticity"})
    higher_is_better = False

    def predict(self, samples):
        vals = Clean().predict(samples)
        return [Prediction(scores={k: -v for k, v in p.scores.items()}) for p in vals]


@register_model("t_mean_regressor")
class MeanRegressor(Model):
    """Trains: predicts the training MOS mean plus a brightness term fitted by least squares."""

    family = "deep_iqa"
    tasks = frozenset({"quality", "authenticity"})
    trainable = True

    def fit(self, samples, context):
        self.context = context
        x = np.array([s.frames(count=2).mean() for s in samples])
        self.coef = {d: np.polyfit(x, [s.mos[d] for s in samples], 1) for d in ("quality", "authenticity")}
        return self

    def predict(self, samples):
        x = np.array([s.frames(count=2).mean() for s in samples])
        return [Prediction(scores={d: float(np.polyval(c, xi)) for d, c in self.coef.items()}) for xi in x]


@register_model("t_flaky")
class Flaky(Model):
    """Raises on every third sample and returns NaN on another: failure isolation."""

    family = "handcrafted_iqa"
    tasks = frozenset({"quality", "authenticity"})

    def predict(self, samples):
        out = []
        for s in samples:
            k = int(s.id[-4:])
            if k % 3 == 0:
                raise RuntimeError(f"cannot handle {s.id}")
            v = float("nan") if k == 4 else float(k)
            out.append(Prediction(scores={"quality": v, "authenticity": v}))
        return out


@register_model("t_broken")
class Broken(Model):
    family = "handcrafted_iqa"
    tasks = frozenset({"quality"})

    def predict(self, samples):
        raise ValueError("this model is broken on purpose")


@register_model("t_needs_weights")
class NeedsWeights(Model):
    family = "deep_iqa"
    tasks = frozenset({"quality"})
    requirements = Requirements(weights="test weights (put them at /nonexistent/w.pt)", weights_path="/nonexistent/w.pt")

    def predict(self, samples):
        raise AssertionError("must never be called: unavailable")


@register_model("t_slow")
class Slow(Model):
    """Sleeps per sample (BENCH_TEST_SLEEP seconds): lets a test kill a run mid-way."""

    family = "deep_iqa"
    tasks = frozenset({"quality", "authenticity"})
    batch_size = 1

    def predict(self, samples):
        time.sleep(float(os.environ.get("BENCH_TEST_SLEEP", "0")))
        return [Prediction(scores={"quality": float(s.frames(count=1).mean()),
                                   "authenticity": float(s.frames(count=1).mean())}) for s in samples]


@register_model("t_centre_saliency")
class CentreSaliency(Model):
    """A centre-bias Gaussian per view: the classic saliency baseline's baseline."""

    family = "classic_saliency"
    tasks = frozenset({"saliency"})

    def predict(self, samples):
        out = []
        for s in samples:
            h, w = s.three_view().shape[:2]
            yy, xx = np.mgrid[:h, :w]
            cx = (xx % (w // 3)) - w / 6
            out.append(Prediction(saliency=np.exp(-(cx**2 + (yy - h / 2) ** 2) / (2 * (h / 4) ** 2))))
        return out
