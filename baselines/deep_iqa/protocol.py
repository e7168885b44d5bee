"""The training protocol shared by the deep IQA and deep VQA families (paper section 5.1): `DeepQualityModel`.

What every model of the two families does the same way (recorded with each result, `model_card.protocol`):

- **Two dimensions, one network**: one network with two outputs, (quality, authenticity), trained on both at
  once (the paper does not say; the two MOS correlate at 0.92 on Gen3DHF, and one network halves the cost).
- **Targets**: each dimension's MOS standardised with the training fold's mean and SD (learned state, saved in
  checkpoints); predictions are mapped back to the MOS scale. For the MSE loss this only rescales the loss.
- **Loss**: the `loss` option, recorded (`bench.losses`: "mse" for the backbone rows; a method's own loss for
  the named methods).
- **Validation**: with `early_stopping`, a validation part is carved from the TRAINING fold (whole videos);
  the test fold is never seen before prediction.
- **Training samples** without both MOS or whose frames cannot be read are left out and reported.

Two training paths, chosen by the `freeze_backbone` setting:

- end to end (the `paper` profile): the whole network trains with the shared loop (`bench.learn.loop.train`:
  Adam, seeded, checkpointed per epoch, resumable after a kill) on prepared items;
- frozen (the `quick` profile): the frozen part (`frozen_part`, the backbone) encodes every video once per
  run, in batches and without gradients; the features are memoised in `context.memo` and shared by all
  folds, and only the rest (the head) trains per fold, with the same loop, on those features.

A family base (`FrameQualityModel`, `ClipQualityModel`) says what an input is; a model says its network:
`build_network()`, `features(module, batch)` -> (B, U, C) features of U units (frames, clips) per sample from
the frozen part, `score(module, features)` -> (B, 2) standardised scores (default: the head on each unit,
averaged over units), and optionally `frozen_part`, `feature_items`, `default_loss`.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from baselines.deep_iqa.inputs import DIMENSIONS, feature_item, target
from baselines.deep_iqa.losses import LOSSES, quality_loss
from bench.errors import DataError
from bench.learn.threads import torch_threads
from bench.learn.torch_model import TorchModel
from bench.models.base import Prediction, Requirements, RunContext

MEMO_KEY = "frozen_features"  # context.memo[MEMO_KEY][sample id] -> (U, C) float32 CPU tensor


class DeepQualityModel(TorchModel):
    tasks = frozenset(DIMENSIONS)
    requirements = Requirements(packages=("torch", "torchvision"))
    default_loss = "mse"
    own_losses: tuple = ()  # loss names a model accepts besides LOSSES (a named method's own: "method")
    batch_size = 8  # samples per prediction batch and per feature-extraction forward

    def __init__(self, loss: Optional[str] = None, threads: Optional[int] = None, **config):
        """`loss`: one of LOSSES (default: the model's `default_loss`). `threads`: torch CPU threads while this
        model trains and predicts (restored afterwards). None: one thread on the quick path (a frozen backbone
        on the CPU), torch's own setting otherwise: on this project's shared 2-core machines, two threads made
        the quick path several times slower (OpenMP threads waiting for each other when the cores are busy;
        a head's tiny steps never gain from them); `--set threads=2` on a quiet machine."""
        loss = loss or self.default_loss
        if loss not in LOSSES + self.own_losses:
            raise ValueError(f"loss must be one of {', '.join(LOSSES + self.own_losses)}, not {loss!r}")
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise ValueError(f"threads must be None or an integer >= 1, got {threads!r}")
        super().__init__(loss=loss, **({"threads": threads} if threads is not None else {}), **config)
        self.loss, self.threads = loss, threads
        self.target_mean_: Optional[list] = None
        self.target_scale_: Optional[list] = None

    # -- what a model implements ---------------------------------------------------------------------
    def build_network(self):
        """The network (random initialisation), a torch module."""
        raise NotImplementedError(f"{type(self).__name__} must implement build_network()")

    def features(self, module, batch: dict):
        """(B, U, C) features of a device-placed batch, from the frozen part of the network."""
        raise NotImplementedError(f"{type(self).__name__} must implement features()")

    def frozen_part(self, module):
        """The part of the network that `freeze_backbone` freezes (and whose features are memoised)."""
        return module.backbone

    def score(self, module, features):
        """(B, U, C) features -> (B, 2) standardised scores: the head on each unit, averaged over units."""
        return module.head(features).mean(1)

    def feature_items(self, samples: Sequence, features: dict) -> list:
        """Training items of the head on a frozen backbone: (features, target) pairs, one per sample."""
        return [(features[s.id], target(s)) for s in samples]

    def protocol(self) -> dict:
        """How this model turns a video into scores, for the model card (a family adds its input rule)."""
        return {"outputs": "one network, two outputs (quality, authenticity)", "loss": self.loss,
                "targets": "MOS standardised with the training fold's mean and SD",
                "training": ("head on frozen backbone features (computed once per video, shared by the folds)"
                             if self.settings.freeze_backbone else "end to end")}

    # -- TorchModel hooks ------------------------------------------------------------------------------
    def build(self):
        module = self.build_network()
        if self.settings.freeze_backbone:
            self.frozen_part(module).requires_grad_(False)
        return module

    def step_loss(self, module, batch: dict):
        feats = batch["features"] if "features" in batch else self.features(module, batch)
        return quality_loss(self.loss, self.score(module, feats).float(), self._standardised(batch["target"]))

    def forward_predict(self, module, batch: dict):
        return self.score(module, self.features(module, batch))

    def to_predictions(self, outputs, samples: Sequence) -> list[Prediction]:
        if self.target_mean_ is None:
            raise RuntimeError(f"{self.name}: fit() must run before predict()")
        mos = outputs.float().cpu().numpy() * np.asarray(self.target_scale_) + np.asarray(self.target_mean_)
        return [Prediction(scores={d: float(v) for d, v in zip(DIMENSIONS, row)}) for row in mos]

    def _standardised(self, tgt):
        import torch

        mean = torch.tensor(self.target_mean_, dtype=torch.float32, device=tgt.device)
        scale = torch.tensor(self.target_scale_, dtype=torch.float32, device=tgt.device)
        return (tgt.float() - mean) / scale

    # -- lifecycle --------------------------------------------------------------------------------------
    def fit(self, samples: Sequence, context: RunContext) -> "DeepQualityModel":
        self.context = context
        if self.module is None:
            self.setup(context)
        usable = self._usable(samples, context)
        mos = np.array([[s.mos[d] for d in DIMENSIONS] for s in usable], dtype=np.float64)
        sd = mos.std(0)
        self.target_mean_, self.target_scale_ = mos.mean(0).tolist(), np.where(sd > 0, sd, 1.0).tolist()
        with self._threads():
            if self.settings.freeze_backbone:
                self._fit_frozen(usable, context)
            else:
                super().fit(usable, context)
        context.training["protocol"] = self.protocol()
        return self

    def _usable(self, samples: Sequence, context: RunContext) -> list:
        """Training samples with both MOS and readable frames; the others go to `context.train_failures`."""
        out = []
        for s in samples:
            why = None
            if not all(np.isfinite(float(s.mos.get(d, np.nan))) for d in DIMENSIONS):
                why = "no MOS for " + " and ".join(d for d in DIMENSIONS if d not in s.mos)
            else:
                try:
                    if any(len(s.frames(spec=spec)) == 0 for spec in self.frame_specs()):
                        why = "the video has no frames"
                except Exception as exc:  # noqa: BLE001 - a bad training video is left out, the fold goes on
                    why = f"{type(exc).__name__}: {exc}"
            if why:
                context.train_failures[s.id] = why
            else:
                out.append(s)
        if len(out) < 2:
            raise DataError(f"{self.name}: {len(out)} usable training sample(s) of {len(samples)}; at least 2 "
                            f"are needed (reasons: {'; '.join(sorted(set(context.train_failures.values())))})")
        return out

    def _fit_frozen(self, samples: Sequence, context: RunContext) -> None:
        import torch
        from dataclasses import replace

        from bench.learn.loop import split_validation, train

        self.module.load_state_dict(self._clean, strict=False)  # a clean head every fold
        train_s, val_s = (split_validation(samples, self.settings.val_fraction, context.seed)
                          if self.settings.early_stopping else (list(samples), []))
        feats = self._frozen_features(samples)
        self.fit_input_scaling(train_s, feats)
        # Items are memoised tensors: preparing them in worker processes would only add forks.
        result = train(self.module, self.feature_items(train_s, feats), feature_item, self.step_loss,
                       replace(self.settings, workers=0), context, val_items=self.feature_items(val_s, feats),
                       name=self.name)
        context.training.update(result.record())

    def fit_input_scaling(self, samples: Sequence, features: dict) -> None:
        """Before a head trains on frozen features: standardise them with the training fold's statistics where the
        head can (`ScoreHead.fit_input_scaling`)."""
        import torch

        head = getattr(self.module, "head", None)
        if hasattr(head, "fit_input_scaling"):
            head.fit_input_scaling(torch.cat([features[s.id].flatten(0, -2) for s in samples]))

    def _frozen_features(self, samples: Sequence) -> dict:
        """{sample id: (U, C) features}, computed once per run (context.memo) in batches of `batch_size`."""
        import torch

        from bench.learn.loop import autocast, collate_dicts, to_device

        memo = self.context.memo.setdefault(MEMO_KEY, {})
        todo = list({s.id: s for s in samples if s.id not in memo}.values())
        device = torch.device(self.context.device)
        self.module.eval()
        for i in range(0, len(todo), self.batch_size):
            chunk = todo[i:i + self.batch_size]
            batch = to_device((self.collate or collate_dicts)([self.prepared(s) for s in chunk]), device)
            with torch.no_grad(), autocast(self.settings, self.context.device):
                out = self.features(self.module, batch).float().cpu()
            for s, f in zip(chunk, out):
                memo[s.id] = f.clone()
        return {s.id: memo[s.id] for s in samples}

    def predict(self, samples: Sequence) -> list[Prediction]:
        if self.module is None:
            raise RuntimeError(f"{self.name}: setup() and fit() must run before predict()")
        with self._threads():
            if not self.settings.freeze_backbone:
                return super().predict(samples)
            import torch

            feats = self._frozen_features(samples)
            self.module.eval()
            with torch.no_grad():
                x = torch.stack([feats[s.id] for s in samples]).to(self.context.device)
                return self.to_predictions(self.score(self.module, x), samples)

    def _threads(self):
        threads = self.threads
        if threads is None and self.settings.freeze_backbone and str(self.context.device) == "cpu":
            threads = 1
        return torch_threads(threads)

    # -- state and facts ---------------------------------------------------------------------------------
    def get_state(self) -> dict:
        return {**super().get_state(), "targets": {"mean": self.target_mean_, "scale": self.target_scale_}}

    def set_state(self, state: dict) -> None:
        super().set_state(state)
        self.target_mean_, self.target_scale_ = state["targets"]["mean"], state["targets"]["scale"]

    def describe(self) -> dict:
        out = super().describe()
        out["protocol"] = self.protocol()
        return out
