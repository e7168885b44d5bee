"""The 15 backbone rows of Table 1 (nine ImageNet backbones in the deep IQA block, six Kinetics-400 video
backbones in the deep VQA block): each keeps the model contract (quick path: frozen backbone, memoised features, a
head per fold), trains end to end with a falling loss, and has exactly the pretrained architecture's tensors (minus
the classifier), so that the real weights load strictly."""
import numpy as np
import pytest
import torch

from baselines.deep_iqa.backbones import IMAGE_BACKBONES
from baselines.deep_vqa.backbones import VIDEO_BACKBONES
from bench.data.dataset import load_dataset
from bench.models.checks import check_model
from bench.models.registry import get_entry
from bench.tables.layout import TABLE1

from ._helpers import TINY, assert_pretrained_architecture, fit_few_steps

torch.set_num_threads(1)
FAMILIES = {"deep_iqa": IMAGE_BACKBONES, "deep_vqa": VIDEO_BACKBONES}
INPUTS = {"deep_iqa": (2, 3, 224, 224), "deep_vqa": (2, 3, 16, 112, 112)}
NAMES = [name for backbones in FAMILIES.values() for name in backbones]


def family_of(name: str) -> str:
    return next(f for f, backbones in FAMILIES.items() if name in backbones)


def test_the_fifteen_rows_are_registered_in_their_families():
    assert len(IMAGE_BACKBONES) == 9 and len(VIDEO_BACKBONES) == 6
    for name in NAMES:
        entry = get_entry(name)
        assert entry.cls.family == family_of(name) and entry.defaults == {"arch": name}
        assert entry.paper_row == dict(TABLE1.rows)[name]


@pytest.mark.parametrize("name", NAMES)
def test_keeps_the_model_contract_on_the_quick_path(name, tiny_dataset):
    report = check_model(name, tiny_dataset, settings_overrides=TINY)
    assert report["deterministic"] and report["clean_state"] and report["checkpoint_round_trip"]


@pytest.mark.parametrize("name", NAMES)
def test_trains_end_to_end_with_a_falling_loss(name, tiny_dataset):
    model, losses, before, after = fit_few_steps(name, tiny_dataset)
    assert np.all(np.isfinite(losses)) and after < before, (before, after, losses)
    preds = model.predict(load_dataset(tiny_dataset).samples[4:6])
    assert all(np.isfinite(v) for p in preds for v in p.scores.values())


@pytest.mark.parametrize("name", NAMES)
def test_has_the_pretrained_architecture_without_its_classifier(name):
    family = family_of(name)
    assert_pretrained_architecture(FAMILIES[family][name], torch.empty(*INPUTS[family]))
