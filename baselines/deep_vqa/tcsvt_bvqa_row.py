"""Table 1's row "TCSVT-BVQA [33]": Li et al.'s quality-aware pre-training + motion perception model (`tcsvt_bvqa`)
as a harness model.

Both feature extractors are fixed by the method (its authors extract their features once, offline), so under every
profile they encode each video once per run (memoised, shared by the folds) and the GRU head with its temporal
pooling and logistic mapping trains per fold, with the method's loss ((1 - PLCC) / 2 + 1 - soft-rank SRCC).
`paper`: every native frame, in chunks of 64 sampled to 32 time steps; the spatial extractor is torchvision's
ImageNet ResNet-50 (`IMAGENET1K_V1`) standing in for the authors' quality-aware ResNet-50 (Google Drive: `--set
weights_path='{"spatial": FILE}'` with its ResNet-50 state dict), the motion extractor pytorchvideo's Kinetics-400
SlowFast-R50. `quick`: `frames` frames at `input_size`, one chunk. Scores: the mapped score (in (0, 1) before the
rows' rescaling to the MOS scale). Code: Apache-2.0.
"""
from __future__ import annotations

from baselines.deep_iqa.named import (SLOWFAST_R50, MethodRow, TemporalRow, resnet50_spec, split_valid, url_spec,
                                      with_valid)
from baselines.deep_vqa.base import ClipQualityModel
from bench.errors import ConfigError
from bench.models import register_model


@register_model("tcsvt_bvqa")
class TCSVTBVQARow(TemporalRow, MethodRow, ClipQualityModel):
    method_module = "baselines.deep_vqa.tcsvt_bvqa"
    frozen_what = "the spatial ResNet-50 and the SlowFast (fixed by the method)"
    list_note = ("fixed ResNet-50 (ImageNet, for the quality-aware one) + SlowFast features, GRU, temporal pooling; "
                 "PLCC + soft SRCC")
    pairwise = True

    @classmethod
    def pretrained_specs(cls) -> list:
        return [resnet50_spec("spatial"), url_spec("motion", SLOWFAST_R50, "SlowFast-R50 trained on Kinetics-400")]

    def prepare_options(self) -> dict:
        from baselines.deep_vqa.slowfast_motion import ALPHA

        if self.settings.frames % ALPHA:
            raise ConfigError(f"tcsvt_bvqa: frames={self.settings.frames} time steps; SlowFast's pathways need a "
                              f"multiple of {ALPHA}")
        return {"steps": self.settings.frames}

    def frozen_part(self, module):
        from torch import nn

        return nn.ModuleList([module.spatial, module.motion])

    def features(self, module, batch: dict):
        """(B, time steps, 4608 + 1): every step's features, the last channel marking the video's own steps."""
        out = module.frozen_features(batch["clips"], batch["keep"])
        return with_valid(out["features"], out["length"])

    def score(self, module, features):
        return module.regress(*split_valid(features))
