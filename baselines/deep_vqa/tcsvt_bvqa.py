"""TCSVT-BVQA: Li, Zhang, Tian, Zhai and Wang, "Blindly Assess Quality of In-the-Wild Videos via
Quality-Aware Pre-Training and Motion Perception", IEEE TCSVT 32(9), 2022 (Table 1 row
"TCSVT-BVQA [33]").

The method: two fixed feature extractors transferred from other tasks, then VSFA's temporal model.
- Spatial (quality-aware pre-training): a ResNet-50 trained for image quality on several IQA
  databases (the UNIQUE-style `BaseCNN`); per frame, its last stage's spatial mean and std (4096).
- Motion (motion perception): a Kinetics-400 SlowFast-R50; the video is read in chunks of 64 frames,
  each chunk sampled to 32 evenly spaced frames (the fast pathway; 8 for the slow one); the fast
  pathway's last stage gives per time step its spatial mean and std (2 x 256).
- The same 32 frames of each chunk carry the spatial features, so time step s has 4096 + 512 = 4608
  values (the last, partial chunk is the video's last 64 frames, keeping only steps past the previous
  chunks). Then VSFA's head (4608 -> 128, GRU 32, frame score, subjectively-inspired temporal pooling,
  `temporal.py`), a sigmoid (the "relative" score) and a 4-parameter logistic mapping (the "mapped"
  score; its outer scale and shift fixed at 1 and 0). Loss (`plcc+srcc`, the default): (1 - PLCC) / 2
  of the mapped score + 1 - soft-rank SRCC of the relative score.

Checked against the authors' code (zwx8981/TCSVT-2022-BVQA `CNNfeatures_Spatial.py`,
`CNNfeatures_Motion.py`, `CNNfeatures_Fusion.py`, `VQAmodel.py`, `VQAloss.py`, `VQAperformance.py`,
`main.py`, `MotionExtractor/demo/Kinetics/SLOWFAST_8x8_R50.yaml`; read, not copied): frames at native
size with ImageNet mean/std for both extractors, the chunking and index arithmetic, the fast-pathway
pooling per time step, the head sizes and initialisation of the mapping (2 sqrt 3, -sqrt 3), the loss.

What this implementation changes:
- SlowFast comes from pytorchvideo's builder (`slowfast_motion.py`), the same SlowFast-R50 8x8
  architecture as the authors' PySlowFast copy; its Kinetics weights are pytorchvideo's
  `SLOWFAST_8x8_R50.pyth` (the authors load PySlowFast's Caffe2 `SLOWFAST_8x8_R50.pkl`).
- Without the authors' quality-aware ResNet-50 weights the spatial extractor is torchvision's ImageNet
  ResNet-50, the fallback the authors' own `CNNfeatures_Spatial.py` offers (`--model ResNet-50`).
- Soft ranks are computed by this package (`losses.soft_rank`, the same L2-regularised soft rank as
  `torchsort.soft_rank`, strength 1) instead of torchsort.
- The per-database linear alignment layers (`lm`, used only by the L1 loss of mixed-database
  training) are not built: 2 parameters fewer than the authors' single-database model.
- Feature extraction runs inside the model (`frozen_features`, no gradients, `frame_batch` frames at a
  time); the harness may cache it per video and pass `features=` and `length=`.
- `outputs=2`: two frame scores, each with its own pooling, sigmoid and mapping.
- Training output: (B, 2, outputs), the (relative, mapped) scores the loss needs; evaluation: the
  mapped score (B, outputs), the one the authors correlate with MOS for PLCC.

Pretrained parts: the authors' quality-aware ResNet-50 (Google Drive, `OFFICIAL`), else torchvision
IMAGENET1K_V1; SlowFast from pytorchvideo's Kinetics-400 checkpoint.
Licence: the authors' code is Apache-2.0.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch
from torch import nn

from baselines.deep_iqa.common import (FrozenParts, Normalize, check_frames, check_outputs, check_size, freeze,
                                       resize)
from baselines.deep_iqa.losses import check_batch, plcc_cosine_loss, soft_srcc_loss
from baselines.deep_iqa.resnet import build_trunk, mean_std_pool
from baselines.deep_vqa.slowfast_motion import PRETRAINED as SLOWFAST_WEIGHTS
from baselines.deep_vqa.slowfast_motion import SlowFastTrunk
from baselines.deep_vqa.temporal import GRUQualityHead

FRAMES = dict(count=None, fps=None, size=None)
PRETRAINED = {"spatial": "torchvision:ResNet50_Weights.IMAGENET1K_V1 (stand-in for the authors' quality-aware "
                         "ResNet-50)",
              "motion": SLOWFAST_WEIGHTS}
OFFICIAL = dict(
    files={"quality-aware ResNet-50 (SpatialExtractor)":
           "https://drive.google.com/file/d/1AyMrcPvSb53eEBMUJiXSNCw2nYiKy0TK/view",
           "models/model_C, models/model_KCLN (heads)": "https://github.com/zwx8981/TCSVT-2022-BVQA"},
    note="heads: state dicts of `VQAmodel.VQAModel` (1 output); the spatial extractor: the UNIQUE `BaseCNN` "
         "whose `backbone` is a torchvision ResNet-50",
    key_rules=[("dimemsion_reduction.", "head.fc0."), ("feature_aggregation.", "head.rnn."),
               ("regression.", "head.q."), ("nlm.0.", "nlm."), ("nlm.2.weight", "nlm.out_weight"),
               ("nlm.2.bias", "nlm.out_bias"), ("lm.", None)],
)
# Counting the official pipeline: ResNet-50 up to its last stage 23,508,032; SlowFast-R50 without its
# classifier 33,644,488 (the authors' PySlowFast model also builds a 922,000-parameter Kinetics
# classifier that their feature extraction skips; not counted); `VQAModel` for one database 605,543
# (4608 x 128 + 128 = 589,952; GRU(128, 32) 15,552; regression 33; nlm 4; lm 2).
PAPER_PARAMS = 57_758_063
UNBUILT_PARAMS = 2  # the single database's `lm` layer
# The batch entries `frozen_features` turns into cacheable features: {"features", "length"} replace them.
FROZEN_INPUTS = ("clips", "keep")

FULL = dict(reduced=128, hidden=32)
TINY = dict(reduced=16, hidden=8)
MIN_SIZE = 33  # the std pooling needs a last stage of at least 2x2 (stride 32)


class LogisticMapping(nn.Module):
    """The 4-parameter mapping w2 * sigmoid(w1 x + b1) + b2 of every output (the authors' `nlm`, a
    Linear(1, 1) - Sigmoid - Linear(1, 1) per output here); w2 = 1 and b2 = 0 stay fixed, as the authors
    freeze `nlm[2]`."""

    def __init__(self, outputs: int):
        super().__init__()
        self.weight = nn.Parameter(torch.full((outputs, 1), 2 * math.sqrt(3)))
        self.bias = nn.Parameter(torch.full((outputs,), -math.sqrt(3)))
        self.out_weight = nn.Parameter(torch.ones(outputs, 1), requires_grad=False)
        self.out_bias = nn.Parameter(torch.zeros(outputs), requires_grad=False)

    def forward(self, x):
        return self.out_weight[:, 0] * torch.sigmoid(self.weight[:, 0] * x + self.bias) + self.out_bias


class TCSVTBVQA(FrozenParts):
    """clips (B, K, 3, 32, H, W) uint8 and keep (B, K, 32) -> mapped scores (B, outputs) in evaluation,
    (B, 2, outputs) = (relative, mapped) in training; or `features` (B, L, F) and `length` (B,) from
    `frozen_features` instead of clips and keep."""

    frozen = ("spatial", "motion")

    def __init__(self, size: str = "full", outputs: int = 2, reduced: int = 128, hidden: int = 32,
                 tau: int = 12, beta: float = 0.5, frame_batch: int = 32):
        super().__init__()
        self.normalize = Normalize(channel_dim=-4)
        self.spatial = freeze(build_trunk(size))
        self.motion = freeze(SlowFastTrunk(size))
        features = 2 * self.spatial.channels[-1] + 2 * self.motion.channels[1]
        self.head = GRUQualityHead(features, reduced, hidden, outputs, tau, beta)
        self.nlm = LogisticMapping(outputs)
        self.frame_batch = frame_batch

    @torch.no_grad()
    def frozen_features(self, clips: torch.Tensor, keep: torch.Tensor) -> dict:
        """{"features": (B, L, 4608), "length": (B,)}: the kept time steps of every item, in order,
        zero-padded to the longest."""
        per_batch = max(1, self.frame_batch // clips.shape[3])  # clips per extractor call
        per_item = []
        for item_clips, item_keep in zip(clips, keep):
            used = item_keep.any(dim=1)
            item_clips, item_keep = item_clips[used], item_keep[used]
            steps = []
            for s in range(0, len(item_clips), per_batch):
                chunk = self.normalize(item_clips[s:s + per_batch])  # (k, 3, 32, H, W)
                mask = item_keep[s:s + per_batch]
                fast = self.motion(chunk)[1].flatten(3)  # (k, C, 32, h * w)
                motion = torch.cat([fast.mean(-1), fast.std(-1)], dim=1).transpose(1, 2)  # (k, 32, 2C)
                spatial = mean_std_pool(self.spatial(chunk.transpose(1, 2)[mask])[-1])
                steps.append(torch.cat([spatial, motion[mask]], dim=1))
            per_item.append(torch.cat(steps))
        length = torch.tensor([len(f) for f in per_item], device=clips.device)
        return {"features": nn.utils.rnn.pad_sequence(per_item, batch_first=True), "length": length}

    def forward(self, clips: Optional[torch.Tensor] = None, keep: Optional[torch.Tensor] = None,
                features: Optional[torch.Tensor] = None, length: Optional[torch.Tensor] = None) -> torch.Tensor:
        if features is None:
            if clips is None or keep is None:
                raise ValueError("TCSVT-BVQA: give clips and keep, or their frozen features and length")
            extracted = self.frozen_features(clips, keep)
            features, length = extracted["features"], extracted["length"]
        return self.regress(features, length)

    def regress(self, features: torch.Tensor, length: torch.Tensor) -> torch.Tensor:
        """Frozen features (B, L, F) and lengths (B,) -> the output of `forward`."""
        relative = torch.sigmoid(self.head(features, length))
        mapped = self.nlm(relative)
        return torch.stack([relative, mapped], dim=1) if self.training else mapped


def chunk_steps(n_frames: int, chunk: int = 64, steps: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """The authors' chunking: frame indices (K, steps) of each chunk's evenly spaced frames, and which
    of them are kept (K, steps). Chunks start every `chunk` frames while a whole chunk fits before the
    video's end; the last is the video's last `chunk` frames, keeping only frames past the earlier
    chunks. A video of at most `chunk` frames is one chunk of `steps` frames spread over all of it."""
    if n_frames <= chunk:
        return np.linspace(0, n_frames - 1, steps).astype(int)[None], np.ones((1, steps), dtype=bool)
    pick = np.linspace(0, chunk - 1, steps).astype(int)
    full = (n_frames - 1) // chunk  # chunks whose end lies before the video's end
    index = [start + pick for start in range(0, full * chunk, chunk)]
    keep = [np.ones(steps, dtype=bool)] * full
    last = n_frames - chunk + pick
    index.append(last)
    keep.append(last >= full * chunk)
    return np.stack(index), np.stack(keep)


class Prepare:
    """frames (T, H, W, 3) uint8, every frame -> {"clips": uint8 (K, 3, 32, H, W), "keep": bool (K, 32)}.

    `chunk` (64) and `steps` (32) as the authors; `size`: resize frames to (height, width) (None:
    native, as the authors); `max_chunks`: pad with empty chunks (keep all False) so videos of different
    lengths batch together. The spatial features use the kept frames of the clips, so no separate
    frame tensor is needed. Training and evaluation are the same."""

    def __init__(self, train: bool = False, chunk: int = 64, steps: int = 32, size: Optional[tuple] = None,
                 max_chunks: Optional[int] = None):
        self.train, self.chunk, self.steps = train, chunk, steps
        self.size, self.max_chunks = None if size is None else tuple(size), max_chunks

    def __call__(self, frames: np.ndarray, rng: Optional[np.random.Generator] = None) -> dict:
        frames = check_frames(frames, "TCSVT-BVQA Prepare", min_size=MIN_SIZE if self.size is None else 1)
        if self.size is not None and min(self.size) < MIN_SIZE:
            raise ValueError(f"TCSVT-BVQA Prepare: size {self.size} is below {MIN_SIZE} pixels")
        index, keep = chunk_steps(len(frames), self.chunk, self.steps)
        if self.max_chunks is not None and len(index) > self.max_chunks:
            raise ValueError(f"TCSVT-BVQA Prepare: the video needs {len(index)} chunks, more than "
                             f"max_chunks={self.max_chunks}")
        used = np.unique(index)
        picked = {i: frames[i] if self.size is None else resize(frames[i], *self.size) for i in used}
        clips = torch.from_numpy(np.stack([np.stack([picked[i] for i in row]) for row in index]))
        clips = clips.permute(0, 4, 1, 2, 3).contiguous()  # K, 3, steps, H, W
        keep = torch.from_numpy(keep)
        if self.max_chunks is not None and len(index) < self.max_chunks:
            extra = self.max_chunks - len(index)
            clips = torch.cat([clips, clips.new_zeros((extra, *clips.shape[1:]))])
            keep = torch.cat([keep, keep.new_zeros((extra, keep.shape[1]))])
        return {"clips": clips, "keep": keep}


def build(size: str = "full", outputs: int = 2, **arch_options) -> TCSVTBVQA:
    """TCSVT-BVQA ("full": ResNet-50 + SlowFast-R50 + 4608 -> 128 -> GRU 32) or narrow extractors for CPU
    tests ("tiny"); `arch_options` override `reduced`, `hidden`, `tau`, `beta`, `frame_batch`."""
    arch = dict(FULL if check_size(size) == "full" else TINY)
    arch.update(arch_options)
    return TCSVTBVQA(size=size, outputs=check_outputs(outputs), **arch)


def loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Training output (B, 2, outputs): (1 - PLCC)/2 of the mapped score + (1 - soft SRCC) of the
    relative score (`VQAloss.py`, `plcc+srcc`); an evaluation output (B, outputs) gets both terms."""
    check_batch(pred, "TCSVT-BVQA loss")
    relative, mapped = (pred[:, 0], pred[:, 1]) if pred.dim() == 3 else (pred, pred)
    return plcc_cosine_loss(mapped, target) + soft_srcc_loss(relative, target)
