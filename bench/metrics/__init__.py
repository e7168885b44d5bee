"""Evaluation metrics of the benchmark, as plain functions on numpy arrays.

- score agreement with MOS (`correlation`): srcc, krcc, plcc, plcc_logistic, rmse, score_all;
- question answering (`classification`): accuracy, single- and multi-label;
- saliency (`saliency`, MIT saliency benchmark definitions): auc_judd, auc_borji, nss, cc, sim, kld.
"""
from bench.metrics.classification import MULTI_LABEL_MODES, accuracy, multi_hot
from bench.metrics.correlation import (
    LogisticFit,
    LogisticFitWarning,
    fit_logistic,
    krcc,
    logistic4,
    plcc,
    plcc_logistic,
    rmse,
    score_all,
    srcc,
)
from bench.metrics.resize import RESIZE_METHODS, imresize_matlab
from bench.metrics.saliency import MATLAB_EPS, auc_borji, auc_judd, cc, kld, nss, sim

CORRELATION_METRICS = ("srcc", "plcc", "plcc_logistic", "krcc", "rmse")  # keys of score_all
SALIENCY_METRICS = ("auc_judd", "auc_borji", "nss", "cc", "sim", "kld")

# For each saliency metric: which ground truth it takes ("fixations": the binary fixation map,
# "continuous": the saliency map) and whether a higher value is better.
SALIENCY_METRIC_INFO = {
    "auc_judd": {"ground_truth": "fixations", "higher_is_better": True},
    "auc_borji": {"ground_truth": "fixations", "higher_is_better": True},
    "nss": {"ground_truth": "fixations", "higher_is_better": True},
    "cc": {"ground_truth": "continuous", "higher_is_better": True},
    "sim": {"ground_truth": "continuous", "higher_is_better": True},
    "kld": {"ground_truth": "continuous", "higher_is_better": False},
}

SALIENCY_FUNCTIONS = {
    "auc_judd": auc_judd, "auc_borji": auc_borji, "nss": nss, "cc": cc, "sim": sim, "kld": kld,
}

__all__ = [
    "accuracy", "multi_hot", "MULTI_LABEL_MODES",
    "srcc", "krcc", "plcc", "plcc_logistic", "rmse", "score_all", "fit_logistic", "logistic4",
    "LogisticFit", "LogisticFitWarning",
    "auc_judd", "auc_borji", "nss", "cc", "sim", "kld", "MATLAB_EPS",
    "imresize_matlab", "RESIZE_METHODS",
    "CORRELATION_METRICS", "SALIENCY_METRICS", "SALIENCY_METRIC_INFO", "SALIENCY_FUNCTIONS",
]
