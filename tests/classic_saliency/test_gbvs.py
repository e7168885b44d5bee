"""GBVS (Harel et al. 2006): contract, exact Markov equilibrium, salient object."""
import numpy as np
import pytest

from baselines.classic_saliency import gbvs
from bench.models.registry import create_model

from ._a_helpers import assert_valid_map, object_over_background, strip_sample


@pytest.fixture(scope="module")
def model():
    return create_model("gbvs", n_jobs=1)


def test_registered_row(model):
    assert isinstance(model, gbvs.GBVS) and model.paper_row == "GBVS [18]"


def test_strip_map_has_the_strip_shape(model, tmp_path):
    (pred,) = model.predict([strip_sample(tmp_path)])
    assert_valid_map(pred.saliency, (160, 480))


def test_graph_size_follows_the_longer_side():
    assert gbvs.map_size(512, 512) == (32, 32) and gbvs.map_size(512, 1536) == (11, 32)


@pytest.mark.parametrize("kind", ["difference", "log", "mass"])
def test_equilibrium_equals_power_iteration(kind):
    rng = np.random.default_rng(0)
    values = rng.random((5, 7)) + 0.05
    w = gbvs._spatial_weights(5, 7, 1.2)
    v = values.ravel()
    if kind == "mass":
        a = np.repeat(v[:, None], v.size, axis=1)
    else:
        f = v if kind == "difference" else np.log(v)
        a = np.abs(f[:, None] - f[None, :])
    chain = w * a
    chain /= chain.sum(axis=0, keepdims=True)
    p = np.full(v.size, 1.0 / v.size)
    for _ in range(3000):
        p = chain @ p
    np.testing.assert_allclose(gbvs.markov_equilibrium(values, w, kind).ravel(), p, atol=1e-12)


def test_flat_image_gives_a_finite_map(model):
    assert np.isfinite(model.saliency_map(np.full((128, 128, 3), 77, np.uint8))).all()


@pytest.mark.parametrize("normalization", ["power", "graph"])
def test_salient_object_beats_background(normalization):
    obj, bg = object_over_background(create_model("gbvs", normalization=normalization, n_jobs=1))
    assert obj > 2 * bg
