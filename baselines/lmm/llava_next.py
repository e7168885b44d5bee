"""LLaVA-NeXT (8B), zero-shot (Table 1 row "LLaVA-NeXT (8B)").

Method: LLaVA-NeXT (Liu et al., 2024; the paper cites LLaVA-NeXT-Interleave, Li et al., arXiv:2407.07895,
its [36]): a CLIP ViT-L/14-336 encoder, an MLP projector and an LLM, with "anyres" tiling (a base view plus
336-pixel tiles of the best-fitting grid). The 8B model is LLaMA-3-8B-Instruct based.

This implementation: `llava-hf/llama3-llava-next-8b-hf` through the native `LlavaNextForConditionalGeneration`;
an image model, so the clip's frames go in as that many images. The paper gives "LLaVA-NeXT (8B)" and cites
the Interleave report without naming a checkpoint; the 8B LLaVA-NeXT release is the LLaMA-3 one (the
Interleave models are Qwen-1.5 7B/0.5B and load with another class). LLaVA-NeXT-Video checkpoints
(`llava-hf/LLaVA-NeXT-Video-7B-hf`, native `LlavaNextVideoForConditionalGeneration`, the video as one
entry) run with `--set checkpoint=...`. Licence: code Apache-2.0; weights under the LLaMA-3 community licence.
"""
from baselines.lmm.native import Architecture, NativeRow, register_architecture
from baselines.lmm.rows import Row
from bench.models import register_model

register_architecture(Architecture("llava_next", "LlavaNextForConditionalGeneration", frames_as="images"))
register_architecture(Architecture("llava_next_video", "LlavaNextVideoForConditionalGeneration"))

ROW = Row(
    name="llava_next", title="LLaVA-NeXT (8B)", backend="native",
    checkpoint="llava-hf/llama3-llava-next-8b-hf", paper_model="LLaVA-NeXT (8B) (checkpoint not named in the paper)",
    frames=4, frame_size=336,
    frames_why="frames go in as images and anyres gives each ~1.2k tokens: 4 fit the 8k context of LLaMA-3, "
               "8 do not; 336 is the encoder's native size",
    licence="code Apache-2.0; weights LLaMA-3 community licence",
    notes=("checkpoint llava-hf/llama3-llava-next-8b-hf: the paper names LLaVA-NeXT (8B) and cites "
           "LLaVA-NeXT-Interleave without giving a checkpoint",))


@register_model(ROW.name)
class LlavaNext(NativeRow):
    row = ROW
