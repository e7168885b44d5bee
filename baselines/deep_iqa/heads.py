"""The regression head of the deep IQA and VQA families, and a backbone carrying it (plain torch modules)."""
from __future__ import annotations

import torch
from torch import nn

from baselines.deep_iqa.inputs import DIMENSIONS


class InputScaling:
    """Mixin for a head whose inputs are standardised per channel by two buffers (`input_mean`, `input_scale`),
    identity until `fit_input_scaling` sets them (see `ScoreHead`)."""

    def init_input_scaling(self, in_features: int) -> None:
        self.register_buffer("input_mean", torch.zeros(in_features))
        self.register_buffer("input_scale", torch.ones(in_features))

    def scale_input(self, features):
        return (features - self.input_mean) / self.input_scale

    @torch.no_grad()
    def fit_input_scaling(self, features) -> None:
        """Standardise inputs with the mean and SD of `features` (N, C); channels that never vary keep scale 1."""
        features = features.float().to(self.input_mean.device)
        std = features.std(0) if len(features) > 1 else torch.zeros_like(self.input_scale)
        self.input_mean.copy_(features.mean(0))
        self.input_scale.copy_(torch.where(std > 1e-8, std, torch.ones_like(std)))


class ScoreHead(InputScaling, nn.Module):
    """Pooled features (..., C) -> one score per dimension (..., 2): Linear(C, hidden), ReLU, Linear(hidden, 2).

    Its input is standardised per channel by two buffers, identity by default. On a frozen backbone they are
    set to the training fold's feature mean and SD (`fit_input_scaling`): random-initialised backbones give
    features whose spread across videos is a hundredth of their size (VGG-16: SD 0.007 around 0.24), which
    a head trained for a few epochs could not use. This only reparametrises the first layer (W / s, b - W m / s):
    the functions the head can express are the same.
    """

    def __init__(self, in_features: int, hidden: int = 128, outputs: int = len(DIMENSIONS)):
        super().__init__()
        self.init_input_scaling(in_features)
        self.mlp = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, outputs))

    def forward(self, features):
        return self.mlp(self.scale_input(features))


class BackboneRegressor(nn.Module):
    """`backbone` (inputs -> pooled features (N, C), its classifier removed) followed by a `ScoreHead`."""

    def __init__(self, backbone: nn.Module, features: int, hidden: int = 128):
        super().__init__()
        self.backbone = backbone
        self.head = ScoreHead(features, hidden)

    def forward(self, x):
        return self.head(self.backbone(x))


class PooledConvTrunk(nn.Module):
    """A convolutional stack (`features`, named as torchvision names VGG's, so its weights load) followed by
    global average pooling: images -> (N, channels)."""

    def __init__(self, features: nn.Module):
        super().__init__()
        self.features = features

    def forward(self, x):
        return self.features(x).mean((2, 3))
