"""What each LMM row is: the checkpoint it loads, what the paper evaluated, the frames it sees, how to get it.

One `Row` per model, declared by the model's own module (`register_row`), read by `bench list`, the
tables' footnotes and the "unavailable" messages. A row's `checkpoint` is what runs by default; where
it differs from the model the paper evaluated, `notes` says how.
"""
from __future__ import annotations

from dataclasses import dataclass

BACKENDS = ("native", "external")


@dataclass(frozen=True)
class Row:
    name: str  # registry name (bench/tables/layout.py fixes the paper rows' names)
    title: str  # the model as the paper names it, e.g. "Qwen2-VL (7B)"
    paper_row: str | None  # label of the paper's table row; None for a row the paper does not have
    tables: tuple  # paper tables the row appears in: (1,) or (1, 2); () for extra rows
    backend: str  # "native": a transformers class here; "external": its authors' code, another Python
    checkpoint: str  # Hugging Face repository loaded by default
    paper_model: str  # what the paper evaluated
    frames: int  # frames given to the model, uniformly spread over the clip
    frame_size: int  # side (pixels) the frames are resized to before the model's own processor
    frames_why: str  # where that count and size come from
    licence: str
    notes: tuple = ()  # differences from the paper's model, shown wherever the row's numbers are
    downloads: tuple = ()  # every repository a user must download (default: the checkpoint)
    setup: tuple = ()  # external rows: the steps that build the model's own environment

    def __post_init__(self):
        if self.backend not in BACKENDS:
            raise ValueError(f"row {self.name}: backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.frames < 1 or self.frame_size < 1:
            raise ValueError(f"row {self.name}: frames and frame_size must be positive")

    def download_commands(self) -> list[str]:
        """Commands that fetch the weights into the Hugging Face cache, for a machine with internet."""
        return [f"hf download {repo}" for repo in (self.downloads or (self.checkpoint,))]

    def frames_description(self) -> str:
        return f"{self.frames} frames at {self.frame_size}x{self.frame_size} ({self.frames_why})"

    def unavailable_message(self) -> str:
        """Why the row cannot run without its weights, and exactly what to do."""
        from huggingface_hub import constants

        cache = constants.HF_HUB_CACHE
        get = "; ".join(self.download_commands())
        text = (f"{self.title}: weights not found in the Hugging Face cache ({cache}). On a machine with internet: "
                f"{get} (or `huggingface-cli download` with the same names), then copy the models--* folders "
                f"into {cache} here, or set HF_HOME to where they are")
        if self.backend == "external":
            text += ("; it runs its authors' code in its own Python: " + " ".join(
                f"({i}) {step}" for i, step in enumerate(self.setup, 1))
                + "; then pass --set python=PATH_TO_THAT_PYTHON --set trust_remote_code=true")
        return text

    def frame_spec(self):
        """The harness's frame selection for this row (count, size)."""
        from bench.data.video import FrameSpec

        return FrameSpec(count=self.frames, size=(self.frame_size, self.frame_size))


ROWS: dict[str, Row] = {}


def register_row(row: Row) -> Row:
    if row.name in ROWS and ROWS[row.name] != row:
        raise ValueError(f"LMM row {row.name!r} is declared twice")
    ROWS[row.name] = row
    return row
