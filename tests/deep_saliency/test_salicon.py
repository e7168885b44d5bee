"""SALICON: the paper's geometry, its objectives, the VGG-16 checkpoint layout."""
import numpy as np
import pytest
import torch
import torchvision

from baselines.deep_saliency import salicon
from baselines.deep_saliency.pretrained import load_pretrained
from bench.metrics.saliency import kld

from ._helpers import collate, toy_samples


def test_views_go_in_at_600x800_and_300x400_and_come_out_at_37x50():
    prepare = salicon.Prepare()
    out = prepare(np.zeros((512, 1536, 3), np.uint8), np.zeros((512, 1536), np.float32))
    assert out["fine"].shape == (3, 3, 600, 800) and out["coarse"].shape == (3, 3, 300, 400)
    assert prepare.output_size == (37, 50) and out["saliency"].shape == (1, 37, 150)
    with pytest.raises(ValueError, match="at least 32"):
        salicon.Prepare(input_size=(16, 64))


def test_zero_readout_starts_from_a_uniform_map():
    batch = collate(salicon.Prepare(salicon.INPUT_SIZE["tiny"]), toy_samples(2))
    pred = salicon.build("tiny")(**batch)
    assert torch.all(pred == 0.5)


def test_objectives_are_the_kl_divergence_and_the_cross_entropy():
    rng = np.random.default_rng(0)
    pred = torch.from_numpy(rng.uniform(0.05, 0.95, (3, 1, 6, 24)))
    target = rng.random((3, 1, 6, 24)) ** 3
    target[2] = 0  # an empty map: no KL term
    batch = {"saliency": torch.from_numpy(target)}
    assert salicon.loss(pred, batch).item() == pytest.approx(np.mean(kld(pred[:2, 0].numpy(), target[:2, 0], resize=None)))
    p = pred.numpy()
    bce = -np.mean(target * np.log(p) + (1 - target) * np.log(1 - p))
    assert salicon.loss(pred, batch, objective="bce").item() == pytest.approx(bce)
    with pytest.raises(ValueError, match="objective"):
        salicon.loss(pred, batch, objective="nss")


def test_vgg16_checkpoints_fit_both_streams():
    with torch.device("meta"):
        net = salicon.build("full")
        reference = torchvision.models.vgg16()
    for part in salicon.PRETRAINED:
        load_pretrained(net, part, reference.state_dict())  # classifier keys dropped, the rest fits
    with torch.device("meta"):
        wrong = torchvision.models.vgg11()
    with pytest.raises(ValueError, match="does not fit 'fine'"):
        load_pretrained(net, "fine", wrong.state_dict())
    assert set(salicon.PRETRAINED.values()) == {"torchvision:VGG16_Weights.IMAGENET1K_V1"}


def test_checkpoint_values_are_copied():
    net, source = salicon.build("tiny"), salicon.build("tiny")
    state = dict(source.fine.state_dict(), **{"classifier.0.weight": torch.zeros(3, 3)})
    load_pretrained(net, "coarse", state)
    assert all(torch.equal(a, b) for a, b in zip(net.coarse.parameters(), source.fine.parameters()))
    with pytest.raises(ValueError, match="no pretrained part"):
        load_pretrained(net, "encoder", state)
