"""Table 1's row "StairIQA [67]": Sun et al.'s StairIQA (`stairiqa`) as a harness model.

The family's frame rule (`FrameQualityModel`): K frames per video, each a training item labelled with its video's
MOS, the video's score the mean over its frames. `paper`: the authors' preparation on native frames (short side to
384, a random 320 crop in training, the five 320 crops in testing), end to end from torchvision's ImageNet ResNet-50
(`IMAGENET1K_V2`, what the authors' `weights='DEFAULT'` loads), MSE. `quick`: frames at `input_size` taken whole
(one crop), the ResNet-50 and its staircase blocks frozen (pooled 2048-d features memoised), the two-layer
regressor trained per fold. `--set official=true --set weights_path='{"official": FILE}'` loads the authors'
single-database checkpoint (Google Drive; their repository carries no licence).
"""
from __future__ import annotations

from baselines.deep_iqa.base import FrameQualityModel
from baselines.deep_iqa.named import RESNET50_V2, MethodRow, resnet50_spec
from bench.models import register_model


@register_model("stairiqa")
class StairIQARow(MethodRow, FrameQualityModel):
    method_module = "baselines.deep_iqa.stairiqa"
    frozen_what = "the ResNet-50 and its staircase blocks"
    list_note = "ResNet-50 + staircase fusion of its 5 levels, linear regressor; MSE"

    @classmethod
    def pretrained_specs(cls) -> list:
        return [resnet50_spec("backbone", RESNET50_V2)]

    def prepare_options(self) -> dict:
        size = self.settings.input_size
        return {"resize": size, "crop": size, "test_crops": "center"}

    def frozen_part(self, module):
        from torch import nn

        return nn.ModuleList([m for n, m in module.named_children() if n != "quality"])

    def features(self, module, batch: dict):
        x = batch["crops"]  # (B, crops, 3, S, S)
        return module.staircase(module.normalize(x.flatten(0, 1))).view(*x.shape[:2], -1)

    def score(self, module, features):
        return module.quality(features).mean(1)
