"""Reading answers: level parsing, expected level, distortion categories, accuracies, prompts."""
from __future__ import annotations

import numpy as np
import pytest

from baselines.lmm.accuracy import DEFAULT_DISTORTION_ACCURACY, distortion_accuracies, level_accuracy
from baselines.lmm.answers import distortion_answer, expected_level, level_answer, parse_level
from baselines.lmm.prompts import DISTORTION_QUESTION, LEVEL_HINT, answer_prefix, level_words, rating_question
from baselines.lmm.server.lmm_protocol import join_answer
from bench.data.categories import CATEGORIES
from bench.data.levels import LEVELS


@pytest.mark.parametrize("text, level", [
    ("The quality of the human face in this video is good.", "good"),
    ("Excellent", "excellent"),
    ("I would say FAIR, maybe poor.", "fair"),
    ("It is not bad, but fair at best.", "fair"),
    ("The authenticity isn't very good; it is poor.", "poor"),
    ("Not excellent.", None),
    ("I'd rate it 4/5.", "good"),
    ("Score: 2 out of 5", "poor"),
    ("7.5/10", "good"),
    ("I give it 91/100", "excellent"),
    ("3", "fair"),
    ("The face looks natural and realistic.", None),
    ("", None),
    ("goodness, a poorly lit badge", None),
])
def test_parse_level(text, level):
    assert parse_level(text) == level


def test_level_answer_scores_one_to_five():
    assert level_answer("bad") == ("bad", 1.0, "bad")
    assert level_answer("excellent!").score == 5.0
    assert level_answer("no idea") == (None, None, "no idea")


def test_expected_level_is_the_softmax_mean():
    score, probs = expected_level([0.0, 0.0, 0.0, 0.0, 0.0])
    assert score == pytest.approx(3.0) and probs == {lv: pytest.approx(0.2) for lv in LEVELS}
    score, probs = expected_level([-50, -50, -50, -50, 50])
    assert score == pytest.approx(5.0) and probs["excellent"] == pytest.approx(1.0)
    z = np.array([1.0, 2.0, 0.5, -1.0, 3.0])
    p = np.exp(z) / np.exp(z).sum()
    assert expected_level(z)[0] == pytest.approx(p @ [1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="5 finite level logits"):
        expected_level([1.0, 2.0])


def test_each_category_name_is_read_as_itself_by_the_category_rule():
    for name in CATEGORIES:
        assert distortion_answer(name).categories == (name,)
    answer = distortion_answer("Mouth Distortions, Blurring / Exposure / Grain")
    assert answer.categories == ("Mouth Distortions", "Blurring / Exposure / Grain")
    assert distortion_answer("").categories == ("No Distortion",)


def test_distortion_accuracies_and_default():
    labels = [("Eye Distortions",), ("Eye Distortions", "Hair Distortions"), ("No Distortion",)]
    answers = [("Eye Distortions",), ("Eye Distortions",), ("Mouth Distortions",)]
    acc = distortion_accuracies(answers, labels)
    assert acc["default"] == DEFAULT_DISTORTION_ACCURACY == "subset"
    assert acc["subset"] == pytest.approx(1 / 3)
    assert acc["jaccard"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert acc["hit"] == pytest.approx(2 / 3)
    assert acc["hamming"] == pytest.approx(1 - 3 / 27)
    with pytest.raises(ValueError, match="not one of"):
        distortion_accuracies([("Nose",)], [("Eye Distortions",)])


def test_level_accuracy_counts_unparsed_as_wrong():
    assert level_accuracy(["good", None, "bad"], ["good", "good", "poor"]) == pytest.approx(1 / 3)


def test_prompts():
    assert answer_prefix("authenticity") == "The authenticity of the human face in this video is"
    assert level_words() == [" bad", " poor", " fair", " good", " excellent"]
    assert rating_question("quality", hint=True).endswith(LEVEL_HINT)
    assert rating_question("quality", hint=False).startswith("Please rate the quality of the human face")
    assert DISTORTION_QUESTION.endswith("from these categories: " + "; ".join(CATEGORIES) + ".")
    assert join_answer("ASSISTANT:", "The") == "ASSISTANT: The"
    assert join_answer("<|im_start|>assistant\n", "The") == "<|im_start|>assistant\nThe"
