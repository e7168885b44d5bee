"""Qwen2-VL-7B-Instruct, zero-shot (Table 1 and Table 2 row "Qwen2-VL (7B)").

Method: Qwen2-VL (Wang et al., "Qwen2-VL: Enhancing Vision-Language Model's Perception of the World at Any
Resolution", arXiv:2409.12191, the paper's [70]): a ViT with 2D rotary positions and 2x2 token merging
feeding Qwen2-7B, with multimodal rotary positions (M-RoPE) over time, height and width. The video goes in
as one video entry; the processor cuts it into 2-frame temporal patches.

This implementation: the native transformers class `Qwen2VLForConditionalGeneration` and the checkpoint's
own processor and chat template, the same weights as the paper's row. Scoring and prompts are the
family's (`baselines.lmm.base`). Licence: code and weights Apache-2.0.
"""
from baselines.lmm.native import Architecture, NativeRow, register_architecture
from baselines.lmm.rows import Row
from bench.models import register_model

# qwen-vl-utils' per-frame pixel budget (transformers' own default leaves it off and warns)
register_architecture(Architecture("qwen2_vl", "Qwen2VLForConditionalGeneration",
                                   processor_kwargs={"cap_pixels_per_frame": True}))

ROW = Row(
    name="qwen2_vl", title="Qwen2-VL (7B)", backend="native",
    checkpoint="Qwen/Qwen2-VL-7B-Instruct", paper_model="Qwen/Qwen2-VL-7B-Instruct",
    frames=8, frame_size=448,
    frames_why="2 frames per second over the 4-s clip, the rate of Qwen's own video loader (qwen-vl-utils); "
               "448 is a multiple of the 28-pixel merge window, so the processor keeps it: 4x16x16 video tokens",
    licence="Apache-2.0", distortion=True)


@register_model(ROW.name)
class Qwen2VL(NativeRow):
    row = ROW
