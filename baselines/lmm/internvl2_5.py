"""InternVL2.5 (8B), zero-shot (Table 1 and Table 2 row "InternVL2.5 (8B)").

Method: InternVL2.5 (Chen et al., "Expanding Performance Boundaries of Open-Source Multimodal Models with
Model, Data, and Test-Time Scaling", arXiv:2412.05271, the paper's [7]): InternViT-300M-448px, pixel
shuffle (x0.5) and an MLP into InternLM2.5-7B-Chat; a video is a sequence of 448x448 frames, each
introduced as "FrameN:" and taking 256 tokens.

This implementation: the native `InternVLForConditionalGeneration` loads only the "-hf" conversions, and
the 8B one published is `OpenGVLab/InternVL2_5-8B-MPO-hf`: InternVL2.5-8B further trained with Mixed
Preference Optimization, not the paper's InternVL2_5-8B weights (which need the authors' remote code).
Results of this row are therefore of the MPO model, and say so. Licence: code and weights MIT; the
language model InternLM2.5-7B-Chat Apache-2.0.
"""
from baselines.lmm.native import Architecture, NativeRow, register_architecture
from baselines.lmm.rows import Row
from bench.models import register_model

register_architecture(Architecture("internvl", "InternVLForConditionalGeneration"))

ROW = Row(
    name="internvl2_5", title="InternVL2.5 (8B)", backend="native",
    checkpoint="OpenGVLab/InternVL2_5-8B-MPO-hf", paper_model="OpenGVLab/InternVL2_5-8B",
    frames=8, frame_size=448,
    frames_why="the 8 segments of InternVL's own video recipe, one 448x448 tile per frame (256 tokens each)",
    licence="code and weights MIT; its language model InternLM2.5-7B-Chat Apache-2.0", distortion=True,
    notes=("OpenGVLab/InternVL2_5-8B-MPO-hf are MPO-tuned weights, not the paper's InternVL2_5-8B "
           "(the only native 8B InternVL2.5 checkpoint)",))


@register_model(ROW.name)
class InternVL2_5(NativeRow):
    row = ROW
