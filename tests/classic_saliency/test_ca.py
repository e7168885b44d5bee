"""CA (Goferman et al.): contract, the K-nearest-patch distance, salient object."""
import numpy as np
import pytest

from baselines.classic_saliency import ca
from bench.models.registry import create_model

from ._a_helpers import assert_valid_map, object_over_background, strip_sample


@pytest.fixture(scope="module")
def model():
    return create_model("ca", n_jobs=1)


def test_registered_row(model):
    assert model.paper_row == "CA [16]"


def test_knn_distance_matches_brute_force():
    rng = np.random.default_rng(5)
    q, qpos = rng.random((30, 12)).astype(np.float32), rng.random((30, 2)).astype(np.float32)
    extra, epos = rng.random((20, 12)).astype(np.float32), rng.random((20, 2)).astype(np.float32)
    cands, cpos = np.concatenate([q, extra]), np.concatenate([qpos, epos])
    got = ca._knn_mean_distance(q, qpos, cands, cpos, np.arange(30), k=5, c=3.0, chunk=7)
    dc = np.linalg.norm(q[:, None] - cands[None], axis=-1)
    dp = np.linalg.norm(qpos[:, None] - cpos[None], axis=-1)
    d = dc / dc.max() / (1 + 3 * dp)
    d[np.arange(30), np.arange(30)] = np.inf
    np.testing.assert_allclose(got, np.sort(d, axis=1)[:, :5].mean(1), rtol=1e-4)


def test_strip_map_has_the_strip_shape(model, tmp_path):
    (pred,) = model.predict([strip_sample(tmp_path, view=96)])
    assert_valid_map(pred.saliency, (96, 288))


def test_salient_object_beats_background(model):
    obj, bg = object_over_background(model)
    assert obj > 2 * bg
