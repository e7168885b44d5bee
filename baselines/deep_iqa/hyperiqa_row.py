"""Table 1's row "HyperIQA [63]": Su et al.'s HyperIQA (`hyperiqa`) as a harness model.

The family's frame rule (`FrameQualityModel`): K frames per video, each a training item labelled with its video's
MOS, the video's score the mean over its frames. `paper`: the authors' preparation on native frames (random 224 crops
with flips in training, the mean over 25 random crops in testing), end to end from torchvision's ImageNet ResNet-50
(`IMAGENET1K_V1`), L1. `quick`: frames at `input_size` taken whole (one crop; the generated-weight sizes follow the
crop, `crop // 32`), the ResNet-50 frozen with its four stage outputs memoised, the local distortion layers, the
hyper network and the target network trained per fold. `--set official=true --set weights_path='{"official": FILE}'`
loads the authors' KonIQ-10k checkpoint (`koniq_pretrained.pkl`, Google Drive; code MIT): its generated-weight layers
fit only at crop 224 (`paper`).
"""
from __future__ import annotations

from baselines.deep_iqa.base import FrameQualityModel
from baselines.deep_iqa.named import MethodRow, resnet50_spec
from bench.models import register_model


@register_model("hyperiqa")
class HyperIQARow(MethodRow, FrameQualityModel):
    method_module = "baselines.deep_iqa.hyperiqa"
    frozen_what = "the ResNet-50 (its four stage outputs memoised)"
    list_note = "ResNet-50 + hyper network generating a target network per crop, multi-scale features; L1"

    @classmethod
    def pretrained_specs(cls) -> list:
        return [resnet50_spec("backbone")]

    def crop(self) -> int:
        return max(32, self.settings.input_size // 32 * 32)

    def arch_options(self) -> dict:
        return {} if self.published() else {"crop": self.crop()}

    def prepare_options(self) -> dict:
        return {"crop": self.crop(), "test_crops": 1}

    def frozen_part(self, module):
        return module.backbone

    def features(self, module, batch: dict):
        """(B, crops, C): the four stage outputs of every crop, flattened and concatenated."""
        import torch

        x = batch["crops"]
        stages = module.backbone(module.normalize(x.flatten(0, 1)))[1:]
        return torch.cat([s.flatten(1) for s in stages], dim=1).view(*x.shape[:2], -1)

    def score(self, module, features):
        b, n = features.shape[:2]
        flat, stages, start = features.flatten(0, 1), [], 0
        side = module.side * 32
        for i, channels in enumerate(module.backbone.channels):
            hw = side // (4 * 2 ** i)
            stages.append(flat[:, start:start + channels * hw * hw].view(-1, channels, hw, hw))
            start += channels * hw * hw
        return module.target(module.hyper_from_stages(*stages)).view(b, n, -1).mean(1)
