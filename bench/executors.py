"""`bench run --executor ray`: the (model, fold) jobs as Ray tasks, on this machine or a cluster.

Each task runs `bench.runner.run_job`, the function the local executor runs: it sets the model up
(loading its pretrained weights: once per task, since the folds of a model may land on different
workers), fits, predicts, scores and writes the fold's files atomically into the results folder,
which every worker must see at the same path (shared storage), as it must the dataset. The driver,
`bench run` itself, keeps the folder lock and the protocol check and only waits.

- Resources: a task asks for `task_cpus` CPUs, and one GPU when its model needs one
  (`requirements.gpu == "required"`) or runs on `--device cuda` (learned models, and models whose
  GPU is optional). On a cluster without GPUs no GPU is asked for (the task would wait forever); the
  model's own availability check then records why it cannot run.
- A worker that dies mid-job (killed, out of memory, node lost) leaves no half-written file: Ray
  reruns the job up to `max_retries` times; after that the driver records the fold as failed, and
  rerunning the command runs it again. A rerun keeps every finished "ok" fold, as with the local
  executor.
- Results equal the local executor's for the same seed: the same split, settings and per-fold
  context. `RunContext.memo` lives per task here, so fold-independent work a model memoises is
  recomputed per fold; results must not depend on it.
"""
from __future__ import annotations

import importlib
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional, Sequence

from bench.errors import ConfigError
from bench.models.registry import get_entry, load_plugins
from bench.runner import FoldJob, Outcome, RunConfig, new_record, package_versions, run_job, save_record

# What the harness reads from the environment (caches, weights, plugins, offline hub): tasks get the
# command's values, so a worker finds frames and weights where the command does.
FORWARDED_ENV = ("GEN3DHF_BENCH_HOME", "TORCH_HOME", "HF_HOME", "HF_HUB_CACHE", "XDG_CACHE_HOME", "HF_HUB_OFFLINE",
                 "BENCH_PLUGINS")


def import_ray():
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(f"--executor ray: Ray is not installed here ({exc}); install it with "
                          "pip install 'gen3dhf-bench[ray]'") from None
    return ray


class RayExecutor:
    """Runs each (model, fold) job as one Ray task.

    `address`: the cluster to join (`host:port` of its head node, or `auto`: the one `ray start` made on
    this machine); None joins that one too when there is one (or $RAY_ADDRESS's), else starts a Ray
    instance on this machine for the run. `task_cpus`: CPUs a task asks for. `max_retries`: how many
    times Ray reruns a job whose worker died.
    """

    def __init__(self, address: Optional[str] = None, task_cpus: float = 1, max_retries: int = 2):
        if task_cpus <= 0:
            raise ConfigError(f"--task-cpus {task_cpus}: must be > 0")
        if max_retries < 0:
            raise ConfigError(f"--task-retries {max_retries}: must be >= 0")
        self.ray = import_ray()
        self.address, self.task_cpus, self.max_retries = address, task_cpus, max_retries
        self._gpus: Optional[float] = None

    def connect(self) -> "RayExecutor":
        """Join the cluster (or start the local instance) unless this process already has."""
        if not self.ray.is_initialized():
            try:
                self.ray.init(address=self.address)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                where = f"--address {self.address}" if self.address else "--executor ray"
                raise ConfigError(f"{where}: cannot start or reach a Ray cluster: {exc}") from None
        return self

    def cluster_gpus(self) -> float:
        if self._gpus is None:
            self._gpus = float(self.connect().ray.cluster_resources().get("GPU", 0))
        return self._gpus

    def resolve_device(self, device: str) -> str:
        """`--device` against the cluster's GPUs, not this machine's (a head node often has none)."""
        gpus = self.cluster_gpus()
        if device == "cuda" and not gpus:
            raise ConfigError("--device cuda: the Ray cluster has no GPU")
        if device != "auto":
            return device
        return "cuda" if gpus else "cpu"

    def resources(self, job: FoldJob, cfg: RunConfig) -> dict:
        cls = get_entry(job.name).cls
        gpu = cls.requirements.gpu == "required" or (
            cfg.device == "cuda" and (cls.uses_settings or cls.requirements.gpu == "optional"))
        return {"num_cpus": self.task_cpus, "num_gpus": 1 if gpu and self.cluster_gpus() else 0}

    def run(self, jobs: Sequence[FoldJob], by_id: dict, cfg: RunConfig, out_dir: Path) -> list[Outcome]:
        from tqdm.auto import tqdm

        if not jobs:
            return []
        ray = self.connect().ray
        env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
        task = ray.remote(_task)
        samples = ray.put(by_id)  # once, not once per task
        quiet = replace(cfg, progress=False)  # workers' progress bars would interleave in this terminal
        pending = {}
        for job in jobs:
            options = {**self.resources(job, cfg), "max_retries": self.max_retries, "retry_exceptions": False}
            if env:
                options["runtime_env"] = {"env_vars": env}
            ref = task.options(name=f"{job.label}/fold-{job.fold}", **options).remote(
                job, samples, quiet, Path(out_dir), model_origin(job.name))
            pending[ref] = job
        outcomes = []
        bar = tqdm(total=len(jobs), desc="(model, fold) jobs", unit="job", disable=not cfg.progress)
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)  # a timeout lets Ctrl-C in
                for ref in done:
                    job = pending.pop(ref)
                    try:
                        outcome = ray.get(ref)
                    except ray.exceptions.RayError as exc:
                        outcome = self._record_lost(job, exc, out_dir)
                    outcomes.append(outcome)
                    bar.update()
                    bar.set_postfix_str(f"{job.label} fold {job.fold}: {outcome.status}")
        except BaseException:
            for ref in pending:  # a killed task writes nothing: its files are whole or absent
                ray.cancel(ref, force=True)
            raise
        finally:
            bar.close()
        return outcomes

    def _record_lost(self, job: FoldJob, exc: BaseException, out_dir: Path) -> Outcome:
        """The record of a job whose task did not come back: its worker died on every try, or it raised
        outside the runner's isolation (e.g. the model's module is missing on the worker)."""
        record = new_record(job)
        record["config"] = {**get_entry(job.name).defaults, **job.overrides}
        cause = getattr(exc, "cause", None)
        if isinstance(cause, BaseException):  # the task raised: say what
            record["reason"] = f"Ray task: {type(cause).__name__}: {cause}"
        else:
            tries = self.max_retries + 1
            record["reason"] = (f"the Ray worker running it died ({type(exc).__name__}: {str(exc).splitlines()[0]}) "
                                f"on {tries} tr{'y' if tries == 1 else 'ies'}; rerun the command to run it again")
        record["traceback"] = str(exc)
        return save_record(job, record, out_dir)


def model_origin(name: str) -> tuple[str, Optional[str]]:
    """Where a worker finds a model's registration: the module defining its class, and that module's
    file (for a plugin given as a .py file, which has no importable name)."""
    module = get_entry(name).cls.__module__
    return module, getattr(sys.modules.get(module), "__file__", None)


def _ensure_registered(name: str, module: str, file: Optional[str]) -> None:
    try:
        get_entry(name)  # a built-in family or an installed entry point
        return
    except ConfigError:
        pass
    try:
        importlib.import_module(module)
    except ModuleNotFoundError:
        if not file:
            raise
        load_plugins(file)
    try:
        get_entry(name)
    except ConfigError:
        raise ConfigError(f"model {name!r}: importing {module!r} on a Ray worker does not register it (a model "
                          "defined in a script run as __main__ cannot reach workers: define it in a module)") from None


def _task(job: FoldJob, by_id: dict, cfg: RunConfig, out_dir: Path, origin: tuple) -> Outcome:
    """One Ray task: one (model, fold), exactly as the local executor runs it; its record names the
    worker's package versions (a cluster's nodes may differ from the driver's)."""
    _ensure_registered(job.name, *origin)
    job = replace(job, base={**job.base, "versions": package_versions()})
    return run_job(job, by_id, cfg, out_dir)
