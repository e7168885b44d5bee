"""Zero-shot LMM family (Table 1's eight LMM rows, Table 2's distortion question, Qwen2.5-VL as an extra row).

Each row is one module: its facts (`rows.Row`: checkpoint, what the paper evaluated, frames, licence,
set-up) and a small class answering `score`, `generate_level` and `ask_distortions` (`base.LMM`).
Native rows run a transformers class here (`native.py`); rows that exist only as their authors' code
run in their own Python behind a subprocess protocol (`external.py`, `server/`).
"""
from baselines.lmm import (internvl2_5, llava_next, minicpm_v2_6, qwen2_5_vl, qwen2_vl, video_chatgpt, video_llama2,
                           video_llava, videochat2)
from baselines.lmm.rows import ROWS

# row name -> the row's class, in the paper's table order (the extra row last)
ROW_CLASSES = {cls.row.name: cls for cls in (
    videochat2.VideoChat2, llava_next.LlavaNext, internvl2_5.InternVL2_5, minicpm_v2_6.MiniCPMV2_6, qwen2_vl.Qwen2VL,
    video_chatgpt.VideoChatGPT, video_llava.VideoLlava, video_llama2.VideoLlama2, qwen2_5_vl.Qwen2_5VL)}

__all__ = ["ROWS", "ROW_CLASSES"]
