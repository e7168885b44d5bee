"""CovSal (Erdem & Erdem 2013): region covariances, their metric, the variants (contract: test_family_contract)."""
import numpy as np
import pytest
from scipy.linalg import eigh

from baselines.classic_saliency import covsal
from bench.models.registry import create_model

from ._helpers import object_over_background


def test_unknown_variant_is_refused():
    from bench.errors import ConfigError

    with pytest.raises(ConfigError, match="model must be one of"):
        create_model("covsal", model="means")


def test_region_statistics_match_numpy():
    feats = np.random.default_rng(0).normal(size=(16, 24, 7))
    mean, cov = covsal.region_statistics(feats, 8)
    block = feats[8:16, 16:24].reshape(-1, 7)
    np.testing.assert_allclose(mean[1, 2], block.mean(0), atol=1e-12)
    np.testing.assert_allclose(cov[1, 2], np.cov(block.T, bias=True), atol=1e-12)


def test_forstner_metric_uses_generalised_eigenvalues():
    rng = np.random.default_rng(1)
    a, b = (np.cov(rng.normal(size=(7, 40))) for _ in range(2))
    lam = eigh(b, a, eigvals_only=True)
    expected = np.sqrt((np.log(lam) ** 2).sum())
    assert covsal._forstner(a[None], b[None])[0] == pytest.approx(expected, rel=1e-9)
    assert covsal._forstner(b[None], a[None])[0] == pytest.approx(expected, rel=1e-9)  # symmetric


@pytest.mark.parametrize("model", ["covariance", "sigma_points"])
def test_both_variants_find_the_salient_object(model):
    obj, bg = object_over_background(create_model("covsal", model=model, n_jobs=1), size=256)
    assert obj > 1.5 * bg
