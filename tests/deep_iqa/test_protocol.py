"""The protocol shared by the deep IQA and VQA families, checked on image models (ResNet-18, Swin-L): losses,
the frame rule, a real training loop (overfits 8 videos), weights from caches laid out like the real ones,
`unavailable` without them under the paper profile, a killed fold resuming, `bench list` and Table 1."""
import json

import numpy as np
import pytest
import torch

from baselines.deep_iqa.losses import quality_loss
from bench.data.dataset import load_dataset
from bench.data.splits import make_split
from bench.errors import ModelUnavailable
from bench.models.base import RunContext
from bench.models.registry import create_model
from bench.runner import RunConfig, run_benchmark
from bench.settings import Settings, resolve_settings
from tests.core.test_cli import bench

from ._helpers import TINY, fake_hf_snapshot, fake_torchvision_cache, fit_few_steps, killed_and_resumed

torch.set_num_threads(1)
RESNET18_URL = "https://download.pytorch.org/models/resnet18-f37072fd.pth"
SWIN_L_REPO = "timm/swin_large_patch4_window7_224.ms_in22k_ft_in1k"


# ---- losses -----------------------------------------------------------------------------------------------
def test_losses():
    t = torch.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 3.0], [3.0, 2.0]])
    assert quality_loss("mse", t + 1, t).item() == pytest.approx(1.0)
    assert quality_loss("l1", t - 2, t).item() == pytest.approx(2.0)
    assert quality_loss("plcc_rank", 5 * t + 3, t).item() == pytest.approx(0.0, abs=1e-6)  # scale-free
    # anti-correlated: FAST-VQA's PLCC term (MSE(p, y) + MSE(rho p, y)) / 8 on standardised columns is 0.5, rank term > 0
    assert quality_loss("plcc_rank", -t, t).item() > 0.5
    one = torch.ones(1, 2, requires_grad=True)
    loss = quality_loss("plcc_rank", one, t[:1])
    assert loss.item() == 0.0 and loss.requires_grad  # a batch of one has no correlation
    with pytest.raises(ValueError, match="loss must be one of"):
        quality_loss("huber", t, t)
    with pytest.raises(Exception, match="loss must be one of"):
        create_model("resnet18", loss="huber")


# ---- the frame rule ---------------------------------------------------------------------------------------
def test_frames_are_training_items_and_the_video_score_is_their_mean(tiny_dataset):
    samples = load_dataset(tiny_dataset).samples
    settings = Settings(**{**TINY, "frames": 3, "epochs": 2}, pretrained="none", freeze_backbone=True)
    ctx = RunContext(settings=settings, progress=False)
    model = create_model("resnet18")
    model.setup(ctx)
    model.fit(samples[:6], ctx)
    assert ctx.training["n_train_items"] == 6 * 3  # each frame of each training video, labelled with its MOS
    assert "mean of the 3 frame scores" in ctx.training["protocol"]["frames"]
    test = samples[6:9]
    preds = model.predict(test)
    x = torch.stack([model.input_fn()(s)["frames"] for s in test])  # (3 videos, 3 frames, 3, 32, 32)
    with torch.no_grad():
        per_frame = model.module.head(model.module.backbone(x.flatten(0, 1))).reshape(3, 3, 2)
    want = per_frame.mean(1).numpy() * np.array(model.target_scale_) + np.array(model.target_mean_)
    got = np.array([[p.scores["quality"], p.scores["authenticity"]] for p in preds])
    np.testing.assert_allclose(got, want, rtol=1e-4)
    card = model.describe()
    assert card["protocol"]["outputs"].startswith("one network, two outputs") and card["protocol"]["loss"] == "mse"
    assert card["parameters"]["trainable"] < card["parameters"]["total"] / 100  # only the head trains


def test_training_videos_without_labels_or_frames_are_left_out(tiny_dataset, tmp_path):
    from dataclasses import replace

    samples = load_dataset(tiny_dataset).samples[:6]
    bad = [replace(samples[0], mos={"quality": 50.0}), replace(samples[1], video=tmp_path / "gone.mp4")]
    ctx = RunContext(settings=Settings(**TINY, pretrained="none", freeze_backbone=True), progress=False)
    model = create_model("resnet18")
    model.setup(ctx)
    model.fit(bad + samples[2:], ctx)
    assert set(ctx.train_failures) == {samples[0].id, samples[1].id}
    assert "authenticity" in ctx.train_failures[samples[0].id] and ctx.training["n_train_items"] == 4 * 2


# ---- a real training loop ---------------------------------------------------------------------------------
def test_overfits_eight_videos_end_to_end(tiny_dataset):
    _, losses, _, _ = fit_few_steps("resnet18", tiny_dataset, n=8, epochs=25, lr=1e-3, frames=1, input_size=16)
    assert losses[-1] < 0.01 * losses[0] and losses[-1] < 0.01, losses[::5]


# ---- pretrained weights -----------------------------------------------------------------------------------
def test_imagenet_weights_load_from_a_fake_torchvision_cache(tiny_dataset, tmp_path, monkeypatch):
    import torchvision

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    path, state = fake_torchvision_cache(tmp_path / "torch", torchvision.models.resnet18, RESNET18_URL)
    settings, _ = resolve_settings("paper", family="deep_iqa", overrides=TINY)
    assert settings.pretrained == "required" and not settings.freeze_backbone
    ctx = RunContext(profile="paper", settings=settings, progress=False)
    model = create_model("resnet18")
    model.setup(ctx)
    assert model.init == "pretrained"
    assert torch.equal(model.module.backbone.conv1.weight, state["conv1.weight"])
    w = model.describe()["weights"][0]
    assert w["id"] == "ResNet18_Weights.IMAGENET1K_V1" and w["found_in"] == "TORCH_HOME" and len(w["sha256"][path.name]) == 64
    model.fit(load_dataset(tiny_dataset).samples[:4], ctx)  # fine-tunes end to end from them
    assert not torch.equal(model.module.backbone.conv1.weight, state["conv1.weight"])
    # a near architecture's file under the right name is refused, not half loaded
    torch.save(torchvision.models.resnet34().state_dict(), path)
    with pytest.raises(ModelUnavailable, match="not the weights of ResNet18_Weights.IMAGENET1K_V1"):
        create_model("resnet18").setup(RunContext(profile="paper", settings=settings, progress=False))


def test_swin_l_weights_load_from_a_fake_hugging_face_cache(tmp_path, monkeypatch):
    import timm
    from safetensors.torch import save

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with torch.device("meta"):
        shapes = timm.create_model("swin_large_patch4_window7_224", pretrained=False).state_dict()
    g = torch.Generator().manual_seed(3)
    # timm's hub file, in half precision to halve the test's 780 MB (the loader casts)
    state = {k: (torch.randn(v.shape, generator=g) * 0.02).half() for k, v in shapes.items()}
    fake_hf_snapshot(tmp_path / "hf", SWIN_L_REPO, {"model.safetensors": save(state), "config.json": b"{}"})
    settings = Settings(**TINY, pretrained="required", freeze_backbone=True)
    model = create_model("swin_l")
    model.setup(RunContext(profile="paper", settings=settings, progress=False))
    assert model.init == "pretrained"
    got = model.module.backbone.state_dict()
    assert torch.equal(got["patch_embed.proj.weight"], state["patch_embed.proj.weight"].float())
    key = "layers.3.blocks.0.attn.relative_position_bias_table"  # window 7 -> 1 at 32 px: interpolated
    assert got[key].shape != state[key].shape
    w = model.describe()["weights"][0]
    assert w["found_in"] == "HF_HOME" and w["revision"].startswith("0f1e2d") and len(w["sha256"]["model.safetensors"]) == 64


def test_paper_profile_without_weights_is_unavailable_with_the_fetch_command(tiny_dataset, tmp_path):
    env = {"TORCH_HOME": str(tmp_path / "torch"), "HF_HOME": str(tmp_path / "hf")}
    r = bench("run", "--model", "resnet18,swin_l", "--dataset", tiny_dataset, "--folds", "2", "--profile", "paper",
              "--out", tmp_path / "run", "--no-progress", env=env, timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    rec = json.loads((tmp_path / "run" / "resnet18" / "fold-0.json").read_text())
    assert rec["status"] == "unavailable" and "get_weight('ResNet18_Weights.IMAGENET1K_V1')" in rec["reason"]
    rec = json.loads((tmp_path / "run" / "swin_l" / "fold-1.json").read_text())
    assert rec["status"] == "unavailable" and f"hf download {SWIN_L_REPO}" in rec["reason"]


# ---- a killed fold resumes from its last epoch ------------------------------------------------------------
def test_a_killed_fold_resumes_from_its_last_epoch(tiny_dataset, tmp_path):
    killed_and_resumed("resnet18", tiny_dataset, tmp_path, frames=2)  # 5 videos x 2 frames: batches of 2


# ---- bench list and Table 1 -------------------------------------------------------------------------------
def test_list_shows_the_fifteen_rows_under_their_families():
    from baselines.deep_iqa.backbones import IMAGE_BACKBONES
    from baselines.deep_vqa.backbones import VIDEO_BACKBONES
    from bench.tables.layout import TABLE1

    r = bench("list", timeout=600)
    assert r.returncode == 0, r.stderr
    blocks = {b.split("\n", 1)[0]: b for b in r.stdout.split("\n\n")}
    for family, names in (("deep_iqa", IMAGE_BACKBONES), ("deep_vqa", VIDEO_BACKBONES)):
        lines = {line.split()[0]: line for line in blocks[family].splitlines()[1:]}
        for name in names:
            assert dict(TABLE1.rows)[name] in lines[name] and lines[name].endswith("ready"), lines[name]


def test_table1_orders_the_rows_with_markers_and_marks_random_init(tiny_dataset, tmp_path):
    from bench.results import load_results
    from bench.tables.build import build_table
    from bench.tables.layout import TABLE1

    ds = load_dataset(tiny_dataset)
    run_benchmark(ds, make_split(ds, "kfold", 2), ["swin_t", "mc3_18", "resnet18"],
                  RunConfig(out_dir=tmp_path, progress=False, settings_overrides=TINY))
    table = build_table(TABLE1, load_results(tmp_path))
    assert [r.key for r in table.rows] == ["resnet18", "swin_t", "mc3_18"]
    assert [r.marker for r in table.rows] == ["◊", "◊", "♣"]
    notes = {k: v for k, v in table.notes.items()}
    for row in table.rows:
        assert any("random init" in notes[k] for k in row.notes), row.label
