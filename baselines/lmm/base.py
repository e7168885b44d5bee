"""The questions every LMM answers about a clip: rate it (level-token scoring or generation), name its distortions.

An engine is a `NativeLMM` (a transformers class, in this process) or an `ExternalLMM` (its authors' code,
in another Python). Both implement two hooks on top of which this class builds the rest:

- `_level_logits(frames, fps, prompt, prefix)`: the next-token logits of the five level words when the
  assistant's answer so far is `prefix`;
- `_generate(frames, fps, prompt, max_new_tokens)`: the greedy answer to `prompt`.

Frames are uint8 arrays (T, H, W, 3), already selected and sized; their rate is taken as T frames over
`clip_seconds` (the paper's clips last 4 s), which Qwen's temporal positions use.
"""
from __future__ import annotations

import numpy as np

from baselines.lmm.answers import (DistortionAnswer, LevelAnswer, LevelScore, expected_level, read_distortions,
                                   read_level)
from bench.data.prompts import DISTORTION_QUESTION, PROMPTS, answer_prefix, rating_question


class LMM:
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
        """Level-token scoring: the expected level 1..5 and {level: probability}."""
        frames, fps = self._check(frames)
        prefix = answer_prefix(dimension)  # checks the dimension
        return expected_level(self._level_logits(frames, fps, PROMPTS[dimension], prefix))

    def generate_level(self, frames, dimension: str) -> LevelAnswer:
        """Greedy answer to the rating question, parsed to a level (None if it names none), raw text kept."""
        frames, fps = self._check(frames)
        return read_level(self._generate(frames, fps, rating_question(dimension, self.level_hint),
                                         self.max_new_tokens))

    def ask_distortions(self, frames) -> DistortionAnswer:
        """Greedy answer to the distortion question, read into categories by the category rule."""
        frames, fps = self._check(frames)
        return read_distortions(self._generate(frames, fps, DISTORTION_QUESTION, self.distortion_max_new_tokens))

    # -- facts ---------------------------------------------------------------------------------------------------
    def identity(self) -> dict:
        """What runs: checkpoint id, revision, class or backend, dtype, device (recorded with results)."""
        raise NotImplementedError

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
