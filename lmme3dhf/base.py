"""LMME3DHF's base model, Qwen2.5-VL, at two sizes through the same code.

- `base="tiny"`: a small random-init Qwen2.5-VL (`bench.learn.tiny_hf`) with a tokenizer built offline:
  the CPU and test path.
- `base="Qwen/Qwen2.5-VL-7B-Instruct"` (or a local snapshot folder): the paper's model, loaded offline
  from the Hugging Face cache or the folder, never with remote code (Qwen2.5-VL has a native class).

`QWEN2_5_VL_7B` is the published configuration of Qwen/Qwen2.5-VL-7B-Instruct (its config.json), so the
full architecture can be built on the meta device without a download (parameter counts, LoRA size).
"""
from __future__ import annotations

from pathlib import Path

HF_ID = "Qwen/Qwen2.5-VL-7B-Instruct"

QWEN2_5_VL_7B = {
    "text_config": {
        "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28, "num_attention_heads": 28,
        "num_key_value_heads": 4, "vocab_size": 152064, "max_position_embeddings": 128000, "rms_norm_eps": 1e-6,
        "hidden_act": "silu", "sliding_window": 32768, "max_window_layers": 28, "tie_word_embeddings": False,
        "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [16, 24, 24]},
        "bos_token_id": 151643, "eos_token_id": 151645,
    },
    "vision_config": {
        "depth": 32, "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16, "in_channels": 3,
        "out_hidden_size": 3584, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2,
        "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31], "tokens_per_second": 2, "hidden_act": "silu",
    },
    "image_token_id": 151655, "video_token_id": 151656, "vision_start_token_id": 151652,
    "vision_end_token_id": 151653, "tie_word_embeddings": False,
}


def qwen_7b_config():
    from transformers import Qwen2_5_VLConfig

    return Qwen2_5_VLConfig(**QWEN2_5_VL_7B)


def build_meta_7b():
    """The full 7B architecture on the meta device (no memory, no weights)."""
    import torch
    from transformers import Qwen2_5_VLForConditionalGeneration

    with torch.device("meta"):
        return Qwen2_5_VLForConditionalGeneration(qwen_7b_config())


def load_base(base: str, seed: int, dtype=None, snapshot: str | None = None):
    """(model, processor) for `base`: "tiny", or a resolved local snapshot folder of the real model."""
    if base == "tiny":
        from bench.learn.tiny_hf import tiny_qwen2_5_vl

        return tiny_qwen2_5_vl(seed=seed)
    from transformers import AutoProcessor, Qwen2_5_VLForConditionalGeneration

    folder = str(Path(snapshot or base))
    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(folder, dtype=dtype, local_files_only=True,
                                                               trust_remote_code=False)
    processor = AutoProcessor.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
    return model, processor
