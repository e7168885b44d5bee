"""Table 1's row "DOVER [72]": Wu et al.'s DOVER (`dover`) as a harness model; the score is the fused one.

`paper`: the authors' views on every native frame (the technical view: FAST-VQA's fragments, 1 clip in training and
3 in testing; the aesthetic view: 32 frames, one per segment, resized to 224x224), the technical branch from the
Kinetics-400 Video Swin-T, the aesthetic branch from the ImageNet ConvNeXt-T inflated to 3-D, each branch supervised
by the overall MOS (PLCC + 0.3 rank loss each), their sum the score. `quick`: `frames` sampled frames at native
resolution for both views (fragments of `input_size // 32` squared mini-patches; the aesthetic view at
`input_size`), both backbones frozen (every position's features memoised), both heads trained per fold.
`--set official=true` loads the authors' `DOVER.pth` (GitHub release) from the torch hub cache. Licence: DOVER's code
and weights are under the S-Lab License 1.0, non-commercial use only.
"""
from __future__ import annotations

from baselines.deep_iqa.named import CONVNEXT_T, SWIN_T_K400, url_spec
from baselines.deep_vqa.base import ClipQualityModel
from baselines.deep_vqa.fastvqa_row import FragmentRow
from bench.models import register_model


@register_model("dover")
class DOVERRow(FragmentRow, ClipQualityModel):
    method_module = "baselines.deep_vqa.dover"
    frozen_what = "both backbones (Swin3D-T, ConvNeXt-T 3-D)"
    list_note = "technical (FAST-VQA fragments) + aesthetic (ConvNeXt-T 3-D) branches, summed; PLCC + rank each"

    @classmethod
    def pretrained_specs(cls) -> list:
        return [url_spec("technical_backbone", SWIN_T_K400, "Video Swin-T trained on Kinetics-400"),
                url_spec("aesthetic_backbone", CONVNEXT_T, "ConvNeXt-T trained on ImageNet-1K")]

    def adapt_pretrained(self, key: str, state: dict, module) -> dict:
        if key == "technical_backbone":
            return self.swin_state(state, module.technical_backbone)
        from baselines.deep_vqa.dover import inflate_convnext2d

        return inflate_convnext2d(state, module.aesthetic_backbone)

    def prepare_options(self) -> dict:
        return {**super().prepare_options(), "aesthetic_size": self.settings.input_size,
                "aesthetic_frames": self.settings.frames}

    def frozen_part(self, module):
        from torch import nn

        return nn.ModuleList([module.technical_backbone, module.aesthetic_backbone])

    def features(self, module, batch: dict):
        """(B, Pt + Pa, C + 1): every position of both branches, the last channel 0 (technical) or 1 (aesthetic)."""
        import torch

        from baselines.deep_vqa.fastvqa import positions

        out = []
        for flag, backbone, view in ((0.0, module.technical_backbone, "technical"),
                                     (1.0, module.aesthetic_backbone, "aesthetic")):
            f = positions(backbone, module.normalize, batch[view])
            out.append(torch.cat([f, f.new_full((*f.shape[:2], 1), flag)], dim=-1))
        return torch.cat(out, dim=1)

    def score(self, module, features):
        import torch

        from baselines.deep_vqa.dover import fuse
        from baselines.deep_vqa.fastvqa import position_scores

        aesthetic = features[0, :, -1] > 0.5
        branches = torch.stack([position_scores(module.technical_head, features[:, ~aesthetic, :-1]),
                                position_scores(module.aesthetic_head, features[:, aesthetic, :-1])], dim=1)
        return branches if module.training else fuse(branches)
