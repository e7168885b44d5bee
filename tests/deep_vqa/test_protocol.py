"""The shared protocol on a clip model (MC3-18): the clip rule, a real training loop (overfits 8 videos),
Kinetics-400 weights from a fake torchvision cache, a killed fold resuming from its last epoch."""
import numpy as np
import pytest
import torch

from bench.data.dataset import load_dataset
from bench.models.base import RunContext
from bench.models.registry import create_model
from bench.settings import Settings, resolve_settings
from tests.deep_iqa._helpers import TINY, fake_torchvision_cache, fit_few_steps, killed_and_resumed

torch.set_num_threads(1)
MC3_URL = "https://download.pytorch.org/models/mc3_18-a90a0ba3.pth"


def test_one_clip_per_video_spread_over_the_orbit_with_kinetics_normalisation(tiny_dataset):
    sample = load_dataset(tiny_dataset).samples[0]
    model = create_model("mc3_18")
    model.settings = Settings(**{**TINY, "frames": 5})
    clip = model.input_fn()(sample)["clip"]
    assert clip.shape == (3, 5, 32, 32)  # (channels, time, height, width): torchvision's video layout
    frames = sample.frames(count=5, size=32).astype(np.float32) / 255  # the centres of 5 segments of 8 frames
    want = (frames[..., 0] - 0.43216) / 0.22803
    np.testing.assert_allclose(clip[0].numpy(), want, atol=1e-5)
    swin = create_model("swin3d_t")  # Swin3D's weights were trained on ImageNet-normalised clips
    assert swin.mean == (0.485, 0.456, 0.406)
    item = model.train_prepare()(sample, np.random.default_rng(0))
    assert item["target"].tolist() == pytest.approx([sample.mos["quality"], sample.mos["authenticity"]])
    assert "5 frames spread uniformly" in model.protocol()["clip"]


def test_overfits_eight_videos_end_to_end(tiny_dataset):
    _, losses, _, _ = fit_few_steps("mc3_18", tiny_dataset, n=8, epochs=25, lr=1e-3, frames=1, input_size=16)
    assert losses[-1] < 0.01 * losses[0] and losses[-1] < 0.01, losses[::5]


def test_kinetics_weights_load_from_a_fake_torchvision_cache(tiny_dataset, tmp_path, monkeypatch):
    import torchvision

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    _, state = fake_torchvision_cache(tmp_path / "torch", torchvision.models.video.mc3_18, MC3_URL)
    settings, _ = resolve_settings("paper", family="deep_vqa", overrides=TINY)
    ctx = RunContext(profile="paper", settings=settings, progress=False)
    model = create_model("mc3_18")
    model.setup(ctx)
    assert model.init == "pretrained" and model.describe()["weights"][0]["id"] == "MC3_18_Weights.KINETICS400_V1"
    assert torch.equal(model.module.backbone.stem[0].weight, state["stem.0.weight"])
    model.fit(load_dataset(tiny_dataset).samples[:4], ctx)
    assert len(ctx.training["history"]) == TINY["epochs"]


def test_a_killed_fold_resumes_from_its_last_epoch(tiny_dataset, tmp_path):
    killed_and_resumed("mc3_18", tiny_dataset, tmp_path, frames=1)  # 5 clips: a batch of 1, on a 2x2 map
