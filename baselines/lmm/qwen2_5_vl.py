"""Qwen2.5-VL-7B-Instruct, zero-shot: an extra row, not in the paper (LMME3DHF's base model).

Method: Qwen2.5-VL (Bai et al., "Qwen2.5-VL Technical Report", arXiv:2502.13923): Qwen2-VL's design with
window attention in the ViT and absolute-time M-RoPE, whose temporal positions follow the frames' real
timestamps (so the clip's frame rate is passed to the processor). LMME3DHF fine-tunes this model; its
zero-shot row shows what the fine-tuning adds.

This implementation: the native transformers class `Qwen2_5_VLForConditionalGeneration`, the checkpoint's
processor and chat template. Licence: code and weights Apache-2.0.
"""
from baselines.lmm.native import Architecture, NativeRow, register_architecture
from baselines.lmm.rows import Row
from bench.models import register_model

# qwen-vl-utils' per-frame pixel budget (transformers' own default leaves it off and warns)
register_architecture(Architecture("qwen2_5_vl", "Qwen2_5_VLForConditionalGeneration",
                                   processor_kwargs={"cap_pixels_per_frame": True}))

ROW = Row(
    name="qwen2_5_vl", title="Qwen2.5-VL (7B)", backend="native",
    checkpoint="Qwen/Qwen2.5-VL-7B-Instruct", paper_model="not in the paper (LMME3DHF's base, zero-shot)",
    frames=8, frame_size=448,
    frames_why="2 frames per second over the 4-s clip, as qwen-vl-utils samples; 448 is a multiple of 28",
    licence="Apache-2.0", distortion=True,
    notes=("extra row, not one of the paper's: Qwen2.5-VL-7B-Instruct zero-shot, the base LMME3DHF fine-tunes",))


@register_model(ROW.name)
class Qwen2_5VL(NativeRow):
    row = ROW
    paper_row = None  # an extra row: tables label it "Qwen2.5-VL (7B), zero-shot (extra row)"
