"""SWD (Duan et al. 2011): size limit, PCA and centre-bias pieces (contract: test_family_contract)."""
import numpy as np
import pytest

from baselines.classic_saliency import swd
from baselines.classic_saliency.synthetic_images import natural_image
from bench.models.registry import create_model


def test_too_small_image_is_refused():
    with pytest.raises(ValueError, match="patches"):
        create_model("swd", n_jobs=1).saliency_map(np.zeros((20, 30, 3), np.uint8))


def test_reduced_coordinates_are_leading_gram_eigenvectors():
    img = swd.rgb2ycbcr(natural_image(140, seed=6))
    feats, grid = swd.patch_features(img, 14, 11)
    assert grid == (10, 10) and feats.shape == (100, 11)
    x = img.reshape(10, 14, 10, 14, 3).transpose(0, 2, 1, 3, 4).reshape(100, -1)
    x = np.abs(x - x.mean(axis=0))
    u = np.linalg.svd(x, full_matrices=False)[0][:, :11]
    np.testing.assert_allclose(np.abs((u * feats).sum(axis=0)), 1.0, atol=1e-8)


def test_center_bias_is_one_at_centre_zero_at_farthest_corner():
    cb = swd.center_bias(9, 9)
    assert cb[3, 3] == 1.0 and cb[8, 8] == 0.0 and cb.min() >= 0
