"""SALICON (Huang, Shen, Boix, Zhao, "SALICON: Reducing the semantic gap in saliency prediction by
adapting deep neural networks", ICCV 2015); LMME3DHF Table 3, row "SALICON".

The method: two VGG-16 streams without their fully connected layers see the image at two scales,
fine (600x800) and coarse (300x400, half of it). The responses of each stream's last convolutional
layer (conv5_3, stride 16: 37x50 and 18x25) are brought to the fine size (coarse upsampled),
concatenated (1,024 channels) and linearly combined by a 1x1 convolution into the saliency map.
Both streams start from ImageNet VGG-16 and the whole network is fine-tuned; the paper optimises
saliency evaluation metrics and reports its best results with the KL divergence.

The authors released no training code (only a web demo; OpenSALICON's technical report says so);
this follows the paper where it is specific and the two public re-implementations where it is not
(OpenSALICON, Thomas 2016, Caffe; SALICONtf, Kotseruba, TensorFlow):
- two separate streams (no shared weights), as both re-implementations build them; the coarse map
  upsampled bilinearly (OpenSALICON's interpolation layer);
- the 1x1 readout initialised to zero and followed by a sigmoid (both re-implementations), so the
  map is positive and starts uniform;
- objective: the paper's KL divergence between the sum-normalised map and target
  (`loss(objective="kld")`, default), or the re-implementations' binary cross-entropy against the
  map (`objective="bce"`);
- input normalisation: torchvision's ImageNet mean and std, since the pretrained VGG-16 is
  torchvision's (the original used Caffe's VGG-16 with BGR mean subtraction);
- the stride-16 output of a 600x800 input is 37x50, the paper's map size (OpenSALICON doubled its
  inputs to reach it after pool5; here conv5_3 is read directly, as in SALICONtf).
3-view layout: each 512x512 view is stretched to 600x800 (and 300x400), as the re-implementations
resize any photograph; the three 37x50 maps are tiled (37x150) and restored per view.

Full size: 29,430,401 parameters = 2 x 14,714,688 (torchvision VGG-16 `features`) + 1,025
(readout), counted from the paper's architecture (two VGG-16 conv stacks and a 1x1 conv over their
1,024 channels). Licences: the SALICON paper and demo carry none for code; OpenSALICON's repository
states none; VGG-16 ImageNet weights are torchvision's (BSD-3-Clause code, weights under their
ImageNet terms).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.vgg import cfgs, make_layers

from baselines.deep_saliency.losses import kl_divergence, mean_defined
from baselines.deep_saliency.views import ViewPreparation, flatten_views, tile_views

PRETRAINED = {"fine": "torchvision:VGG16_Weights.IMAGENET1K_V1",
              "coarse": "torchvision:VGG16_Weights.IMAGENET1K_V1"}
PAPER_PARAMS = 29_430_401
INPUT_SIZE = {"full": (600, 800), "tiny": (96, 128)}  # the fine stream's (height, width)
LAYERS = {"full": cfgs["D"],  # VGG-16
          "tiny": [8, 8, "M", 16, 16, "M", 32, 32, 32, "M", 32, 32, 32, "M", 32, 32, 32, "M"]}
OBJECTIVES = ("kld", "bce")
STRIDE = 16  # conv5_3 of VGG-16: four 2x2 poolings


class VGGFeatures(nn.Module):
    """A VGG convolutional stack read at its last convolution (pool5 unused). Its state-dict keys
    are torchvision VGG's "features.*", so a torchvision checkpoint loads into it."""

    dropped_keys = ("classifier.",)

    def __init__(self, layers):
        super().__init__()
        self.features = make_layers(list(layers))
        for m in self.modules():  # torchvision VGG's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)
        self.out_channels = [m for m in self.features if isinstance(m, nn.Conv2d)][-1].out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features[:-1](x)


class Salicon(nn.Module):
    """Fine and coarse VGG streams, concatenated, 1x1 readout, sigmoid. `forward(fine, coarse)`
    takes (B, V, 3, h, w) and (B, V, 3, h/2, w/2) and returns the tiled map (B, 1, h/16, V*w/16);
    target entries of a batch are accepted and ignored, so `model(**batch)` works."""

    def __init__(self, layers):
        super().__init__()
        self.fine = VGGFeatures(layers)
        self.coarse = VGGFeatures(layers)
        self.readout = nn.Conv2d(self.fine.out_channels + self.coarse.out_channels, 1, kernel_size=1)
        nn.init.zeros_(self.readout.weight)
        nn.init.zeros_(self.readout.bias)

    def forward(self, fine: torch.Tensor, coarse: torch.Tensor, saliency=None, fixations=None) -> torch.Tensor:
        return self.decode(self.encode(fine, coarse), fine.shape[1])

    def encode(self, fine: torch.Tensor, coarse: torch.Tensor) -> tuple[torch.Tensor]:
        """The pretrained part: both streams, the coarse one upsampled, concatenated per view
        ((B * V, 1024, h/16, w/16) in a 1-tuple)."""
        f = self.fine(flatten_views(fine))
        c = F.interpolate(self.coarse(flatten_views(coarse)), size=f.shape[-2:], mode="bilinear", align_corners=False)
        return (torch.cat([f, c], dim=1),)

    def decode(self, features, n_views: int) -> torch.Tensor:
        """The rest: readout and sigmoid of `encode`'s features, tiled (B, 1, h/16, V * w/16)."""
        (x,) = features
        return tile_views(torch.sigmoid(self.readout(x)), n_views)


def build(size: str = "full") -> Salicon:
    """SALICON with random weights: "full" two VGG-16 streams, "tiny" the same with narrow layers."""
    if size not in LAYERS:
        raise ValueError(f"size must be one of {sorted(LAYERS)}; got {size!r}")
    return Salicon(LAYERS[size])


class Prepare(ViewPreparation):
    """Views stretched to the fine size (default 600x800) and to half of it; ImageNet normalisation;
    targets at the stride-16 output. Returns {"fine", "coarse"} (+ "saliency", "fixations")."""

    MEAN = (0.485, 0.456, 0.406)
    STD = (0.229, 0.224, 0.225)

    def __init__(self, input_size=INPUT_SIZE["full"], flip: bool = False):
        super().__init__(input_size, flip)
        h, w = self.input_size
        if h < STRIDE * 2 or w < STRIDE * 2:
            raise ValueError(f"SALICON input_size must be at least {2 * STRIDE} pixels each way "
                             f"(the coarse stream is half of it, read at stride {STRIDE}); got {self.input_size}")

    @property
    def output_size(self) -> tuple[int, int]:
        return self.input_size[0] // STRIDE, self.input_size[1] // STRIDE

    def inputs(self, views) -> dict:
        coarse_size = (self.input_size[0] // 2, self.input_size[1] // 2)
        return {"fine": torch.stack([self.image_tensor(v, self.input_size) for v in views]),
                "coarse": torch.stack([self.image_tensor(v, coarse_size) for v in views])}


def loss(pred: torch.Tensor, batch: dict, objective: str = "kld") -> torch.Tensor:
    """SALICON's objective: "kld" (the paper's best) is the KL divergence of the sum-normalised map
    from the sum-normalised target, averaged over samples with a non-empty target; "bce" (OpenSALICON,
    SALICONtf) is binary cross-entropy of the map against the target map, over all pixels."""
    if objective == "kld":
        return mean_defined(kl_divergence(pred, batch["saliency"]))
    if objective == "bce":
        return F.binary_cross_entropy(pred, batch["saliency"].to(pred.dtype))
    raise ValueError(f"SALICON objective must be one of {OBJECTIVES}; got {objective!r}")
