"""The deep VQA family's base: clip models scoring a video from a clip of its frames (`ClipQualityModel`).

The clip rule of the backbone rows, recorded with each result: T = `frames` frames spread uniformly over the
whole video (the centres of T equal segments of the orbit), each resized to `input_size` x `input_size`, as one
(3, T, S, S) clip; one clip per video, in training (flipped left-right at random when trained end to end) and in
prediction. A method with its own frame sampling (fragments, key frames plus motion clips) overrides
`clip_spec` / `input_fn` / `train_prepare` and `features`.

Inputs are normalised with the mean and SD of the backbone's pretraining (Kinetics-400 for torchvision's
video ResNets, ImageNet's for Swin3D, as torchvision's transforms for those weights do).
"""
from __future__ import annotations

from baselines.deep_iqa.inputs import KINETICS_MEAN, KINETICS_STD, Clip
from baselines.deep_iqa.protocol import DeepQualityModel
from bench.data.video import FrameSpec


class ClipQualityModel(DeepQualityModel):
    family = "deep_vqa"
    mean, std = KINETICS_MEAN, KINETICS_STD
    flip = True  # left-right flips of training clips (end-to-end training only)

    def clip_spec(self) -> FrameSpec:
        size = self.settings.input_size
        return FrameSpec(count=self.settings.frames, size=(size, size))

    def frame_specs(self) -> list:
        return [self.clip_spec()]

    def input_fn(self):
        return Clip(self.clip_spec(), self.mean, self.std)

    def train_prepare(self):
        return Clip(self.clip_spec(), self.mean, self.std, self.flip)

    def features(self, module, batch: dict):
        return self.frozen_part(module)(batch["clip"])[:, None]  # one clip per video: (B, 1, C)

    def protocol(self) -> dict:
        return {**super().protocol(),
                "clip": f"one clip per video: {self.settings.frames} frames spread uniformly over the orbit, "
                        f"{self.settings.input_size} px"}
