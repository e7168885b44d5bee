"""TranSalNet (Lou, Lin, Marshall, Saupe, Liu, "TranSalNet: Towards perceptually relevant visual
saliency prediction", Neurocomputing 494, 2022); LMME3DHF Table 3, rows "TranSalNet-ResNet" and
"TranSalNet-Dense" (`variant="resnet"` / `"densenet"`).

The method: a CNN encoder (ImageNet ResNet-50 or DenseNet-161) gives features at 1/8, 1/16 and
1/32 of a 288x384 input; each scale goes through a transformer encoder (1x1 patch embedding,
learned position embeddings, 2 pre-norm layers; hidden 768/768/512, 12/12/8 heads, MLP 4x); a CNN
decoder starts from the 1/32 scale, upsamples by 2 and multiplies in the next scale's transformer
output, then convolves and upsamples back to the input size (3x3 convolutions with batch norm and
ReLU, nearest-neighbour upsampling) and ends in a sigmoid. The loss is a linear combination of
saliency metrics: -2 CC - SIM + 10 KL - NSS (CC, SIM, KL against the continuous map, NSS against
the fixations).

Built from the authors' code (github LJOVO/TranSalNet: TranSalNet_Res.py, TranSalNet_Dense.py,
utils/TransformerEncoder.py, utils/loss_function.py, fine-tune&train.ipynb), with these choices:
- the transformer layers are torch's `nn.TransformerEncoderLayer` (pre-norm, GELU, no dropout,
  LayerNorm eps 1e-6) with a final LayerNorm: the same parameters as the release's own blocks;
  the MLP weights start as the release's (Xavier-uniform, biases N(0, 1e-6)), position embeddings
  at zero;
- ResNet-50 features are layer2/3/4 (the release's children 5, 6, 7); DenseNet-161 features are
  denseblock2/3/4 (the release's features 6, 8, 10, norm5 dropped); the classifier heads are gone;
- inputs are scaled to [0, 1] without ImageNet normalisation, as the release trains and tests;
- the release's letterbox: each 512x512 view is scaled to 288x288 and centred on the 288x384
  canvas with black side bands (the release pads with 1/255); targets get the same placement with
  zeros, so the loss also covers the bands, as in the release; the three 288x384 maps are tiled
  (288x1152) and each view's 288x288 box is cut out and resized back to 512x512 by `restore`;
- loss terms that are undefined for a sample (an empty Gen3DHF map: no KL/CC/SIM target, no
  fixation for NSS) are averaged over the samples that define them (see `losses.py`); the KL eps
  is MATLAB's 2.220446e-16 (the release writes 2.2204e-16).
The release trains with Adam (lr 1e-5, StepLR 3 epochs x 0.1), batch 4, 30 epochs, early stopping
after 5 epochs without a lower validation loss; the harness sets the training schedule.

Full size: 72,510,977 parameters (ResNet) and 76,560,065 (DenseNet), counted from the release's
modules: encoder 23,508,032 (ResNet-50 without fc) or 26,467,584 (DenseNet-161 features without
norm5), transformer encoders 38,583,296 or 39,672,832 (their patch embeddings follow the encoder's
channels), decoder convolutions 10,416,129 and batch norms 3,520. The code is MIT-licensed
(Copyright 2022 Jianxun Lou); the ImageNet weights are torchvision's.
"""
from __future__ import annotations

import torch
from torch import nn
from torchvision.models.densenet import DenseNet
from torchvision.models.resnet import Bottleneck, ResNet

from baselines.deep_saliency.losses import correlation, kl_divergence, mean_defined, nss, similarity
from baselines.deep_saliency.views import ViewPreparation, flatten_views, tile_views

VARIANTS = ("resnet", "densenet")
PRETRAINED = {"resnet": {"encoder": "torchvision:ResNet50_Weights.IMAGENET1K_V1"},
              "densenet": {"encoder": "torchvision:DenseNet161_Weights.IMAGENET1K_V1"}}
PAPER_PARAMS = {"resnet": 72_510_977, "densenet": 76_560_065}
INPUT_SIZE = {"full": (288, 384), "tiny": (64, 96)}
STRIDE = 32  # of the deepest encoder scale; the input must be a multiple of it
# (hidden size, heads) of the transformer at 1/32, 1/16, 1/8, then the decoder's widths after
# the 1/8 scale; the 1/32 and 1/16 hidden sizes must agree (the decoder multiplies them).
DECODER = {"full": {"hidden": (768, 768, 512), "heads": (12, 12, 8), "widths": (256, 128, 64, 32)},
           "tiny": {"hidden": (32, 32, 16), "heads": (2, 2, 2), "widths": (16, 8, 8, 8)}}
TRANSFORMER_LAYERS = 2
# Tiny encoders: the same torchvision classes with one block per stage and narrow layers (for
# ResNet, bottlenecks without the 4x channel expansion).
ENCODER = {("resnet", "full"): {"layers": [3, 4, 6, 3]},  # ResNet-50
           ("resnet", "tiny"): {"layers": [1, 1, 1, 1], "width_per_group": 16, "narrow": True},
           ("densenet", "full"): {"growth_rate": 48, "block_config": (6, 12, 36, 24), "num_init_features": 96},  # DenseNet-161
           ("densenet", "tiny"): {"growth_rate": 8, "block_config": (1, 1, 1, 1), "num_init_features": 16, "bn_size": 2}}


class NarrowBottleneck(Bottleneck):
    """torchvision's Bottleneck without the 4x expansion of its output channels (tiny encoder)."""

    expansion = 1


class ResNetScales(ResNet):
    """torchvision's ResNet (Bottleneck blocks) returning layer2, layer3, layer4; no classifier."""

    dropped_keys = ("fc.",)

    def __init__(self, layers, narrow: bool = False, **options):
        super().__init__(NarrowBottleneck if narrow else Bottleneck, layers, **options)
        self.fc = nn.Identity()
        self.channels = tuple(stage[-1].conv3.out_channels for stage in (self.layer2, self.layer3, self.layer4))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = self.layer1(self.maxpool(self.relu(self.bn1(self.conv1(x)))))
        s8 = self.layer2(x)
        s16 = self.layer3(s8)
        return s8, s16, self.layer4(s16)


class DenseNetScales(DenseNet):
    """torchvision's DenseNet returning denseblock2, denseblock3, denseblock4; no norm5, no classifier."""

    dropped_keys = ("classifier.", "features.norm5.")

    def __init__(self, **options):
        super().__init__(**options)
        self.classifier = nn.Identity()
        self.features.norm5 = nn.Identity()
        f = self.features
        last = f.denseblock4.denselayer1  # block 4's output: its input plus each layer's growth
        self.channels = (f.transition2.conv.in_channels, f.transition3.conv.in_channels,
                         last.norm1.num_features + len(f.denseblock4) * last.conv2.out_channels)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        f = self.features
        x = f.denseblock1(f.pool0(f.relu0(f.norm0(f.conv0(x)))))
        s8 = f.denseblock2(f.transition1(x))
        s16 = f.denseblock3(f.transition2(s8))
        return s8, s16, f.denseblock4(f.transition3(s16))


class ScaleTransformer(nn.Module):
    """The release's TransEncoder: 1x1 patch embedding, learned position embeddings for a fixed
    grid, pre-norm transformer layers, final LayerNorm; (B, C, a, b) -> (B, hidden, a, b)."""

    def __init__(self, in_channels: int, grid: tuple[int, int], hidden: int, heads: int):
        super().__init__()
        self.grid = grid
        self.patch_embeddings = nn.Conv2d(in_channels, hidden, kernel_size=1)
        self.position_embeddings = nn.Parameter(torch.zeros(1, grid[0] * grid[1], hidden))
        layer = nn.TransformerEncoderLayer(hidden, heads, dim_feedforward=4 * hidden, dropout=0.0,
                                           activation="gelu", layer_norm_eps=1e-6, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, TRANSFORMER_LAYERS, norm=nn.LayerNorm(hidden, eps=1e-6),
                                             enable_nested_tensor=False)
        for block in self.encoder.layers:  # the release's MLP initialisation
            for linear in (block.linear1, block.linear2):
                nn.init.xavier_uniform_(linear.weight)
                nn.init.normal_(linear.bias, std=1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        if (h, w) != self.grid:
            raise ValueError(f"TranSalNet was built for a {self.grid} feature grid at this scale; got {(h, w)} "
                             f"(pass the same input_size to build and Prepare)")
        tokens = self.patch_embeddings(x).flatten(2).transpose(1, 2) + self.position_embeddings
        return self.encoder(tokens).transpose(1, 2).reshape(b, -1, h, w)


def _conv_bn_relu(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class TranSalNet(nn.Module):
    """Encoder, three scale transformers, CNN decoder. `forward(image)`: (B, V, 3, h, w) -> tiled
    map (B, 1, h, V * w) in (0, 1); target entries of a batch are accepted and ignored."""

    def __init__(self, encoder: nn.Module, input_size: tuple[int, int], hidden, heads, widths):
        super().__init__()
        h, w = input_size
        if h % STRIDE or w % STRIDE:
            raise ValueError(f"TranSalNet input_size must be a multiple of {STRIDE}; got {input_size}")
        if hidden[0] != hidden[1]:
            raise ValueError(f"TranSalNet's 1/32 and 1/16 transformers must have one hidden size; got {hidden}")
        self.encoder = encoder
        c8, c16, c32 = encoder.channels
        self.transformer32 = ScaleTransformer(c32, (h // 32, w // 32), hidden[0], heads[0])
        self.transformer16 = ScaleTransformer(c16, (h // 16, w // 16), hidden[1], heads[1])
        self.transformer8 = ScaleTransformer(c8, (h // 8, w // 8), hidden[2], heads[2])
        self.block32 = _conv_bn_relu(hidden[0], hidden[1])
        self.block16 = _conv_bn_relu(hidden[1], hidden[2])
        self.block8 = _conv_bn_relu(hidden[2], widths[0])
        self.block4 = _conv_bn_relu(widths[0], widths[1])
        self.block2 = _conv_bn_relu(widths[1], widths[2])
        self.block1 = _conv_bn_relu(widths[2], widths[3])
        self.readout = nn.Conv2d(widths[3], 1, kernel_size=3, padding=1)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        self.relu = nn.ReLU(inplace=True)

    def forward(self, image: torch.Tensor, saliency=None, fixations=None) -> torch.Tensor:
        return self.decode(self.encode(image), image.shape[1])

    def encode(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The pretrained part: the CNN encoder's 1/8, 1/16 and 1/32 features of each view."""
        return self.encoder(flatten_views(image))

    def decode(self, features, n_views: int) -> torch.Tensor:
        """The rest: transformers and decoder on `encode`'s features -> tiled map (B, 1, h, V * w)."""
        return self.fuse(self.attend(features), n_views)

    def attend(self, features) -> tuple[torch.Tensor, ...]:
        """The transformer encoders on the 1/8, 1/16 and 1/32 features."""
        s8, s16, s32 = features
        return self.transformer8(s8), self.transformer16(s16), self.transformer32(s32)

    def fuse(self, tokens, n_views: int) -> torch.Tensor:
        """The CNN decoder on `attend`'s outputs -> tiled map (B, 1, h, V * w)."""
        t8, t16, t32 = tokens
        x = self.upsample(self.block32(t32))
        x = self.upsample(self.block16(self.relu(x * t16)))
        x = self.upsample(self.block8(self.relu(x * t8)))
        x = self.block2(self.upsample(self.block4(x)))
        x = self.block1(self.upsample(x))
        return tile_views(torch.sigmoid(self.readout(x)), n_views)


def build(size: str = "full", variant: str = "resnet", input_size=None) -> TranSalNet:
    """TranSalNet with random weights. `variant` "resnet" (ResNet-50) or "densenet" (DenseNet-161);
    `input_size` (h, w), multiples of 32, fixes the position-embedding grids (default INPUT_SIZE[size]).
    "tiny" keeps the code and shrinks the encoder stages and the transformer and decoder widths."""
    if size not in DECODER:
        raise ValueError(f"size must be one of {sorted(DECODER)}; got {size!r}")
    if variant not in VARIANTS:
        raise ValueError(f"TranSalNet variant must be one of {VARIANTS}; got {variant!r}")
    options = ENCODER[(variant, size)]
    encoder = ResNetScales(**options) if variant == "resnet" else DenseNetScales(**options)
    return TranSalNet(encoder, tuple(input_size or INPUT_SIZE[size]), **DECODER[size])


class Prepare(ViewPreparation):
    """Views letterboxed onto the input canvas (default 288x384), scaled to [0, 1]; targets at the
    input size. Returns {"image"} (+ "saliency", "fixations")."""

    fit = "letterbox"

    def __init__(self, input_size=INPUT_SIZE["full"], flip: bool = False):
        super().__init__(input_size, flip)
        if self.input_size[0] % STRIDE or self.input_size[1] % STRIDE:
            raise ValueError(f"TranSalNet input_size must be a multiple of {STRIDE}; got {self.input_size}")


def loss(pred: torch.Tensor, batch: dict) -> torch.Tensor:
    """The release's objective: -2 CC - SIM + 10 KL - NSS, each term averaged over the batch's
    samples that define it (fine-tune&train.ipynb; utils/loss_function.py)."""
    smap, fix = batch["saliency"], batch["fixations"]
    return (-2.0 * mean_defined(correlation(pred, smap)) - mean_defined(similarity(pred, smap))
            + 10.0 * mean_defined(kl_divergence(pred, smap)) - mean_defined(nss(pred, fix)))
