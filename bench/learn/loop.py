"""The torch training loop shared by every learned family.

`train(module, items, prepare, step_loss, settings, context)`:

- seeded: each epoch reseeds torch from (seed, epoch) and each item's preparation gets its own
  `numpy.random.Generator` from (seed, epoch, index), so the result does not depend on the number of
  worker processes, nor on where a killed run resumed;
- device-aware: batches go to `context.device`; `settings.precision` bf16/fp16 runs the forward under
  autocast (fp16 with loss scaling, CUDA only);
- `settings.early_stopping`: a validation part is carved from the TRAINING fold (`split_validation`,
  `settings.val_fraction`, whole videos), the validation loss is measured after every epoch, training
  stops after `settings.patience` epochs without improvement and the best epoch's weights are kept;
  the test fold is never seen;
- per-epoch checkpoints in the fold's work folder (`context.work_dir`): a fold killed at any moment
  resumes after its last finished epoch, with the same final numbers as an uninterrupted run;
- a loss curve per epoch (`LoopResult.history`), which the runner stores in the fold's record;
- a progress bar per epoch;
- a training step of its own where one loss and one optimiser do not fit (a GAN's generator and
  discriminator): `train(..., step=fn(module, batch, optimizers) -> {name: loss}, optimizers={name: opt})`;
  every optimiser's state is checkpointed per epoch and resumed with the module's.

Only what training changes is checkpointed: parameters that require gradients and buffers (a model
on a frozen multi-gigabyte base saves its adapters and heads, not the base).
"""
from __future__ import annotations

import io
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from bench.errors import ConfigError
from bench.io import atomic_write_bytes
from bench.settings import Settings

CHECKPOINT = "last.pt"
BEST = "best.pt"
EVAL_EPOCH = 999_999  # the rng stream of validation preparation: fixed, unlike training epochs


@dataclass
class LoopResult:
    history: list = field(default_factory=list)  # one dict per epoch: epoch, train_loss, val_loss, seconds
    best_epoch: Optional[int] = None
    stopped_early: bool = False
    resumed_after: Optional[int] = None  # the epoch a killed run had finished, when it resumed
    n_train: int = 0
    n_val: int = 0

    def record(self) -> dict:
        return {"history": self.history, "best_epoch": self.best_epoch, "stopped_early": self.stopped_early,
                "resumed_after": self.resumed_after, "n_train_items": self.n_train, "n_val_items": self.n_val}


def split_validation(samples: Sequence, fraction: float, seed: int) -> tuple[list, list]:
    """(train, validation) from a training fold: whole groups (videos) go to one side, seeded."""
    samples = list(samples)
    if fraction <= 0 or len(samples) < 4:
        return samples, []
    groups = list(dict.fromkeys(getattr(s, "group", None) or s.id for s in samples))
    rng = np.random.default_rng([int(seed), 7919])
    n_val = max(1, int(round(fraction * len(groups))))
    val_groups = {groups[i] for i in rng.permutation(len(groups))[:n_val]}
    train = [s for s in samples if (getattr(s, "group", None) or s.id) not in val_groups]
    val = [s for s in samples if (getattr(s, "group", None) or s.id) in val_groups]
    return train, val


class _Items(torch.utils.data.Dataset):
    """`prepare(item, rng)` for each item, with an rng of its own from (seed, epoch, index)."""

    def __init__(self, items: Sequence, prepare: Callable, seed: int, epoch: int):
        self.items, self.prepare, self.seed, self.epoch = list(items), prepare, int(seed), int(epoch)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.prepare(self.items[i], np.random.default_rng([self.seed, self.epoch, i]))


def _worker_init(_):
    from bench.parallel import _die_with_parent

    _die_with_parent(os.getppid())


def loader(items, prepare, settings: Settings, seed: int, epoch: int, shuffle: bool,
           collate: Optional[Callable] = None) -> torch.utils.data.DataLoader:
    """Batches of prepared items; worker processes (settings.workers) that die with the run."""
    import multiprocessing as mp

    gen = torch.Generator().manual_seed(int(seed) * 1_000_003 + int(epoch))
    workers = min(int(settings.workers), max(0, len(items) // max(1, settings.batch_size)))
    return torch.utils.data.DataLoader(
        _Items(items, prepare, seed, epoch), batch_size=settings.batch_size, shuffle=shuffle, generator=gen,
        num_workers=workers, collate_fn=collate or collate_dicts, worker_init_fn=_worker_init if workers else None,
        multiprocessing_context=mp.get_context("fork") if workers else None)


def collate_dicts(batch: list) -> dict:
    """Stack a list of {name: tensor | number | other} dicts; non-tensor values become lists."""
    out = {}
    for key in batch[0]:
        vals = [b[key] for b in batch]
        if isinstance(vals[0], torch.Tensor):
            out[key] = torch.stack(vals)
        elif isinstance(vals[0], np.ndarray):
            out[key] = torch.from_numpy(np.stack(vals))
        elif isinstance(vals[0], (int, float)) and not isinstance(vals[0], bool):
            out[key] = torch.tensor(vals)
        else:
            out[key] = vals
    return out


def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


def autocast(settings: Settings, device: str):
    """The autocast context for `settings.precision` (a no-op for fp32)."""
    import contextlib

    if settings.precision == "fp32":
        return contextlib.nullcontext()
    kind = "cuda" if str(device).startswith("cuda") else "cpu"
    if settings.precision == "fp16" and kind == "cpu":
        raise ConfigError("precision fp16 needs a CUDA device; use bf16 or fp32 on the CPU")
    return torch.autocast(kind, dtype=torch.bfloat16 if settings.precision == "bf16" else torch.float16)


def trained_state(module: torch.nn.Module) -> dict:
    """What training changes: parameters that require gradients, and buffers (CPU copies)."""
    state = {n: p.detach().cpu().clone() for n, p in module.named_parameters() if p.requires_grad}
    state.update({n: b.detach().cpu().clone() for n, b in module.named_buffers()})
    return state


def _save(obj: dict, path: Path) -> None:
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


def _load(path: Path) -> Optional[dict]:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)  # never unpickles code
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged checkpoint (not ours: writes are atomic) restarts the fold
        return None


def train(module: torch.nn.Module, items: Sequence, prepare: Callable, step_loss: Callable,
          settings: Settings, context, *, val_items: Sequence = (), params=None,
          collate: Optional[Callable] = None, name: str = "", epochs: Optional[int] = None,
          lr: Optional[float] = None, step: Optional[Callable] = None,
          optimizers: Optional[dict] = None) -> LoopResult:
    """Train `module` in place; returns the loss curve. See the module docstring.

    `step_loss(module, batch) -> scalar tensor` computes the loss of one (device-placed) batch.
    `params`: what the optimiser (Adam) updates (default: every parameter that requires gradients).
    `epochs`/`lr` override the settings' (LMME3DHF's stages, a quick family's own head training).

    `step` and `optimizers` (together) replace the loop's one Adam step: `step(module, batch, optimizers)`
    runs the backward passes and optimiser steps of one batch itself and returns its losses as floats
    ({name: value}, the first being the one recorded as `train_loss`; with several, each epoch's means go
    to `train_losses`). `optimizers` ({name: torch.optim.Optimizer}) are made by the caller, so `params`
    and `lr` do not apply; `step_loss` still gives the validation loss for early stopping. Such a step
    runs in fp32 (autocast would wrap its backward passes).
    """
    from tqdm.auto import tqdm

    device = torch.device(context.device)
    epochs = settings.epochs if epochs is None else int(epochs)
    if (step is None) != (optimizers is None):
        raise ConfigError(f"{name}: a training step of its own comes with its optimizers (pass both or neither)")
    if step is None:
        params = [p for p in (params if params is not None else module.parameters()) if p.requires_grad]
        if not params:
            raise RuntimeError(f"{name}: nothing to train (no parameter requires gradients)")
        optimizers = {"adam": torch.optim.Adam(params, lr=settings.lr if lr is None else lr,
                                               weight_decay=settings.weight_decay)}
        scaler = torch.amp.GradScaler("cuda") if settings.precision == "fp16" else None
        step = _loss_step(step_loss, settings, context.device, scaler)
    elif params is not None or lr is not None:
        raise ConfigError(f"{name}: `params` and `lr` set up the loop's own Adam; with `optimizers` the caller does")
    elif settings.precision != "fp32":
        raise ConfigError(f"{name}: precision {settings.precision} is not supported by a training step of its own; "
                          f"use fp32")
    work = Path(context.work_dir) if context.work_dir else None
    result = LoopResult(n_train=len(items), n_val=len(val_items))
    start, best_loss, stale = 0, math.inf, 0
    saved = _load(work / CHECKPOINT) if work else None
    if saved is not None and saved.get("epochs") == epochs and saved.get("n_items") == len(items) \
            and set(saved.get("optimizers", {})) == set(optimizers):
        module.load_state_dict(saved["module"], strict=False)
        for key, opt in optimizers.items():
            opt.load_state_dict(saved["optimizers"][key])
        start, best_loss, stale = saved["epoch"] + 1, saved["best_loss"], saved["stale"]
        result.history, result.best_epoch = list(saved["history"]), saved["best_epoch"]
        result.resumed_after = saved["epoch"]
    seed = int(context.seed)
    for epoch in range(start, epochs):
        if stale >= settings.patience and settings.early_stopping:
            break
        t0 = time.perf_counter()
        torch.manual_seed(seed * 100_003 + epoch)
        module.train()
        totals, count = {}, 0
        batches = loader(items, prepare, settings, seed, epoch, shuffle=True, collate=collate)
        bar = tqdm(batches, desc=f"{name} epoch {epoch + 1}/{epochs}", leave=False, unit="batch",
                   disable=not getattr(context, "progress", False))
        for batch in bar:
            batch = to_device(batch, device)
            losses = step(module, batch, optimizers)
            for key, value in losses.items():
                if not math.isfinite(value):
                    raise FloatingPointError(f"{name}: {'' if key == 'loss' else key + ' '}loss became {value} "
                                             f"at epoch {epoch + 1}")
            n = _batch_len(batch)
            totals = {key: totals.get(key, 0.0) + value * n for key, value in losses.items()}
            count += n
            bar.set_postfix(loss=f"{next(iter(totals.values())) / max(count, 1):.4g}")
        means = {key: value / max(count, 1) for key, value in totals.items()}
        row = {"epoch": epoch + 1, "train_loss": next(iter(means.values()), 0.0)}
        if len(means) > 1:
            row["train_losses"] = means
        if val_items:
            row["val_loss"] = evaluate(module, val_items, prepare, step_loss, settings, context, collate)
            if row["val_loss"] < best_loss - 1e-12:
                best_loss, stale, result.best_epoch = row["val_loss"], 0, epoch + 1
                if work:
                    _save(trained_state(module), work / BEST)
            else:
                stale += 1
        row["seconds"] = round(time.perf_counter() - t0, 3)
        result.history.append(row)
        if work:
            _save({"epoch": epoch, "epochs": epochs, "n_items": len(items), "module": trained_state(module),
                   "optimizers": {key: opt.state_dict() for key, opt in optimizers.items()},
                   "best_loss": best_loss, "stale": stale, "best_epoch": result.best_epoch,
                   "history": result.history}, work / CHECKPOINT)
    result.stopped_early = bool(settings.early_stopping and len(result.history) < epochs)
    if val_items and work and (work / BEST).is_file():
        module.load_state_dict(_load(work / BEST), strict=False)
    return result


def _loss_step(step_loss: Callable, settings: Settings, device: str, scaler) -> Callable:
    """The loop's own step: `step_loss` under autocast, backward (loss-scaled for fp16), one optimiser step."""

    def step(module, batch, optimizers) -> dict:
        (opt,) = optimizers.values()
        with autocast(settings, device):
            loss = step_loss(module, batch)
        if not torch.isfinite(loss):
            return {"loss": loss.item()}  # the loop stops there, before a step on it
        opt.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()
        return {"loss": float(loss.detach())}

    return step


def _batch_len(batch) -> int:
    for v in (batch.values() if isinstance(batch, dict) else [batch]):
        if isinstance(v, torch.Tensor):
            return int(v.shape[0])
        if isinstance(v, list):
            return len(v)
    return 1


@torch.no_grad()
def evaluate(module, items, prepare, step_loss, settings: Settings, context, collate=None) -> float:
    """Mean loss over `items` (validation), in eval mode, with the same preparation rngs every time."""
    module.eval()
    total, count = 0.0, 0
    for batch in loader(items, prepare, settings, int(context.seed), EVAL_EPOCH, shuffle=False, collate=collate):
        batch = to_device(batch, torch.device(context.device))
        with autocast(settings, context.device):
            loss = step_loss(module, batch)
        n = _batch_len(batch)
        total, count = total + float(loss) * n, count + n
    module.train()
    return total / max(count, 1)
