"""Table 1's row "VSFA [35]": Li et al.'s VSFA (`vsfa`) as a harness model.

The content-aware ResNet-50 is fixed by the method (its authors extract the features once), so under every profile
it encodes each video once per run (mean and std of its last stage per frame, memoised, shared by the folds) and the
GRU head with the subjectively-inspired temporal pooling trains per fold, with L1. `paper`: every native frame,
torchvision's ImageNet ResNet-50 (`IMAGENET1K_V1`). `quick`: `frames` frames at `input_size`. `--set official=true`
loads the authors' KoNViD-1k head (`models/VSFA.pt` from their repository, MIT) from the torch hub cache.
"""
from __future__ import annotations

from baselines.deep_iqa.named import MethodRow, TemporalRow, resnet50_spec, split_valid, with_valid
from baselines.deep_vqa.base import ClipQualityModel
from bench.models import register_model


@register_model("vsfa")
class VSFARow(TemporalRow, MethodRow, ClipQualityModel):
    method_module = "baselines.deep_vqa.vsfa"
    frozen_what = "the ResNet-50 (fixed by the method)"
    list_note = "fixed ResNet-50 mean+std features per frame, GRU, min + soft-min temporal pooling; L1"

    @classmethod
    def pretrained_specs(cls) -> list:
        return [resnet50_spec("backbone")]

    def frozen_part(self, module):
        return module.backbone

    def features(self, module, batch: dict):
        """(B, frames, 4096 + 1): every frame's features, the last channel marking the video's own frames."""
        out = module.frozen_features(batch["frames"], batch["length"])
        return with_valid(out["features"], out["length"])

    def score(self, module, features):
        return module.head(*split_valid(features))
