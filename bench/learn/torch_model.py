"""`TorchModel`: the base of every learned family whose network is a `torch.nn.Module`.

It implements the harness's lifecycle once, so that a family module only says what is its own:

- `build()` the network (from `self.config` and `self.settings`), `weight_specs()` what pretrained
  weights it loads and `load_pretrained()` how (default: a state dict into the attribute named by the
  spec's key);
- `train_prepare()` / `input_fn()`: picklable per-item preparations for training (item, rng) and for
  prediction (sample), run in worker processes;
- `training_items(samples)`: what one training example is (a video; or one frame of it for image models);
- `step_loss(module, batch)`, `forward_predict(module, batch)`, `to_predictions(outputs, samples)`.

Lifecycle: `setup` resolves the weights (a `paper` run without them is `unavailable`; `quick` falls back
to a seeded random initialisation and says so), builds the network once, loads the weights once and
keeps a CPU copy of what training changes; `fit` restores that copy (a clean state each fold, without
touching the disk) and trains with the shared loop (`bench.learn.loop`); `teardown` frees the memory.
Checkpoints hold what training changed (all weights when nothing was pretrained), as safetensors.
"""
from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np

from bench.errors import ModelUnavailable
from bench.models.base import Model, Prediction, Requirements, RunContext
from bench.settings import Settings


# `init` of a network that has no pretrained parts to load (a method trained from scratch, e.g. CNNIQA)
FROM_SCRATCH = "from scratch (no pretrained parts)"


class TorchModel(Model):
    uses_settings = True
    trainable = True
    requirements = Requirements(packages=("torch",))

    def __init__(self, weights_path=None, **config):
        """`weights_path`: pretrained weights from a local file or folder instead of the standard caches
        (a path, or {spec key: path} for a model that loads several)."""
        super().__init__(**({"weights_path": weights_path} if weights_path is not None else {}), **config)
        self.settings = Settings()
        self.module = None
        self.weights: list = []  # bench.weights.ResolvedWeights, after setup
        self.init = "not built"
        self._clean: Optional[dict] = None
        self._from_scratch = True

    # -- what a family implements ------------------------------------------------------------------
    def build(self):
        """The network, from `self.config` and `self.settings` (random initialisation)."""
        raise NotImplementedError(f"{type(self).__name__} must implement build()")

    def train_prepare(self) -> Callable[[Any, np.random.Generator], dict]:
        """Picklable `(training item, rng) -> dict of tensors` (augmentation may use the rng)."""
        raise NotImplementedError(f"{type(self).__name__} must implement train_prepare()")

    def training_items(self, samples: Sequence) -> list:
        return list(samples)

    def step_loss(self, module, batch: dict):
        raise NotImplementedError(f"{type(self).__name__} must implement step_loss()")

    def forward_predict(self, module, batch: dict):
        return module(**{k: v for k, v in batch.items() if not k.startswith("target")})

    def to_predictions(self, outputs, samples: Sequence) -> list[Prediction]:
        raise NotImplementedError(f"{type(self).__name__} must implement to_predictions()")

    def load_pretrained(self, module, resolved) -> None:
        """Load one resolved weight set: a state dict file into `module.<spec.key>` (or the whole
        module when it has no such attribute). Missing keys must be only the parts the method adds."""
        import torch

        from bench.weights import weight_files

        path = Path(resolved.path)
        files = weight_files(path) if path.is_dir() else [path]
        state = {}
        for f in files:
            if str(f).endswith(".safetensors"):
                from safetensors.torch import load_file

                state.update(load_file(str(f)))
            else:
                state.update(torch.load(f, map_location="cpu", weights_only=True))
        target = getattr(module, resolved.spec.key, module)
        missing, unexpected = target.load_state_dict(state, strict=False)
        if not any(k in target.state_dict() for k in state):
            raise ModelUnavailable(f"{path}: none of its tensors fit {type(target).__name__} "
                                   f"(is it the weights of {resolved.spec.id}?)")
        self.load_report = {"missing": len(missing), "unexpected": len(unexpected)}

    # -- lifecycle ---------------------------------------------------------------------------------
    def setup(self, context: RunContext) -> None:
        import torch

        from bench.learn.loop import trained_state
        from bench.weights import resolve_all

        super().setup(context)
        self.settings = context.settings
        self.weights = resolve_all(self.weight_specs(self.config), self.config) \
            if self.settings.pretrained != "none" else []
        missing = [w for w in self.weights if not w.present]
        if missing and self.settings.pretrained == "required":
            raise ModelUnavailable(missing[0].why_missing())
        torch.manual_seed(int(context.seed))  # a reproducible random initialisation
        self.module = self.build()
        loaded = [w for w in self.weights if w.present]
        for w in loaded:
            self.load_pretrained(self.module, w)
        self._from_scratch = not loaded
        self.init = (FROM_SCRATCH if not self.weight_specs(self.config) else "random init" if not loaded
                     else "pretrained" if not missing
                     else "partly pretrained (" + ", ".join(f"{w.spec.key}: random init" for w in missing) + ")")
        self.module.to(context.device)
        self._clean = trained_state(self.module)

    def fit(self, samples: Sequence, context: RunContext) -> "TorchModel":
        from bench.learn.loop import split_validation, train

        self.context = context
        if self.module is None:
            self.setup(context)
        self.module.load_state_dict(self._clean, strict=False)  # a clean state every fold
        train_samples, val_samples = (split_validation(samples, self.settings.val_fraction, context.seed)
                                      if self.settings.early_stopping else (list(samples), []))
        result = train(self.module, self.training_items(train_samples), self.train_prepare(), self.step_loss,
                       self.settings, context, val_items=self.training_items(val_samples),
                       collate=self.collate, name=self.name)
        context.training.update(result.record())
        return self

    collate = None  # the loop's default (stack dicts of tensors)

    def predict(self, samples: Sequence) -> list[Prediction]:
        import torch

        from bench.learn.loop import autocast, collate_dicts, to_device

        if self.module is None:
            raise RuntimeError(f"{self.name}: setup() (and fit() for a trained model) must run before predict()")
        self.module.eval()
        batch = (self.collate or collate_dicts)([self.prepared(s) for s in samples])
        batch = to_device(batch, torch.device(self.context.device))
        with torch.no_grad(), autocast(self.settings, self.context.device):
            outputs = self.forward_predict(self.module, batch)
        return self.to_predictions(outputs, samples)

    def teardown(self) -> None:
        self.module, self._clean = None, None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass

    # -- state -------------------------------------------------------------------------------------
    def get_state(self) -> dict:
        from bench.learn.loop import trained_state

        if self.module is None:
            raise RuntimeError(f"{self.name}: nothing to save before setup()/fit()")
        # Random-init parts are not in any cache: then the whole network is the learned state.
        state = ({k: v.detach().cpu() for k, v in self.module.state_dict().items()} if self._from_scratch
                 else trained_state(self.module))
        return {"module": state, "weights": [w.record() for w in self.weights], "init": self.init}

    def set_state(self, state: dict) -> None:
        if self.module is None:
            raise RuntimeError(f"{self.name}: setup() must run before a checkpoint is loaded into it")
        pretrained_then = {(w["id"], tuple(sorted(w.get("sha256", {}).values()))) for w in state.get("weights", [])
                           if w.get("present")}
        pretrained_now = {(w.spec.id, tuple(sorted(w.sha256.values()))) for w in self.weights if w.present}
        if pretrained_then != pretrained_now:
            from bench.errors import DataError

            raise DataError(f"{self.name}: the checkpoint was trained on pretrained weights {sorted(pretrained_then)} "
                            f"but these are loaded now: {sorted(pretrained_now) or 'none'}")
        self.module.load_state_dict(state["module"], strict=False)

    # -- facts -------------------------------------------------------------------------------------
    def parameter_counts(self) -> dict:
        """{"total", "trainable"} of the network as configured (built on the meta device when not built)."""
        module = self.module
        if module is None:
            import torch

            with torch.device("meta"):
                module = self.build()
        total = sum(p.numel() for p in module.parameters())
        trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
        return {"total": int(total), "trainable": int(trainable)}

    def describe(self) -> dict:
        out = super().describe()
        out["init"] = self.init
        out["weights"] = [w.record() for w in self.weights]
        try:
            out["parameters"] = self.parameter_counts()
        except Exception as exc:  # noqa: BLE001 - a fact, not a reason to fail a run
            out["parameters"] = f"unknown ({type(exc).__name__}: {exc})"
        return out
