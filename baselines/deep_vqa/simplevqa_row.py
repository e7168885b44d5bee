"""Table 1's row "Simple-VQA [66]": Sun et al.'s SimpleVQA (`simplevqa`) as a harness model.

`paper`: the authors' sampling (a key frame per second and a 32-frame clip from each second, 8 of each, frames at
30 fps, native resolution, key frames' short side to 520 and 448 crops), the ResNet-50 (torchvision `IMAGENET1K_V1`)
trained end to end, the SlowFast-R50 (pytorchvideo's Kinetics-400 checkpoint) fixed, L1 + rank loss (its pair
threshold, 1 on the authors' 0-100 scale, in the standardised units the rows train in). `quick`: frames at 4 fps and
`input_size`, `frames` key frames (whole) and 4-frame clips, both networks frozen (pooled spatial and motion features
memoised), the regressor trained per fold. `--set official=true --set weights_path='{"official": FILE}'` loads the
authors' LSVQ checkpoint (`UGC_BVQA_model.pth`, Google Drive; code Apache-2.0).
"""
from __future__ import annotations

from baselines.deep_iqa.named import SLOWFAST_R50, MethodRow, resnet50_spec, url_spec
from baselines.deep_vqa.base import ClipQualityModel
from bench.data.video import FrameSpec
from bench.models import register_model

QUICK_FPS = 4.0  # quick: frames per second kept, and so the frames of a one-second motion clip


@register_model("simplevqa")
class SimpleVQARow(MethodRow, ClipQualityModel):
    method_module = "baselines.deep_vqa.simplevqa"
    frozen_what = "the ResNet-50 and the SlowFast"
    list_note = "key frames (ResNet-50, mean+std of 3 stages) + SlowFast motion, MLP; L1 + rank loss"

    @classmethod
    def pretrained_specs(cls) -> list:
        return [resnet50_spec("backbone"), url_spec("motion", SLOWFAST_R50, "SlowFast-R50 trained on Kinetics-400")]

    def frame_spec(self) -> FrameSpec:
        if self.published():
            return super().frame_spec()
        size = self.settings.input_size
        return FrameSpec(count=None, fps=QUICK_FPS, size=(size, size))

    def prepare_options(self) -> dict:
        size = self.settings.input_size
        return {"fps": QUICK_FPS, "key_frames": self.settings.frames, "resize": size, "crop": size,
                "clip_len": int(QUICK_FPS), "clip_size": size}

    def method_loss(self, pred, tgt):
        import numpy as np

        return self.method.loss(pred, tgt, hard_threshold=1.0 / float(np.mean(self.target_scale_)))

    def frozen_part(self, module):
        from torch import nn

        return nn.ModuleList([module.backbone, module.motion])

    def features(self, module, batch: dict):
        """(B, key frames, 9472): each key frame's spatial features with its clip's motion features."""
        import torch

        frames = batch["frames"]
        spatial = module.spatial(frames.flatten(0, 1)).view(*frames.shape[:2], -1)
        return torch.cat([spatial, module.frozen_features(batch["clips"])["motion"]], dim=-1)

    def score(self, module, features):
        return module.quality(features).mean(1)
