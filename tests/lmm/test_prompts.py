"""The shared prompts and answer reading (bench/data/prompts.py) and the family's scoring arithmetic."""
from __future__ import annotations

import numpy as np
import pytest

from baselines.lmm.answers import expected_level, read_distortions, read_level
from baselines.lmm.server.lmm_protocol import join_answer
from bench.data.categories import CATEGORIES
from bench.data.levels import LEVELS
from bench.data.prompts import (DISTORTION_QUESTION, LEVEL_HINT, PROMPTS, answer_prefix, distortion_answer,
                                level_answer, level_words, parse_distortions, parse_level, rating_question)


@pytest.mark.parametrize("text, level", [
    ("The quality of the human face in this video is good.", "good"),
    ("Excellent", "excellent"),
    ("I would say FAIR, maybe poor.", "fair"),
    ("It is not bad, but fair at best.", "fair"),
    ("Not bad.", "fair"),  # the phrase means acceptable: one level above poor
    ("It is not too poor", "fair"),
    ("The authenticity isn't very good; it is poor.", "poor"),
    ("Not excellent.", None),
    ("not excellent, but good", "good"),
    ("I'd rate it 4/5.", "good"),
    ("Score: 2 out of 5", "poor"),
    ("7.5/10", "good"),
    ("I give it 91/100", "excellent"),
    ("12/10", None),
    ("3", "fair"),
    ("The video shows 2 faces", None),  # a number that is no rating
    ("The face looks natural and realistic.", None),
    ("", None),
    (None, None),
    ("goodness, a poorly lit badge", None),
])
def test_parse_level(text, level):
    assert parse_level(text) == level


def test_a_level_answer_reads_back_as_its_level():
    for dim in PROMPTS:
        for level in LEVELS:
            assert parse_level(level_answer(dim, level)) == level
            assert level_answer(dim, level).startswith(answer_prefix(dim) + " ")


def test_read_level_scores_one_to_five():
    assert read_level("bad") == ("bad", 1.0, "bad")
    assert read_level("excellent!").score == 5.0
    assert read_level("no idea") == (None, None, "no idea")


def test_expected_level_is_the_softmax_mean():
    score, probs = expected_level([0.0, 0.0, 0.0, 0.0, 0.0])
    assert score == pytest.approx(3.0) and probs == {lv: pytest.approx(0.2) for lv in LEVELS}
    result = expected_level([-50, -50, -50, -50, 50])
    assert result.score == pytest.approx(5.0) and result.probs["excellent"] == pytest.approx(1.0)
    assert result.level == "excellent"
    z = np.array([1.0, 2.0, 0.5, -1.0, 3.0])
    p = np.exp(z) / np.exp(z).sum()
    assert expected_level(z).score == pytest.approx(p @ [1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="5 finite level logits"):
        expected_level([1.0, 2.0])
    with pytest.raises(ValueError, match="5 finite level logits"):
        expected_level([1.0, 2.0, np.nan, 0.0, 0.0])


def test_distortion_answers_are_read_by_the_category_rule():
    for name in CATEGORIES:
        assert parse_distortions(name) == (name,)
        assert parse_distortions(name.upper()) == (name,)
    answer = read_distortions("Mouth Distortions, Blurring / Exposure / Grain")
    assert answer.categories == ("Mouth Distortions", "Blurring / Exposure / Grain")
    assert answer.text == "Mouth Distortions, Blurring / Exposure / Grain"
    # free words fall back to the rule that makes the labels from the annotators' descriptions
    assert parse_distortions("the eyes are blurry") == ("Eye Distortions", "Blurring / Exposure / Grain")
    assert parse_distortions("") == ("No Distortion",) and parse_distortions(None) == ("No Distortion",)
    # LMME3DHF's taught answer reads back as its categories
    labels = ("Hair Distortions", "Overlap or Blending Issues")
    assert parse_distortions(distortion_answer(labels)) == labels


def test_prompts():
    assert answer_prefix("authenticity") == "The authenticity of the human face in this video is"
    with pytest.raises(ValueError, match="unknown dimension 'beauty'"):
        answer_prefix("beauty")
    assert level_words() == [" bad", " poor", " fair", " good", " excellent"]
    assert rating_question("quality", hint=True) == PROMPTS["quality"] + " " + LEVEL_HINT
    assert rating_question("quality", hint=False) == PROMPTS["quality"]
    assert DISTORTION_QUESTION.endswith("from these categories: " + "; ".join(CATEGORIES) + ".")
    assert join_answer("ASSISTANT:", "The") == "ASSISTANT: The"
    assert join_answer("<|im_start|>assistant\n", "The") == "<|im_start|>assistant\nThe"
