"""Judd et al. 2009: features, the learned SVM (fit on ground truth), errors before fit."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from baselines.classic_saliency import judd
from baselines.classic_saliency._b_testimages import salient_object_image
from bench.data.saliency_maps import write_saliency_map
from bench.data.sample import Sample
from bench.models.base import RunContext
from bench.models.registry import create_model

from ._a_helpers import assert_valid_map


def _object_sample(folder: Path, i: int, view: int = 128) -> Sample:
    """A 3-view strip of salient-object views whose ground truth marks the objects."""
    views, gts = [], []
    for k in range(3):
        img, mask = salient_object_image(view, seed=10 * i + k)
        views.append(img)
        gts.append(cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 3))
    strip, gt = np.concatenate(views, 1), np.concatenate(gts, 1)
    image, smap = folder / f"o{i}.png", folder / f"o{i}_gt.png"
    cv2.imwrite(str(image), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))
    write_saliency_map(smap, gt / gt.max())
    return Sample(id=f"o{i}", image=image, saliency_map=smap)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("judd")
    model = create_model("judd", n_jobs=1)
    model.fit([_object_sample(folder, i) for i in range(3)], RunContext(seed=0))
    return model, folder


def test_registered_learned_model():
    model = create_model("judd")
    assert model.paper_row == "Judd [28]" and model.trainable


def test_predict_before_fit_is_a_clear_error(tmp_path):
    sample = Sample(id="x", image=tmp_path / "none.png")
    with pytest.raises(RuntimeError, match="fit"):
        create_model("judd").predict([sample])


def test_features_are_finite_and_named():
    img, _ = salient_object_image(160, seed=1)
    feats = judd.judd_features(img)
    assert feats.shape == (len(judd.FEATURE_NAMES), 200, 200) and np.isfinite(feats).all()


def test_training_pixels_follow_the_recipe():
    gt = np.zeros((20, 20))
    gt[5:9, 5:9] = np.linspace(0.1, 1, 16).reshape(4, 4)
    pos, neg = judd.training_pixels(gt, np.random.default_rng(0))
    assert len(pos) == 10 and len(neg) == 10
    assert (gt.ravel()[pos] > 0).all() and (gt.ravel()[neg] == 0).all()


def test_fit_without_ground_truth_fails_clearly(tmp_path):
    s = _object_sample(tmp_path, 9)
    with pytest.raises(ValueError, match="no salient pixels"):
        create_model("judd", n_jobs=1).fit([Sample(id=s.id, image=s.image)], RunContext())


def test_learned_map_finds_the_trained_kind_of_object(fitted):
    model, folder = fitted
    test = _object_sample(folder, 7)
    (pred,) = model.predict([test])
    assert_valid_map(pred.saliency, (128, 384))
    gt = test.saliency()
    assert pred.saliency[gt > 0.5].mean() > 2 * pred.saliency[gt < 0.05].mean()
