"""The training losses of the eight methods, written from their papers and official code.

Every loss takes `pred` (B, outputs) or, for the image methods' per-view training output,
(B, N, outputs), and `target` (B, outputs); with two outputs (quality and authenticity) each output is
scored on its own and the losses are averaged, so one network learns both MOS with the method's loss.

- `l1_loss`: CNNIQA (Kang et al. Eq. 3), HyperIQA (`HyerIQASolver.py`, `L1Loss`), VSFA (`VSFA.py`, `L1Loss`);
- `mse_loss`: StairIQA (`train_single_database.py`, `MSELoss`);
- `l1_rank_loss`: SimpleVQA (`utils.py`, `L1RankLoss`, the default `--loss_type`);
- `plcc_rank_loss` (`plcc_loss` + 0.3 `rank_loss`): FAST-VQA (`new_train.py`), DOVER
  (`training_with_divide.py`);
- `plcc_cosine_loss` + `soft_srcc_loss`: TCSVT-BVQA (`VQAloss.py`, `loss_accuracy` and
  `loss_monotonicity`, the default `plcc+srcc`).

`quality_loss(kind, pred, target)` picks one by name for the harness rows (`LOSSES`): "mse" for the backbone rows
(the paper states no loss; StairIQA's training code, from the paper's authors' group, uses `nn.MSELoss`), "l1",
and "plcc_rank" (FAST-VQA / DOVER's). A correlation loss needs batches of two; a batch of one gives zero.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F


def _columns(pred: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Broadcast per-view predictions (B, N, O) against (B, O) targets; flatten to (B*N, O)."""
    if target.dim() != 2:
        raise ValueError(f"target must be (batch, outputs), got shape {tuple(target.shape)}")
    if pred.dim() == 3:
        target = target.unsqueeze(1).expand_as(pred)
        pred, target = pred.reshape(-1, pred.shape[-1]), target.reshape(-1, target.shape[-1])
    if pred.shape != target.shape:
        raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} do not match")
    return pred, target.to(pred.dtype)


def _per_output(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], pred, target) -> torch.Tensor:
    pred, target = _columns(pred, target)
    return torch.stack([fn(pred[:, k], target[:, k]) for k in range(pred.shape[1])]).mean()


def l1_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    pred, target = _columns(pred, target)
    return F.l1_loss(pred, target)


def mse_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    pred, target = _columns(pred, target)
    return F.mse_loss(pred, target)


def _pairwise_rank_hinge(p: torch.Tensor, y: torch.Tensor, hard_threshold: float) -> torch.Tensor:
    # SimpleVQA's "simple rank": pairs whose labels differ by less than `hard_threshold` (and are not
    # tied) are penalised when the predictions are in the wrong order.
    dy = y.unsqueeze(0) - y.unsqueeze(1)  # [i, j] = y_j - y_i
    dp = p.unsqueeze(0) - p.unsqueeze(1)
    hard = (dy.abs() < hard_threshold) & (dy.abs() > 0)
    hinge = hard * torch.relu(-torch.sign(dy) * dp)
    return hinge.sum() / (hard.sum() + 1e-8)


def l1_rank_loss(pred: torch.Tensor, target: torch.Tensor, hard_threshold: float = 1.0) -> torch.Tensor:
    """SimpleVQA: L1 + the hinge rank loss over 'hard' pairs (label gap below `hard_threshold`, in
    label units: 1 on the 0-100 MOS scale the authors trained on), both weighted 1."""
    return _per_output(lambda p, y: F.l1_loss(p, y) + _pairwise_rank_hinge(p, y, hard_threshold), pred, target)


def _plcc_one(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    sp, mp = torch.std_mean(p, unbiased=False)
    p = (p - mp) / (sp + 1e-8)
    sy, my = torch.std_mean(y, unbiased=False)
    y = (y - my) / (sy + 1e-8)
    rho = torch.mean(p * y)
    return (F.mse_loss(p, y) / 4 + F.mse_loss(rho * p, y) / 4) / 2


def plcc_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """FAST-VQA's PLCC loss: both standardised, then (MSE(p, y) + MSE(rho p, y)) / 8."""
    return _per_output(_plcc_one, pred, target)


def _rank_one(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    n = p.shape[0]
    wrong = torch.relu((p.unsqueeze(1) - p.unsqueeze(0)) * torch.sign(y.unsqueeze(0) - y.unsqueeze(1)))
    return wrong.sum() / n / max(n - 1, 1) / (1 + wrong.max())


def rank_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """FAST-VQA's rank loss: mean hinge over wrongly ordered pairs, divided by (1 + its largest term)."""
    return _per_output(_rank_one, pred, target)


def plcc_rank_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """FAST-VQA / DOVER: `plcc_loss + 0.3 * rank_loss`."""
    return plcc_loss(pred, target) + 0.3 * rank_loss(pred, target)


def _plcc_cosine_one(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (1 - F.cosine_similarity(p - p.mean(), y - y.mean(), dim=0)) / 2


def plcc_cosine_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """TCSVT-BVQA's `loss_accuracy`: (1 - PLCC) / 2, PLCC as the cosine of the centred vectors."""
    return _per_output(_plcc_cosine_one, pred, target)


def _isotonic_decreasing(y: torch.Tensor) -> torch.Tensor:
    """argmin_v ||v - y||^2 subject to v_1 >= v_2 >= ... (pool adjacent violators).

    The blocks are found on detached values; the solution is the block means of `y` computed with
    torch, so gradients flow as block averages (the exact Jacobian of isotonic regression)."""
    values = y.detach().cpu().tolist()
    sums, counts = [], []
    for v in values:
        sums.append(v)
        counts.append(1)
        while len(sums) > 1 and sums[-2] / counts[-2] < sums[-1] / counts[-1]:
            s, c = sums.pop(), counts.pop()
            sums[-1] += s
            counts[-1] += c
    block = torch.repeat_interleave(torch.arange(len(counts), device=y.device),
                                    torch.tensor(counts, device=y.device))
    means = torch.zeros(len(counts), dtype=y.dtype, device=y.device).index_add(0, block, y)
    means = means / torch.tensor(counts, dtype=y.dtype, device=y.device)
    return means[block]


def soft_rank(x: torch.Tensor, regularization_strength: float = 1.0) -> torch.Tensor:
    """Differentiable ranks (1 = smallest) of a 1-D tensor: the L2-regularised soft rank of Blondel et al.
    2020 ("Fast differentiable sorting and ranking"), what `torchsort.soft_rank` computes: the
    projection of x / strength onto the permutahedron of (1, ..., n). Tends to the hard ranks as the
    strength goes to 0."""
    z = x / regularization_strength
    order = torch.argsort(z, descending=True)
    s = z[order]
    w = torch.arange(len(z), 0, -1, dtype=z.dtype, device=z.device)
    primal = s - _isotonic_decreasing(s - w)
    out = torch.empty_like(primal)
    out[order] = primal
    return out


def _soft_srcc_one(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    rp, ry = soft_rank(p), soft_rank(y)
    rp = rp - rp.mean()
    ry = ry - ry.mean()
    return 1 - (rp / (rp.norm() + 1e-8) * (ry / (ry.norm() + 1e-8))).sum()  # tied predictions: no NaN


def soft_srcc_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """TCSVT-BVQA's `loss_monotonicity`: 1 - SRCC computed on soft ranks (strength 1); all-tied predictions
    give 1 (the authors' division by the norm gives NaN there)."""
    return _per_output(_soft_srcc_one, pred, target)


def check_batch(pred: torch.Tensor, who: str) -> None:
    """Correlation losses need at least two items in a batch."""
    if pred.shape[0] < 2:
        raise ValueError(f"{who}: its correlation loss needs a batch of at least 2, got {pred.shape[0]}")


LOSSES = ("mse", "l1", "plcc_rank")


def quality_loss(kind: str, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The loss `kind` (one of LOSSES) of `pred` against `target`, both (batch, dimensions)."""
    if kind == "mse":
        return mse_loss(pred, target)
    if kind == "l1":
        return l1_loss(pred, target)
    if kind == "plcc_rank":
        return pred.sum() * 0.0 if pred.shape[0] < 2 else plcc_rank_loss(pred, target)
    raise ValueError(f"loss must be one of {', '.join(LOSSES)}, not {kind!r}")
