"""What each LMM row is: the checkpoint it loads, what the paper evaluated, the frames it sees, how to get it.

One `Row` per model, declared by the model's own module, read by `bench list` (the row's note), the
records (model card), the tables' footnotes and the "unavailable" messages. A row's `checkpoint` is what
runs by default; where it differs from the model the paper evaluated, `notes` says how.
"""
from __future__ import annotations

from dataclasses import dataclass

BACKENDS = ("native", "external")


@dataclass(frozen=True)
class Row:
    name: str  # registry name (bench/tables/layout.py fixes the paper rows' names)
    title: str  # the model as the paper names it, e.g. "Qwen2-VL (7B)"
    backend: str  # "native": a transformers class here; "external": its authors' code, another Python
    checkpoint: str  # Hugging Face repository loaded by default
    paper_model: str  # what the paper evaluated
    frames: int  # frames given to the model, uniformly spread over the clip
    frame_size: int  # side (pixels) the frames are resized to before the model's own processor
    frames_why: str  # where that count and size come from
    licence: str
    distortion: bool = False  # answers Table 2's distortion question (the paper's Table 2 rows, the extra row)
    notes: tuple = ()  # differences from the paper's model, shown wherever the row's numbers are
    checkpoint_files: tuple = ()  # files the checkpoint must hold (default: config.json and the weights)
    extra_weights: tuple = ()  # external rows: other repositories their code loads (`bench.weights.WeightSpec`)
    setup: tuple = ()  # external rows: the steps that build the model's own environment

    def __post_init__(self):
        if self.backend not in BACKENDS:
            raise ValueError(f"row {self.name}: backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.frames < 1 or self.frame_size < 1:
            raise ValueError(f"row {self.name}: frames and frame_size must be positive")

    def weight_specs(self, checkpoint: str | None = None) -> list:
        """The weights the row loads: its checkpoint (or `checkpoint`), then what its authors' code also needs."""
        from bench.weights import WeightSpec

        main = WeightSpec("model", "hf", checkpoint or self.checkpoint, files=self.checkpoint_files,
                          description=f"{self.title} weights")
        return [main, *self.extra_weights]

    def frames_description(self, frames: int | None = None, size: int | None = None) -> str:
        if frames in (None, self.frames) and size in (None, self.frame_size):
            return f"{self.frames} frames at {self.frame_size}x{self.frame_size} ({self.frames_why})"
        frames, size = frames or self.frames, size or self.frame_size
        return f"{frames} frames at {size}x{size} (set by configuration; the row's default is " \
               f"{self.frames} at {self.frame_size}x{self.frame_size})"

    def list_note(self) -> str:
        """What `bench list` says of the row: frames, how it runs, how its weights differ from the paper's."""
        how = "native transformers class" if self.backend == "native" else \
            "authors' code in its own Python (--set python=PATH --set trust_remote_code=true)"
        return "; ".join((f"{self.frames} frames at {self.frame_size}px", how, f"weights {self.checkpoint}",
                          *self.notes))

    def setup_steps(self) -> str:
        return " ".join(f"({i}) {step}" for i, step in enumerate(self.setup, 1))


def missing_weights_message(missing: list) -> str:
    """One sentence: which weights are missing, where they were looked for, the commands that fetch them."""
    from bench.weights import hf_hub_cache

    cache = hf_hub_cache()
    where = "; ".join(f"{w.spec.id} (looked in {w.looked_in}{', ' + w.problem if w.problem else ''})" for w in missing)
    fetch = "; ".join(f"hf download {w.spec.id}" for w in missing)
    return (f"weights not found: {where}. On a machine with internet: {fetch} (older huggingface_hub: "
            f"huggingface-cli download), then copy the models--* folders into {cache} here, or set HF_HOME to where "
            "they are, or pass a local snapshot folder with --set weights_path=DIR")
