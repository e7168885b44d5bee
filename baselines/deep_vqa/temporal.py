"""VSFA's temporal modelling, shared by VSFA and TCSVT-BVQA (which reuses it on richer features).

Per-frame features -> a linear reduction (4096 -> 128 in VSFA) -> a GRU (hidden 32) -> a linear
frame-quality score -> the subjectively-inspired temporal pooling (Li et al. 2019, Sec. 3.3, Eqs. 4-6):

    l_t = min over the last tau frames of q          (memory: the worst recent frame)
    m_t = sum_k q_k e^{-q_k} / sum_k e^{-q_k}        (softmin-weighted mean over the next tau frames)
    q'_t = beta * m_t + (1 - beta) * l_t,   video score = mean_t q'_t,   tau = 12, beta = 0.5

Checked against the authors' code (lidq92/VSFA `VSFA.py`: `TP`, `VSFA`; read, not copied): windows
of tau frames ending (l) and starting (m) at t, truncated at the video's ends; the pooling runs on the
first `length` steps of each (zero-padded) sequence. Here the softmin weights are computed relative to
each window's minimum (the same value; the authors' unshifted `exp(-q)` overflows or underflows for
scores far from 0, e.g. unnormalised MOS).
"""
from __future__ import annotations

import torch
from torch import nn

from baselines.deep_iqa.heads import InputScaling


def subjective_pooling(q: torch.Tensor, tau: int = 12, beta: float = 0.5) -> torch.Tensor:
    """Frame scores (T, outputs) -> pooled frame scores q' (T, outputs); their mean is the video's."""
    if q.dim() != 2 or q.shape[0] < 1:
        raise ValueError(f"subjective pooling needs (T >= 1, outputs) scores, got shape {tuple(q.shape)}")
    pad = q.new_full((tau - 1, q.shape[1]), float("inf"))
    past = torch.cat([pad, q]).unfold(0, tau, 1)  # (T, outputs, tau): frames t - tau + 1 .. t
    memory = past.amin(-1)
    future = torch.cat([q, pad]).unfold(0, tau, 1)  # frames t .. t + tau - 1
    valid = torch.isfinite(future)
    shifted = torch.where(valid, future - future.amin(-1, keepdim=True), torch.zeros_like(future))
    weights = torch.exp(-shifted) * valid
    current = (weights * torch.where(valid, future, torch.zeros_like(future))).sum(-1) / weights.sum(-1)
    return beta * current + (1 - beta) * memory


class GRUQualityHead(InputScaling, nn.Module):
    """features (B, L, F) and valid lengths (B,) -> frame scores through fc0 -> GRU -> q, pooled per
    item over its first `length` steps: (B, outputs).

    Its inputs pass the identity standardisation of `InputScaling` unless a harness fits it (random-initialised
    extractors give features that saturate the GRU: every video the same score)."""

    def __init__(self, in_features: int, reduced: int = 128, hidden: int = 32, outputs: int = 1,
                 tau: int = 12, beta: float = 0.5):
        super().__init__()
        self.init_input_scaling(in_features)
        self.fc0 = nn.Linear(in_features, reduced)
        self.rnn = nn.GRU(reduced, hidden, batch_first=True)
        self.q = nn.Linear(hidden, outputs)
        self.tau, self.beta = tau, beta

    def frame_scores(self, features: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.fc0(self.scale_input(features)))
        return self.q(out)

    def forward(self, features: torch.Tensor, length: torch.Tensor) -> torch.Tensor:
        scores = self.frame_scores(features)
        return torch.stack([subjective_pooling(scores[i, :int(n)], self.tau, self.beta).mean(0)
                            for i, n in enumerate(length.tolist())])
