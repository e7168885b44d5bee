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
    state_attributes = ("coef",)

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


# ---- models that misbehave in ways the harness must catch (tests/core/test_reliability.py) ----------
@register_model("t_oracle")
class Oracle(Model):
    """Answers each sample's own MOS: SRCC 1.0 unless the harness pairs predictions with the wrong samples."""

    family = "deep_iqa"
    tasks = frozenset({"quality", "authenticity"})
    batch_size = 4

    def predict(self, samples):
        return [Prediction(scores=dict(s.mos)) for s in samples]


@register_model("t_extra_prediction")
class ExtraPrediction(Oracle):
    """n + 1 predictions for a batch of several samples (right when asked one by one)."""

    def predict(self, samples):
        out = super().predict(samples)
        return out + out[:1] if len(samples) > 1 else out


@register_model("t_doubled")
class Doubled(Oracle):
    """Every prediction twice, even for one sample: nothing it says may be scored."""

    def predict(self, samples):
        return [p for p in super().predict(samples) for _ in (0, 1)]


@register_model("t_missing_one")
class MissingOne(Oracle):
    """n - 1 predictions for a batch of several samples."""

    def predict(self, samples):
        out = super().predict(samples)
        return out[1:] if len(samples) > 1 else out


@register_model("t_system_exit")
class SystemExiter(Oracle):
    def predict(self, samples):
        raise SystemExit(3)


@register_model("t_raises_keyboard_interrupt")
class KeyboardInterrupter(Oracle):
    def predict(self, samples):
        raise KeyboardInterrupt


@register_model("t_small_map")
class SmallMap(Model):
    """A sharp 8x24 map: upsampled bicubically to the ground truth's size it undershoots below zero."""

    family = "classic_saliency"
    tasks = frozenset({"saliency"})

    def predict(self, samples):
        m = np.zeros((8, 24))
        m[3:5, 4:6] = 1.0
        return [Prediction(saliency=m.copy()) for _ in samples]


@register_model("t_tagged")
class Tagged(Oracle):
    """Takes a free-text option: its run label must never become a path outside --out."""

    def __init__(self, tag: str = "x", **config):
        super().__init__(tag=tag, **config)


@register_model("t_skips_bad_training_video")
class SkipsBadTrainingVideo(Model):
    """Trains on frame brightness; a training video that cannot be decoded is left out and reported."""

    family = "deep_iqa"
    tasks = frozenset({"quality", "authenticity"})
    trainable = True
    state_attributes = ("mean_",)

    def fit(self, samples, context):
        self.context = context
        vals = []
        for s in samples:
            try:
                vals.append(float(s.frames(count=1).mean()))
            except Exception as exc:  # noqa: BLE001
                context.train_failures[s.id] = str(exc)
        self.mean_ = float(np.mean(vals))
        return self

    def predict(self, samples):
        return [Prediction(scores={"quality": float(s.frames(count=1).mean()) - self.mean_,
                                   "authenticity": float(s.frames(count=1).mean())}) for s in samples]


@register_model("t_process_workers")
class ProcessWorkers(Model):
    """Does its per-sample work in `bench.parallel` worker processes, slowly: killed runs must not leave them."""

    family = "handcrafted_iqa"
    tasks = frozenset({"quality", "authenticity"})

    def predict(self, samples):
        from bench.parallel import map_in_processes

        vals = map_in_processes(_slow_mean, [s.video for s in samples] * 2, 2)
        return [Prediction(scores={"quality": v, "authenticity": v}) for v in vals[:len(samples)]]


def _slow_mean(path):
    time.sleep(float(os.environ.get("BENCH_TEST_SLEEP", "0")))
    return float(os.path.getsize(path))


# ---- a learned model through the shared torch loop (tests/core/test_learned_harness.py) ----------------
from bench.learn.torch_model import TorchModel  # noqa: E402 - torch itself is imported only when used


class MeanFrameInput:
    """Picklable preparation: the mean of `frames` frames, resized, as a (3, size, size) float tensor."""

    def __init__(self, frames: int, size: int, sleep: float = 0.0):
        self.frames, self.size, self.sleep = frames, size, sleep

    def __call__(self, sample, rng=None):
        import torch

        time.sleep(self.sleep)
        x = sample.frames(count=self.frames, size=self.size).astype(np.float32).mean(0) / 255.0
        out = {"x": torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))}
        if rng is not None:  # training: the target too
            out["target"] = torch.tensor([sample.mos["quality"] / 100, sample.mos["authenticity"] / 100])
        return out


@register_model("t_torch_cnn")
class TinyCNN(TorchModel):
    """A 2-layer CNN regressing both MOS from the mean frame; counts its builds and weight loads."""

    family = "deep_iqa"
    tasks = frozenset({"quality", "authenticity"})
    batch_size = 4
    default_settings = {"workers": 0}
    builds = 0  # class-level counters: one build and one weight load per run, whatever the folds

    def __init__(self, width: int = 4, arch: str = "cnn", **config):
        super().__init__(width=width, arch=arch, **config)
        self.width, self.arch = width, arch

    @classmethod
    def weight_specs(cls, config=None):
        from bench.weights import WeightSpec

        return [WeightSpec("net", "file", "t_torch_cnn-net", description="test weights")]

    def build(self):
        import torch.nn as nn

        TinyCNN.builds += 1
        _count("builds")
        if self.arch == "mlp":  # enough capacity to memorise a handful of videos
            side = self.settings.input_size
            net = nn.Sequential(nn.Flatten(), nn.Linear(3 * side * side, self.width), nn.ReLU(),
                                nn.Linear(self.width, 2))
        else:
            net = nn.Sequential(nn.Conv2d(3, self.width, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                nn.Flatten(), nn.Linear(self.width, 2))
        return nn.ModuleDict({"net": net})

    def load_pretrained(self, module, resolved):
        _count("weight_loads")
        super().load_pretrained(module, resolved)

    def input_fn(self):
        return MeanFrameInput(self.settings.frames, self.settings.input_size)

    def train_prepare(self):
        return MeanFrameInput(self.settings.frames, self.settings.input_size,
                              float(os.environ.get("BENCH_TEST_SLEEP", "0")))

    def step_loss(self, module, batch):
        import torch.nn.functional as F

        return F.mse_loss(module["net"](batch["x"]), batch["target"])

    def forward_predict(self, module, batch):
        return module["net"](batch["x"])

    def to_predictions(self, outputs, samples):
        out = outputs.float().cpu().numpy() * 100
        return [Prediction(scores={"quality": float(q), "authenticity": float(a)}) for q, a in out]


def _count(what: str) -> None:
    """Append to $BENCH_TEST_COUNTS (a file), so a test can count across processes."""
    path = os.environ.get("BENCH_TEST_COUNTS")
    if path:
        with open(path, "a") as fh:
            fh.write(what + "\n")


@register_model("t_with_extras")
class WithExtras(Oracle):
    """Fills `Prediction.extras` and declares an ablation block: both must reach the saved results."""

    ablation = {"table": 4, "row": "(9)", "label": "test"}

    def predict(self, samples):
        out = super().predict(samples)
        for p in out:
            p.extras = {"probs": [0.25, 0.75]}
        return out
