"""Differentiable saliency metrics against the benchmark's numpy metrics and their edge cases."""
import numpy as np
import pytest
import torch

from baselines.deep_saliency import losses
from bench.metrics import saliency as reference


def _maps(seed=0, n=3, shape=(24, 40)):
    rng = np.random.default_rng(seed)
    pred = rng.random((n,) + shape) ** 3
    target = rng.random((n,) + shape) ** 4
    fixations = rng.random((n,) + shape) > 0.97
    return pred, target, fixations


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a))[:, None]  # (B, 1, H, W) float64


@pytest.mark.parametrize("ours, theirs, fixation_target", [
    (losses.kl_divergence, reference.kld, False),
    (losses.correlation, reference.cc, False),
    (losses.nss, reference.nss, True),
    (losses.similarity, reference.sim, False),
])
def test_metrics_equal_the_benchmark_numpy_metrics(ours, theirs, fixation_target):
    pred, target, fixations = _maps()
    other = fixations if fixation_target else target
    got = ours(_t(pred), _t(other)).numpy()
    np.testing.assert_allclose(got, theirs(pred, other, resize=None), rtol=1e-9, atol=1e-12)


def test_kl_divergence_by_hand():
    p = torch.tensor([[[[1.0, 3.0]]]], dtype=torch.float64)
    q = torch.tensor([[[[2.0, 2.0]]]], dtype=torch.float64)
    eps = losses.MATLAB_EPS
    expected = 0.5 * np.log(eps + 0.5 / (0.25 + eps)) + 0.5 * np.log(eps + 0.5 / (0.75 + eps))
    assert losses.kl_divergence(p, q).item() == pytest.approx(expected, rel=1e-12)


def test_undefined_terms_are_nan_as_in_numpy_and_leave_gradients_finite():
    pred, target, fixations = _maps(seed=1)
    target[1] = 0.0  # an image without a marked distortion
    fixations[1] = False
    p = _t(pred).requires_grad_()
    total = 0
    for ours, theirs, other in ((losses.kl_divergence, reference.kld, target),
                                (losses.correlation, reference.cc, target),
                                (losses.nss, reference.nss, fixations),
                                (losses.similarity, reference.sim, target)):
        values = ours(p, _t(other))
        np.testing.assert_allclose(values.detach().numpy(), theirs(pred, other, resize=None), rtol=1e-9)
        assert torch.isnan(values[1]) and not torch.isnan(values[[0, 2]]).any()
        total = total + losses.mean_defined(values)
    total.backward()
    assert torch.isfinite(p.grad).all() and p.grad[1].abs().sum() == 0


def test_constant_prediction_scores_zero_with_finite_gradients():
    _, target, fixations = _maps(seed=2)
    p = torch.full((3, 1, 24, 40), 0.5, dtype=torch.float64, requires_grad=True)
    cc, score = losses.correlation(p, _t(target)), losses.nss(p, _t(fixations))
    assert torch.all(cc == 0) and torch.all(score == 0)
    (cc.sum() + score.sum() + losses.kl_divergence(p, _t(target)).sum()).backward()
    assert torch.isfinite(p.grad).all()


def test_mean_defined_averages_over_defined_samples_only():
    values = torch.tensor([1.0, float("nan"), 3.0], requires_grad=True)
    out = losses.mean_defined(values)
    out.backward()
    assert out.item() == 2.0 and values.grad.tolist() == [0.5, 0.0, 0.5]
    assert losses.mean_defined(torch.tensor([float("nan")])).item() == 0.0


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="differ in shape"):
        losses.correlation(torch.zeros(2, 1, 4, 4), torch.zeros(2, 1, 4, 5))
