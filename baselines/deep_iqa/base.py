"""The deep IQA family's base: image models scoring a video from its frames (`FrameQualityModel`).

The frame rule, the same for every image model of the family (the backbone rows and the named methods
CNNIQA, StairIQA, HyperIQA), recorded with each result:

- a video is seen as K = `frames` frames spread uniformly over its orbit (the centres of K equal segments),
  each resized to `input_size` x `input_size` (the paper: frames rescaled to 224x224);
- training: each of the K frames of a training video is one item, labelled with its video's MOS (both
  dimensions), flipped left-right at random when trained end to end;
- prediction: the network scores each of the K frames; the video's score is the mean over its frames.

Inputs are normalised with ImageNet's mean and SD (the backbones' pretraining). A method with its own
preparation overrides `input_fn` / `train_prepare` (keeping the frame rule) and `features`.
"""
from __future__ import annotations

from typing import Sequence

from baselines.deep_iqa.inputs import IMAGENET_MEAN, IMAGENET_STD, FrameItem, VideoFrames, target
from baselines.deep_iqa.protocol import DeepQualityModel
from bench.data.video import FrameSpec


class FrameQualityModel(DeepQualityModel):
    family = "deep_iqa"
    mean, std = IMAGENET_MEAN, IMAGENET_STD
    flip = True  # left-right flips of training frames (end-to-end training only)

    def frame_spec(self) -> FrameSpec:
        size = self.settings.input_size
        return FrameSpec(count=self.settings.frames, size=(size, size))

    def frame_specs(self) -> list:
        return [self.frame_spec()]

    def input_fn(self):
        return VideoFrames(self.frame_spec(), self.mean, self.std)

    def train_prepare(self):
        return FrameItem(self.frame_spec(), self.mean, self.std, self.flip)

    def training_items(self, samples: Sequence) -> list:
        return [(s, i) for s in samples for i in range(self.settings.frames)]

    def features(self, module, batch: dict):
        x = batch["frames"]  # (B, K, 3, S, S)
        return self.frozen_part(module)(x.flatten(0, 1)).reshape(x.shape[0], x.shape[1], -1)

    def feature_items(self, samples: Sequence, features: dict) -> list:
        """One item per frame, as in end-to-end training: (its (1, C) features, its video's MOS)."""
        return [(features[s.id][i:i + 1], target(s)) for s in samples for i in range(len(features[s.id]))]

    def protocol(self) -> dict:
        k = self.settings.frames
        return {**super().protocol(),
                "frames": f"{k} frames per video spread uniformly over the orbit, {self.settings.input_size} px; "
                          f"trained on each frame labelled with the video's MOS; predicted: the mean of the "
                          f"{k} frame scores"}
