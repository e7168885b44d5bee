"""Table 1's row "Fast-VQA [71]": Wu et al.'s FAST-VQA-B (`fastvqa`) as a harness model.

`paper`: the authors' sampling on every native frame (a 32-frame clip, frames 2 apart, 7x7 fragments of 32x32
mini-patches; 1 clip in training, 4 in testing), the fragment attention network initialised from the Kinetics-400
Video Swin-T (`swin_tiny_patch244_window877_kinetics400_1k.pth`), trained end to end with PLCC + 0.3 rank loss.
`quick`: one clip of `frames` consecutive sampled frames at native resolution, fragments of `input_size // 32` x that
many mini-patches, the Swin frozen (the features of every position memoised) and the per-position regression head
trained per fold. `--set official=true` loads the authors' `FAST_VQA_B_1_4.pth` (GitHub release, MIT) from the
torch hub cache.
"""
from __future__ import annotations

from baselines.deep_iqa.named import SWIN_T_K400, MethodRow, url_spec
from baselines.deep_vqa.base import ClipQualityModel
from bench.data.video import FrameSpec
from bench.models import register_model


class FragmentRow(MethodRow):
    """What FAST-VQA and DOVER share: the Kinetics Video Swin-T and the quick fragment sampling."""

    pairwise = True

    def swin_state(self, state: dict, backbone) -> dict:
        from baselines.deep_vqa.swin3d_gated import from_kinetics_swin

        own = backbone.state_dict()
        return {k: v for k, v in from_kinetics_swin(state).items() if k in own}

    def fragments(self) -> int:
        return max(1, self.settings.input_size // 32)

    def arch_options(self) -> dict:
        return {} if self.published() else {"fragments": self.fragments()}

    def frame_spec(self) -> FrameSpec:
        return super().frame_spec() if self.published() else FrameSpec(count=self.settings.frames)

    def prepare_options(self) -> dict:
        return {"fragments": self.fragments(), "fsize": 32, "clip_len": self.settings.frames, "frame_interval": 1,
                "test_clips": 1}


@register_model("fastvqa")
class FastVQARow(FragmentRow, ClipQualityModel):
    method_module = "baselines.deep_vqa.fastvqa"
    frozen_what = "the fragment attention network"
    list_note = "fragments (grid mini-patches) -> Swin3D-T with gated biases -> per-position head; PLCC + rank"

    @classmethod
    def pretrained_specs(cls) -> list:
        return [url_spec("fragments_backbone", SWIN_T_K400, "Video Swin-T trained on Kinetics-400")]

    def adapt_pretrained(self, key: str, state: dict, module) -> dict:
        return self.swin_state(state, module.fragments_backbone)

    def frozen_part(self, module):
        return module.fragments_backbone

    def features(self, module, batch: dict):
        from baselines.deep_vqa.fastvqa import positions

        return positions(module.fragments_backbone, module.normalize, batch["fragments"])

    def score(self, module, features):
        from baselines.deep_vqa.fastvqa import position_scores

        return position_scores(module.vqa_head, features)
