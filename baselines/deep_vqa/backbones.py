"""Table 1's six Kinetics-400 backbone rows of the deep VQA block: MC3-18, R(2+1)D-18, R3D-18 [Tran et al.,
CVPR 2018] and Swin3D-T, Swin3D-S, Swin3D-B (Video Swin Transformer [Liu et al., CVPR 2022]), each with a
regression head. One class, registered once per architecture (`arch`).

As for the image backbones (`baselines.deep_iqa.backbones`, which this module shares its machinery with), the
paper gives only section 5.1; this implementation fixes, recorded with every result:

- network: torchvision's video network with its Kinetics-400 classifier removed, its pooled features into
  `ScoreHead` (Linear(C, 128), ReLU, Linear(128, 2)): one network for both dimensions;
- input: the family's clip rule (`ClipQualityModel`): one clip of T frames spread over the whole orbit;
- loss: MSE on standardised MOS;
- weights: torchvision's Kinetics-400 weights (`KINETICS400_V1`; Swin3D-B's is the one initialised from
  ImageNet-1K, not the ImageNet-22K variant).

Licences: torchvision's code is BSD-3; the weights are subject to the terms of Kinetics-400 (YouTube videos,
research use) and, for Swin3D, ImageNet's terms of access.
"""
from __future__ import annotations

from baselines.deep_iqa.backbones import TV, Backbone, BackboneRow
from baselines.deep_iqa.inputs import KINETICS_MEAN, KINETICS_STD
from baselines.deep_vqa.base import ClipQualityModel
from bench.models import register_model

K400 = "Kinetics-400"
VIDEO_BACKBONES = {
    "mc3_18": Backbone("mc3_18", "MC3_18_Weights.KINETICS400_V1", TV + "mc3_18-a90a0ba3.pth", 512, "fc", K400,
                       mean=KINETICS_MEAN, std=KINETICS_STD),
    "r2plus1d_18": Backbone("r2plus1d_18", "R2Plus1D_18_Weights.KINETICS400_V1", TV + "r2plus1d_18-91a641e6.pth",
                            512, "fc", K400, mean=KINETICS_MEAN, std=KINETICS_STD),
    "r3d_18": Backbone("r3d_18", "R3D_18_Weights.KINETICS400_V1", TV + "r3d_18-b3b3357e.pth", 512, "fc", K400,
                       mean=KINETICS_MEAN, std=KINETICS_STD),
    "swin3d_t": Backbone("swin3d_t", "Swin3D_T_Weights.KINETICS400_V1", TV + "swin3d_t-7615ae03.pth", 768, "head",
                         "ImageNet-1K, then " + K400),
    "swin3d_s": Backbone("swin3d_s", "Swin3D_S_Weights.KINETICS400_V1", TV + "swin3d_s-da41c237.pth", 768, "head",
                         "ImageNet-1K, then " + K400),
    "swin3d_b": Backbone("swin3d_b", "Swin3D_B_Weights.KINETICS400_V1", TV + "swin3d_b_1k-24f7c7c6.pth", 1024,
                         "head", "ImageNet-1K, then " + K400),
}


class ClipBackbone(BackboneRow, ClipQualityModel):
    """A Kinetics-400 video backbone + regression head, scoring a video from one clip (see the module docstring)."""

    backbones = VIDEO_BACKBONES


for _name in VIDEO_BACKBONES:
    register_model(_name, arch=_name)(ClipBackbone)
