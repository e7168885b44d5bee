"""The one interface every model implements, and what the runner tells it.

Modelled on scikit-learn's estimator contract: configuration goes into `__init__` (keyword
arguments only, recorded with every result), learned state is set by `fit`, nothing lives in
globals. The runner drives one instance per model per run through its lifecycle::

    model = create_model(name, **config)      # cheap: no weights yet
    model.setup(run_context)                  # once per run: device, pretrained weights
    for each fold:
        model.fit(train, fold_context)        # trainable models only; from a clean state each fold
        model.predict(test)                   # batched; one Prediction per sample, in order
    model.teardown()                          # free memory (GPU)

A model may declare `input_fn()`: a picklable per-sample preparation (decode, sample frames,
resize, normalise) that the runner runs in worker processes ahead of `predict`, handing the result
over as `sample.inputs`; `predict` must also work without it (`self.prepared(sample)`), as
`bench predict` and tests call it directly.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np

from bench.data.sample import Sample
from bench.models.families import FAMILIES  # noqa: F401 - re-exported: the families in table order
from bench.settings import Settings

# Tasks a model may declare. Scores are per dimension; "level" is the text level (Eq. 4)
# per dimension; "distortion" the multi-label category answer; "saliency" a map.
TASKS = ("quality", "authenticity", "level", "distortion", "saliency")


@dataclass
class Prediction:
    """What a model says about one sample. Every field is optional.

    `scores` hold the model's native values ({"quality": x, "authenticity": y}); whether
    higher means better is the model's `higher_is_better`. `saliency` is a float map,
    any size (the harness resizes it to the ground truth's). `extras` (JSON-able) is saved
    with the per-sample predictions.
    """

    scores: dict = field(default_factory=dict)
    levels: dict = field(default_factory=dict)  # {"quality": "good", ...}
    distortions: Optional[tuple] = None  # category names (bench.data.categories.CATEGORIES)
    saliency: Optional[np.ndarray] = None
    text: Optional[str] = None  # an LMM's raw answer, kept for inspection
    extras: dict = field(default_factory=dict)  # anything else worth saving (JSON-able)


@dataclass(frozen=True)
class Requirements:
    """What a model needs to run. `gpu`: 'no', 'optional' or 'required'. Pretrained weights of learned
    models are declared by `Model.weight_specs` (found by `bench.weights`); `weights` / `weights_path`
    describe other files a model reads (a published parameter file, an authors' release folder)."""

    gpu: str = "no"
    packages: tuple = ()  # importable module names
    weights: Optional[str] = None  # description of the files and where to put them
    weights_path: Optional[str] = None  # where they are looked for (config may override)


@dataclass
class RunContext:
    """What the runner tells a model: profile, resolved settings, device, seed, a scratch folder."""

    profile: str = "quick"
    device: str = "cpu"
    seed: int = 0
    work_dir: Optional[Path] = None  # the fold's scratch folder (epoch checkpoints); None in setup
    settings: Settings = field(default_factory=Settings)
    settings_source: dict = field(default_factory=dict)  # setting -> where its value came from
    progress: bool = True
    fold: Optional[int] = None
    # One dict per model per run, shared by all its folds: a model may memoise per-sample work that
    # does not depend on the training fold (handcrafted features, frozen-backbone features).
    memo: dict = field(default_factory=dict)
    # Training samples `fit` had to leave out ({sample id: why}): the record's n_train counts the rest.
    train_failures: dict = field(default_factory=dict)
    # What `fit` wants in the fold's record (loss curve per epoch, best epoch, ...): JSON-able.
    training: dict = field(default_factory=dict)


class Model:
    """Base class. Subclasses set the class attributes and implement `predict`.

    - `tasks`: subset of TASKS the model answers.
    - `family`: one of FAMILIES.
    - `paper_row`: the row label in the paper's table it reproduces; by default the label that
      `bench/tables/layout.py` gives the registry name (set None for a model that is no paper row).
    - `trainable`: True when `fit` must run before `predict`; `is_trainable(config)` decides per
      configuration (e.g. a handcrafted metric trains only in svr mode).
    - `uses_settings`: True for learned models that read `context.settings` (recorded with results).
    - `default_settings`: the model's own settings defaults (below the profile and `--set`).
    - `higher_is_better`: False for metrics such as BRISQUE and NIQE; the harness flips the
      sign before computing correlations so that every table reads "higher SRCC = better".
    - `state_attributes`: attributes `fit` sets (besides names ending in "_"), saved in checkpoints.
    - `ablation`: for an ablation row, {"table": 4|5, "row": "(1)", "label": ..., "settings": {...}}.
    """

    name: str = ""  # set by the registry
    tasks: frozenset = frozenset()
    family: str = ""
    paper_row: Optional[str] = None
    trainable: bool = False
    uses_settings: bool = False
    default_settings: dict = {}
    higher_is_better: bool = True
    requirements: Requirements = Requirements()
    batch_size: int = 8
    state_attributes: tuple = ()
    ablation: Optional[dict] = None

    def __init__(self, **config):
        self.config = dict(config)
        self.context = RunContext()

    # -- the lifecycle ---------------------------------------------------------------------
    @classmethod
    def is_trainable(cls, config: Optional[dict] = None) -> bool:
        """Whether `fit` runs per fold for this configuration (known without building the model)."""
        return bool(cls.trainable)

    def setup(self, context: RunContext) -> None:
        """Once per run, before any fold: place the model on its device, load pretrained weights."""
        self.context = context

    def fit(self, samples: Sequence[Sample], context: RunContext) -> "Model":
        """Learn from the training fold, from a clean state (never continuing an earlier fold)."""
        self.context = context
        return self

    def predict(self, samples: Sequence[Sample]) -> list[Prediction]:
        raise NotImplementedError(f"{type(self).__name__} must implement predict()")

    def teardown(self) -> None:
        """After the last fold: release memory (GPU)."""

    # -- inputs ----------------------------------------------------------------------------
    def input_fn(self) -> Optional[Callable[[Sample], Any]]:
        """A picklable per-sample preparation the runner runs in worker processes ahead of `predict`
        (its result arrives as `sample.inputs`), or None when the model reads samples itself."""
        return None

    def prepared(self, sample: Sample) -> Any:
        """`sample.inputs` when the runner prepared it, else the preparation run here."""
        if sample.inputs is not None:
            return sample.inputs
        fn = self.input_fn()
        if fn is None:
            raise RuntimeError(f"{type(self).__name__} declares no input_fn()")
        return fn(sample)

    def frame_specs(self) -> list:
        """The `FrameSpec`s this model reads (with its current settings), so that `bench data prepare`
        can decode them ahead of a run. Empty when unknown."""
        return []

    # -- availability -------------------------------------------------------------------------
    @classmethod
    def availability(cls, config: Optional[dict] = None) -> tuple[bool, str]:
        """(True, "") when the model can run on this machine now, else (False, why and what to do)."""
        req = cls.requirements
        ok, why = cls.packages_available()
        if not ok:
            return ok, why
        if req.gpu == "required" and not cuda_available():
            return False, "needs a CUDA GPU; none is visible here"
        path = (config or {}).get("weights_path") or req.weights_path
        if req.weights and not (path and Path(path).expanduser().exists()):
            return False, f"weights not found: {req.weights}" + (f" (looked for {path})" if path else "")
        return True, ""

    @classmethod
    def packages_available(cls) -> tuple[bool, str]:
        missing = [p for p in cls.requirements.packages if importlib.util.find_spec(p) is None]
        if missing:
            return False, f"missing Python package(s): {', '.join(missing)} (pip install them)"
        return True, ""

    @classmethod
    def weight_specs(cls, config: Optional[dict] = None) -> list:
        """The pretrained weights this configuration loads (`bench.weights.WeightSpec`s)."""
        return []

    # -- learned state and checkpoints ------------------------------------------------------------
    def get_state(self) -> dict:
        """What `fit` learned: the attributes named in `state_attributes` and those ending in '_'.
        Configuration is never part of it, so configuration given later (`--set`) wins."""
        names = set(self.state_attributes) | {k for k in vars(self) if k.endswith("_") and not k.startswith("__")}
        return {k: getattr(self, k) for k in sorted(names) if hasattr(self, k)}

    def set_state(self, state: dict) -> None:
        for k, v in state.items():
            setattr(self, k, v)

    def save_checkpoint(self, folder) -> Path:
        """Save what `fit` learned into `folder` in formats that cannot run code when loaded."""
        from bench.models.checkpoint import save_checkpoint

        return save_checkpoint(self, folder)

    def load_checkpoint(self, folder, trust: bool = False) -> "Model":
        """Restore a `save_checkpoint` folder into this instance (which must be of the same class).
        `trust=True` also loads pickled parts, which can run code: only for files you made."""
        from bench.models.checkpoint import load_checkpoint

        load_checkpoint(self, folder, trust=trust)
        return self

    # -- facts ------------------------------------------------------------------------------------
    def describe(self) -> dict:
        """Static facts recorded with results and shown by `bench list`; subclasses add to it
        (parameter counts, weights loaded, the ablation block)."""
        out = {
            "name": self.name,
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            "family": self.family,
            "tasks": sorted(self.tasks),
            "paper_row": self.paper_row,
            "trainable": type(self).is_trainable(self.config),
            "higher_is_better": self.higher_is_better,
            "config": self.config,
        }
        if self.ablation:
            out["ablation"] = dict(self.ablation)
        return out


def cuda_available() -> bool:
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())
