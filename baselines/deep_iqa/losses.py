"""Regression losses of the deep IQA and VQA families, on predictions and targets of shape (batch, dimensions).

- ``mse``: mean squared error. The backbone rows' loss: the paper does not state one, and the IQA training
  code of the paper's authors' group uses it (StairIQA's `train_single_database.py`: `nn.MSELoss`).
- ``l1``: mean absolute error (CNNIQA, HyperIQA and VSFA train with it).
- ``plcc_rank``: a correlation loss, (1 - PLCC) / 2, plus 0.3 times a pairwise rank loss, per dimension, as
  FAST-VQA and DOVER train (their weighting). It is invariant to the scale and offset of the predictions,
  so it needs batches of at least two items; a batch of one gives a zero loss (no gradient).
"""
from __future__ import annotations

LOSSES = ("mse", "l1", "plcc_rank")
RANK_WEIGHT = 0.3  # FAST-VQA / DOVER: loss = plcc_loss + 0.3 * rank_loss


def quality_loss(kind: str, pred, target):
    """The loss `kind` (one of LOSSES) of `pred` against `target`, both (batch, dimensions) tensors."""
    import torch.nn.functional as F

    if kind == "mse":
        return F.mse_loss(pred, target)
    if kind == "l1":
        return F.l1_loss(pred, target)
    if kind == "plcc_rank":
        if pred.shape[0] < 2:
            return pred.sum() * 0.0
        return plcc_loss(pred, target) + RANK_WEIGHT * rank_loss(pred, target)
    raise ValueError(f"loss must be one of {', '.join(LOSSES)}, not {kind!r}")


def plcc_loss(pred, target, eps: float = 1e-8):
    """(1 - Pearson's r) / 2 per column, averaged: 0 for perfectly correlated columns, 1 for anti-correlated."""
    p = pred - pred.mean(0, keepdim=True)
    t = target - target.mean(0, keepdim=True)
    r = (p * t).sum(0) / (p.norm(dim=0) * t.norm(dim=0) + eps)
    return ((1 - r) / 2).mean()


def rank_loss(pred, target, eps: float = 1e-8):
    """Mean hinge on wrongly ordered pairs, (p_i - p_j) against the sign of (t_i - t_j), divided by the spread
    of the predictions so that the loss, like the PLCC term, ignores their scale."""
    import torch

    dp = pred[:, None, :] - pred[None, :, :]  # (B, B, D)
    sign = torch.sign(target[:, None, :] - target[None, :, :])
    wrong = torch.relu(-dp * sign)
    n_pairs = pred.shape[0] * (pred.shape[0] - 1)
    return (wrong.sum((0, 1)) / n_pairs / (pred.std(0) + eps)).mean()
