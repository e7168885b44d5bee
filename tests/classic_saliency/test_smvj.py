"""SMVJ (Cerf et al. 2007): the face channel and its GBVS 'CIO' base (contract: test_family_contract)."""
import numpy as np
import pytest

from baselines.classic_saliency import gbvs, smvj
from baselines.classic_saliency.synthetic_images import natural_image
from baselines.classic_saliency._channels import rescale01, resize
from bench.models.registry import create_model


def test_face_map_is_a_gaussian_at_the_box_centre():
    f = smvj.face_map(np.zeros((100, 120, 3), np.uint8), np.array([[40, 20, 20, 20]]))
    assert f.max() == pytest.approx(1.0) and np.unravel_index(np.argmax(f), f.shape) == (30, 50)
    assert f[30, 50 + 10] == pytest.approx(np.exp(-1.0), rel=1e-6)  # r = (w + h) / 4 = 10


def test_without_faces_smvj_is_the_cio_gbvs_map():
    img = natural_image(96, seed=5)  # no face in a 1/f texture
    expected = gbvs.gbvs_saliency(img, channels="CIO")
    np.testing.assert_allclose(smvj.smvj_saliency(img, face_weight=1.0), resize(expected, (96, 96), "cubic"),
                               atol=1e-6)


def test_default_is_the_map_calTraSal_saved_without_the_face_channel():
    data = pytest.importorskip("skimage.data", reason="the face photo comes from scikit-image")
    img = data.astronaut()
    model = create_model("smvj", n_jobs=1)
    assert model.face_weight == 0.0
    np.testing.assert_allclose(model.saliency_map(img),
                               rescale01(resize(gbvs.gbvs_saliency(img, channels="CIO"), img.shape[:2], "cubic")),
                               atol=1e-6)


def test_face_channel_raises_saliency_on_a_detected_face():
    data = pytest.importorskip("skimage.data", reason="the face photo comes from scikit-image")
    img = data.astronaut()  # one frontal face, found by the cascade at about (178, 69, 92, 92)
    boxes = smvj.detect_faces(img)
    assert len(boxes) >= 1
    x, y, w, h = boxes[0]
    face = (slice(y, y + h), slice(x, x + w))
    with_faces = smvj.smvj_saliency(img, face_weight=1.0)
    without = rescale01(smvj.smvj_saliency(img, face_weight=0.0))
    assert with_faces[face].mean() > without[face].mean() + 0.05
