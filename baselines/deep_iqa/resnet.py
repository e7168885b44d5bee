"""The ResNet-50 trunk that five of the eight methods build on (StairIQA, HyperIQA, SimpleVQA,
TCSVT-BVQA, VSFA): torchvision's Bottleneck blocks and module names without the pooling and the
classifier, returning every stage's output.

At `width=64, layers=(3, 4, 6, 3)` its state dict is torchvision's `resnet50` without `fc.*` (a test
checks names and shapes), so `torchvision:ResNet50_Weights.IMAGENET1K_V1` / `_V2` load into it with
`strict=True` once the two `fc` entries are dropped. Smaller `width`/`layers` build the tiny variants
the CPU tests use.
"""
from __future__ import annotations

import torch
from torch import nn
from torchvision.models.resnet import Bottleneck, conv1x1

RESNET50 = dict(layers=(3, 4, 6, 3), width=64)
TINY = dict(layers=(1, 1, 1, 1), width=8)


class ResNetTrunk(nn.Module):
    """conv1-bn1-relu-maxpool stem, then layer1..layer4. `forward` returns (stem, l1, l2, l3, l4)."""

    def __init__(self, layers=RESNET50["layers"], width: int = RESNET50["width"]):
        super().__init__()
        self.stem_channels = width
        self.channels = tuple(width * 4 * 2 ** i for i in range(4))  # 256, 512, 1024, 2048 at width 64
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        inplanes = width
        for i, depth in enumerate(layers):
            planes, stride = width * 2 ** i, 1 if i == 0 else 2
            downsample = nn.Sequential(conv1x1(inplanes, planes * 4, stride), nn.BatchNorm2d(planes * 4))
            blocks = [Bottleneck(inplanes, planes, stride, downsample)]
            blocks += [Bottleneck(planes * 4, planes) for _ in range(depth - 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
            inplanes = planes * 4
        # torchvision's initialisation, so a random trunk starts where torchvision's would
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        stem = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        l1 = self.layer1(stem)
        l2 = self.layer2(l1)
        l3 = self.layer3(l2)
        return stem, l1, l2, l3, self.layer4(l3)


def build_trunk(size: str) -> ResNetTrunk:
    return ResNetTrunk(**(RESNET50 if size == "full" else TINY))


def mean_std_pool(x: torch.Tensor) -> torch.Tensor:
    """Global mean and (unbiased) standard deviation over space of (N, C, H, W): (N, 2C), means first.

    The content-aware features of VSFA, TCSVT-BVQA and SimpleVQA (their `global_std_pool2d`)."""
    flat = x.flatten(2)
    return torch.cat([flat.mean(-1), flat.std(-1)], dim=1)
