"""The interface of every LMM row: rate a clip (level-token scoring or generation), name its distortions.

A row is a subclass of `NativeLMM` (a transformers class, in-process) or `ExternalLMM` (its authors'
code, in another Python). Both implement two hooks on top of which this class builds everything else:

- `_level_logits(frames, fps, prompt, prefix)`: the next-token logits of the five level words when the
  assistant's answer so far is `prefix`;
- `_generate(frames, fps, prompt, max_new_tokens)`: the greedy answer to `prompt`.

Frames are uint8 arrays (T, H, W, 3), already selected and sized (`Row.frame_spec()`); their rate is
taken as T frames over `clip_seconds` (the paper's clips last 4 s), which Qwen's video position ids use.
"""
from __future__ import annotations

import numpy as np

from baselines.lmm.answers import (DistortionAnswer, LevelAnswer, LevelScore, distortion_answer, expected_level,
                                   level_answer)
from baselines.lmm.prompts import DISTORTION_QUESTION, PROMPTS, answer_prefix, check_dimension, rating_question
from bench.data.levels import LEVELS


class LMM:
    row = None  # the row's `Row`, set by each row's subclass

    def __init__(self, *, max_new_tokens: int = 32, distortion_max_new_tokens: int = 64, level_hint: bool = True,
                 clip_seconds: float = 4.0):
        if max_new_tokens < 1 or distortion_max_new_tokens < 1:
            raise ValueError("max_new_tokens and distortion_max_new_tokens must be at least 1")
        if not clip_seconds > 0:
            raise ValueError(f"clip_seconds must be positive, got {clip_seconds}")
        self.max_new_tokens = max_new_tokens
        self.distortion_max_new_tokens = distortion_max_new_tokens
        self.level_hint = level_hint
        self.clip_seconds = clip_seconds

    # -- the three questions ---------------------------------------------------------------------------------
    def score(self, frames, dimension: str) -> LevelScore:
        """Level-token scoring: (expected level 1..5, {level: probability}, the likeliest answer)."""
        frames, fps = self._check(frames)
        prefix = answer_prefix(dimension)
        score, probs = expected_level(self._level_logits(frames, fps, PROMPTS[dimension], prefix))
        return LevelScore(score, probs, f"{prefix} {max(probs, key=probs.get)}.")  # its .level: the argmax

    def generate_level(self, frames, dimension: str) -> LevelAnswer:
        """Greedy answer to the rating question, parsed to a level (None if it names none), raw text kept."""
        frames, fps = self._check(frames)
        text = self._generate(frames, fps, rating_question(check_dimension(dimension), self.level_hint),
                              self.max_new_tokens)
        return level_answer(text)

    def ask_distortions(self, frames) -> DistortionAnswer:
        """Greedy answer to the distortion question, read into categories by the category rule."""
        frames, fps = self._check(frames)
        return distortion_answer(self._generate(frames, fps, DISTORTION_QUESTION, self.distortion_max_new_tokens))

    # -- facts ---------------------------------------------------------------------------------------------------
    def identity(self) -> dict:
        """What ran: checkpoint id, revision, class or backend, dtype, device (recorded with results)."""
        raise NotImplementedError

    def settings(self) -> dict:
        return {"max_new_tokens": self.max_new_tokens, "distortion_max_new_tokens": self.distortion_max_new_tokens,
                "level_hint": self.level_hint, "clip_seconds": self.clip_seconds, "levels": list(LEVELS)}

    def close(self) -> None:
        """Free what the model holds (GPU memory, a server process)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- hooks ---------------------------------------------------------------------------------------------------
    def _level_logits(self, frames, fps, prompt, prefix):
        raise NotImplementedError

    def _generate(self, frames, fps, prompt, max_new_tokens) -> str:
        raise NotImplementedError

    def _check(self, frames) -> tuple[np.ndarray, float]:
        frames = np.asarray(frames)
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or len(frames) == 0:
            raise ValueError(f"frames must be a uint8 array (T, H, W, 3) with T >= 1, got {frames.dtype} "
                             f"{frames.shape}")
        return np.ascontiguousarray(frames), len(frames) / self.clip_seconds
