"""Table 1's row "CNNIQA [30]" (the paper's unnamed row 19): Kang et al.'s CNNIQA (`cnniqa`) as a harness model.

The family's frame rule (`FrameQualityModel`): K frames per video, each a training item labelled with its video's
MOS, the video's score the mean over its frames (each frame's the mean over its 32x32 patches). CNNIQA has no
pretrained part (trained from scratch in its paper), so it trains end to end under every profile: `paper` on
native-resolution frames (every 32x32 patch), `quick` on frames at `input_size` (96 px: 9 patches). Loss: L1 on every
patch (Kang et al. Eq. 3). No official code or weights exist.
"""
from __future__ import annotations

from baselines.deep_iqa.base import FrameQualityModel
from baselines.deep_iqa.named import MethodRow
from bench.models import register_model


@register_model("cnniqa")
class CNNIQARow(MethodRow, FrameQualityModel):
    method_module = "baselines.deep_iqa.cnniqa"
    frozen_what = "the convolution layer"
    list_note = "32x32 locally normalised patches, conv + max/min pooling + 2 FC; L1; from scratch"

    def frozen_part(self, module):
        return module.conv1

    def features(self, module, batch: dict):
        """(B, patches, 100): the max and the min of every convolution map of every patch."""
        x = batch["patches"]
        return module.pooled(x.flatten(0, 1)).view(*x.shape[:2], -1)

    def score(self, module, features):
        return module.regress(features).mean(1)
