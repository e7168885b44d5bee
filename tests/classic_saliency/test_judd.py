"""Judd et al. 2009: features, the training recipe, the learned SVM, errors before fit.

The family contract (row, map validity, salient object, strips) is in test_family_contract.py.
"""
import numpy as np
import pytest

from baselines.classic_saliency import judd
from baselines.classic_saliency.synthetic_images import salient_object_image
from bench.data.sample import Sample
from bench.models.base import RunContext
from bench.models.registry import create_model

from ._helpers import assert_valid_map, object_strip_sample, ready_model


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
    s = object_strip_sample(tmp_path, 9)
    with pytest.raises(ValueError, match="no salient pixels"):
        create_model("judd", n_jobs=1).fit([Sample(id=s.id, image=s.image)], RunContext())


def test_learned_map_finds_the_trained_kind_of_object(tmp_path):
    model = ready_model("judd", tmp_path, per_view=True)  # fitted on the views of object strips 0..2
    test = object_strip_sample(tmp_path, 7)
    (pred,) = model.predict([test])
    assert_valid_map(pred.saliency, (128, 384))
    gt = test.saliency()
    assert pred.saliency[gt > 0.5].mean() > 2 * pred.saliency[gt < 0.05].mean()
