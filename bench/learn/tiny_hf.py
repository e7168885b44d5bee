"""Tiny Hugging Face vision-language models built offline: the CPU path and the tests.

A small random-init model of the real architecture class with a tokenizer trained here by `tokenizers`
on the words the harness uses (the authors' prompts and answers, the distortion categories, the
chat-template tokens), and the architecture's own processors built from defaults. Same code paths as
the full models (chat template, video processor, level-token scoring, LoRA), seconds to build.

`write_fake_hf_cache` saves a model and its processor in the Hugging Face cache layout
(`$HF_HOME/hub/models--ORG--NAME/snapshots/<sha>/` + `refs/main`) so that loading by repo id under
`HF_HUB_OFFLINE=1` is exercised without a download.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional

QWEN_SPECIAL = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                "<|image_pad|>", "<|video_pad|>")
# The ChatML template of Qwen2-VL / Qwen2.5-VL, reduced to what the harness sends (text, images, videos).
QWEN_CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for c in message['content'] %}"
    "{% if c['type'] == 'video' %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif c['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% else %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def corpus() -> list[str]:
    """Every text the harness sends or expects, so that each of its words is one token."""
    from bench.data.categories import CATEGORIES
    from bench.data.levels import LEVELS
    from bench.data.prompts import (DISTORTION_PREFIX, DISTORTION_QUESTION, PROMPTS, SALIENCY_PROMPT, SYSTEM,
                                    answer_prefix)

    texts = [SYSTEM, DISTORTION_QUESTION, DISTORTION_PREFIX, SALIENCY_PROMPT, *PROMPTS.values(), *CATEGORIES,
             " ".join(LEVELS), "0 1 2 3 4 5 6 7 8 9 . , ; : ( ) / ? !"]
    texts += [f"{answer_prefix(d)} {lvl}." for d in PROMPTS for lvl in LEVELS]
    return texts


def word_tokenizer(texts: list[str], special=QWEN_SPECIAL, chat_template: str = QWEN_CHAT_TEMPLATE):
    """A byte-level word tokenizer: each word of `texts` (with its leading space) is one token; other text
    falls back to the unknown token."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token=special[0]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=list(special), min_frequency=1,
                                                             show_progress=False))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token=special[0],
                                   unk_token=special[0])
    fast.chat_template = chat_template
    return fast


def tiny_qwen2_5_vl(seed: int = 0, hidden: int = 64, layers: int = 2, vision_hidden: int = 32, vision_depth: int = 4):
    """(Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor): the real classes, tiny and random."""
    import torch
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import Qwen2VLImageProcessor
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    tok = word_tokenizer(corpus())
    ids = {t: tok.convert_tokens_to_ids(t) for t in QWEN_SPECIAL}
    head_dim = hidden // 4
    config = Qwen2_5_VLConfig(
        text_config=dict(hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                         num_attention_heads=4, num_key_value_heads=2, vocab_size=len(tok),
                         max_position_embeddings=4096,
                         rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                                          "mrope_section": _mrope_section(head_dim)},
                         bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"],
                         pad_token_id=ids["<|endoftext|>"]),
        vision_config=dict(depth=vision_depth, hidden_size=vision_hidden, intermediate_size=2 * vision_hidden,
                           num_heads=2, out_hidden_size=hidden, patch_size=14, spatial_merge_size=2,
                           temporal_patch_size=2, window_size=56, fullatt_block_indexes=[vision_depth - 1]),
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"])
    torch.manual_seed(seed)
    model = Qwen2_5_VLForConditionalGeneration(config)
    pixels = {"min_pixels": 4 * 14 * 14, "max_pixels": 4096 * 14 * 14}  # small frames stay small
    processor = Qwen2_5_VLProcessor(image_processor=Qwen2VLImageProcessor(**pixels), tokenizer=tok,
                                    video_processor=Qwen2VLVideoProcessor(**pixels, do_sample_frames=False),
                                    chat_template=QWEN_CHAT_TEMPLATE)
    return model, processor


def _mrope_section(head_dim: int) -> list[int]:
    """Temporal/height/width rotary sections summing to head_dim / 2 (the real models use [16, 24, 24])."""
    half = head_dim // 2
    t = half // 4
    h = (half - t) // 2
    return [t, h, half - t - h]


def write_fake_hf_cache(model, processor, hf_home, repo_id: str, revision: Optional[str] = None) -> Path:
    """Save `model` and `processor` as `repo_id` in the Hugging Face cache layout under `hf_home`."""
    hub = Path(hf_home) / "hub" / ("models--" + repo_id.replace("/", "--"))
    revision = revision or hashlib.sha1(repo_id.encode()).hexdigest()
    snap = hub / "snapshots" / revision
    model.save_pretrained(snap)
    processor.save_pretrained(snap)
    (hub / "refs").mkdir(parents=True, exist_ok=True)
    (hub / "refs" / "main").write_text(revision)
    return snap
