"""SimpleVQA: Sun, Min, Lu and Zhai, "A Deep Learning based No-reference Quality Assessment Model for
UGC Videos", ACM Multimedia 2022 (Table 1 row "SimpleVQA").

The method: one key frame per second (the first 8 seconds) for spatial quality, learned end to end by
a ResNet-50 whose stages 2, 3 and 4 are pooled by spatial mean and std (2 x (512 + 1024 + 2048) =
7168 values); one 32-frame clip starting at every key frame for motion, through a frozen Kinetics
SlowFast-R50 whose slow (2048) and fast (256) pathways are globally averaged; per key frame the
9472 values go through two linear layers (-> 128 -> 1, no activation between) and the video score is
the mean over the 8 key frames. Loss: L1 + a rank loss over pairs with close labels.

Checked against the authors' code (sunwei925/SimpleVQA `model/UGC_BVQA_model.py`, `train.py`,
`data_loader.py`, `extract_frame_LSVQ.py`, `extract_SlowFast_features_LSVQ.py`, `utils.py`; read, not
copied): key frames every round(fps) frames, shorter videos padded with their last key frame to 8;
key frames resized so the short side is 520, a random 448x448 crop in training and the centre crop in
testing, ImageNet normalisation; clips of 32 frames from each whole second (padded with the clip's
last frame at the video's end; fewer than 8 seconds padded with the last clip), resized to 224x224,
mean 0.45 / std 0.225, slow pathway = 8 of the 32 frames; the head; `L1RankLoss` with its defaults.

What this implementation changes:
- The motion features are computed inside the model (`frozen_features`, no gradients); the authors
  extract them once to disk. The harness may do the same and pass `motion=` instead of `clips=`.
- `FRAMES` asks for 30 frames per second, the typical rate of the authors' training videos
  (LSVQ, KoNViD-1k), so "one second" is 30 frames and a clip spans about one second; `Prepare(fps=)`
  must match the rate the harness decodes at.
- `outputs=2` widens the last linear layer; SlowFast from pytorchvideo's builder
  (`slowfast_motion.py`), which is the model the authors load (`pytorchvideo.models.hub.slowfast_r50`).

Pretrained parts: torchvision ImageNet ResNet-50 (`resnet50-19c8e357.pth`, IMAGENET1K_V1);
pytorchvideo's Kinetics-400 SlowFast-R50.
Licence: the authors' code is Apache-2.0; their LSVQ-trained checkpoint is on Google Drive.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from torch import nn

from baselines.deep_iqa.common import (FrozenParts, Normalize, center_box, check_frames, check_outputs, check_size,
                                       crop, default_rng, freeze, random_box, resize, resize_short_side, to_tensor)
from baselines.deep_iqa.losses import l1_rank_loss
from baselines.deep_iqa.resnet import build_trunk, mean_std_pool
from baselines.deep_vqa.slowfast_motion import PRETRAINED as SLOWFAST_WEIGHTS
from baselines.deep_vqa.slowfast_motion import SlowFastTrunk

FRAMES = dict(count=None, fps=30.0, size=None)
PRETRAINED = {"backbone": "torchvision:ResNet50_Weights.IMAGENET1K_V1", "motion": SLOWFAST_WEIGHTS}
OFFICIAL = dict(
    files={"UGC_BVQA_model.pth": "https://drive.google.com/file/d/137XJdq3reNMJ9tkBNqKUYTY_dTlcwXc3/view"},
    note="state dict of `model/UGC_BVQA_model.resnet50` trained on LSVQ (1 output); the SlowFast is "
         "pytorchvideo's Kinetics checkpoint",
    key_rules=[("conv1.", "backbone.conv1."), ("bn1.", "backbone.bn1."), ("layer", "backbone.layer")],
)
# Counting the official pipeline: `UGC_BVQA_model.resnet50` 24,720,705 (ResNet-50 without fc 23,508,032;
# quality head 9472 x 128 + 128 + 128 + 1 = 1,212,673) + the SlowFast-R50 blocks its feature extractor
# keeps (`slowfast_r50` blocks 0-4, 33,644,488).
PAPER_PARAMS = 58_365_193
# The batch entries `frozen_features` turns into cacheable features: {"motion"} replaces them.
FROZEN_INPUTS = ("clips",)
SLOWFAST_MEAN, SLOWFAST_STD = (0.45, 0.45, 0.45), (0.225, 0.225, 0.225)


class SimpleVQA(FrozenParts):
    """frames (B, K, 3, S, S) and clips (B, K, 3, T, s, s) uint8 -> (B, outputs), in training and
    evaluation; `motion` (B, K, 2304) from `frozen_features` may replace `clips`."""

    frozen = ("motion",)

    def __init__(self, size: str = "full", outputs: int = 2, hidden: int = 128):
        super().__init__()
        self.normalize = Normalize()
        self.backbone = build_trunk(size)
        self.motion_normalize = Normalize(SLOWFAST_MEAN, SLOWFAST_STD, channel_dim=-4)
        self.motion = freeze(SlowFastTrunk(size))
        c2, c3, c4 = self.backbone.channels[1:]
        features = 2 * (c2 + c3 + c4) + sum(self.motion.channels)
        self.quality = nn.Sequential(nn.Linear(features, hidden), nn.Linear(hidden, outputs))

    @torch.no_grad()
    def frozen_features(self, clips: torch.Tensor) -> dict:
        """{"motion": (B, K, slow + fast channels)}: globally averaged SlowFast features of every clip."""
        b, k = clips.shape[:2]
        slow, fast = self.motion(self.motion_normalize(clips.flatten(0, 1)))
        return {"motion": torch.cat([slow.mean(dim=(2, 3, 4)), fast.mean(dim=(2, 3, 4))], dim=1).view(b, k, -1)}

    def spatial(self, frames: torch.Tensor) -> torch.Tensor:
        """uint8 key frames (M, 3, S, S) -> (M, 2 x (c2 + c3 + c4)): mean and std of stages 2, 3 and 4."""
        _, _, l2, l3, l4 = self.backbone(self.normalize(frames))
        return torch.cat([mean_std_pool(l2), mean_std_pool(l3), mean_std_pool(l4)], dim=1)

    def forward(self, frames: torch.Tensor, clips: Optional[torch.Tensor] = None,
                motion: Optional[torch.Tensor] = None) -> torch.Tensor:
        if motion is None:
            if clips is None:
                raise ValueError("SimpleVQA: give clips or their frozen motion features")
            motion = self.frozen_features(clips)["motion"]
        b, k = frames.shape[:2]
        scores = self.quality(torch.cat([self.spatial(frames.flatten(0, 1)), motion.flatten(0, 1)], dim=1))
        return scores.view(b, k, -1).mean(dim=1)


def key_and_clip_indices(n_frames: int, fps: float, count: int = 8, clip_len: int = 32
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Key-frame indices (count,) and clip frame indices (count, clip_len), the authors' rules: a key
    frame every round(fps) frames; a clip from every whole second; both padded with their last one to
    `count` and cut to the first `count`; clip frames past the video's end repeat its last frame."""
    step = max(int(round(fps)), 1)
    keys = np.arange(0, n_frames, step)
    seconds = max(n_frames // step, 1)  # a clip per whole second (at least one)
    clips = np.minimum(np.arange(seconds)[:, None] * step + np.arange(clip_len)[None], n_frames - 1)
    keys = np.concatenate([keys, np.full(max(count - len(keys), 0), keys[-1])])[:count]
    clips = np.concatenate([clips, np.repeat(clips[-1:], max(count - len(clips), 0), axis=0)])[:count]
    return keys, clips


class Prepare:
    """frames (T, H, W, 3) uint8 at `fps` frames per second -> {"frames": uint8 (8, 3, crop, crop),
    "clips": uint8 (8, 3, 32, clip_size, clip_size)}.

    Key frames: short side resized to `resize` (520), then a random (training) or central (evaluation)
    `crop` x `crop` (448) crop. Clip frames: resized to `clip_size` x `clip_size` (224)."""

    def __init__(self, train: bool = False, fps: float = FRAMES["fps"], key_frames: int = 8, resize: int = 520,
                 crop: int = 448, clip_len: int = 32, clip_size: int = 224):
        if crop > resize:
            raise ValueError(f"SimpleVQA Prepare: crop {crop} is larger than the resized short side {resize}")
        if crop < 33:
            raise ValueError(f"SimpleVQA Prepare: crop {crop} is below 33 pixels (the std pooling needs a 2x2 "
                             "last stage)")
        self.train, self.fps, self.key_frames = train, fps, key_frames
        self.resize, self.crop, self.clip_len, self.clip_size = resize, crop, clip_len, clip_size

    def __call__(self, frames: np.ndarray, rng: Optional[np.random.Generator] = None) -> dict:
        frames = check_frames(frames, "SimpleVQA Prepare")
        rng = default_rng(rng)
        keys, clip_index = key_and_clip_indices(len(frames), self.fps, self.key_frames, self.clip_len)
        key_images = []
        for i in keys:
            frame = resize_short_side(frames[i], self.resize)
            h, w = frame.shape[:2]
            top, left = random_box(h, w, self.crop, rng) if self.train else center_box(h, w, self.crop)
            key_images.append(crop(frame, top, left, self.crop))
        small = {i: resize(frames[i], self.clip_size, self.clip_size) for i in np.unique(clip_index)}
        clips = torch.from_numpy(np.stack([np.stack([small[i] for i in row]) for row in clip_index]))
        return {"frames": to_tensor(key_images), "clips": clips.permute(0, 4, 1, 2, 3).contiguous()}


def build(size: str = "full", outputs: int = 2, **arch_options) -> SimpleVQA:
    """SimpleVQA ("full": ResNet-50 + SlowFast-R50) or narrow networks for CPU tests ("tiny");
    `arch_options`: `hidden` (128)."""
    return SimpleVQA(size=check_size(size), outputs=check_outputs(outputs), **arch_options)


def loss(pred: torch.Tensor, target: torch.Tensor, hard_threshold: float = 1.0) -> torch.Tensor:
    """`L1RankLoss` (`utils.py`): L1 + rank loss over pairs whose labels differ by less than
    `hard_threshold` (1 on the authors' 0-100 scale; scale it with the labels)."""
    return l1_rank_loss(pred, target, hard_threshold)
