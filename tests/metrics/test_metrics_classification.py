"""bench.metrics.accuracy on hand-computed examples."""
import numpy as np
import pytest

from bench.metrics import accuracy, multi_hot

# Four samples, three categories.
TRUE = np.array([[1, 0, 1],
                 [0, 1, 0],
                 [0, 0, 0],
                 [1, 1, 0]], dtype=bool)
PRED = np.array([[1, 0, 1],   # exact
                 [0, 1, 1],   # one extra label
                 [0, 0, 0],   # both empty
                 [1, 0, 0]],  # one missing label
                dtype=bool)


def test_single_label():
    assert accuracy([1, 2, 3, 4], [1, 2, 0, 4]) == 0.75
    assert accuracy(np.array(["bad", "good"]), np.array(["bad", "fair"])) == 0.5
    assert accuracy(["good"], ["good"], mode="single") == 1.0


def test_subset_is_exact_match_and_default():
    assert accuracy(PRED, TRUE, mode="subset") == 2 / 4
    assert accuracy(PRED, TRUE) == 2 / 4


def test_hamming_is_per_label_agreement():
    # 12 entries, 2 disagree
    assert accuracy(PRED, TRUE, mode="hamming") == pytest.approx(10 / 12)


def test_jaccard_is_mean_sample_iou():
    # 2/2, 1/2, both empty -> empty_score, 1/2
    assert accuracy(PRED, TRUE, mode="jaccard") == pytest.approx((1 + 0.5 + 1 + 0.5) / 4)
    assert accuracy(PRED, TRUE, mode="jaccard", empty_score=0.0) == pytest.approx((1 + 0.5 + 0 + 0.5) / 4)


def test_hit_needs_a_non_empty_prediction_inside_the_true_set():
    # exact: yes; extra label: no; empty prediction: no; a correct subset: yes
    assert accuracy(PRED, TRUE, mode="hit") == 2 / 4


def test_integer_multi_hot_and_helper():
    cats = ("noise", "blur", "color")
    assert np.array_equal(multi_hot([["noise", "color"], [], ["blur"]], cats),
                          [[1, 0, 1], [0, 0, 0], [0, 1, 0]])
    assert accuracy(PRED.astype(int), TRUE.astype(int), mode="subset") == 0.5
    with pytest.raises(ValueError, match="'fog' is not one of"):
        multi_hot([["fog"]], cats)


def test_errors():
    with pytest.raises(ValueError, match="differ in shape"):
        accuracy([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="unknown multi-label mode"):
        accuracy(PRED, TRUE, mode="f1")
    with pytest.raises(ValueError, match="2-D multi-label"):
        accuracy([1, 2], [1, 2], mode="jaccard")
    with pytest.raises(ValueError, match="boolean or 0/1"):
        accuracy(np.full((2, 2), 2), np.ones((2, 2), dtype=int))
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])
