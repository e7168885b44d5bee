"""Zero-shot LMM family: Table 1's eight LMM rows, Table 2's distortion question, Qwen2.5-VL as an extra row.

Each row is one module: its facts (`rows.Row`: checkpoint, what the paper evaluated, frames, licence,
set-up) and a registered harness model (`model.LMMRow`) that loads it once per run and asks it every
question (`base.LMM`: level-token scoring or generation for both dimensions, the distortion question).
Native rows run a transformers class here (`native.NativeRow`); rows that exist only as their authors'
code run in their own Python behind a subprocess protocol (`external.ExternalRow`, `server/`). A new
LMM is one module like `qwen2_vl.py`, imported here.
"""
from baselines.lmm import (internvl2_5, llava_next, minicpm_v2_6, qwen2_5_vl, qwen2_vl, video_chatgpt, video_llama2,
                           video_llava, videochat2)

__all__ = ["internvl2_5", "llava_next", "minicpm_v2_6", "qwen2_5_vl", "qwen2_vl", "video_chatgpt", "video_llama2",
           "video_llava", "videochat2"]
