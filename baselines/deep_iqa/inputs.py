"""Picklable input preparations of the deep IQA and VQA families (run in worker processes).

Frames come from the dataset's frame store (decoded once per video and selection, shared by every model,
fold and worker), as uint8 RGB; here they become normalised float tensors:

- `VideoFrames` (image models, prediction): {"frames": (K, 3, S, S)}, the K frames a video is scored from;
- `FrameItem` (image models, training): one (sample, frame index) item -> {"frames": (1, 3, S, S), "target"};
- `Clip` (clip models): {"clip": (3, T, S, S)} (+ "target" when training);
- `feature_item` (frozen backbones): a memoised (features, target) pair -> {"features", "target"}.

A video with fewer frames than asked repeats its frames cyclically, so every item of a batch has the same
shape; an image file is a one-frame video. Training items are flipped left-right with probability 1/2
(drawn from the item's own seeded rng) when `flip` is on: a face orbit seen in a mirror has the same
quality. The target is the raw MOS of both dimensions, (quality, authenticity).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from bench.data.video import FrameSpec

DIMENSIONS = ("quality", "authenticity")
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
KINETICS_MEAN, KINETICS_STD = (0.43216, 0.394666, 0.37645), (0.22803, 0.22145, 0.216989)


def read_frames(sample, spec: FrameSpec) -> np.ndarray:
    """uint8 (count, H, W, 3): the frames `spec` selects, repeated cyclically up to `spec.count`."""
    frames = sample.frames(spec=spec)
    if spec.count and len(frames) < spec.count:
        frames = frames[np.arange(spec.count) % len(frames)]
    return frames


def normalise(frames: np.ndarray, mean, std, flip: bool = False):
    """uint8 (N, H, W, 3) -> float32 tensor (N, 3, H, W), scaled to [0, 1] then standardised per channel."""
    import torch

    x = frames[:, :, ::-1] if flip else frames
    x = (x.astype(np.float32) / 255.0 - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def target(sample):
    """The raw MOS of both dimensions as a float32 tensor (2,)."""
    import torch

    return torch.tensor([float(sample.mos[d]) for d in DIMENSIONS], dtype=torch.float32)


class VideoFrames:
    """sample -> {"frames": (K, 3, S, S)}: what an image model scores a video from."""

    def __init__(self, spec: FrameSpec, mean=IMAGENET_MEAN, std=IMAGENET_STD):
        self.spec, self.mean, self.std = spec, mean, std

    def __call__(self, sample) -> dict:
        return {"frames": normalise(read_frames(sample, self.spec), self.mean, self.std)}


class FrameItem(VideoFrames):
    """(sample, frame index), rng -> {"frames": (1, 3, S, S), "target": (2,)}: one training frame, labelled
    with its video's MOS."""

    def __init__(self, spec: FrameSpec, mean=IMAGENET_MEAN, std=IMAGENET_STD, flip: bool = True):
        super().__init__(spec, mean, std)
        self.flip = flip

    def __call__(self, item, rng: np.random.Generator) -> dict:
        sample, index = item
        frame = read_frames(sample, self.spec)[index:index + 1]
        flip = bool(self.flip and rng.random() < 0.5)
        return {"frames": normalise(frame, self.mean, self.std, flip), "target": target(sample)}


class Clip:
    """sample[, rng] -> {"clip": (3, T, S, S)}, plus "target" (and a random flip) when called with an rng."""

    def __init__(self, spec: FrameSpec, mean=KINETICS_MEAN, std=KINETICS_STD, flip: bool = True):
        self.spec, self.mean, self.std, self.flip = spec, mean, std, flip

    def __call__(self, sample, rng: Optional[np.random.Generator] = None) -> dict:
        flip = bool(rng is not None and self.flip and rng.random() < 0.5)
        clip = normalise(read_frames(sample, self.spec), self.mean, self.std, flip).permute(1, 0, 2, 3)
        out = {"clip": clip.contiguous()}
        if rng is not None:
            out["target"] = target(sample)
        return out


def feature_item(item, rng=None) -> dict:
    """A memoised (features, target) pair as a training item of a head on a frozen backbone."""
    features, tgt = item
    return {"features": features, "target": tgt}
