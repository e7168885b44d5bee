"""Table 1's nine ImageNet backbone rows of the deep IQA block: ResNet-18 (the paper's unnamed row),
ResNet-34, ResNet-50 [He et al., CVPR 2016], VGG-16, VGG-19 [Simonyan and Zisserman, ICLR 2015], Swin-T,
Swin-S, Swin-B, Swin-L [Liu et al., ICCV 2021], each with a regression head. One class, registered once per
architecture (`arch`).

The paper gives no detail beyond section 5.1 (Adam, lr 1e-4, batch 8, 50 epochs, 224x224 frames, pretrained
backbones); what this implementation fixes, recorded with every result:

- network: the backbone with its ImageNet classifier removed, its pooled features into `ScoreHead`
  (Linear(C, 128), ReLU, Linear(128, 2)): one network for both dimensions. VGG keeps its convolutional part,
  globally average-pooled (512 channels), as IQA work uses it; its fully connected ImageNet layers are not
  built. Swin-L is timm's (`swin_large_patch4_window7_224`, built for `input_size`; at another size than 224
  timm interpolates its relative-position tables when loading the weights);
- frames: the family's frame rule (`FrameQualityModel`): K frames per video, each labelled with the video's
  MOS in training, the video's score the mean over its frames;
- loss: MSE on standardised MOS (`baselines.deep_iqa.losses`);
- weights: torchvision's original ImageNet-1K weights (`IMAGENET1K_V1`, what `pretrained=True` loaded in the
  code of the paper's era, also for ResNet-50, whose V2 recipe came later) and, for Swin-L, the official
  ImageNet-22K -> 1K fine-tuned weights through timm's hub copy.

Licences: torchvision's and timm's code and the Swin weights are BSD-3 / Apache-2.0 / MIT; weights trained on
ImageNet are subject to ImageNet's terms of access (non-commercial research and education).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from baselines.deep_iqa.base import FrameQualityModel
from baselines.deep_iqa.inputs import IMAGENET_MEAN, IMAGENET_STD
from bench.errors import ModelUnavailable
from bench.models import Requirements, register_model

TV = "https://download.pytorch.org/models/"


@dataclass(frozen=True)
class Backbone:
    """A pretrained backbone: how to build it, the weights it loads, its pooled feature size."""

    builder: str  # a torchvision.models (or .video) function, or a timm model name
    weights: str  # torchvision weights enum, or the Hugging Face repo of timm's weights
    url: Optional[str]  # torchvision: the enum's download URL (its last part names the cache file)
    features: int  # channels of the pooled features
    classifier: str  # the attribute holding the classifier, replaced by an identity
    pretraining: str
    source: str = "torchvision"
    mean: tuple = IMAGENET_MEAN
    std: tuple = IMAGENET_STD


IMAGE_BACKBONES = {
    "resnet18": Backbone("resnet18", "ResNet18_Weights.IMAGENET1K_V1", TV + "resnet18-f37072fd.pth", 512, "fc",
                         "ImageNet-1K"),
    "resnet34": Backbone("resnet34", "ResNet34_Weights.IMAGENET1K_V1", TV + "resnet34-b627a593.pth", 512, "fc",
                         "ImageNet-1K"),
    "resnet50": Backbone("resnet50", "ResNet50_Weights.IMAGENET1K_V1", TV + "resnet50-0676ba61.pth", 2048, "fc",
                         "ImageNet-1K"),
    "vgg16": Backbone("vgg16", "VGG16_Weights.IMAGENET1K_V1", TV + "vgg16-397923af.pth", 512, "classifier",
                      "ImageNet-1K"),
    "vgg19": Backbone("vgg19", "VGG19_Weights.IMAGENET1K_V1", TV + "vgg19-dcbb9e9d.pth", 512, "classifier",
                      "ImageNet-1K"),
    "swin_t": Backbone("swin_t", "Swin_T_Weights.IMAGENET1K_V1", TV + "swin_t-704ceda3.pth", 768, "head",
                       "ImageNet-1K"),
    "swin_s": Backbone("swin_s", "Swin_S_Weights.IMAGENET1K_V1", TV + "swin_s-5e29d889.pth", 768, "head",
                       "ImageNet-1K"),
    "swin_b": Backbone("swin_b", "Swin_B_Weights.IMAGENET1K_V1", TV + "swin_b-68c6b09e.pth", 1024, "head",
                       "ImageNet-1K"),
    "swin_l": Backbone("swin_large_patch4_window7_224", "timm/swin_large_patch4_window7_224.ms_in22k_ft_in1k",
                       None, 1536, "head", "ImageNet-22K, fine-tuned on ImageNet-1K", source="timm"),
}


def build_trunk(spec: Backbone, input_size: int):
    """The backbone with random weights and no classifier: inputs -> pooled features (N, spec.features)."""
    from torch import nn

    if spec.source == "timm":
        import timm

        return timm.create_model(spec.builder, pretrained=False, num_classes=0, img_size=input_size)
    import torchvision.models as tvm

    if spec.builder in VGG_CONFIGS:
        return vgg_trunk(spec.builder)
    net = (getattr(tvm.video, spec.builder, None) or getattr(tvm, spec.builder))(weights=None)
    setattr(net, spec.classifier, nn.Identity())
    return net


VGG_CONFIGS = {"vgg16": "D", "vgg19": "E"}  # torchvision's layer tables


def vgg_trunk(builder: str):
    """VGG's convolutional part from torchvision's layer table, initialised as torchvision initialises it,
    globally average-pooled; its three fully connected layers (120M parameters) are never built."""
    import torchvision.models.vgg as tv_vgg
    from torch import nn

    from baselines.deep_iqa.heads import PooledConvTrunk

    features = tv_vgg.make_layers(tv_vgg.cfgs[VGG_CONFIGS[builder]])
    for m in features.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            nn.init.constant_(m.bias, 0)
    return PooledConvTrunk(features)


class BackboneRow:
    """What a backbone row adds to its family base: the architecture table (`backbones`), its weights,
    the network (backbone + `ScoreHead`). Mixed in before the family base."""

    backbones: dict = {}
    list_note = "backbone + MLP head, two outputs; MSE"

    def __init__(self, arch: str, hidden: int = 128, **config):
        """`arch`: a key of `backbones` (the registry name); `hidden`: the head's hidden width."""
        if arch not in self.backbones:
            raise ValueError(f"arch must be one of {', '.join(self.backbones)}, not {arch!r}")
        if not isinstance(hidden, int) or hidden < 1:
            raise ValueError(f"hidden must be an integer >= 1, got {hidden!r}")
        super().__init__(arch=arch, hidden=hidden, **config)
        self.arch, self.hidden = arch, hidden
        self.mean, self.std = self.backbones[arch].mean, self.backbones[arch].std

    @classmethod
    def backbone_of(cls, config: Optional[dict]) -> Backbone:
        arch = (config or {}).get("arch")
        if arch not in cls.backbones:
            raise ValueError(f"arch must be one of {', '.join(cls.backbones)}, not {arch!r}")
        return cls.backbones[arch]

    @classmethod
    def weight_specs(cls, config: Optional[dict] = None) -> list:
        from bench.weights import WeightSpec

        spec = cls.backbone_of(config)
        what = f"{config['arch']} pretrained on {spec.pretraining}"
        if spec.source == "timm":
            return [WeightSpec("backbone", "timm", spec.weights, files=("model.safetensors",), description=what)]
        return [WeightSpec("backbone", "torchvision", spec.weights, url=spec.url, description=what)]

    def build_network(self):
        from baselines.deep_iqa.heads import BackboneRegressor

        spec = self.backbones[self.arch]
        return BackboneRegressor(build_trunk(spec, self.settings.input_size), spec.features, self.hidden)

    def load_pretrained(self, module, resolved) -> None:
        """The weights into the backbone, strictly: every tensor of it, nothing but the classifier left over
        (a file of another architecture, even a near one such as ResNet-34 for ResNet-18, is refused)."""
        import warnings

        spec = self.backbones[self.arch]
        state = read_state_dict(Path(resolved.path))
        if spec.source == "timm":
            from timm.models import swin_transformer

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # timm's interpolation warns about tensor layouts
                # adapts the relative-position tables to the model's input size; drops index buffers
                state = swin_transformer.checkpoint_filter_fn(state, module.backbone)
        state = {k: v for k, v in state.items() if not k.startswith(spec.classifier + ".")}
        try:
            module.backbone.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            raise ModelUnavailable(f"{resolved.path}: not the weights of {resolved.spec.id}: "
                                   f"{' '.join(str(exc).split())[:400]}") from None


def read_state_dict(path: Path) -> dict:
    """A state dict from a weights file (safetensors, or a torch file read without unpickling code) or from a
    snapshot folder's weight files; the original Swin release's {"model": ...} nesting is undone."""
    import torch

    from bench.weights import weight_files

    state = {}
    for f in (weight_files(path) if path.is_dir() else [path]):
        if f.suffix == ".safetensors":
            from safetensors.torch import load_file

            state.update(load_file(str(f)))
        else:
            state.update(torch.load(f, map_location="cpu", weights_only=True))
    return state.get("model", state) if isinstance(state.get("model"), dict) else state


class ImageBackbone(BackboneRow, FrameQualityModel):
    """An ImageNet backbone + regression head, scoring a video from its frames (see the module docstring)."""

    backbones = IMAGE_BACKBONES
    requirements = Requirements(packages=("torch", "torchvision", "timm"))


for _name in IMAGE_BACKBONES:
    register_model(_name, arch=_name)(ImageBackbone)
