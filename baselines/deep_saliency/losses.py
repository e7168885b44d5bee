"""Differentiable saliency metrics, the terms of the deep models' training objectives.

Each function takes a batch of predicted maps (B, ...) and a batch of targets of the same shape
and returns one value per sample, (B,), computed over all the sample's pixels. Definitions are the
MIT saliency benchmark's, as `bench.metrics.saliency` implements them in numpy (and so the tests
compare them): KL divergence of the sum-normalised prediction from the sum-normalised target with
MATLAB's eps; Pearson correlation; NSS with the N-1 standard deviation (MATLAB's and torch's
default, TranSalNet's and GazeGAN's code); SIM on min-max normalised maps.

Where a metric is undefined for a sample (a target without mass, a constant target for CC, no
fixation for NSS) the value is NaN, as in `bench.metrics.saliency`, and `mean_defined` averages a
term over the samples that define it: a Gen3DHF image without a marked distortion has an empty
map and must not turn a batch's loss into NaN. The arithmetic never divides by zero (denominators
are clamped before use), so no NaN reaches a gradient; a constant prediction gets CC and NSS 0.
"""
from __future__ import annotations

import torch

from bench.metrics.saliency import MATLAB_EPS

_TINY = 1e-30  # clamp for denominators that are sums of squares or masses


def _flat(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(x.shape[0], -1)


def _check(pred: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if pred.shape != target.shape:
        raise ValueError(f"prediction {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
    return _flat(pred), _flat(target).to(pred.dtype)


def _undefined_as_nan(values: torch.Tensor, defined: torch.Tensor) -> torch.Tensor:
    return torch.where(defined, values, torch.full_like(values, float("nan")))


def _distribution(x: torch.Tensor) -> torch.Tensor:
    return x / x.sum(1, keepdim=True).clamp_min(_TINY)


def kl_divergence(pred: torch.Tensor, target: torch.Tensor, eps: float = MATLAB_EPS) -> torch.Tensor:
    """sum Q log(eps + Q / (P + eps)), P and Q the maps divided by their sums (KLdiv.m); maps must
    be non-negative. NaN where the target has no mass."""
    p, q = _check(pred, target)
    q_sum = q.sum(1)
    p, q = _distribution(p), _distribution(q)
    values = (q * torch.log(eps + q / (p + eps))).sum(1)
    return _undefined_as_nan(values, q_sum > 0)


def correlation(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Pearson's linear correlation (CC.m). NaN where the target is constant."""
    p, q = _check(pred, target)
    p = p - p.mean(1, keepdim=True)
    q = q - q.mean(1, keepdim=True)
    p_ss, q_ss = (p * p).sum(1), (q * q).sum(1)
    values = (p * q).sum(1) / (p_ss * q_ss).clamp_min(_TINY).sqrt()
    return _undefined_as_nan(values, q_ss > 0)


def nss(pred: torch.Tensor, fixations: torch.Tensor, ddof: int = 1) -> torch.Tensor:
    """Normalized scanpath saliency (NSS.m): the prediction z-scored over the map (std with
    `ddof`), averaged over fixated pixels (fixations > 0). NaN without fixations."""
    p, f = _check(pred, fixations)
    fixated = f > 0
    z = (p - p.mean(1, keepdim=True)) / p.var(1, correction=ddof, keepdim=True).clamp_min(_TINY).sqrt()
    count = fixated.sum(1)
    values = (z * fixated).sum(1) / count.clamp_min(1)
    return _undefined_as_nan(values, count > 0)


def similarity(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """SIM / histogram intersection (similarity.m): both maps min-max normalised, divided by their
    sums, then sum of the pixelwise minimum. NaN where the target is constant (no mass left)."""
    p, q = _check(pred, target)
    p = p - p.min(1, keepdim=True).values
    q = q - q.min(1, keepdim=True).values
    q_sum = q.sum(1)
    values = torch.minimum(_distribution(p), _distribution(q)).sum(1)
    return _undefined_as_nan(values, q_sum > 0)


def mean_defined(values: torch.Tensor) -> torch.Tensor:
    """Mean over the samples where a term is defined (not NaN); 0, still in the graph, if none is."""
    defined = ~torch.isnan(values)
    kept = torch.where(defined, values, torch.zeros_like(values))
    return kept.sum() / defined.sum().clamp_min(1)
