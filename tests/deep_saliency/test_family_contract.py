"""What every deep saliency model provides: published size, the 3-view map, training that fits."""
import numpy as np
import pytest
import torch

from baselines.deep_saliency import sal_cfs_gan

from ._helpers import HEIGHT, METHODS, WIDTH, collate, mean_nss, toy_samples, train


def _parameters(module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_full_size_matches_the_published_parameter_count(method):
    with torch.device("meta"):
        net = method.build("full")
    expected = method.module.PAPER_PARAMS
    if isinstance(expected, dict) and "generator" in expected:  # GazeGAN: the release's 3-channel build
        with torch.device("meta"):
            release = sal_cfs_gan.build("full", out_channels=3)
        assert _parameters(release.generator) + sal_cfs_gan.RELEASE_UNUSED_GENERATOR_PARAMS == expected["generator"]
        assert _parameters(release.discriminator) == expected["discriminator"]
        assert _parameters(net.generator) < expected["generator"]
    else:
        variant = method.options.get("variant")
        assert _parameters(net) == (expected[variant] if variant else expected)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_full_size_runs_the_published_input_to_the_tiled_map(method):
    prepare = method.module.Prepare()
    inputs = {k: v[None].to("meta") for k, v in prepare(np.zeros((512, 1536, 3), np.uint8)).items()}
    with torch.device("meta"):
        pred = method.build("full")(**inputs)
    h_out, w_out = prepare.output_size
    assert tuple(pred.shape) == (1, 1, h_out, 3 * w_out)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_outputs_are_non_negative_maps_of_the_three_view_layout(method):
    samples = toy_samples(2, seed=4)
    prepare = method.prepare()
    batch = collate(prepare, samples)
    net = method.build().eval()
    with torch.no_grad():
        pred = net(**batch)  # the whole batch, targets included, goes in
    h_out, w_out = prepare.output_size
    assert pred.shape == (2, 1, h_out, 3 * w_out) and torch.isfinite(pred).all()
    for p in pred:
        restored = prepare.restore(p, HEIGHT, WIDTH)
        assert restored.shape == (HEIGHT, WIDTH) and restored.dtype == np.float32
        assert np.isfinite(restored).all() and restored.min() >= 0


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_training_lowers_the_loss_and_fits_the_training_maps(method):
    torch.manual_seed(0)
    samples = toy_samples(4)
    prepare = method.prepare()
    batch = collate(prepare, samples)
    net = method.build()
    before = mean_nss(net, prepare, batch, samples)
    history = train(method, net, batch, steps=20, lr=1e-3)
    after = mean_nss(net, prepare, batch, samples)
    assert all(np.isfinite(history))
    assert np.mean(history[-3:]) < history[0] - 0.1 * abs(history[0])
    assert after > before + 1.0 and after > 2.0, (before, after)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_unknown_size_is_a_clear_error(method):
    with pytest.raises(ValueError, match="size must be one of"):
        method.build("huge")
