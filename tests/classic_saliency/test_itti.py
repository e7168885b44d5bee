"""IT (Itti, Koch & Niebur 1998): native map size, N(.) operator, parallel predict.

The family contract (row, map validity, salient object, strips in both modes) is in test_family_contract.py.
"""
import numpy as np
import pytest

from baselines.classic_saliency._channels import itti_normalize
from bench.models.registry import create_model

from ._helpers import strip_sample


def test_parallel_predict_matches_serial(tmp_path):
    samples = [strip_sample(tmp_path, f"s{i}", view=96, seed=i) for i in range(2)]
    serial = create_model("it", n_jobs=1).predict(samples)
    parallel = create_model("it", n_jobs=2).predict(samples)
    for a, b in zip(serial, parallel):
        np.testing.assert_allclose(a.saliency, b.saliency, atol=1e-6)


def test_native_map_is_at_pyramid_level_4():
    model = create_model("it", n_jobs=1)
    assert model.saliency_map(np.full((256, 320, 3), 128, np.uint8)).shape == (16, 20)


def test_normalisation_promotes_one_peak_over_many():
    one = np.zeros((32, 32), np.float32)
    one[10, 10] = 1.0
    many = np.zeros((32, 32), np.float32)
    many[4::6, 4::6] = 1.0
    assert itti_normalize(one).max() == pytest.approx(1.0)
    assert itti_normalize(many).max() < 0.01  # other maxima as high as the global one: (1 - 1)^2
