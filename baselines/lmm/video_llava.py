"""Video-LLaVA (7B), zero-shot (Table 1 row "Video-LLaVA").

Method: Video-LLaVA (Lin et al., "Video-LLaVA: Learning United Visual Representation by Alignment Before
Projection", arXiv:2311.10122, the paper's [40]): LanguageBind image and video encoders aligned to one
space before a shared projector into Vicuna-7B; videos are 8 frames at 224x224.

This implementation: `LanguageBind/Video-LLaVA-7B-hf` (the authors' weights converted to the native
`VideoLlavaForConditionalGeneration`), its processor and chat template. Licence: code Apache-2.0;
weights follow Vicuna/LLaMA-2's licence.
"""
from baselines.lmm.native import Architecture, NativeRow, register_architecture
from baselines.lmm.rows import Row
from bench.models import register_model

register_architecture(Architecture("video_llava", "VideoLlavaForConditionalGeneration"))

ROW = Row(
    name="video_llava", title="Video-LLaVA (7B)", backend="native",
    checkpoint="LanguageBind/Video-LLaVA-7B-hf",
    paper_model="LanguageBind/Video-LLaVA-7B (the -hf checkpoint holds the same weights)",
    frames=8, frame_size=224,
    frames_why="the 8 frames at 224x224 the video encoder was trained on",
    licence="code Apache-2.0; weights LLaMA-2 licence (Vicuna)")


@register_model(ROW.name)
class VideoLlava(NativeRow):
    row = ROW
