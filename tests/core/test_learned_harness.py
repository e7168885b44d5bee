"""The learned-model harness: lifecycle, settings, the shared torch loop, weights, checkpoints, records,
the frame store and the input pipeline (issue: learned-model harness)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

import tests.core.fake_models  # noqa: E402,F401 - registers the t_* models
from bench.data.dataset import load_dataset  # noqa: E402
from bench.data.frame_store import FrameStore  # noqa: E402
from bench.data.splits import make_split  # noqa: E402
from bench.errors import ConfigError  # noqa: E402
from bench.runner import RunConfig, run_benchmark  # noqa: E402
from bench.settings import Settings, resolve_settings  # noqa: E402
from tests.core.test_cli import ROOT, bench  # noqa: E402


@pytest.fixture
def weights_file(tmp_path):
    """A state dict for t_torch_cnn's `net` (as a user's downloaded weights would be)."""
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, stride=2), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(), torch.nn.Linear(4, 2))
    path = tmp_path / "net.pth"
    torch.save(net.state_dict(), path)
    return path


# ---- settings: one dataclass, one precedence rule ------------------------------------------------------
def test_settings_precedence_model_profile_set():
    s, src = resolve_settings("quick", family="deep_iqa", model="x", model_defaults={"lr": 0.5, "patience": 7})
    assert s.lr == resolve_settings("quick", family="deep_iqa")[0].lr != 0.5
    assert src["lr"].startswith("profile quick")  # the profile beats the model's default
    assert s.patience == 7 and src["patience"] == "model default"
    s, src = resolve_settings("paper", family="deep_saliency", model="x", overrides={"epochs": 3})
    assert s.epochs == 3 and src["epochs"] == "--set" and s.early_stopping and s.input_size == 224
    assert resolve_settings("paper", family="deep_saliency")[0].epochs == 30
    assert resolve_settings("paper", family="lmme3dhf")[0].precision == "bf16"
    with pytest.raises(ConfigError, match="batch_size"):
        Settings(batch_size=0)
    with pytest.raises(ConfigError, match="unknown setting"):
        resolve_settings("quick", model_defaults={"nonsense": 1})


# ---- lifecycle: one build and one weight load per run --------------------------------------------------
def test_one_build_and_one_weight_load_per_run(tiny_dataset, tmp_path, weights_file):
    counts = tmp_path / "counts"
    env = {"BENCH_TEST_COUNTS": str(counts)}
    r = bench("run", "--model", "t_torch_cnn", "--dataset", tiny_dataset, "--folds", "5", "--out", tmp_path / "run",
              "--no-progress", "--set", f"weights_path={weights_file}", "--set", "epochs=1", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = counts.read_text().split()
    assert lines.count("builds") == 1 and lines.count("weight_loads") == 1
    rec = _first_record(tmp_path / "run", 4)
    card = rec["model_card"]
    assert card["init"] == "pretrained" and card["parameters"] == {"total": 122, "trainable": 122}
    w = card["weights"][0]
    assert w["present"] and w["found_in"] == "weights_path" and len(w["sha256"]["net.pth"]) == 64
    assert rec["settings"]["epochs"] == 1 and rec["settings_source"]["epochs"] == "--set"
    assert len(rec["training"]["history"]) == 1 and "train_loss" in rec["training"]["history"][0]


def _first_record(run_dir: Path, fold: int) -> dict:
    return json.loads(next(run_dir.glob(f"t_torch_cnn*/fold-{fold}.json")).read_text())


def test_fit_starts_from_a_clean_state_each_fold(tiny_dataset, tmp_path):
    from bench.models.checks import check_model

    report = check_model("t_torch_cnn", tiny_dataset, settings_overrides={"epochs": 2})
    assert report["clean_state"] and report["deterministic"] and report["checkpoint_round_trip"]


# ---- the shared loop: kill -9 mid-fold resumes at the last epoch with the same numbers -----------------
def test_killed_fold_resumes_from_its_last_epoch(tiny_dataset, tmp_path):
    args = ["run", "--model", "t_torch_cnn", "--dataset", str(tiny_dataset), "--folds", "2", "--no-progress",
            "--set", "epochs=6", "--set", "batch_size=2"]
    ref = bench(*args, "--out", tmp_path / "ref")
    assert ref.returncode == 0, ref.stdout + ref.stderr
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_TEST_SLEEP": "0.05"}
    proc = subprocess.Popen([sys.executable, "-m", "tests.core.cli_with_fakes", *args, "--out", str(out)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpt = out / "t_torch_cnn" / "fold-0.work" / "last.pt"
    deadline = time.time() + 120
    while time.time() < deadline:
        if ckpt.exists() and torch.load(ckpt, weights_only=True)["epoch"] >= 2:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert ckpt.exists() and not (out / "t_torch_cnn" / "fold-0.json").exists()
    r = bench(*args, "--out", out)
    assert r.returncode == 0, r.stdout + r.stderr
    a = json.loads((tmp_path / "ref" / "t_torch_cnn" / "fold-0.json").read_text())
    b = json.loads((out / "t_torch_cnn" / "fold-0.json").read_text())
    assert b["training"]["resumed_after"] is not None and b["training"]["resumed_after"] >= 2
    assert [h["train_loss"] for h in a["training"]["history"]] == [h["train_loss"] for h in b["training"]["history"]]
    assert a["metrics"] == b["metrics"]
    for fold in (0, 1):
        assert (tmp_path / "ref" / "t_torch_cnn" / f"fold-{fold}.predictions.jsonl").read_bytes() == \
            (out / "t_torch_cnn" / f"fold-{fold}.predictions.jsonl").read_bytes()
    assert not (out / "t_torch_cnn" / "fold-0.work").exists()  # epoch checkpoints go once the fold is done


def test_loop_overfits_and_early_stopping_uses_the_training_fold_only(tiny_dataset):
    from bench.learn.loop import split_validation
    from bench.models.base import RunContext
    from bench.models.registry import create_model

    ds = load_dataset(tiny_dataset)
    train, val = split_validation(ds.samples[:8], 0.25, seed=0)
    assert len(val) == 2 and not {s.id for s in val} & {s.id for s in train}
    model = create_model("t_torch_cnn", width=64, arch="mlp")
    settings = Settings(epochs=100, lr=3e-4, batch_size=8, input_size=48, frames=1, workers=0, pretrained="none")
    ctx = RunContext(settings=settings, progress=False)
    model.setup(ctx)
    model.fit(ds.samples[:8], ctx)
    losses = [h["train_loss"] for h in ctx.training["history"]]
    assert losses[-1] < 0.01 * losses[0] and losses[-1] < 1e-3  # a real loop: it overfits 8 samples
    es = Settings(epochs=20, lr=3e-4, batch_size=8, input_size=48, frames=1, workers=0, pretrained="none",
                  early_stopping=True, patience=2, val_fraction=0.25)
    ctx = RunContext(settings=es, progress=False, seed=0)
    model.setup(ctx)
    model.fit(ds.samples[:8], ctx)
    assert ctx.training["n_val_items"] == 2 and ctx.training["n_train_items"] == 6
    assert all("val_loss" in h for h in ctx.training["history"])


class _Pairs:
    """Picklable training preparation: x and a noisy linear target, from the item's rng."""

    def __call__(self, item, rng):
        x = torch.from_numpy(rng.normal(size=4).astype(np.float32))
        return {"x": x, "y": x.sum(0, keepdim=True) + 0.1 * float(rng.normal())}


def _two_optimizer_step(module, batch, optimizers):
    """A GAN-shaped step: two networks, two losses, two optimisers, each stepping its own network."""
    loss_a = ((module["a"](batch["x"]) - batch["y"]) ** 2).mean()
    loss_b = ((module["b"](batch["x"]) + batch["y"]) ** 2).mean()
    for key, loss in (("a", loss_a), ("b", loss_b)):
        optimizers[key].zero_grad(set_to_none=True)
        loss.backward()
        optimizers[key].step()
    return {"a": loss_a.item(), "b": loss_b.item()}


def test_loop_step_with_several_optimizers_checkpoints_and_resumes_them_all(tmp_path):
    from bench.learn.loop import CHECKPOINT, train
    from bench.models.base import RunContext

    def run(work, epochs, fail_at=None):
        torch.manual_seed(0)
        module = torch.nn.ModuleDict({"a": torch.nn.Linear(4, 1), "b": torch.nn.Linear(4, 1)})
        optimizers = {k: torch.optim.Adam(module[k].parameters(), lr=0.05) for k in ("a", "b")}

        calls = []

        def step(m, batch, opts):
            calls.append(1)
            if fail_at is not None and len(calls) > 3 * fail_at:  # 3 batches an epoch
                raise KeyboardInterrupt  # killed in epoch `fail_at` (0-based), after the earlier epochs' checkpoints
            return _two_optimizer_step(m, batch, opts)

        ctx = RunContext(settings=Settings(epochs=epochs, batch_size=4, workers=0), progress=False, work_dir=work)
        result = train(module, list(range(12)), _Pairs(), lambda m, b: torch.zeros(()), ctx.settings, ctx,
                       step=step, optimizers=optimizers)
        return module, optimizers, result

    ref, ref_opts, ref_result = run(tmp_path / "ref", 4)
    history = ref_result.history
    assert history[-1]["train_losses"]["a"] < 0.5 * history[0]["train_losses"]["a"]
    assert [h["train_loss"] for h in history] == [h["train_losses"]["a"] for h in history]
    saved = torch.load(tmp_path / "ref" / CHECKPOINT, weights_only=True)
    assert set(saved["optimizers"]) == {"a", "b"} and all(o["state"] for o in saved["optimizers"].values())
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "killed", 4, fail_at=2)
    resumed, opts, result = run(tmp_path / "killed", 4)
    losses = lambda rows: [(h["train_loss"], h["train_losses"]) for h in rows]  # noqa: E731
    assert result.resumed_after == 1 and losses(result.history) == losses(history)
    assert all(torch.equal(p, q) for p, q in zip(ref.parameters(), resumed.parameters()))
    for key in ("a", "b"):  # Adam's moments went on from the checkpoint, not from zero
        assert torch.equal(ref_opts[key].state_dict()["state"][0]["exp_avg_sq"],
                           opts[key].state_dict()["state"][0]["exp_avg_sq"])
    with pytest.raises(ConfigError, match="both or neither"):
        train(ref, [0], _Pairs(), None, Settings(), RunContext(), step=_two_optimizer_step)


# ---- weights: caches laid out like the real ones ------------------------------------------------------
def test_weights_resolver_reads_fake_caches(tmp_path, monkeypatch):
    from bench.weights import WeightSpec, resolve

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    spec = WeightSpec("backbone", "torchvision", "ResNet18_Weights.IMAGENET1K_V1",
                      url="https://download.pytorch.org/models/resnet18-f37072fd.pth")
    assert not resolve(spec).present and "hub/checkpoints/resnet18-f37072fd.pth" in resolve(spec).looked_in
    assert "get_weight('ResNet18_Weights.IMAGENET1K_V1')" in resolve(spec).why_missing()
    f = tmp_path / "torch" / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"weights")
    got = resolve(spec)
    assert got.present and got.found_in == "TORCH_HOME" and got.sha256[f.name] == __import__("hashlib").sha256(
        b"weights").hexdigest()
    # Hugging Face: blobs named by sha256, snapshots of symlinks, refs/main
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    repo = tmp_path / "hf" / "hub" / "models--Org--Model"
    blob = repo / "blobs" / ("a" * 64)
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"tensor bytes")
    snap = repo / "snapshots" / "0123abcd"
    snap.mkdir(parents=True)
    (snap / "config.json").write_text("{}")
    (snap / "model.safetensors").symlink_to(blob)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    hf = resolve(WeightSpec("base", "hf", "Org/Model"))
    assert hf.present and hf.revision == "0123abcd" and hf.sha256 == {"model.safetensors": "a" * 64}
    missing = resolve(WeightSpec("base", "hf", "Org/Other"))
    assert not missing.present and "hf download Org/Other" in missing.why_missing()


def test_paper_profile_without_weights_is_unavailable_with_the_command(tiny_dataset, tmp_path):
    r = bench("run", "--model", "t_torch_cnn", "--dataset", tiny_dataset, "--folds", "2", "--out", tmp_path,
              "--no-progress", "--profile", "paper")
    assert r.returncode == 1 and "cannot run here (1): t_torch_cnn" in r.stdout
    rec = json.loads((tmp_path / "t_torch_cnn" / "fold-0.json").read_text())
    assert rec["status"] == "unavailable" and "t_torch_cnn-net" in rec["reason"]
    r = bench("weights", "--model", "t_torch_cnn")
    assert r.returncode == 0 and "MISSING" in r.stdout and "fetch:" in r.stdout


def test_quick_profile_without_weights_runs_from_random_init(tiny_dataset, tmp_path):
    ds = load_dataset(tiny_dataset)
    run_benchmark(ds, make_split(ds, "kfold", 2), ["t_torch_cnn"],
                  RunConfig(out_dir=tmp_path, progress=False, settings_overrides={"epochs": 1}))
    rec = json.loads((tmp_path / "t_torch_cnn" / "fold-0.json").read_text())
    assert rec["status"] == "ok" and rec["model_card"]["init"] == "random init"


# ---- checkpoints: safetensors, any device, no pickle -----------------------------------------------------
def test_torch_checkpoint_round_trip_through_bench_predict(tiny_dataset, tmp_path):
    r = bench("run", "--model", "t_torch_cnn", "--dataset", tiny_dataset, "--split", "official", "--out",
              tmp_path / "run", "--no-progress", "--save-models", "--set", "epochs=2")
    assert r.returncode == 0, r.stdout + r.stderr
    ckpt = tmp_path / "run" / "t_torch_cnn" / "fold-0.model"
    assert (ckpt / "tensors.safetensors").is_file() and not (ckpt / "objects.pkl").exists()
    saved = {json.loads(x)["id"]: json.loads(x) for x in
             (tmp_path / "run" / "t_torch_cnn" / "fold-0.predictions.jsonl").read_text().splitlines()}
    sid = next(iter(saved))
    r = bench("predict", "--model", "t_torch_cnn", "--checkpoint", ckpt, tiny_dataset / "video_RGB" / f"{sid}.mp4",
              "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["quality"] == pytest.approx(saved[sid]["scores"]["quality"], rel=1e-5)
    r = bench("predict", "--model", "t_torch_cnn", "--checkpoint", ckpt, "--set", "input_size=32",
              tiny_dataset / "video_RGB" / f"{sid}.mp4")
    trained = resolve_settings("quick", family="deep_iqa")[0].input_size
    assert r.returncode == 2 and f"trained with input_size={trained}" in r.stderr


# ---- the frame store and the input pipeline ---------------------------------------------------------------
def test_three_models_five_folds_decode_each_video_once(tiny_dataset, tmp_path):
    ds = load_dataset(tiny_dataset, store=FrameStore(tmp_path / "store"))
    split = make_split(ds, "kfold", 5, seed=0)
    cfg = RunConfig(out_dir=tmp_path / "a", progress=False, settings_overrides={"epochs": 1, "frames": 2})
    run_benchmark(ds, split, ["t_clean", "t_noise_level", "t_oracle"], cfg)
    assert ds.store.decode_count() == len(ds)
    run_benchmark(ds, split, ["t_clean", "t_noise_level"], RunConfig(out_dir=tmp_path / "b", progress=False))
    assert ds.store.decode_count() == len(ds)


def test_prepared_inputs_in_workers_equal_inline(tiny_dataset, tmp_path):
    from bench.data.pipeline import prepared_batches
    from tests.core.fake_models import MeanFrameInput

    ds = load_dataset(tiny_dataset, store=FrameStore(tmp_path / "store"))
    fn = MeanFrameInput(2, 16)
    inline = [s.inputs["x"] for b in prepared_batches(ds.samples, fn, 3, workers=0) for s, _ in b]
    forked = [s.inputs["x"] for b in prepared_batches(ds.samples, fn, 3, workers=2) for s, _ in b]
    assert len(inline) == len(ds) and all(torch.equal(a, b) for a, b in zip(inline, forked))


# ---- records, list and plugins ----------------------------------------------------------------------------
def test_records_carry_the_model_card_and_extras(tiny_dataset, tmp_path):
    ds = load_dataset(tiny_dataset)
    run_benchmark(ds, make_split(ds, "kfold", 2), ["t_with_extras"], RunConfig(out_dir=tmp_path, progress=False))
    rec = json.loads((tmp_path / "t_with_extras" / "fold-0.json").read_text())
    assert rec["model_card"]["ablation"] == {"table": 4, "row": "(9)", "label": "test"} == rec["ablation"]
    rows = [json.loads(x) for x in (tmp_path / "t_with_extras" / "fold-0.predictions.jsonl").read_text().splitlines()]
    assert all(r["extras"]["probs"] == [0.25, 0.75] for r in rows)


def test_list_json_shows_parameter_counts():
    rows = {m["name"]: m for m in json.loads(bench("list", "--json").stdout)["models"]}
    assert rows["t_torch_cnn"]["parameters"] == {"total": 122, "trainable": 122}
    assert rows["t_torch_cnn"]["settings"]["input_size"] == resolve_settings("quick", family="deep_iqa")[0].input_size


def test_plugins_from_a_local_file(tiny_dataset, tmp_path):
    plugin = tmp_path / "my_metric.py"
    plugin.write_text(
        "from bench.models import Model, Prediction, register_model\n"
        "@register_model('local_brightness')\n"
        "class B(Model):\n"
        "    family = 'handcrafted_iqa'\n"
        "    tasks = frozenset({'quality', 'authenticity'})\n"
        "    def predict(self, samples):\n"
        "        return [Prediction(scores={'quality': float(s.frames(count=1).mean()),\n"
        "                                   'authenticity': 0.0}) for s in samples]\n")
    r = bench("run", "--plugins", plugin, "--model", "local_brightness", "--dataset", tiny_dataset, "--folds", "2",
              "--out", tmp_path / "out", "--no-progress")
    assert r.returncode == 0, r.stdout + r.stderr
    r = bench("list", env={"BENCH_PLUGINS": str(plugin)})
    assert "local_brightness" in r.stdout and f"plugin {plugin}" in r.stdout
    r = bench("list", "--plugins", tmp_path / "missing.py")
    assert r.returncode == 2 and "no such file" in r.stderr


def test_check_model_catches_a_broken_contract(tiny_dataset):
    from bench.models.checks import check_model

    with pytest.raises(AssertionError, match="8 predictions for 4 sample"):
        check_model("t_doubled", tiny_dataset)
    report = check_model("t_clean", tiny_dataset)
    assert report["predictions"] == report["n_test"]
