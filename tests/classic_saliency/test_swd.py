"""SWD (Duan et al. 2011): contract, salient object, PCA and centre-bias pieces."""
import numpy as np
import pytest

from baselines.classic_saliency import swd
from baselines.classic_saliency._b_testimages import natural_image, salient_object_image
from bench.models.registry import create_model


@pytest.fixture(scope="module")
def model():
    return create_model("swd")


def test_registered_row(model):
    assert model.paper_row == "SWD [14]" and model.family == "classic_saliency"


@pytest.mark.parametrize("shape", [(512, 512), (300, 420), (96, 200)])
def test_maps_finite_nonnegative_right_shape(model, shape):
    img = natural_image(max(shape), seed=5)[: shape[0], : shape[1]]
    m = model.saliency_map(img)
    assert m.shape == shape and np.isfinite(m).all() and m.min() >= 0 and m.max() > 0


def test_flat_image_gives_finite_map(model):
    m = model.saliency_map(np.full((140, 140, 3), 50, np.uint8))
    assert np.isfinite(m).all()


def test_too_small_image_is_refused(model):
    with pytest.raises(ValueError, match="patches"):
        model.saliency_map(np.zeros((20, 30, 3), np.uint8))


def test_salient_object_beats_background(model):
    img, mask = salient_object_image(512, seed=0)
    m = model.saliency_map(img)
    assert m[mask].mean() > 2 * m[~mask].mean()


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
