"""What LMME3DHF reads and is taught: its conversations, built from a sample, tokenised with the base model's
processor and chat template (picklable: they run in worker processes ahead of the model).

Kinds of conversation (one per training item or prediction forward):
- "quality" / "authenticity": the authors' prompt; stage 1 teaches the answer "The quality of the human face in
  this video is <level>." (LM loss on the answer tokens only); stage 2 and prediction stop after the answer
  prefix, whose last token feeds the level logits and the score head.
- "distortion": Table 2's question; stage 1 teaches "The distortions of the human face in this video are: ...";
  prediction generates the answer.
- "saliency": the saliency instruction before the video (`SALIENCY_PROMPT`; none for the empty-prompt
  ablation); its forward feeds the saliency decoder.

The video: `frames` frames at k/frames of the orbit (k = 0..frames-1), `size` pixels square, so that the
temporal patches holding frames frames/4, frames/2 and 3 frames/4 are the 3-view image's -45, 0 and +45
degree views.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from bench.data.prompts import (DISTORTION_PREFIX, DISTORTION_QUESTION, PROMPTS, SALIENCY_PROMPT, SYSTEM,
                                answer_prefix, distortion_answer, level_answer)
from bench.data.video import FrameSpec

KINDS = ("quality", "authenticity", "distortion", "saliency")
IGNORE = -100
VIDEO_TOKEN_TYPE = 2  # mm_token_type_ids: 0 text, 1 image, 2 video (as the Qwen2.5-VL processor marks them)
CLIP_SECONDS = 4.0  # Gen3DHF's videos (and the stand-in's) last 4 s: the frames' timing for the temporal rotary


def frame_spec(frames: int, size: int) -> FrameSpec:
    return FrameSpec(count=None, positions=tuple(k / frames for k in range(frames)), size=(size, size))


def messages(kind: str, empty_prompt: bool = False) -> list[dict]:
    if kind == "saliency":
        content = [{"type": "video"}] if empty_prompt else [{"type": "text", "text": SALIENCY_PROMPT + "\n"},
                                                            {"type": "video"}]
    else:
        question = DISTORTION_QUESTION if kind == "distortion" else PROMPTS[kind]
        content = [{"type": "video"}, {"type": "text", "text": question}]
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": content}]


def answer(kind: str, sample) -> Optional[str]:
    """The answer stage 1 teaches for `sample`, or None when the sample has no label for it."""
    if kind in ("quality", "authenticity"):
        level = sample.levels.get(kind)
        return level_answer(kind, level) if level else None
    if kind == "distortion":
        return distortion_answer(sample.distortions) if sample.distortions is not None else None
    return None


def answer_start(kind: str) -> str:
    """What the assistant's turn starts with at prediction (the level word or categories follow)."""
    return answer_prefix(kind) if kind in PROMPTS else (DISTORTION_PREFIX if kind == "distortion" else "")


class Conversation:
    """Picklable: `(sample, kind) -> dict of tensors` for one forward of the base model.

    mode "teach": the full answer with labels on its tokens (stage 1); "ask": up to the answer's start
    (stages 2-3, prediction); `target` carries the standardised MOS of score kinds and the ground-truth map
    (at `map_size`) of the saliency kind.
    """

    def __init__(self, processor, frames: int, size: int, mode: str, empty_prompt: bool = False,
                 mos_mean: float = 50.0, mos_std: float = 10.0, map_size: Optional[tuple] = None):
        self.processor, self.frames, self.size, self.mode = processor, frames, size, mode
        self.empty_prompt, self.mos_mean, self.mos_std, self.map_size = empty_prompt, mos_mean, mos_std, map_size

    def text(self, kind: str, sample) -> tuple[str, str]:
        """(the prompt as the chat template renders it, the assistant's part)."""
        prompt = self.processor.apply_chat_template(messages(kind, self.empty_prompt), tokenize=False,
                                                    add_generation_prompt=True)
        if self.mode == "teach":
            return prompt, answer(kind, sample) + "<|im_end|>"
        return prompt, answer_start(kind)

    def __call__(self, item, rng=None) -> dict:
        sample, kind = item
        video = self.video(sample)
        prompt, reply = self.text(kind, sample)
        n_video = int(video["video_grid_thw"].prod()) // self.processor.video_processor.merge_size ** 2
        token = self.processor.video_token
        ids = self.processor.tokenizer(
            (prompt + reply).replace(token, token * n_video), add_special_tokens=False, return_tensors="pt")["input_ids"][0]
        out = {"input_ids": ids, "attention_mask": torch.ones_like(ids),
               "mm_token_type_ids": (ids == self.processor.video_token_id).long() * VIDEO_TOKEN_TYPE,
               "pixel_values_videos": video["pixel_values_videos"], "video_grid_thw": video["video_grid_thw"],
               # a temporal patch spans temporal_patch_size frames of `frames` spread over the 4-second clip
               "second_per_grid_ts": torch.tensor(self.processor.video_processor.temporal_patch_size
                                                  * CLIP_SECONDS / self.frames)}
        if self.mode == "teach":  # loss on the answer's tokens only (they come last; newline splits them off)
            n_reply = len(self.processor.tokenizer(reply, add_special_tokens=False)["input_ids"])
            labels = torch.full_like(ids, IGNORE)
            labels[-n_reply:] = ids[-n_reply:]
            out["labels"] = labels
        if kind in PROMPTS and kind in sample.mos:
            out["target"] = torch.tensor((sample.mos[kind] - self.mos_mean) / self.mos_std, dtype=torch.float32)
        if kind == "saliency" and self.map_size is not None:
            out["target"] = _map_target(sample, self.map_size)
        out["kind"] = kind
        out["video_key"] = f"{sample.id}|{sample.video or sample.image}|{self.frames}x{self.size}"
        return out

    def video(self, sample) -> dict:
        """The video processor's output for the sample's frames, once per process per video (a bounded cache:
        the same video feeds several conversations, epochs, stages and folds)."""
        key = (str(sample.video or sample.image), self.frames, self.size)
        hit = _VIDEO_CACHE.get(key)
        if hit is None:
            frames = np.ascontiguousarray(sample.frames(spec=frame_spec(self.frames, self.size)))
            enc = self.processor.video_processor(videos=[frames], return_tensors="pt")
            hit = {"pixel_values_videos": enc["pixel_values_videos"], "video_grid_thw": enc["video_grid_thw"][0]}
            _VIDEO_CACHE.put(key, hit, hit["pixel_values_videos"].nbytes)
        return hit


class _BoundedCache:
    """A least-recently-used dict bounded in bytes."""

    def __init__(self, max_bytes: int):
        from collections import OrderedDict

        self.items, self.sizes, self.max_bytes, self.total = OrderedDict(), {}, max_bytes, 0

    def get(self, key):
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        return None

    def put(self, key, value, nbytes: int) -> None:
        if nbytes > self.max_bytes:
            return
        self.items[key], self.sizes[key] = value, nbytes
        self.total += nbytes
        while self.total > self.max_bytes:
            old, _ = self.items.popitem(last=False)
            self.total -= self.sizes.pop(old)


_VIDEO_CACHE = _BoundedCache(1 << 30)


def _map_target(sample, size) -> torch.Tensor:
    """The ground-truth map at the decoder's output size (INTER_AREA, min-max scaled, as the authors' loader)."""
    import cv2

    gt = sample.saliency()
    if gt is None:
        return torch.zeros(size, dtype=torch.float32)
    m = cv2.resize(np.asarray(gt, np.float32), (size[1], size[0]), interpolation=cv2.INTER_AREA)
    lo, hi = float(m.min()), float(m.max())
    return torch.from_numpy((m - lo) / (hi - lo) if hi > lo else m * 0)


def collate(batch: list[dict]) -> dict:
    """Right-pad the token rows, concatenate the videos' patches, stack the rest."""
    pad = 0
    longest = max(len(b["input_ids"]) for b in batch)
    out = {}
    for key, fill in (("input_ids", pad), ("attention_mask", 0), ("mm_token_type_ids", 0), ("labels", IGNORE)):
        if key in batch[0]:
            out[key] = torch.stack([torch.nn.functional.pad(b[key], (0, longest - len(b[key])), value=fill)
                                    for b in batch])
    out["pixel_values_videos"] = torch.cat([b["pixel_values_videos"] for b in batch])
    out["video_grid_thw"] = torch.stack([b["video_grid_thw"] for b in batch])
    out["second_per_grid_ts"] = torch.stack([torch.as_tensor(b["second_per_grid_ts"]) for b in batch])
    if all("target" in b for b in batch):
        out["target"] = torch.stack([b["target"] for b in batch])
    out["kind"] = [b["kind"] for b in batch]
    out["video_key"] = [b["video_key"] for b in batch]
    return out
