"""The one interface every model implements: optional `fit`, batched `predict`.

Modelled on scikit-learn's estimator contract: configuration goes into `__init__`
(keyword arguments only, recorded with every result), learned state is set by `fit`,
nothing lives in globals.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from bench.data.sample import Sample

# Tasks a model may declare. Scores are per dimension; "level" is the text level (Eq. 4)
# per dimension; "distortion" the multi-label category answer; "saliency" a map.
TASKS = ("quality", "authenticity", "level", "distortion", "saliency")

# Families in the paper's table order.
FAMILIES = ("handcrafted_iqa", "deep_iqa", "deep_vqa", "lmm", "classic_saliency", "deep_saliency", "lmme3dhf")


@dataclass
class Prediction:
    """What a model says about one sample. Every field is optional.

    `scores` hold the model's native values ({"quality": x, "authenticity": y}); whether
    higher means better is the model's `higher_is_better`. `saliency` is a float map,
    any size (the harness resizes it to the ground truth's).
    """

    scores: dict = field(default_factory=dict)
    levels: dict = field(default_factory=dict)  # {"quality": "good", ...}
    distortions: Optional[tuple] = None  # category names (bench.data.categories.CATEGORIES)
    saliency: Optional[np.ndarray] = None
    text: Optional[str] = None  # an LMM's raw answer, kept for inspection
    extras: dict = field(default_factory=dict)  # anything else worth saving (JSON-able)


@dataclass(frozen=True)
class Requirements:
    """What a model needs to run. `gpu`: 'no', 'optional' or 'required'."""

    gpu: str = "no"
    packages: tuple = ()  # importable module names
    weights: Optional[str] = None  # description of the weights and where to put them
    weights_path: Optional[str] = None  # where they are looked for (config may override)


@dataclass
class RunContext:
    """What the runner tells a model: the profile, device, seed and a scratch folder."""

    profile: str = "quick"
    device: str = "cpu"
    seed: int = 0
    work_dir: Optional[Path] = None
    settings: dict = field(default_factory=dict)  # the profile's settings (epochs, input size, ...)
    progress: bool = True
    # One dict per model per run, shared by all its folds: a model may memoise per-sample work that
    # does not depend on the training fold (handcrafted features), so 5 folds compute it once.
    memo: dict = field(default_factory=dict)


class Model:
    """Base class. Subclasses set the class attributes and implement `predict`.

    - `tasks`: subset of TASKS the model answers.
    - `family`: one of FAMILIES.
    - `paper_row`: the row label in the paper's table it reproduces (e.g. "BRISQUE [51]"), or None.
    - `trainable`: True when `fit` must run before `predict` (the runner calls it per fold).
    - `higher_is_better`: False for metrics such as BRISQUE and NIQE; the harness flips the
      sign before computing correlations so that every table reads "higher SRCC = better".
    - `requirements`: a `Requirements`.
    """

    name: str = ""  # set by the registry
    tasks: frozenset = frozenset()
    family: str = ""
    paper_row: Optional[str] = None
    trainable: bool = False
    higher_is_better: bool = True
    requirements: Requirements = Requirements()
    batch_size: int = 8

    def __init__(self, **config):
        self.config = dict(config)
        self.context = RunContext()

    # -- the contract ----------------------------------------------------------------
    def fit(self, samples: Sequence[Sample], context: RunContext) -> "Model":
        """Learn from the training fold. The default does nothing (training-free models)."""
        self.context = context
        return self

    def predict(self, samples: Sequence[Sample]) -> list[Prediction]:
        raise NotImplementedError(f"{type(self).__name__} must implement predict()")

    # -- availability -------------------------------------------------------------------
    @classmethod
    def availability(cls, config: Optional[dict] = None) -> tuple[bool, str]:
        """(True, "") when the model can run on this machine now, else (False, why and what to do)."""
        req = cls.requirements
        ok, why = cls.packages_available()
        if not ok:
            return ok, why
        if req.gpu == "required" and not _cuda_available():
            return False, "needs a CUDA GPU; none is visible here"
        path = (config or {}).get("weights_path") or req.weights_path
        if req.weights and not (path and Path(path).expanduser().exists()):
            return False, f"weights not found: {req.weights}" + (f" (looked for {path})" if path else "")
        return True, ""

    # -- checkpoints ----------------------------------------------------------------------------
    def save_checkpoint(self, path) -> None:
        """Save what `fit` learned (the instance state but the run context) with joblib.

        Models holding large framework weights may override this; the default suits the
        scikit-learn-sized state of the classic models. Only load checkpoints you made yourself:
        a joblib file can run code when loaded.
        """
        import io

        import joblib

        from bench.io import atomic_write_bytes

        state = {k: v for k, v in self.__dict__.items() if k != "context"}
        buf = io.BytesIO()
        joblib.dump({"class": f"{type(self).__module__}.{type(self).__qualname__}", "state": state}, buf)
        atomic_write_bytes(path, buf.getvalue())

    def load_checkpoint(self, path) -> "Model":
        """Restore a `save_checkpoint` file into this instance (which must be of the same class)."""
        import joblib

        from bench.errors import DataError

        try:
            doc = joblib.load(path)
        except FileNotFoundError:
            raise DataError(f"{path}: checkpoint file not found") from None
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's error here
            raise DataError(f"{path}: not a readable checkpoint ({type(exc).__name__}: {exc})") from exc
        want = f"{type(self).__module__}.{type(self).__qualname__}"
        if not isinstance(doc, dict) or doc.get("class") != want:
            got = doc.get("class") if isinstance(doc, dict) else type(doc).__name__
            raise DataError(f"{path}: checkpoint of {got}, not of {want}")
        self.__dict__.update(doc["state"])
        return self

    @classmethod
    def packages_available(cls) -> tuple[bool, str]:
        missing = [p for p in cls.requirements.packages if importlib.util.find_spec(p) is None]
        if missing:
            return False, f"missing Python package(s): {', '.join(missing)} (pip install them)"
        return True, ""

    def describe(self) -> dict:
        """Static facts recorded with results and shown by `bench list`."""
        return {
            "name": self.name,
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            "family": self.family,
            "tasks": sorted(self.tasks),
            "paper_row": self.paper_row,
            "trainable": self.trainable,
            "higher_is_better": self.higher_is_better,
            "config": self.config,
        }


def _cuda_available() -> bool:
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())
