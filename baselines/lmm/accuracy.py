"""Accuracy of the LMM answers: Eq. 4 levels (Table 1's extra column) and distortion categories (Table 2).

The paper reports "average accuracy" for the distortion question without saying how a multi-label
answer is counted. All four readings are computed (`bench.metrics.classification` defines them):

- "subset"  (the default) exact set: the answer names exactly the labelled categories;
- "hamming" per category: agreement over all nine yes/no decisions;
- "jaccard" overlap |answer & labels| / |answer | labels| per video;
- "hit"     every category the answer names is labelled (and it names at least one).

Why exact set: it is what "accuracy" means for a question with one correct answer; it cannot be
gamed (per-category agreement rewards naming nothing: with nine mostly-absent categories such an answer
agrees on ~80% of the decisions, far above Table 2's 8.5-54%; "hit" rewards naming one safe category),
and it is the strictest reading, so a model's score under it is a floor. Report the others beside it.
"""
from __future__ import annotations

import numpy as np

from bench.data.categories import CATEGORIES
from bench.metrics.classification import MULTI_LABEL_MODES, accuracy, multi_hot

DEFAULT_DISTORTION_ACCURACY = "subset"


def distortion_accuracies(answers, labels) -> dict:
    """{mode: accuracy in [0, 1]} for every multi-label reading, plus "default": the mode to report.

    `answers` and `labels` are sequences (one per video) of category-name collections.
    """
    pred, true = multi_hot(answers, CATEGORIES), multi_hot(labels, CATEGORIES)
    out = {mode: accuracy(pred, true, mode=mode) for mode in MULTI_LABEL_MODES}
    out["default"] = DEFAULT_DISTORTION_ACCURACY
    return out


def level_accuracy(answers, labels) -> float:
    """Share of videos whose answered level equals the Eq. 4 level; an unparsed answer (None) is wrong."""
    pred = np.array(["" if a is None else a for a in answers], dtype=object)
    return accuracy(pred, np.array(list(labels), dtype=object))
