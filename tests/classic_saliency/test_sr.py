"""SR (Hou & Zhang 2007): contract, salient object, and the spectral-residual definition."""
import numpy as np
import pytest

from baselines.classic_saliency import sr
from baselines.classic_saliency._b_testimages import natural_image, salient_object_image
from bench.models.registry import create_model


@pytest.fixture(scope="module")
def model():
    return create_model("sr")


def test_registered_row(model):
    assert model.paper_row == "SR [21]" and model.family == "classic_saliency"


@pytest.mark.parametrize("shape", [(512, 512), (300, 420), (96, 200)])
def test_maps_finite_nonnegative_right_shape(model, shape):
    img = natural_image(max(shape), seed=1)[: shape[0], : shape[1]]
    m = model.saliency_map(img)
    assert m.shape == shape and np.isfinite(m).all() and m.min() >= 0 and m.max() > 0


def test_flat_image_gives_finite_map(model):
    m = model.saliency_map(np.full((128, 128, 3), 100, np.uint8))
    assert m.shape == (128, 128) and np.isfinite(m).all()


def test_salient_object_beats_background(model):
    img, mask = salient_object_image(512, seed=0)
    m = model.saliency_map(img)
    assert m[mask].mean() > 1.5 * m[~mask].mean()


def test_residual_removes_the_smooth_log_spectrum():
    # An image whose log amplitude is smooth (1/f noise) gives a near-flat residual map away from
    # structure; adding one small bright square makes that square the maximum.
    img = natural_image(256, seed=3)
    img = (0.3 * img + 90).astype(np.uint8)  # low contrast background
    img[100:116, 180:196] = 255
    m = sr.spectral_residual(img)
    y, x = np.unravel_index(np.argmax(m), m.shape)
    assert 84 <= y <= 132 and 164 <= x <= 212


def test_strip_per_view(model):
    strip = np.concatenate([natural_image(128, s) for s in range(3)], axis=1)
    out = model.strip_saliency(strip)
    assert out.shape == (128, 384) and out.dtype == np.float32 and np.isfinite(out).all()
