"""LMME3DHF trains in three stages on the tiny base, through the harness, and answers every task."""
from __future__ import annotations

import json

import pytest
import torch

import tests.core.fake_models  # noqa: F401
from bench.data.dataset import load_dataset
from bench.models.base import RunContext
from bench.models.registry import create_model
from bench.settings import Settings
from tests.core.test_cli import bench

TINY = {"epochs": 4, "lr": 1e-3, "batch_size": 4, "frames": 8, "input_size": 56, "workers": 0,
        "precision": "fp32", "pretrained": "none"}


@pytest.fixture(scope="module")
def fitted(tiny_dataset, tmp_path_factory):
    ds = load_dataset(tiny_dataset)
    model = create_model("lmme3dhf")
    ctx = RunContext(settings=Settings(**TINY), progress=False, work_dir=tmp_path_factory.mktemp("work"))
    model.setup(ctx)
    vision = {n: p.detach().clone() for n, p in model.module.visual.named_parameters() if "lora_" not in n}
    model.fit(ds.samples[:8], ctx)
    return model, ctx, vision, ds


def test_each_stage_trains_and_its_loss_falls(fitted):
    _, ctx, _, _ = fitted
    stages = ctx.training["stages"]
    assert list(stages) == ["stage1_instruction", "stage2_regression", "stage3_saliency"]
    for name, record in stages.items():
        losses = [h["train_loss"] for h in record["history"]]
        assert len(losses) == TINY["epochs"] and losses[-1] < losses[0], (name, losses)


def test_the_vision_tower_is_unchanged_after_training(fitted):
    model, _, vision, _ = fitted
    after = dict(model.module.visual.named_parameters())
    assert all(torch.equal(after[n], p) for n, p in vision.items())


def test_one_predict_answers_every_task(fitted):
    model, _, _, ds = fitted
    preds = model.predict(ds.samples[8:10])
    h, w = model.map_size()
    for p in preds:
        assert set(p.scores) == {"quality", "authenticity"} and all(v == v for v in p.scores.values())
        assert set(p.levels) == {"quality", "authenticity"} and p.distortions
        assert p.saliency.shape == (h, w) == (32, 96) and p.text.startswith("The distortions")
        assert len(p.extras["level_probs"]["quality"]) == 5


def test_contract_determinism_clean_state_and_checkpoint(tiny_dataset):
    from bench.models.checks import check_model

    report = check_model("lmme3dhf", tiny_dataset, settings_overrides={**TINY, "epochs": 1}, max_test=2)
    assert report["deterministic"] and report["clean_state"] and report["checkpoint_round_trip"]


def test_run_save_and_predict_a_new_video(tiny_dataset, tmp_path):
    sets = [a for k, v in TINY.items() if k not in ("workers",) for a in ("--set", f"{k}={v}")]
    sets[sets.index("epochs=4")] = "epochs=1"
    r = bench("run", "--model", "lmme3dhf,lmme3dhf_ablation_t5_3", "--dataset", tiny_dataset, "--folds", "2",
              "--out", tmp_path / "run", "--no-progress", "--save-models", *sets, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    rec = json.loads((tmp_path / "run" / "lmme3dhf" / "fold-0.json").read_text())
    assert rec["status"] == "ok" and {"quality", "authenticity", "level", "distortion", "saliency"} <= set(rec["metrics"])
    ab = json.loads((tmp_path / "run" / "lmme3dhf_ablation_t5_3" / "fold-0.json").read_text())
    assert ab["ablation"]["table"] == 5 and ab["ablation"]["settings"]["quality_regression"] is True
    ckpt = tmp_path / "run" / "lmme3dhf" / "fold-0.model"
    assert (ckpt / "tensors.safetensors").is_file() and not (ckpt / "objects.pkl").exists()
    video = tiny_dataset / "video_RGB" / "seed0000.mp4"
    r = bench("predict", "--model", "lmme3dhf", "--checkpoint", ckpt, video, "--out", tmp_path / "maps", "--json")
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)
    assert {"quality", "authenticity", "levels", "distortions", "text"} <= set(row)
    assert (tmp_path / "maps" / "seed0000.lmme3dhf.png").is_file()
    r = bench("tables", "--results", tmp_path / "run", "--table", "5", "--format", "md", "--no-write")
    assert r.returncode == 0 and "(3)" in r.stdout, r.stdout + r.stderr
