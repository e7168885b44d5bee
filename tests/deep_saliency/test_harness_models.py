"""The four Table 3 rows as harness models: registry, weights, training protocol, `bench run`/`tables`."""
import json

import numpy as np
import pytest
import torch

from baselines.deep_saliency import models as harness
from bench.errors import ModelUnavailable
from bench.metrics.saliency import nss
from bench.models.base import RunContext
from bench.models.checks import check_model
from bench.models.registry import create_model, get_entry
from bench.settings import resolve_settings
from tests.core.test_cli import bench

ROWS = {"salicon": "SALICON [24]", "sal_cfs_gan": "Sal-CFS-GAN [5]", "transalnet_resnet": "TranSalNet-ResNet [46]",
        "transalnet_dense": "TranSalNet-Dense [46]"}
TINY = {"size": "tiny"}


def _context(name, tmp_path, profile="quick", **overrides):
    entry = get_entry(name)
    settings, source = resolve_settings(profile, family=entry.cls.family, model=name,
                                        model_defaults=entry.cls.default_settings, overrides=overrides)
    return RunContext(profile=profile, settings=settings, settings_source=source, work_dir=str(tmp_path),
                      progress=False)


def _samples(dataset):
    from bench.data.dataset import load_dataset

    return [s for s in load_dataset(dataset).samples if s.saliency_map is not None]


def test_registered_with_their_paper_rows_and_profiles():
    for name, row in ROWS.items():
        entry = get_entry(name)
        assert entry.cls.family == "deep_saliency" and entry.cls.tasks == {"saliency"}
        assert entry.paper_row == row
    paper = {n: resolve_settings("paper", family="deep_saliency", model=n)[0] for n in ROWS}
    assert all(s.epochs == 30 and s.early_stopping and s.pretrained == "required" for s in paper.values())
    published = {"salicon": (600, 800), "sal_cfs_gan": (480, 640), "transalnet_resnet": (288, 384)}
    for name, hw in published.items():
        model = create_model(name)
        model.settings = paper[name]
        assert model.canvas() == hw


@pytest.mark.parametrize("name,settings", [("salicon", {}), ("transalnet_dense", {}),
                                           ("transalnet_resnet", {"freeze_backbone": False}),
                                           ("sal_cfs_gan", {"input_size": 128})])
def test_harness_contract_on_tiny_networks(tiny_dataset, name, settings):
    report = check_model(name, tiny_dataset, config=TINY, max_test=2,
                         settings_overrides={"epochs": 1, "batch_size": 4, "workers": 0, "input_size": 32, **settings})
    assert report["deterministic"] and report["clean_state"] and report["checkpoint_round_trip"]


def test_paper_without_encoder_weights_is_unavailable_and_says_how_to_fetch(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    for name, enum in (("salicon", "VGG16_Weights"), ("transalnet_resnet", "ResNet50_Weights"),
                       ("transalnet_dense", "DenseNet161_Weights")):
        model = create_model(name)
        with pytest.raises(ModelUnavailable, match=f"get_weight\\('{enum}.IMAGENET1K_V1'\\)"):
            model.setup(_context(name, tmp_path, profile="paper"))
    model = create_model("salicon", **TINY)  # quick: random init, declared
    model.setup(_context("salicon", tmp_path))
    assert model.describe()["init"] == "random init" and model.describe()["protocol"]["frozen"] == ["fine", "coarse"]


def test_pretrained_encoders_load_from_the_torchvision_cache(tmp_path, monkeypatch):
    from torchvision.models import get_weight, vgg16

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    torch.manual_seed(3)
    state = vgg16().state_dict()
    path = tmp_path / "torch" / "hub" / "checkpoints" / get_weight("VGG16_Weights.IMAGENET1K_V1").url.split("/")[-1]
    path.parent.mkdir(parents=True)
    torch.save(state, path)
    model = create_model("salicon")
    model.setup(_context("salicon", tmp_path, profile="paper"))
    assert model.init == "pretrained"
    for stream in (model.module.fine, model.module.coarse):
        assert torch.equal(stream.features[0].weight, state["features.0.weight"])


def test_overfits_a_handful_of_maps_nss_rises(tiny_dataset, tmp_path):
    samples = _samples(tiny_dataset)[:4]
    fixations = [s.fixations() for s in samples]

    def mean_nss(epochs):
        model = create_model("transalnet_resnet", **TINY)
        ctx = _context("transalnet_resnet", tmp_path / str(epochs), epochs=epochs, lr=3e-3, batch_size=4, workers=0,
                       input_size=32, early_stopping=False, freeze_backbone=False)
        model.setup(ctx)
        model.fit(samples, ctx)
        maps = [p.saliency for p in model.predict(samples)]
        assert all(m.shape == f.shape and m.min() >= 0 for m, f in zip(maps, fixations))
        return float(np.nanmean([nss(m, f) for m, f in zip(maps, fixations)]))

    before, after = mean_nss(0), mean_nss(40)
    assert after > before + 0.5 and after > 1.0, (before, after)


@pytest.mark.parametrize("frozen", [True, False])
def test_early_stopping_validates_on_the_training_fold_only(tiny_dataset, tmp_path, monkeypatch, frozen):
    import bench.learn.loop as loop

    samples = _samples(tiny_dataset)
    train, test = samples[:8], samples[8:]
    seen = []
    evaluate = loop.evaluate

    def spy(module, items, *args, **kwargs):
        seen.append(list(items))
        return evaluate(module, items, *args, **kwargs)

    monkeypatch.setattr(loop, "evaluate", spy)
    model = create_model("transalnet_resnet", **TINY)
    ctx = _context("transalnet_resnet", tmp_path, epochs=2, batch_size=4, workers=0, input_size=32,
                   freeze_backbone=frozen)
    assert ctx.settings.early_stopping  # the quick profile's, like the paper's
    model.setup(ctx)
    model.fit(train, ctx)
    assert len(seen) == 2 and ctx.training["n_val_items"] >= 1
    if frozen:  # memoised items: find whose they are
        memo = ctx.memo[harness.MEMO_KEY]
        ids = {i for i, item in memo.items() for v in seen[0] if v is item}
    else:
        ids = {s.id for s in seen[0]}
    assert ids and ids <= {s.id for s in train} and not ids & {s.id for s in test}
    assert ctx.training["n_train_items"] + ctx.training["n_val_items"] == len(train)


def test_bench_run_and_table3_on_a_tiny_stand_in(tiny_dataset, tmp_path):
    names = ",".join(ROWS)
    r = bench("run", "--model", f"it,{names}", "--dataset", tiny_dataset, "--split", "official", "--out",
              tmp_path / "run", "--no-progress", "--set", "size=tiny", "--set", "epochs=1", timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ROWS:
        rec = json.loads((tmp_path / "run" / f"{name}@size=tiny" / "fold-0.json").read_text())
        assert rec["status"] == "ok" and {"nss", "cc", "kld", "sim"} <= set(rec["metrics"]["saliency"]), rec
        assert rec["model_card"]["init"] == ("random init" if name != "sal_cfs_gan" else
                                             "from scratch (no pretrained part, as the release)")
        maps = np.load(tmp_path / "run" / f"{name}@size=tiny" / "fold-0.maps.npz")
        assert all(maps[k].ndim == 2 and maps[k].min() >= 0 for k in maps.files)
    r = bench("tables", "--results", tmp_path / "run", "--table", "3", "--format", "md", "--no-write")
    assert r.returncode == 0, r.stdout + r.stderr
    at = [r.stdout.index(label) for label in ("IT [27]", *ROWS.values())]
    assert at == sorted(at), r.stdout
    assert "Sal-CFS-GAN [5]: random init" not in r.stdout  # it has no pretrained part to miss
