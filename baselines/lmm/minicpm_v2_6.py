"""MiniCPM-V 2.6 (8B), zero-shot (Table 1 and Table 2 row "MiniCPM-V2.6 (8B)").

Method: MiniCPM-V 2.6 (Yao et al., "MiniCPM-V: A GPT-4V Level MLLM on Your Phone", arXiv:2408.01800, the
paper's [79]): SigLIP-400M with adaptive slicing, a perceiver resampler (64 tokens per slice) and
Qwen2-7B; videos are given as a list of frames.

This implementation: transformers has no class for MiniCPM-V 2.6 (only for later versions), so it runs
with the checkpoint's own hub code, in its own Python (the model card pins transformers 4.40), behind
the external-model protocol; server-side adapter `server/backends/minicpm_v2_6.py`. Same weights as the
paper's row. Licence: code Apache-2.0; weights under the MiniCPM Model License (research use free,
commercial use after registration).
"""
from baselines.lmm.external import ExternalRow
from baselines.lmm.rows import Row
from bench.models import register_model
from bench.weights import WeightSpec

ROW = Row(
    name="minicpm_v2_6", title="MiniCPM-V2.6 (8B)", backend="external",
    checkpoint="openbmb/MiniCPM-V-2_6", paper_model="openbmb/MiniCPM-V-2_6",
    frames=4, frame_size=448,
    frames_why="the model card's video recipe, 1 frame per second (4 for the 4-s clip); 448 is one slice",
    licence="code Apache-2.0; weights MiniCPM Model License", distortion=True,
    setup=("python3.10 -m venv ~/envs/minicpm-v26",
           "~/envs/minicpm-v26/bin/pip install torch==2.1.2 torchvision==0.16.2 transformers==4.40.0 "
           "sentencepiece==0.1.99 Pillow==10.1.0 accelerate 'numpy<2' (the model card's versions)",
           "hf download openbmb/MiniCPM-V-2_6 (its hub code runs: hence trust_remote_code)"))


@register_model(ROW.name)
class MiniCPMV2_6(ExternalRow):
    row = ROW
    backend = "minicpm_v2_6"
