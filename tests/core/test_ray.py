"""`bench run --executor ray`: the same records as the local executor, killed workers, resuming.

One local Ray instance with 2 CPUs serves the module (starting one takes ~10-15 s here); the CLI tests
join it with `--address`. Skips where Ray is not installed.
"""
import importlib.util
import json
from types import SimpleNamespace

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import tests.core.fake_models  # noqa: F401 - registers the t_* models
import tests.core.ray_models  # noqa: F401 - registers t_dies_once, t_needs_gpu
from bench.cli import main
from bench.data.dataset import load_dataset
from bench.data.splits import make_split
from bench.runner import RunConfig, run_benchmark
from tests.core.test_cli import ROOT, bench

needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray is not installed (pip install 'gen3dhf-bench[ray]')")
TINY = {"epochs": 1, "frames": 2, "input_size": 16, "batch_size": 4}
MODELS = ["t_clean", "t_mean_regressor", "t_torch_cnn", "t_centre_saliency", "t_needs_gpu"]  # the last: no GPU here
VOLATILE = ("created", "timing")  # and each epoch's "seconds", and the worker's platform


@pytest.fixture(scope="module")
def ray_address():
    import ray
    import torch

    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONPATH", str(ROOT))  # workers import the tests' models (they inherit this at start)
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def _executor(**kw):
    from bench.executors import RayExecutor

    return RayExecutor(**kw)


def _comparable(path, out_dir):
    rec = json.loads(path.read_text().replace(str(out_dir), "OUT"))
    for key in VOLATILE:
        rec.pop(key)
    rec["versions"].pop("platform")
    for epoch in rec.get("training", {}).get("history", []):
        epoch.pop("seconds")
    return rec


@needs_ray
def test_ray_results_equal_the_local_executors(tiny_dataset, tmp_path, ray_address):
    ds = load_dataset(tiny_dataset)
    split = make_split(ds, "kfold", 2, seed=0)
    local, remote = tmp_path / "local", tmp_path / "ray"
    cfg = dict(progress=False, settings_overrides=TINY)
    with threadpool_limits(1):  # as in a 1-CPU task (Ray sets OMP_NUM_THREADS): BLAS sums round alike
        run_benchmark(ds, split, MODELS, RunConfig(out_dir=local, **cfg))
    outcomes = run_benchmark(ds, split, MODELS, RunConfig(out_dir=remote, **cfg), executor=_executor())
    status = {(o.model, o.fold): o.status for o in outcomes}
    assert status == {(m, f): "unavailable" if m == "t_needs_gpu" else "ok" for m in MODELS for f in (0, 1)}
    for model in MODELS:
        for fold in (0, 1):
            a, b = local / model / f"fold-{fold}", remote / model / f"fold-{fold}"
            assert _comparable(b.with_suffix(".json"), remote) == _comparable(a.with_suffix(".json"), local), model
            pred = ".predictions.jsonl"
            if model != "t_needs_gpu":
                assert b.with_suffix(pred).read_bytes() == a.with_suffix(pred).read_bytes(), model
    for fold in (0, 1):
        maps = [np.load(d / "t_centre_saliency" / f"fold-{fold}.maps.npz") for d in (local, remote)]
        assert sorted(maps[0]) == sorted(maps[1]) and all(np.array_equal(maps[0][k], maps[1][k]) for k in maps[0])
    assert not list(remote.rglob("*.work"))  # finished folds leave no scratch folder


@needs_ray
def test_a_killed_worker_is_retried(tiny_dataset, tmp_path, ray_address):
    ds = load_dataset(tiny_dataset)
    out = tmp_path / "run"
    outcomes = run_benchmark(ds, make_split(ds, "kfold", 2, seed=0), ["t_dies_once"],
                             RunConfig(out_dir=out, progress=False), executor=_executor(max_retries=1))
    assert (tmp_path / "run.died").is_file()  # a worker did die
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert all(o.metrics["quality"]["srcc"] == pytest.approx(1.0) for o in outcomes)


@needs_ray
def test_a_worker_killed_on_its_last_try_is_recorded_and_the_command_resumes(tiny_dataset, tmp_path, ray_address):
    ds = load_dataset(tiny_dataset)
    out, folder = tmp_path / "run", tmp_path / "run" / "t_dies_once"
    outcomes = run_benchmark(ds, make_split(ds, "kfold", 2, seed=0), ["t_dies_once"],
                             RunConfig(out_dir=out, progress=False), executor=_executor(max_retries=0))
    (dead,) = [o for o in outcomes if o.status == "failed"]
    assert [o.status for o in outcomes if o is not dead] == ["ok"]
    assert "Ray worker running it died (WorkerCrashedError" in dead.reason and "on 1 try" in dead.reason
    # the dead attempt wrote nothing: the driver's record of it, and the other fold's files
    files = sorted(p.name for p in folder.iterdir())
    assert f"fold-{dead.fold}.json" in files and f"fold-{dead.fold}.predictions.jsonl" not in files, files
    assert not [f for f in files if f.endswith(".tmp") or f.endswith(".work")], files
    stray = folder / f".fold-{dead.fold}.json.x1y2.tmp"  # what a kill in the middle of a write leaves
    stray.write_text('{"half": ')
    r = bench("run", "--model", "t_dies_once", "--plugins", "tests.core.ray_models", "--dataset", tiny_dataset,
              "--folds", "2", "--out", out, "--no-progress", "--executor", "ray", "--address", ray_address)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Ray executor" in r.stdout and "(1 kept from an earlier run)" in r.stdout
    assert json.loads((folder / f"fold-{dead.fold}.json").read_text())["status"] == "ok" and not stray.exists()


@needs_ray
def test_gpus_are_asked_for_by_models_that_need_them_on_clusters_that_have_them():
    from bench.errors import ConfigError

    ex = _executor(task_cpus=2)
    ex._gpus = 4.0  # as a cluster with GPUs answers (nothing here connects)
    cpu, cuda = RunConfig(out_dir="-"), RunConfig(out_dir="-", device="cuda")
    asks = {(name, cfg.device): ex.resources(SimpleNamespace(name=name), cfg)["num_gpus"]
            for name in ("t_clean", "t_torch_cnn", "t_needs_gpu") for cfg in (cpu, cuda)}
    assert asks == {("t_clean", "cpu"): 0, ("t_clean", "cuda"): 0, ("t_torch_cnn", "cpu"): 0,
                    ("t_torch_cnn", "cuda"): 1, ("t_needs_gpu", "cpu"): 1, ("t_needs_gpu", "cuda"): 1}
    assert ex.resources(SimpleNamespace(name="t_clean"), cpu)["num_cpus"] == 2
    assert ex.resolve_device("auto") == "cuda"
    ex._gpus = 0.0
    assert ex.resources(SimpleNamespace(name="t_needs_gpu"), cpu)["num_gpus"] == 0  # would wait forever
    assert ex.resolve_device("auto") == "cpu"
    with pytest.raises(ConfigError, match="the Ray cluster has no GPU"):
        ex.resolve_device("cuda")


def test_ray_options_without_ray_are_one_line_errors(tiny_dataset, tmp_path, monkeypatch, capsys):
    args = ["run", "--model", "t_clean", "--dataset", str(tiny_dataset), "--out", str(tmp_path), "--no-progress"]
    assert main([*args, "--address", "auto"]) == 2
    assert "--address: only with --executor ray" in capsys.readouterr().err
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # as if not installed
    assert main([*args, "--executor", "ray"]) == 2
    err = capsys.readouterr().err
    assert "--executor ray: Ray is not installed here" in err and "gen3dhf-bench[ray]" in err
    assert not (tmp_path / "run.json").exists()
