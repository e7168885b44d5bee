"""SUN (Zhang et al. 2008): shipped parameters, responses, the learning recipe (contract: test_family_contract)."""
import numpy as np
import pytest

from baselines.classic_saliency import sun
from baselines.classic_saliency.learn_sun_stats import fit_generalized_gaussian


def test_shipped_parameters_follow_the_recipe():
    prm = sun.load_params()
    f = prm["filters"]
    assert f.shape == (362, 11, 11, 3)  # 11x11 colour patches, DC removed
    np.testing.assert_allclose(f.reshape(362, -1).sum(axis=1), 0, atol=1e-4 * np.abs(f).max())
    assert np.all(prm["sigmas"] > 0) and np.all((prm["thetas"] > 0.2) & (prm["thetas"] < 2.0))
    assert np.median(prm["thetas"]) < 1.0  # ICA responses are sparse (heavier-tailed than Laplace)


def test_responses_are_valid_correlations():
    rng = np.random.default_rng(0)
    img = rng.random((20, 17, 3)).astype(np.float32)
    filters = rng.standard_normal((4, 5, 5, 3)).astype(np.float32)
    resp = sun.filter_responses(img, filters)
    assert resp.shape == (16, 13, 4)
    np.testing.assert_allclose(resp[3, 7, 2], (img[3:8, 7:12] * filters[2]).sum(), rtol=1e-5)


@pytest.mark.parametrize("theta,sigma", [(0.5, 2.0), (1.0, 0.3), (2.0, 1.0)])
def test_generalized_gaussian_fit_recovers_parameters(theta, sigma):
    from scipy.stats import gennorm

    x = gennorm.rvs(theta, scale=sigma, size=40_000, random_state=np.random.default_rng(1))
    s_hat, t_hat = fit_generalized_gaussian(x)
    assert t_hat == pytest.approx(theta, rel=0.05) and s_hat == pytest.approx(sigma, rel=0.08)


def test_missing_parameters_say_how_to_learn_them(tmp_path):
    from bench.errors import ModelUnavailable

    with pytest.raises(ModelUnavailable, match="learn_sun_stats"):
        sun.SUN(stats=str(tmp_path / "none.npz"))
