"""An LMM row as a harness model: zero-shot, loaded once per run, asked every question about each test video.

`LMMRow` is the family's `bench.models.Model`; a row's module subclasses `NativeRow` (`native.py`) or
`ExternalRow` (`external.py`), sets `row = Row(...)` and registers the class. Lifecycle (`bench run`):

- `setup(context)`: resolve the row's weights offline (`bench.weights`: the Hugging Face cache or
  `--set weights_path=DIR`) and load the model once (`_load`); missing weights make it `unavailable`
  with the download commands and where they were looked for;
- `predict(samples)`: per video, the row's frames (`frames` x `frame_size`, prepared in worker processes
  from the frame store), then both dimensions in the configured `mode` and, for rows that answer it,
  the distortion question;
- `teardown()`: free the model (GPU memory, or the external server).

Modes (`--set mode=...`):
- `logits` (default): level-token scoring, as Q-Bench / Q-Align: the score is the expected level 1..5 under the
  softmax over the five level words' next-token logits after "The quality of the human face in this video
  is"; the level is the likeliest word; the probabilities go to `extras["level_probs"]` (bad..excellent).
- `generate`: the greedy answer to the rating question (with `LEVEL_HINT` unless `level_hint=false`) parsed
  to a level; the score is that level 1..5. An answer that names no level counts as a wrong level
  ("unparsed") and gets the middle score 3, which carries no ranking information (the sample is not
  dropped: leaving it out would flatter a model that often does not answer); `extras["unparsed"]`
  names such dimensions.
Every generated answer is saved: `Prediction.text` ("quality: ...", one line per question) and
`extras["answers"]`.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from baselines.lmm.base import LMM
from baselines.lmm.rows import Row, missing_weights_message
from bench.data.prompts import DIMENSIONS
from bench.errors import ConfigError, ModelUnavailable
from bench.models.base import Model, Prediction, RunContext

MODES = ("logits", "generate")
DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}  # settings.precision -> torch dtype name
SCORE_TASKS = frozenset({"quality", "authenticity", "level"})
UNPARSED = "unparsed"  # the level of a generated answer that names none (counts as wrong)
UNPARSED_SCORE = 3.0


class LMMRow(Model):
    family = "lmm"
    uses_settings = True
    batch_size = 1  # one video per call: a failure costs one video
    row: Optional[Row] = None
    tasks = SCORE_TASKS
    list_note = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        row = cls.__dict__.get("row")
        if row is not None:
            cls.tasks = SCORE_TASKS | ({"distortion"} if row.distortion else frozenset())
            cls.list_note = row.list_note()

    def __init__(self, mode: str = "logits", frames: Optional[int] = None, frame_size: Optional[int] = None,
                 checkpoint: Optional[str] = None, weights_path: Optional[str] = None, max_new_tokens: int = 32,
                 distortion_max_new_tokens: int = 64, level_hint: bool = True, clip_seconds: float = 4.0,
                 **config):
        """`mode`: logits | generate. `frames`, `frame_size`: the frames the model gets (default: the row's).
        `checkpoint`: another Hugging Face repository of the same architecture; `weights_path`: a local
        snapshot folder instead of the cache. The rest: generation lengths, the level hint, the clip's length
        in seconds (the frames' timing for models with temporal positions)."""
        if self.row is None:
            raise ConfigError(f"{type(self).__name__} has no row")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        for key, value, low in (("frames", frames, 1), ("frame_size", frame_size, 14)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
                raise ValueError(f"{key} must be an integer >= {low}, got {value!r}")
        super().__init__(mode=mode, frames=frames, frame_size=frame_size, checkpoint=checkpoint,
                         weights_path=weights_path, max_new_tokens=max_new_tokens,
                         distortion_max_new_tokens=distortion_max_new_tokens, level_hint=level_hint,
                         clip_seconds=clip_seconds, **config)
        self.mode = mode
        self.frames, self.frame_size = frames or self.row.frames, frame_size or self.row.frame_size
        self.engine_settings = {"max_new_tokens": max_new_tokens, "distortion_max_new_tokens": distortion_max_new_tokens,
                                "level_hint": level_hint, "clip_seconds": clip_seconds}
        LMM(**self.engine_settings)  # refuses bad values now, not after the model has loaded
        self.engine = None  # the loaded model (`baselines.lmm.base.LMM`), after setup
        self.weights: list = []  # bench.weights.ResolvedWeights, after setup

    # -- weights and availability --------------------------------------------------------------------------------
    @classmethod
    def weight_specs(cls, config: Optional[dict] = None) -> list:
        config = config or {}
        specs = cls.row.weight_specs(config.get("checkpoint"))
        return specs[:1] if config.get("weights_path") else specs  # a local folder stands for the checkpoint

    @classmethod
    def resolve_weights(cls, config: Optional[dict] = None) -> list:
        from bench.weights import resolve_all

        return resolve_all(cls.weight_specs(config), config)

    @classmethod
    def availability(cls, config: Optional[dict] = None) -> tuple[bool, str]:
        """Zero-shot rows always need their weights (random ones would measure nothing), whatever the profile."""
        ok, why = cls.packages_available()
        if not ok:
            return ok, why
        problems = cls.problems(config, cls.resolve_weights(config))
        return (False, f"{cls.row.title}: " + "; ".join(problems)) if problems else (True, "")

    @classmethod
    def problems(cls, config: Optional[dict], weights: list) -> list[str]:
        """What keeps the row from running here, given its resolved `weights`: each a sentence with what to do."""
        from bench.models.base import cuda_available

        out = []
        if cls.requirements.gpu == "required" and not cuda_available():
            out.append("needs a CUDA GPU (its authors' code puts the model on one); none is visible here")
        missing = [w for w in weights if not w.present]
        if missing:
            out.append(missing_weights_message(missing))
        return out

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def setup(self, context: RunContext) -> None:
        super().setup(context)
        self.settings = context.settings
        if self.settings.pretrained == "none":
            raise ModelUnavailable(f"{self.row.title}: a zero-shot LMM runs on its published weights; "
                                   "pretrained=none leaves it nothing to run")
        self.weights = self.resolve_weights(self.config)
        problems = self.problems(self.config, self.weights)
        if problems:
            raise ModelUnavailable(f"{self.row.title}: " + "; ".join(problems))
        self.engine = self._load(self.weights[0], context.device, DTYPES[self.settings.precision])

    def _load(self, weights, device: str, dtype: str):
        """The loaded engine (`baselines.lmm.base.LMM`) for the resolved checkpoint `weights`."""
        raise NotImplementedError

    def teardown(self) -> None:
        if self.engine is not None:
            self.engine.close()
        self.engine = None

    # -- inputs ------------------------------------------------------------------------------------------------------
    def frame_spec(self):
        from bench.data.video import FrameSpec

        return FrameSpec(count=self.frames, size=(self.frame_size, self.frame_size))

    def frame_specs(self) -> list:
        return [self.frame_spec()]

    def input_fn(self):
        return ClipFrames(self.frame_spec())

    # -- prediction --------------------------------------------------------------------------------------------------
    def predict(self, samples: Sequence) -> list[Prediction]:
        if self.engine is None:
            raise RuntimeError(f"{self.name}: setup() must run before predict()")
        return [self.ask(self.prepared(s)) for s in samples]

    def ask(self, frames: np.ndarray) -> Prediction:
        """Every question of this row about one clip (uint8 (T, H, W, 3))."""
        pred, answers, extras = Prediction(), {}, {"mode": self.mode}
        if self.mode == "logits":
            extras["level_probs"] = {}
            for dim in DIMENSIONS:
                result = self.engine.score(frames, dim)
                pred.scores[dim], pred.levels[dim] = result.score, result.level
                extras["level_probs"][dim] = [round(p, 6) for p in result.probs.values()]
        else:
            for dim in DIMENSIONS:
                answer = self.engine.generate_level(frames, dim)
                answers[dim] = answer.text
                if answer.level is None:
                    extras.setdefault("unparsed", []).append(dim)
                pred.scores[dim] = UNPARSED_SCORE if answer.score is None else answer.score
                pred.levels[dim] = answer.level or UNPARSED
        if "distortion" in self.tasks:
            answer = self.engine.ask_distortions(frames)
            pred.distortions, answers["distortion"] = answer.categories, answer.text
        if answers:
            pred.text = "\n".join(f"{question}: {text}" for question, text in answers.items())
            extras["answers"] = answers
        pred.extras = extras
        return pred

    # -- facts -------------------------------------------------------------------------------------------------------
    def identity(self) -> dict:
        """What runs: checkpoint id and revision (the snapshot hash the weights resolver found; else the one the
        loaded model reports), class or backend, dtype, device."""
        main = self.weights[0] if self.weights else None
        out = {"checkpoint": self.config.get("weights_path") or self.config.get("checkpoint") or self.row.checkpoint,
               "revision": main.revision if main else None}
        if self.engine is not None:
            loaded = self.engine.identity()
            out.update({k: v for k, v in loaded.items() if k not in out and v is not None})
            out["revision"] = out["revision"] or loaded.get("revision")
        return out

    def describe(self) -> dict:
        out = super().describe()
        row = self.row
        out["lmm"] = {
            "title": row.title, "backend": row.backend, "mode": self.mode, **self.identity(),
            "paper_model": row.paper_model, "frames": self.frames, "frame_size": self.frame_size,
            "frames_description": row.frames_description(self.config.get("frames"), self.config.get("frame_size")),
            "licence": row.licence, "notes": list(row.notes), **self.engine_settings}
        out["weights"] = [w.record() for w in self.weights]
        out["notes"] = self.table_notes()
        return out

    def table_notes(self) -> list[str]:
        """Footnotes for the tables: what ran (checkpoint @ revision, frames, mode) and how it differs from the paper."""
        who = self.identity()
        rev = f" @ {str(who['revision'])[:12]}" if who.get("revision") else ""
        mode = ("level-token scoring" if self.mode == "logits" else "generated answers parsed to levels")
        ran = (f"{self.row.title}: zero-shot, {mode}; checkpoint {who['checkpoint']}{rev}; "
               f"{self.frames} frames at {self.frame_size}x{self.frame_size}")
        return [ran, *(f"{self.row.title}: {note}" for note in self.row.notes)]


class ClipFrames:
    """Picklable: a sample -> its frames for the model (uint8 (T, S, S, 3)), from the run's frame store."""

    def __init__(self, spec):
        self.spec = spec

    def __call__(self, sample) -> np.ndarray:
        return np.ascontiguousarray(sample.frames(spec=self.spec))
