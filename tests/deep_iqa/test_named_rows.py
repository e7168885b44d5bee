"""The eight named methods of Table 1 as harness rows (CNNIQA, StairIQA, HyperIQA; SimpleVQA, FAST-VQA, DOVER,
TCSVT-BVQA, VSFA; `baselines.deep_iqa.named`): registered with their paper rows, the model contract on the quick path,
memoised features scoring exactly as the method's own network, full-size parameter counts in `bench list --json`
against the published ones, pretrained parts and the authors' checkpoints from fake caches, `unavailable` under the
paper profile without weights, and a Table-1 run through `bench run`.

The networks' own parts (fragment sampling, the hyper network, VSFA's pooling, DOVER's fusion, SlowFast features,
falling losses, overfitting 8 items) are tested with each method module (test_cnniqa.py, ..., test_vsfa.py); here
the rows use the modules' `tiny` variants (`size=tiny`) at 64 px."""
import importlib
import json

import numpy as np
import pytest
import torch

from bench.data.dataset import load_dataset
from bench.learn.loop import collate_dicts
from bench.models.base import RunContext
from bench.models.checks import check_model
from bench.models.registry import create_model, get_entry
from bench.settings import Settings
from bench.tables.layout import TABLE1
from tests.core.test_cli import bench

from ._helpers import random_state

torch.set_num_threads(1)
FAMILIES = {"deep_iqa": ("cnniqa", "stairiqa", "hyperiqa"),
            "deep_vqa": ("simplevqa", "fastvqa", "dover", "tcsvt_bvqa", "vsfa")}
NAMES = [n for names in FAMILIES.values() for n in names]
SMALL = {"input_size": 64, "frames": 4, "epochs": 2, "batch_size": 4, "workers": 0}


def method(name: str):
    return importlib.import_module(get_entry(name).cls.method_module)


def test_registered_in_their_families_with_their_paper_rows():
    for family, names in FAMILIES.items():
        for name in names:
            entry = get_entry(name)
            assert entry.cls.family == family and entry.paper_row == dict(TABLE1.rows)[name]


@pytest.mark.parametrize("name", NAMES)
def test_keeps_the_model_contract_on_the_quick_path(name, tiny_dataset):
    report = check_model(name, tiny_dataset, config={"size": "tiny"}, settings_overrides=SMALL)
    assert report["deterministic"] and report["clean_state"] and report["checkpoint_round_trip"]


@pytest.mark.parametrize("name", NAMES)
def test_memoised_features_score_as_the_methods_network(name, tiny_dataset):
    """The quick path (frozen part's features, then the rest) is the method's forward split in two."""
    model = create_model(name, size="tiny")
    model.setup(RunContext(settings=Settings(**SMALL, pretrained="none", freeze_backbone=True), progress=False))
    samples = load_dataset(tiny_dataset).samples[:2]
    batch = collate_dicts([model.input_fn()(s) for s in samples])
    model.module.eval()
    with torch.no_grad():
        split = model.score(model.module, model.features(model.module, batch))
        whole = model.module(**batch)
    assert split.shape == (2, 2) and torch.allclose(split, whole, atol=1e-5), (split, whole)
    assert not any(p.requires_grad for p in model.frozen_part(model.module).parameters())


def test_full_size_parameter_counts_in_bench_list_match_the_published_ones():
    """`bench list --json` (its rows come from `model_row`) gives each row's full-size, one-output count; the
    references (PAPER_PARAMS) were counted from each method's paper / official code, as its module states."""
    from bench.cli import model_row

    for name in NAMES:
        counts, mod = model_row(name, "quick", with_parameters=True)["parameters"], method(name)
        assert counts["published_reference"] == mod.PAPER_PARAMS
        assert counts["published"] == mod.PAPER_PARAMS - getattr(mod, "UNBUILT_PARAMS", 0), name


def test_pretrained_parts_load_from_fake_caches(tmp_path, monkeypatch):
    """SimpleVQA's ImageNet ResNet-50 (torchvision's file) and Kinetics SlowFast (pytorchvideo's `.pyth`, its
    {"model_state": ...} with pooling and classifier blocks) load strictly; a wrong file is refused."""
    from bench.errors import ModelUnavailable

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    net = method("simplevqa").build("tiny")
    resnet = {**random_state(net.backbone), "fc.weight": torch.zeros(3, 2), "fc.bias": torch.zeros(3)}
    slowfast = {**random_state(net.motion, seed=2), "blocks.6.proj.weight": torch.zeros(3, 2)}
    torch.save(resnet, folder / "resnet50-0676ba61.pth")
    torch.save({"model_state": slowfast, "epoch": 196}, folder / "SLOWFAST_8x8_R50.pyth")
    settings = Settings(**SMALL, pretrained="required", freeze_backbone=False)
    model = create_model("simplevqa", size="tiny")
    model.setup(RunContext(profile="paper", settings=settings, progress=False))
    assert model.init == "pretrained"
    assert torch.equal(model.module.backbone.conv1.weight, resnet["conv1.weight"])
    key = "blocks.0.multipathway_blocks.0.conv.weight"
    assert torch.equal(model.module.motion.state_dict()[key], slowfast[key])
    assert [(w["id"], w["found_in"]) for w in model.describe()["weights"]] == \
        [("ResNet50_Weights.IMAGENET1K_V1", "TORCH_HOME"), ("SLOWFAST_8x8_R50.pyth", "TORCH_HOME")]
    torch.save(random_state(method("vsfa").build("tiny", reduced=4).head), folder / "resnet50-0676ba61.pth")
    with pytest.raises(ModelUnavailable, match="not the weights of ResNet50_Weights.IMAGENET1K_V1"):
        create_model("simplevqa", size="tiny").setup(RunContext(profile="paper", settings=settings, progress=False))


def test_the_authors_checkpoint_loads_with_official_true(tmp_path, monkeypatch):
    """FAST-VQA's release file ({"state_dict": ...} of the one-output network) from the torch hub cache: every tensor
    but the one-output last layer lands; the missing Kinetics Swin leaves the row partly pretrained (quick)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    state = random_state(method("fastvqa").build("tiny", outputs=1, fragments=2))
    torch.save({"state_dict": state}, folder / "FAST_VQA_B_1_4.pth")
    model = create_model("fastvqa", size="tiny", official=True)
    model.setup(RunContext(settings=Settings(**SMALL, pretrained="if_available", freeze_backbone=True),
                           progress=False))
    assert model.init == "partly pretrained (fragments_backbone: random init)"
    key = "fragments_backbone.patch_embed.proj.weight"
    assert torch.equal(model.module.state_dict()[key], state[key])
    assert model.load_report["official_left_out"] == ["vqa_head.fc_last.bias", "vqa_head.fc_last.weight"]
    assert model.describe()["weights"][1]["id"] == "FAST_VQA_B_1_4.pth"


def test_paper_profile_without_weights_is_unavailable_with_the_fetch_command(tiny_dataset, tmp_path):
    r = bench("run", "--model", "stairiqa,fastvqa", "--dataset", tiny_dataset, "--folds", "2", "--profile", "paper",
              "--out", tmp_path / "run", "--no-progress", "--set", "size=tiny", env={"TORCH_HOME": str(tmp_path)},
              timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    reasons = {m: json.loads((tmp_path / "run" / f"{m}@size=tiny" / "fold-0.json").read_text())
               for m in ("stairiqa", "fastvqa")}
    assert all(rec["status"] == "unavailable" for rec in reasons.values())
    assert "get_weight('ResNet50_Weights.IMAGENET1K_V2')" in reasons["stairiqa"]["reason"]
    assert ("torch.hub.load_state_dict_from_url('https://github.com/SwinTransformer/storage/releases/download/v1.0.4/"
            "swin_tiny_patch244_window877_kinetics400_1k.pth'") in reasons["fastvqa"]["reason"]


def test_a_table1_run_of_the_eight_through_bench_run(tiny_dataset, tmp_path):
    from bench.results import load_results
    from bench.tables.build import build_table

    sets = [a for k, v in {**SMALL, "size": "tiny"}.items() for a in ("--set", f"{k}={v}")]
    r = bench("run", "--model", ",".join(NAMES), "--dataset", tiny_dataset, "--folds", "2", "--out", tmp_path,
              "--no-progress", *sets, env={"TORCH_HOME": str(tmp_path / "torch")}, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    table = build_table(TABLE1, load_results(tmp_path))
    assert [row.key for row in table.rows] == NAMES  # Table 1's order
    footnoted = {row.key for row in table.rows if any("random init" in table.notes[k] for k in row.notes)}
    assert footnoted == set(NAMES) - {"cnniqa"}  # CNNIQA has nothing pretrained: no footnote
    for name in NAMES:
        rec = json.loads((tmp_path / f"{name}@size=tiny" / "fold-1.json").read_text())
        init = "from scratch (no pretrained parts)" if name == "cnniqa" else "random init"
        assert rec["status"] == "ok" and rec["model_card"]["init"] == init, rec.get("reason")
        assert rec["model_card"]["protocol"]["loss"].startswith("the method's")
        assert np.isfinite(rec["metrics"]["quality"]["srcc"]), rec["metrics"]
