"""The nine ImageNet backbone rows of Table 1's deep IQA block: each keeps the model contract (quick path:
frozen backbone, memoised features, a head per fold), trains end to end with a falling loss, and has exactly
the pretrained architecture's tensors (minus the classifier), so that the real weights load strictly."""
import numpy as np
import pytest
import torch

from baselines.deep_iqa.backbones import IMAGE_BACKBONES
from bench.data.dataset import load_dataset
from bench.models.checks import check_model
from bench.models.registry import get_entry
from bench.tables.layout import TABLE1

from ._helpers import TINY, assert_pretrained_architecture, fit_few_steps

torch.set_num_threads(1)
NAMES = list(IMAGE_BACKBONES)


def test_the_nine_rows_are_registered_in_the_family():
    for name in NAMES:
        entry = get_entry(name)
        assert entry.cls.family == "deep_iqa" and entry.defaults == {"arch": name}
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
    assert_pretrained_architecture(IMAGE_BACKBONES[name], torch.empty(2, 3, 224, 224))
