"""Sal-CFS-GAN (GazeGAN): the generator's geometry, the content loss, the adversarial step."""
import numpy as np
import pytest
import torch

from baselines.deep_saliency import sal_cfs_gan
from bench.metrics import saliency as reference

from ._helpers import collate, toy_samples


def test_the_release_input_keeps_its_shapes():
    # 480x640: the local bottleneck is 7x10 and its first decoder stage must give 15x20 (the
    # release's hard-coded output padding); shapes only, on the meta device
    with torch.device("meta"):
        net = sal_cfs_gan.build("full")
        shapes = []
        net.generator.up1.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape)))
        out = net(torch.zeros(1, 3, 3, 480, 640))
    assert shapes == [(3, 1024, 15, 20)] and tuple(out.shape) == (1, 1, 480, 1920)
    with pytest.raises(ValueError, match="even"):
        sal_cfs_gan.Prepare(input_size=(127, 128))
    with pytest.raises(ValueError, match="even input size"):
        sal_cfs_gan.build("tiny").generator(torch.zeros(1, 3, 64, 64))


def test_discriminator_sees_the_image_with_the_map():
    net = sal_cfs_gan.build("tiny")
    assert net.discriminator.scales[0][0].in_channels == 4 and len(net.discriminator.scales) == 2
    assert sal_cfs_gan.build("tiny", out_channels=3).discriminator.scales[0][0].in_channels == 6
    assert not sal_cfs_gan.PRETRAINED


def _minmax(a):
    a = a.reshape(len(a), -1)
    return (a - a.min(1, keepdims=True)) / (np.ptp(a, 1, keepdims=True) + 1e-8)


def test_content_loss_is_the_release_weighted_sum():
    batch = collate(sal_cfs_gan.Prepare(sal_cfs_gan.INPUT_SIZE["tiny"]), toy_samples(2, seed=5))
    rng = np.random.default_rng(2)
    pred = rng.uniform(0.0, 1.0, batch["saliency"].shape)
    smap = batch["saliency"].double().numpy()
    fix = batch["fixations"].numpy()
    image = np.concatenate(list(batch["image"].double().numpy().transpose(1, 0, 2, 3, 4)), axis=-1)
    l1 = np.mean(np.abs(_minmax(image * (2 * pred - 1)) - _minmax(image * (2 * smap - 1))))
    q = _minmax(smap)
    q /= q.sum(1, keepdims=True)
    p = _minmax(pred)
    p /= p.sum(1, keepdims=True)
    kl = np.sum(q * np.log(q / (p + 1e-8) + 1e-8), axis=1)
    cc = reference.cc(pred[:, 0], smap[:, 0], resize=None)
    score = reference.nss(pred[:, 0], fix[:, 0], resize=None)
    expected = l1 + 10 * np.mean(kl) - 10 * np.mean(cc) - np.mean(score)
    assert sal_cfs_gan.loss(torch.from_numpy(pred), batch).item() == pytest.approx(expected, rel=1e-5)


def test_training_step_updates_each_network_with_its_own_optimizer():
    torch.manual_seed(0)
    net = sal_cfs_gan.build("tiny")
    batch = collate(sal_cfs_gan.Prepare(sal_cfs_gan.INPUT_SIZE["tiny"]), toy_samples(2))
    optimizers = net.configure_optimizers()
    generator = {id(p) for g in optimizers["generator"].param_groups for p in g["params"]}
    discriminator = {id(p) for g in optimizers["discriminator"].param_groups for p in g["params"]}
    assert generator.isdisjoint(discriminator) and generator | discriminator == {id(p) for p in net.parameters()}
    assert generator == {id(p) for p in net.generator.parameters()}
    before = [p.detach().clone() for p in net.parameters()]
    losses = net.training_step(batch, optimizers)
    assert set(losses) == {"generator", "discriminator", "adversarial", "content"}
    assert all(np.isfinite(v) for v in losses.values())
    changed = {id(p) for p, b in zip(net.parameters(), before) if not torch.equal(p, b)}
    assert any(i in changed for i in generator) and any(i in changed for i in discriminator)
