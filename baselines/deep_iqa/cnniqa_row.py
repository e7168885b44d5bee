"""Table 1's row "CNNIQA [30]" (the paper's unnamed row 19): Kang et al.'s CNNIQA (`cnniqa`) as a harness model.

The family's frame rule (`FrameQualityModel`): K frames per video, each a training item labelled with its video's
MOS, the video's score the mean over its frames (each frame's the mean over its 32x32 patches). CNNIQA has no
pretrained part: `paper` trains it from scratch, end to end, on native-resolution frames (every 32x32 patch) with L1
on every patch (Kang et al. Eq. 3). `quick`: frames at `input_size` (96 px: 9 patches), the convolution layer frozen
at its random initialisation (every patch's max and min pooled maps memoised) and the fully connected layers trained
per fold; end to end on the CPU cost ~10 s per epoch and fold here. No official code or weights exist.
"""
from __future__ import annotations

from baselines.deep_iqa.base import FrameQualityModel
from baselines.deep_iqa.inputs import target
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

    def feature_items(self, samples, features: dict) -> list:
        """One item per frame, as in end-to-end training: (its patches' features, its video's MOS)."""
        k = self.settings.frames
        return [(f[i * (len(f) // k):(i + 1) * (len(f) // k)], target(s))
                for s in samples for f in (features[s.id],) for i in range(k)]

    def score(self, module, features):
        """Every patch's score in training (each trained against its frame's label), their mean in evaluation."""
        from baselines.deep_iqa.common import mean_over_views

        return mean_over_views(module.regress(features), module.training)
