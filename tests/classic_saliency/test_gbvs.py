"""GBVS (Harel et al. 2006): graph size, exact Markov equilibrium, channels, normalisations.

The family contract (row, map validity, salient object, strips) is in test_family_contract.py.
"""
import numpy as np
import pytest

from baselines.classic_saliency import gbvs
from bench.models.registry import create_model

from ._helpers import object_over_background


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


def test_channels_are_chosen_by_letter():
    from baselines.classic_saliency.synthetic_images import natural_image

    img = natural_image(128, seed=3)
    maps = gbvs.gbvs_feature_maps(img, channels="CIO")
    assert list(maps) == ["colour", "intensity", "orientation"]
    assert [len(m) for m in maps.values()] == [2 * 3, 3, 4 * 3]  # per level: 2 opponencies, 1, 4 angles
    dio = gbvs.gbvs_feature_maps(img)
    assert list(dio) == ["dkl", "intensity", "orientation"]
    np.testing.assert_array_equal(maps["orientation"][5], dio["orientation"][5])
    assert not np.allclose(gbvs.gbvs_saliency(img, channels="CIO"), gbvs.gbvs_saliency(img))
    with pytest.raises(ValueError, match="channel"):
        gbvs.gbvs_saliency(img, channels="DX")


@pytest.mark.parametrize("normalization", ["power", "graph"])
def test_salient_object_beats_background(normalization):
    obj, bg = object_over_background(create_model("gbvs", normalization=normalization, n_jobs=1), size=256)
    assert obj > 2 * bg
