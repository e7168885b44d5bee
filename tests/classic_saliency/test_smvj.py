"""SMVJ (Cerf et al. 2007): contract, salient object, and the face channel."""
import numpy as np
import pytest

from baselines.classic_saliency import smvj
from baselines.classic_saliency._b_testimages import natural_image, salient_object_image
from bench.models.registry import create_model


@pytest.fixture(scope="module")
def model():
    return create_model("smvj")


def test_registered_row(model):
    assert model.paper_row == "SMVJ [3]" and model.family == "classic_saliency"


@pytest.mark.parametrize("shape", [(512, 512), (300, 420), (130, 200)])
def test_maps_finite_nonnegative_right_shape(model, shape):
    img = natural_image(max(shape), seed=9)[: shape[0], : shape[1]]
    m = model.saliency_map(img)
    assert m.shape == shape and np.isfinite(m).all() and m.min() >= 0 and m.max() > 0


def test_flat_image_gives_finite_map(model):
    m = model.saliency_map(np.full((128, 128, 3), 90, np.uint8))
    assert np.isfinite(m).all()


def test_salient_object_beats_background(model):
    img, mask = salient_object_image(512, seed=0)
    m = model.saliency_map(img)
    assert m[mask].mean() > 2 * m[~mask].mean()


def test_face_map_is_a_gaussian_at_the_box_centre():
    f = smvj.face_map(np.zeros((100, 120, 3), np.uint8), np.array([[40, 20, 20, 20]]))
    assert f.max() == pytest.approx(1.0) and np.unravel_index(np.argmax(f), f.shape) == (30, 50)
    assert f[30, 50 + 10] == pytest.approx(np.exp(-1.0), rel=1e-6)  # r = (w + h) / 4 = 10


def test_face_channel_raises_saliency_on_a_detected_face():
    data = pytest.importorskip("skimage.data", reason="the face photo comes from scikit-image")
    img = data.astronaut()  # one frontal face, found by the cascade at about (178, 69, 92, 92)
    boxes = smvj.detect_faces(img)
    assert len(boxes) >= 1
    x, y, w, h = boxes[0]
    face = (slice(y, y + h), slice(x, x + w))
    with_faces = smvj.smvj_saliency(img, face_weight=1.0)
    without = smvj.smvj_saliency(img, face_weight=0.0)
    assert with_faces[face].mean() > without[face].mean() + 0.05
