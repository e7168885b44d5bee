"""What the deep IQA and VQA tests share: tiny settings, a few-step training run, fake weight caches."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from bench.data.dataset import load_dataset
from bench.models.base import RunContext
from bench.models.registry import create_model
from bench.settings import Settings
from tests.core.test_cli import ROOT, bench

# Small enough for seconds per model on this CPU; the architectures are the real ones.
TINY = {"input_size": 32, "frames": 2, "epochs": 1, "batch_size": 4, "workers": 0}


def fit_few_steps(name: str, dataset, n: int = 2, epochs: int = 3, lr: float = 3e-6, **settings):
    """`name` set up from random weights and trained end to end on the first `n` samples of `dataset` (a
    folder), in full batches without flips: each epoch is one Adam step on the same objective. Returns
    (model, per-epoch training losses, the loss before training, the loss after it); the last two are the
    full batch's training loss without the network's own noise (stochastic depth: Swin-B drops half its blocks
    at random in training), so that they compare weights, not noise draws: in eval mode, except for networks
    with batch normalisation (no stochastic parts; their training loss uses batch statistics)."""
    import numpy as np

    from bench.learn.loop import collate_dicts, trained_state

    samples = load_dataset(dataset).samples[:n]
    values = {**TINY, "batch_size": n * TINY["frames"], "epochs": epochs, "lr": lr, "pretrained": "none",
              "freeze_backbone": False, **settings}
    ctx = RunContext(settings=Settings(**values), progress=False, seed=0)
    model = create_model(name)
    model.flip = False
    model.setup(ctx)
    model.fit(samples, ctx)
    prepare = model.train_prepare()
    batch = collate_dicts([prepare(item, np.random.default_rng(0)) for item in model.training_items(samples)])

    batch_norm = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in model.module.modules())

    def loss() -> float:
        model.module.train(batch_norm)
        with torch.no_grad():
            return float(model.step_loss(model.module, batch))

    after, trained = loss(), trained_state(model.module)
    model.module.load_state_dict(model._clean, strict=False)  # the initial weights
    before = loss()
    model.module.load_state_dict(trained, strict=False)
    return model, [h["train_loss"] for h in ctx.training["history"]], before, after


def random_state(module: torch.nn.Module, seed: int = 1) -> dict:
    """The module's state dict with new random values (what a user's download would hold, structurally)."""
    g = torch.Generator().manual_seed(seed)
    return {k: (torch.randn(v.shape, generator=g) * 0.02).to(v.dtype) if v.is_floating_point() else v.clone()
            for k, v in module.state_dict().items()}


def fake_torchvision_cache(torch_home: Path, builder, url: str, seed: int = 1) -> tuple[Path, dict]:
    """The file torchvision's weights enum downloads, at $TORCH_HOME/hub/checkpoints/<basename of url>,
    holding random values for the full torchvision network `builder()` (classifier included)."""
    state = random_state(builder(), seed)
    path = torch_home / "hub" / "checkpoints" / url.rsplit("/", 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return path, state


def fake_hf_snapshot(hf_home: Path, repo: str, files: dict, revision: str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00a1b2c3d"
                     ) -> Path:
    """A Hugging Face cache entry as `hf download` writes it: blobs named by their sha256, a snapshot folder
    of symlinks to them, refs/main naming the snapshot. `files`: {name: bytes}."""
    base = hf_home / "hub" / ("models--" + repo.replace("/", "--"))
    snap = base / "snapshots" / revision
    snap.mkdir(parents=True, exist_ok=True)
    (base / "blobs").mkdir(exist_ok=True)
    for name, data in files.items():
        blob = base / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        (snap / name).symlink_to(blob)
    (base / "refs").mkdir(exist_ok=True)
    (base / "refs" / "main").write_text(revision)
    return snap


def assert_pretrained_architecture(spec, example) -> None:
    """The trunk built for `spec` (a `Backbone`) holds exactly the tensors of the network its pretrained
    weights come from, minus the classifier, and pools `example` (on the meta device) to (N, features)."""
    import timm
    import torchvision.models as tvm

    from baselines.deep_iqa.backbones import build_trunk

    with torch.device("meta"):
        trunk = build_trunk(spec, example.shape[-1])
        full = (timm.create_model(spec.builder, pretrained=False) if spec.source == "timm"
                else (getattr(tvm.video, spec.builder, None) or getattr(tvm, spec.builder))())
        pooled = trunk(example.to("meta"))
    want = {k: tuple(v.shape) for k, v in full.state_dict().items() if not k.startswith(spec.classifier + ".")}
    assert {k: tuple(v.shape) for k, v in trunk.state_dict().items()} == want
    assert tuple(pooled.shape) == (example.shape[0], spec.features)


def killed_and_resumed(model: str, dataset, tmp_path, frames: int, epochs: int = 4) -> None:
    """Runs `model` end to end on 2 folds, kills a second run with SIGKILL after its 2nd epoch checkpoint,
    resumes it, and checks that it resumed and gives the uninterrupted run's numbers. (`frames` such that no
    training batch holds a single item: batch normalisation of a 1x1 map needs two.)"""
    args = ["run", "--model", model, "--dataset", str(dataset), "--folds", "2", "--no-progress",
            "--set", f"epochs={epochs}", "--set", "freeze_backbone=false", "--set", "input_size=32",
            "--set", f"frames={frames}", "--set", "batch_size=2", "--set", "workers=0"]
    ref = bench(*args, "--out", tmp_path / "ref", timeout=600)
    assert ref.returncode == 0, ref.stdout + ref.stderr
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "bench.cli", *args, "--out", str(out)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    ckpt = out / model / "fold-0.work" / "last.pt"
    deadline = time.time() + 600
    while time.time() < deadline:
        if ckpt.exists() and torch.load(ckpt, weights_only=True)["epoch"] >= 1:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert ckpt.exists() and not (out / model / "fold-0.json").exists(), "the fold finished before the kill"
    r = bench(*args, "--out", out, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    a = json.loads((tmp_path / "ref" / model / "fold-0.json").read_text())
    b = json.loads((out / model / "fold-0.json").read_text())
    assert b["training"]["resumed_after"] is not None and b["training"]["resumed_after"] >= 1
    assert [h["train_loss"] for h in a["training"]["history"]] == [h["train_loss"] for h in b["training"]["history"]]
    assert a["metrics"] == b["metrics"]
    assert (tmp_path / "ref" / model / "fold-0.predictions.jsonl").read_bytes() == \
        (out / model / "fold-0.predictions.jsonl").read_bytes()
