"""`bench run`: every model x every fold -> setup once, fit, predict, score, save. Crash-safe and resumable.

- One failing model, fold or sample never stops the run: exceptions (any, but a real Ctrl-C), NaN
  outputs and a wrong number of predictions are recorded with their reason (`status` "failed" /
  "unavailable", `failed_samples`), and the exit status says so.
- Each (model, fold) result is one atomically written file; a rerun skips every finished "ok"
  result, so a run killed at any moment (kill -9 included) loses nothing it had finished. A run
  folder holds one protocol (dataset, split, profile, seed, settings): another is refused, and a
  lock keeps two runs from writing one folder at once.
- Each model is built and set up (weights loaded) once per run; `fit` runs per fold from a clean state.
  That is the local executor, the default; `--executor ray` (`bench.executors`) runs each (model, fold)
  as a task of its own through `run_job`, the same code, which sets the model up per task.
- Inputs a model prepares per sample run in worker processes ahead of it; decoded frames come from
  the dataset's frame store, shared by every model, fold and worker (each video decodes once).
"""
from __future__ import annotations

import hashlib
import json
import math
import platform
import re
import shutil
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from bench.data.dataset import Dataset
from bench.data.splits import save_split, split_hash
from bench.errors import BenchError, ConfigError, ModelUnavailable
from bench.io import atomic_write_bytes, atomic_write_json
from bench.models.base import Model, Prediction, RunContext
from bench.models.registry import create_model, get_entry
from bench.results import predictions_path, read_result, result_path, write_result
from bench.settings import Settings, resolve_settings


@dataclass
class RunConfig:
    out_dir: Path
    profile: str = "quick"
    device: str = "cpu"
    seed: int = 0
    model_config: dict = field(default_factory=dict)  # config overrides, for every model that accepts them
    settings_overrides: dict = field(default_factory=dict)  # `--set` values that are settings
    save_maps: bool = True
    save_models: bool = False  # fitted models of trainable baselines, per fold (`--save-models`)
    progress: bool = True
    workers: Optional[int] = None  # input-preparation processes (default: the model's settings)


@dataclass
class Outcome:
    model: str
    fold: int
    status: str
    reason: Optional[str] = None
    metrics: dict = field(default_factory=dict)
    skipped: bool = False  # finished in an earlier run
    failed_samples: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


def package_versions() -> dict:
    import importlib.metadata as md

    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in ("gen3dhf-bench", "numpy", "scipy", "opencv-python-headless", "av", "scikit-learn",
                "torch", "torchvision", "transformers", "peft", "timm", "safetensors"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


# ---- the run folder ----------------------------------------------------------------------------------
def protocol_of(dataset_hash: str, split: dict, cfg: RunConfig) -> dict:
    return {"dataset_hash": dataset_hash, "split_hash": split_hash(split), "split": split["name"],
            "profile": cfg.profile, "seed": cfg.seed, "settings_overrides": dict(sorted(cfg.settings_overrides.items()))}


def check_protocol(out_dir: Path, protocol: dict) -> None:
    """Refuse to mix protocols in one results folder (one line: what differs, and what to do)."""
    try:
        old = json.loads((out_dir / "run.json").read_text()).get("protocol")
    except (FileNotFoundError, json.JSONDecodeError, AttributeError):
        old = None
    if old is None:
        if any(out_dir.glob("*/fold-*.json")):
            raise ConfigError(f"{out_dir}: holds results of an unknown protocol (no run.json); choose another "
                              "folder with --out")
        return
    diffs = [f"{k} {old.get(k)!r} -> {protocol[k]!r}" for k in protocol if old.get(k) != protocol[k]]
    if diffs:
        raise ConfigError(f"{out_dir}: holds results of another protocol ({'; '.join(diffs)}); choose another "
                          "folder with --out, or rerun with the same options to resume it")


class FolderLock:
    """An exclusive lock on a run folder (released by the kernel if the process dies)."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / ".lock"
        self.fh = None

    def __enter__(self):
        import fcntl
        import os

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.seek(0)
            pid = self.fh.read().strip() or "?"
            self.fh.close()
            raise ConfigError(f"{self.path.parent}: another `bench run` (pid {pid}) is writing to this folder; "
                              "wait for it or choose another --out") from None
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(str(os.getpid()))
        self.fh.flush()
        return self

    def __exit__(self, *exc):
        self.fh.close()


_SAFE = re.compile(r"[^A-Za-z0-9._+=,@-]")


def run_label(name: str, overrides: dict) -> str:
    """Where a model's results go and how tables name it: `brisque`, or `brisque@mode=svr` when the run
    overrides its configuration (so variants never overwrite or mix). Always one safe path component:
    characters outside [A-Za-z0-9._+=,@-] become '_' (then a hash of the original keeps labels apart)."""
    if not overrides:
        return name
    raw = name + "@" + ",".join(f"{k}={json.dumps(overrides[k]) if not isinstance(overrides[k], str) else overrides[k]}"
                                for k in sorted(overrides))
    safe = _SAFE.sub("_", raw).replace("..", "_")
    if safe != raw or len(safe) > 120:
        safe = safe[:100] + "-" + hashlib.sha1(raw.encode()).hexdigest()[:8]
    return safe


def _inside(out_dir: Path, path: Path) -> Path:
    if not path.resolve().is_relative_to(out_dir.resolve()):
        raise ConfigError(f"{path}: would be written outside the results folder {out_dir}")
    return path


# ---- Ctrl-C: a real one stops the run; a KeyboardInterrupt a model raises is its failure ----------
_CTRL_C = {"pressed": False}


def _on_sigint(signum, frame):
    _CTRL_C["pressed"] = True
    raise KeyboardInterrupt


def _reraise_if_fatal(exc: BaseException) -> None:
    """Only the user's Ctrl-C ends a run; a SystemExit or KeyboardInterrupt raised by a model is its failure."""
    if isinstance(exc, KeyboardInterrupt) and _CTRL_C["pressed"]:
        raise exc


# ---- the run ------------------------------------------------------------------------------------------
@dataclass
class FoldJob:
    """One (model, fold) still to run: all any process needs to run it and write its record."""

    name: str  # registry name
    label: str  # where its results go (run_label)
    fold: int
    overrides: dict  # the configuration overrides this model accepts
    settings: Settings
    source: dict  # setting -> where its value came from
    base: dict  # record fields common to the model's folds
    split: dict  # the record's split block
    train: list  # sample ids
    test: list


def run_benchmark(dataset: Dataset, split: dict, model_names: Sequence[str], cfg: RunConfig,
                  explicit: bool = False, executor=None) -> list[Outcome]:
    """Run `model_names` over every fold of `split`; returns one Outcome per (model, fold).

    `executor.run(jobs, by_id, cfg, out_dir) -> outcomes` runs the (model, fold) jobs not finished in
    an earlier run: this process (`LocalExecutor`, the default) or a cluster (`bench.executors`). The
    folder lock and the protocol check stay here, with the caller."""
    out_dir = Path(cfg.out_dir)
    dhash = dataset.content_hash()
    protocol = protocol_of(dhash, split, cfg)
    previous = signal.getsignal(signal.SIGINT)
    try:
        signal.signal(signal.SIGINT, _on_sigint)
    except ValueError:  # not the main thread
        previous = None
    try:
        with FolderLock(out_dir):
            check_protocol(out_dir, protocol)
            save_split(split, out_dir / "split.json")
            common = {
                "dataset": {"name": dataset.name, "label": dataset.label, "hash": dhash,
                            "synthetic": dataset.synthetic, "root": str(dataset.root)},
                "profile": cfg.profile, "seed": cfg.seed, "device": cfg.device, "versions": package_versions(),
            }
            atomic_write_json(out_dir / "run.json", {**common, "protocol": protocol,
                                                     "split": {"name": split["name"], "hash": protocol["split_hash"]},
                                                     "models": list(model_names), "explicit": explicit})
            rank, outcomes, jobs = {}, [], []
            for name in model_names:
                label, finished, todo = plan_model(name, split, protocol, cfg, out_dir, common)
                rank[label] = len(rank)
                outcomes += finished
                jobs += todo
            outcomes += (executor or LocalExecutor()).run(jobs, dataset.by_id(), cfg, out_dir)
            # model by model; within one, the folds kept from an earlier run first (as they are reported)
            return sorted(outcomes, key=lambda o: (rank[o.model], not o.skipped, o.fold))
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def plan_model(name: str, split: dict, protocol: dict, cfg: RunConfig, out_dir: Path,
               common: dict) -> tuple[str, list[Outcome], list[FoldJob]]:
    """(run label, outcomes of the folds an earlier run finished, jobs for the other folds)."""
    entry = get_entry(name)
    overrides = accepted_config(entry.cls, cfg.model_config)
    label = run_label(name, overrides)
    n_folds = len(split["folds"])
    settings, source = resolve_settings(cfg.profile, family=entry.cls.family, model=name,
                                        model_defaults=entry.cls.default_settings, overrides=cfg.settings_overrides)
    if cfg.workers is not None:
        from dataclasses import replace

        settings = replace(settings, workers=cfg.workers)
    base = {"model": label, "registry_name": name, "family": entry.cls.family, "paper_row": entry.paper_row,
            "tasks": sorted(entry.cls.tasks), **common,
            "settings": settings.to_dict() if entry.cls.uses_settings else None,
            "settings_source": source if entry.cls.uses_settings else None}
    finished, todo = [], []
    for fold in range(n_folds):
        old = _safe_read(_inside(out_dir, result_path(out_dir, label, fold)))
        if old is not None and old.get("status") == "ok" and old["split"]["hash"] == protocol["split_hash"] \
                and old["dataset"]["hash"] == protocol["dataset_hash"]:
            finished.append(Outcome(label, fold, "ok", metrics=old.get("metrics", {}), skipped=True,
                                    failed_samples=old.get("failed_samples") or {}))
            continue
        split_info = {"name": split["name"], "hash": protocol["split_hash"], "file": str(out_dir / "split.json"),
                      "fold": fold, "n_folds": n_folds}
        todo.append(FoldJob(name, label, fold, overrides, settings, source, base, split_info,
                            list(split["folds"][fold]["train"]), list(split["folds"][fold]["test"])))
    return label, finished, todo


class LocalExecutor:
    """Runs the jobs in this process, model by model: each model is set up (weights loaded) once for all
    its folds."""

    def run(self, jobs: Sequence[FoldJob], by_id: dict, cfg: RunConfig, out_dir: Path) -> list[Outcome]:
        from itertools import groupby

        outcomes = []
        for _, model_jobs in groupby(jobs, key=lambda j: j.label):
            outcomes += run_model_jobs(list(model_jobs), by_id, cfg, out_dir)
        return outcomes


def run_job(job: FoldJob, by_id: dict, cfg: RunConfig, out_dir: Path) -> Outcome:
    """One (model, fold) on its own, as a remote executor's task runs it: set up the model (so its weights
    load once per job), fit, predict, score, write the record, tear down."""
    return run_model_jobs([job], by_id, cfg, out_dir)[0]


def run_model_jobs(jobs: Sequence[FoldJob], by_id: dict, cfg: RunConfig, out_dir: Path) -> list[Outcome]:
    """Folds of one model: set up once, each fold from a clean state, each record written atomically."""
    from tqdm.auto import tqdm

    first = jobs[0]
    memo: dict = {}
    model, setup_error = _setup_model(first.name, first.overrides, first.settings, first.source, cfg, memo)
    bar = tqdm(jobs, desc=f"{first.label[:24]:>24}", unit="fold", disable=not cfg.progress, leave=True)
    outcomes = []
    try:
        for job in bar:
            train, test = [by_id[i] for i in job.train], [by_id[i] for i in job.test]
            _drop_partial_writes(out_dir, job)
            record = new_record(job)
            if setup_error is not None:
                record.update(setup_error)
            else:
                _run_fold(model, job.label, job.fold, train, test, cfg, out_dir, bar, memo, job.settings, job.source,
                          record)
            outcomes.append(save_record(job, record, out_dir))
            bar.set_postfix_str(record["status"])
    finally:
        if model is not None:
            try:
                model.teardown()
            except BaseException as exc:  # noqa: BLE001
                _reraise_if_fatal(exc)
    return outcomes


def new_record(job: FoldJob) -> dict:
    """A fold's record before it runs: "failed" until the fold says otherwise."""
    return {**job.base, "split": job.split, "n_train": len(job.train), "n_test": len(job.test), "status": "failed",
            "reason": None, "metrics": {}, "failed_samples": {}, "timing": {},
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _drop_partial_writes(out_dir: Path, job: FoldJob) -> None:
    """Remove the temporary files an attempt at this fold killed mid-write left (finished files are whole)."""
    for tmp in (out_dir / job.label).glob(f".fold-{job.fold}.*.tmp"):
        tmp.unlink(missing_ok=True)


def save_record(job: FoldJob, record: dict, out_dir: Path) -> Outcome:
    """Write a fold's record (atomically) and say what happened."""
    write_result(_inside(out_dir, result_path(out_dir, job.label, job.fold)), record)
    failed = {**{f"{k} (training)": v for k, v in (record.get("failed_train_samples") or {}).items()},
              **(record.get("failed_samples") or {})}
    return Outcome(job.label, job.fold, record["status"], record.get("reason"), record.get("metrics", {}),
                   failed_samples=failed, warnings=record.get("warnings") or [])


def _setup_model(name, overrides, settings, source, cfg: RunConfig, memo) -> tuple:
    """(model, None) ready for its folds, or (None, the record fields every fold gets)."""
    config = dict(get_entry(name).defaults)
    try:
        model = create_model(name, **overrides)
        config = model.config
        ok, why = model_availability(type(model), config, settings)
        if not ok:
            return None, {"status": "unavailable", "reason": why, "config": config}
        context = RunContext(profile=cfg.profile, device=cfg.device, seed=cfg.seed, settings=settings,
                             settings_source=source, progress=cfg.progress, memo=memo)
        model.setup(context)
        return model, None
    except ModelUnavailable as exc:
        return None, {"status": "unavailable", "reason": str(exc), "config": config}
    except BaseException as exc:  # noqa: BLE001 - isolation is the point: record, go on
        _reraise_if_fatal(exc)
        return None, {"status": "failed", "reason": f"setup: {type(exc).__name__}: {exc}",
                      "traceback": traceback.format_exc(limit=8), "config": config}


def model_availability(cls, config: dict, settings) -> tuple[bool, str]:
    """Whether a model can run here with these settings (packages, GPU, files, required pretrained weights)."""
    ok, why = cls.availability(config)
    if not ok or not cls.uses_settings or settings.pretrained != "required":
        return ok, why
    from bench.weights import resolve_all

    missing = [w for w in resolve_all(cls.weight_specs(config), config) if not w.present]
    return (False, missing[0].why_missing()) if missing else (True, "")


def _run_fold(model: Model, label: str, fold: int, train: list, test: list, cfg: RunConfig, out_dir: Path,
              bar, memo: dict, settings, source, record: dict) -> None:
    record["config"] = model.config
    record["higher_is_better"] = bool(model.higher_is_better)
    work = _inside(out_dir, out_dir / label / f"fold-{fold}.work")
    context = RunContext(profile=cfg.profile, device=cfg.device, seed=cfg.seed, work_dir=work, settings=settings,
                         settings_source=source, progress=cfg.progress, memo=memo, fold=fold)
    try:
        t0 = time.perf_counter()
        if type(model).is_trainable(model.config):
            bar.set_postfix_str("fit")
            model.fit(train, context)
            if cfg.save_models:
                # what this fold learned, for `bench predict --checkpoint` on new files
                model.save_checkpoint(_inside(out_dir, out_dir / label / f"fold-{fold}.model"))
        else:
            model.context = context
        t1 = time.perf_counter()
        record["model_card"] = model.describe()
        if record["model_card"].get("ablation"):
            record["ablation"] = record["model_card"]["ablation"]
        if context.training:
            record["training"] = context.training
        if context.train_failures:
            record["failed_train_samples"] = dict(context.train_failures)
            record["n_train"] = len(train) - len(context.train_failures)
        bar.set_postfix_str("predict")
        workers = settings.workers if model.uses_settings else 0
        preds, failures, first_tb = predict_isolated(model, test, progress=cfg.progress, workers=workers)
        t2 = time.perf_counter()
        record["timing"] = {"fit_s": round(t1 - t0, 3), "predict_s": round(t2 - t1, 3)}
        record["failed_samples"] = failures
        if first_tb:
            record["traceback"] = first_tb
        good = [(s, p) for s, p in zip(test, preds) if p is not None]
        maps = {s.id: saved_map_for(s, p) for s, p in good if p.saliency is not None}
        _save_predictions(out_dir, label, fold, test, preds, maps if cfg.save_maps else {})
        warnings = []
        if "saliency" in model.tasks:
            from bench.metrics.fold import saliency_scorable

            no_map = [s.id for s, _ in good if s.saliency_map is None]
            empty = [s.id for s, _ in good if s.saliency_map is not None and not saliency_scorable(s.saliency())]
            for ids, why in ((no_map, "have no ground-truth saliency map"),
                             (empty, "have an all-zero ground-truth map (no distortion marked; saliency metrics are "
                                     "undefined there)")):
                if ids:
                    warnings.append(f"{len(ids)} test sample(s) {why} and were left out of saliency scoring: "
                                    + ", ".join(ids[:5]) + (" ..." if len(ids) > 5 else ""))
        if warnings:
            record["warnings"] = warnings
        if not good:
            record["reason"] = f"every test sample failed, e.g. {next(iter(failures.values()), '?')}"
            return
        from bench.metrics.fold import score_predictions

        record["metrics"] = score_predictions([s for s, _ in good], [p for _, p in good], model.tasks,
                                              model.higher_is_better, maps)
        record["n_scored"] = len(good)
        record["status"] = "ok"
        if not record["metrics"]:
            record["reason"] = "nothing to score: the test fold lacks labels for the model's tasks or has < 3 samples"
        if failures:
            record["reason"] = f"{len(failures)} of {len(test)} test samples failed and were left out"
        shutil.rmtree(work, ignore_errors=True)  # epoch checkpoints: the fold is finished
    except BaseException as exc:  # noqa: BLE001 - isolation is the point: record, go on
        _reraise_if_fatal(exc)
        record["status"] = "unavailable" if isinstance(exc, ModelUnavailable) else "failed"
        record["reason"] = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ModelUnavailable) else str(exc)
        record["traceback"] = traceback.format_exc(limit=8)


def saved_map_for(sample, pred: Prediction) -> np.ndarray:
    from bench.metrics.fold import saved_map

    gt = sample.saliency() if sample.saliency_map is not None else None
    return saved_map(pred.saliency, None if gt is None else gt.shape)


def _safe_read(path: Path) -> Optional[dict]:
    try:
        return read_result(path)
    except BenchError:
        return None  # a corrupt file is recomputed (atomic writes make this a foreign file, not ours)


def accepted_config(cls, overrides: dict) -> dict:
    """The subset of global --set overrides this model's __init__ accepts."""
    params = init_parameters(cls)
    return {k: v for k, v in overrides.items() if k in params}


def init_parameters(cls) -> dict:
    """{name: inspect.Parameter} of every keyword `cls(...)` accepts (through **config chains)."""
    import inspect

    params = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        sig = inspect.signature(init)
        for n, p in sig.parameters.items():
            if n != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                params.setdefault(n, p)
        if not any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
            break
    return params


def predict_isolated(model: Model, samples: Sequence, progress: bool = False,
                     workers: int = 0) -> tuple[list[Optional[Prediction]], dict, Optional[str]]:
    """Predict in batches; a batch that raises or answers the wrong number of predictions is retried sample
    by sample; bad outputs are recorded. Inputs the model prepares per sample are made in `workers`
    processes ahead of it.

    Returns (predictions with None where a sample failed, {sample id: reason}, the first failure's
    traceback or None).
    """
    from tqdm.auto import tqdm

    from bench.data.pipeline import prepared_batches

    preds: dict[str, Optional[Prediction]] = {}
    failures: dict[str, str] = {}
    first_tb = None
    bs = max(1, int(getattr(model, "batch_size", 8)))
    bar = tqdm(total=len(samples), desc="samples", unit="sample", leave=False, disable=not progress)
    for batch in prepared_batches(samples, model.input_fn(), bs, workers):
        ready = [s for s, err in batch if err is None]
        for s, err in batch:
            if err is not None:
                failures[s.id] = f"input preparation: {err}"
        out = None
        if ready:
            try:
                out = _exactly_one_each(model.predict(ready), len(ready))
            except BaseException as exc:  # noqa: BLE001 - retried one by one below
                _reraise_if_fatal(exc)
                out = None
            if out is None:
                out = []
                for s in ready:
                    try:
                        out += _exactly_one_each(model.predict([s]), 1)
                    except BaseException as exc:  # noqa: BLE001
                        _reraise_if_fatal(exc)
                        out.append(None)
                        failures[s.id] = f"{type(exc).__name__}: {exc}"
                        first_tb = first_tb or traceback.format_exc(limit=8)
        for s, p in zip(ready, out or []):
            why = None if p is None else invalid_reason(p, model)
            if why:
                failures[s.id] = why
                p = None
            preds[s.id] = p
        bar.update(len(batch))
    bar.close()
    return [preds.get(s.id) for s in samples], failures, first_tb


def _exactly_one_each(out, n: int) -> list:
    out = list(out) if out is not None else []
    if len(out) != n:
        raise RuntimeError(f"predict() returned {len(out)} predictions for {n} sample(s); it must return exactly "
                           "one per sample, in order")
    return out


def invalid_reason(p, model: Model) -> Optional[str]:
    if not isinstance(p, Prediction):
        return f"predict() returned a {type(p).__name__}, not a Prediction"
    for dim in ("quality", "authenticity"):
        if dim in model.tasks:
            v = p.scores.get(dim)
            if v is None or isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) \
                    or not math.isfinite(float(v)):
                return f"{dim} score is {v!r}"
    if "saliency" in model.tasks:
        if p.saliency is None:
            return "no saliency map"
        m = np.asarray(p.saliency)
        if m.ndim != 2 or m.size == 0 or not np.isfinite(m).all():
            return f"saliency map has shape {m.shape} or non-finite values"
    return None


def _save_predictions(out_dir: Path, name: str, fold: int, samples, preds, maps: dict) -> None:
    lines = []
    for s, p in zip(samples, preds):
        if p is None:
            lines.append(json.dumps({"id": s.id, "failed": True}))
            continue
        row = {"id": s.id, "scores": {k: float(v) for k, v in p.scores.items()}, "levels": p.levels,
               "distortions": list(p.distortions) if p.distortions is not None else None, "text": p.text,
               "mos": s.mos}
        if p.extras:
            row["extras"] = p.extras
        lines.append(json.dumps(row, default=_jsonable))
    path = _inside(out_dir, predictions_path(out_dir, name, fold))
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode())
    if maps:
        import io

        buf = io.BytesIO()
        np.savez_compressed(buf, **maps)
        atomic_write_bytes(path.with_name(f"fold-{fold}.maps.npz"), buf.getvalue())


def _jsonable(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
