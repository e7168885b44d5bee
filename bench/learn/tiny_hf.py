"""Tiny, offline, random-init vision-language models with their tokenizer and processor.

Used where a real checkpoint cannot be: tests, and the product's `base=tiny` CPU paths (LMME3DHF on a
tiny Qwen2.5-VL). Everything is built on this machine, with no download:

- a byte-level BPE tokenizer trained in a few milliseconds by `tokenizers` on a small corpus (the
  authors' prompts and answers, the five level words, the nine distortion categories, digits), with
  each architecture's chat-template special tokens. As in the real Qwen/Llama-3 vocabularies, the
  level words are single tokens only with their leading space (" good"), which is what level-token
  scoring reads;
- a chat template per architecture, written to render the same layout as the real checkpoint's
  (role markers, where the image/video placeholder goes), so prompt code is exercised as it is on
  the real models;
- the native transformers model class from a 2-layer config (hidden size 32-64) and the
  architecture's own image/video processors with sizes shrunk to match the tiny vision tower.

`build_tiny(arch, seed)` is deterministic for a seed (same weights, same vocabulary).
`write_fake_hf_cache` saves a built model in the Hugging Face cache layout, so real loading code
(`from_pretrained("ORG/NAME")` under `HF_HUB_OFFLINE=1`) can be tested without the hub.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from bench.data.categories import CATEGORIES
from bench.data.levels import LEVELS

ARCHITECTURES = ("qwen2_vl", "qwen2_5_vl", "llava_next", "llava_next_video", "video_llava", "internvl")

# Frame side (pixels) the tiny vision towers are built for: two 14-pixel patches per side, so one
# 2x2 merge / pool / pixel-shuffle window per frame (per two frames for Qwen's temporal patches).
TINY_FRAME_SIZE = 28
_PATCH = 14

_SENTENCES = (
    "Please rate the quality of the human face in this video, considering factors such as resolution, "
    "clarity, smoothness, and overall visual quality.",
    "Please rate the authenticity of the human face in this video, considering factors such as natural "
    "facial movements, consistency, texture realism, and any signs of digital manipulation or artificial "
    "generation.",
    "Which types of distortion does the human face in this video show? Select all that apply from these "
    "categories, and answer with their names separated by commas or semicolons.",
    "The score is 0 1 2 3 4 5 6 7 8 9 out of 5 or 100. Answer with one word: yes, no, not.",
)


def _corpus() -> list[str]:
    answers = [f"The {dim} of the human face in this video is {level}." for dim in ("quality", "authenticity")
               for level in LEVELS]
    # Repetition makes every level word, category word and prompt word merge into one token.
    categories = ["- " + "\n- ".join(CATEGORIES), "They show " + ", ".join(CATEGORIES) + "."]
    return list(_SENTENCES) * 20 + answers * 40 + categories * 20 + [" ".join(LEVELS)] * 40


@dataclass(frozen=True)
class _Tokens:
    """An architecture's special tokens: named ones (bos/eos/pad, tokenizer attributes) and the rest."""

    named: dict
    extra: dict  # attribute name -> token, set on the tokenizer (e.g. InternVL's start_image_token)
    chat_template: str


_QWEN_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for c in message['content'] %}"
    "{% if c['type'] == 'video' %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif c['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# Llama-3 (llama3-llava-next-8b-hf): header blocks, images before the text of a turn.
_LLAMA3_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for c in message['content'] %}{% if c['type'] == 'image' %}<image>\n{% endif %}{% endfor %}"
    "{% for c in message['content'] %}{% if c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}"
    "{% endif %}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)
# Vicuna v1 (LLaVA-NeXT-Video-7B-hf, Video-LLaVA-7B-hf): "USER: <video>\nQUESTION ASSISTANT:".
_VICUNA_TEMPLATE = (
    "{% for message in messages %}{{ message['role'].upper() }}: "
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for c in message['content'] %}{% if c['type'] == 'image' %}<image>\n"
    "{% elif c['type'] == 'video' %}<video>\n{% endif %}{% endfor %}"
    "{% for c in message['content'] %}{% if c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}"
    "{% endif %}{% if message['role'] == 'user' %} {% else %}{{ eos_token }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)
# InternVL2.5 "-hf": ChatML; the processor expands <video> into one <img>...</img> block per frame.
_INTERNVL_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for c in message['content'] %}"
    "{% if c['type'] == 'image' %}<IMG_CONTEXT>\n{% elif c['type'] == 'video' %}<video>\n"
    "{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

_QWEN_TOKENS = _Tokens(
    named={"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
    extra={"im_start": "<|im_start|>", "vision_start": "<|vision_start|>", "vision_end": "<|vision_end|>",
           "image_token": "<|image_pad|>", "video_token": "<|video_pad|>"},
    chat_template=_QWEN_TEMPLATE)
_VICUNA_TOKENS = _Tokens(
    named={"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"},
    extra={"image_token": "<image>", "video_token": "<video>"},
    chat_template=_VICUNA_TEMPLATE)
_TOKENS = {
    "qwen2_vl": _QWEN_TOKENS,
    "qwen2_5_vl": _QWEN_TOKENS,
    "llava_next": _Tokens(
        named={"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "pad_token": "<pad>"},
        extra={"start_header": "<|start_header_id|>", "end_header": "<|end_header_id|>", "image_token": "<image>"},
        chat_template=_LLAMA3_TEMPLATE),
    "llava_next_video": _VICUNA_TOKENS,
    "video_llava": _VICUNA_TOKENS,
    "internvl": _Tokens(
        named={"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
        extra={"im_start": "<|im_start|>", "start_image_token": "<img>", "end_image_token": "</img>",
               "context_image_token": "<IMG_CONTEXT>", "video_token": "<video>"},
        chat_template=_INTERNVL_TEMPLATE),
}


def build_tokenizer(arch: str, vocab_size: int = 640):
    """A `PreTrainedTokenizerFast` for `arch`: byte-level BPE trained here, the arch's special tokens.

    Deterministic (the BPE trainer is, for a fixed corpus). Named special tokens (bos/eos/pad) and
    the architecture's extra tokens are attributes, with their `..._id`, as processors expect.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    spec = _spec(arch)
    specials = list(dict.fromkeys([*spec.named.values(), *spec.extra.values()]))
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(_corpus(), trainer)
    if "bos_token" in spec.named:  # Llama-family tokenizers put BOS in front of every encoded text
        bos = spec.named["bos_token"]
        bpe.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, bpe.token_to_id(bos))])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, extra_special_tokens=dict(spec.extra), **spec.named)
    tok.chat_template = spec.chat_template
    return tok


def _spec(arch: str) -> _Tokens:
    if arch not in _TOKENS:
        raise ValueError(f"unknown tiny architecture {arch!r}; choose one of {ARCHITECTURES}")
    return _TOKENS[arch]


# -- models ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    """The tiny dimensions: language model (hidden size, layers) and vision tower (hidden size, blocks)."""

    hidden: int = 64
    layers: int = 2
    vision_hidden: int = 32
    vision_depth: int = 2

    def text(self, tok, **extra) -> dict:
        return dict(hidden_size=self.hidden, intermediate_size=2 * self.hidden, num_hidden_layers=self.layers,
                    num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                    vocab_size=len(tok), eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, **extra)

    def clip(self) -> dict:
        return dict(model_type="clip_vision_model", hidden_size=self.vision_hidden,
                    intermediate_size=2 * self.vision_hidden, num_hidden_layers=self.vision_depth,
                    num_attention_heads=2, image_size=TINY_FRAME_SIZE, patch_size=_PATCH,
                    projection_dim=self.vision_hidden)


def _mrope_section(head_dim: int) -> list:
    """Temporal / height / width rotary channels summing to head_dim / 2 (the 7B models: [16, 24, 24])."""
    half = head_dim // 2
    temporal = half // 4
    height = (half - temporal) // 2
    return [temporal, height, half - temporal - height]


def _qwen_text(tok, sizes: Sizes) -> dict:
    rope = {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": _mrope_section(sizes.hidden // 4)}
    return sizes.text(tok, bos_token_id=None, rope_parameters=rope)


def _qwen_ids(tok) -> dict:
    ids = tok.convert_tokens_to_ids
    return dict(image_token_id=ids("<|image_pad|>"), video_token_id=ids("<|video_pad|>"),
                vision_start_token_id=ids("<|vision_start|>"), vision_end_token_id=ids("<|vision_end|>"))


def _qwen_processor(arch, tok):
    from transformers import Qwen2_5_VLProcessor, Qwen2VLImageProcessor, Qwen2VLProcessor, Qwen2VLVideoProcessor

    # Pixel bounds wide enough that frames from 28x28 to 896x896 (multiples of 28) keep their size.
    size = {"shortest_edge": TINY_FRAME_SIZE ** 2, "longest_edge": (32 * TINY_FRAME_SIZE) ** 2}
    cls = Qwen2VLProcessor if arch == "qwen2_vl" else Qwen2_5_VLProcessor
    return cls(image_processor=Qwen2VLImageProcessor(size=size),
               video_processor=Qwen2VLVideoProcessor(size=size, do_sample_frames=False),
               tokenizer=tok, chat_template=tok.chat_template)


def _build_qwen2_vl(tok, sizes: Sizes):
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

    vision = dict(depth=sizes.vision_depth, embed_dim=sizes.vision_hidden, hidden_size=sizes.hidden, num_heads=2,
                  mlp_ratio=2, patch_size=_PATCH, spatial_merge_size=2, temporal_patch_size=2)
    cfg = Qwen2VLConfig(text_config=_qwen_text(tok, sizes), vision_config=vision, **_qwen_ids(tok))
    return Qwen2VLForConditionalGeneration(cfg), _qwen_processor("qwen2_vl", tok)


def _build_qwen2_5_vl(tok, sizes: Sizes):
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    vision = dict(depth=sizes.vision_depth, hidden_size=sizes.vision_hidden, intermediate_size=2 * sizes.vision_hidden,
                  num_heads=2, out_hidden_size=sizes.hidden, patch_size=_PATCH, spatial_merge_size=2,
                  temporal_patch_size=2, window_size=56, fullatt_block_indexes=[sizes.vision_depth - 1])
    cfg = Qwen2_5_VLConfig(text_config=_qwen_text(tok, sizes), vision_config=vision, **_qwen_ids(tok))
    return Qwen2_5_VLForConditionalGeneration(cfg), _qwen_processor("qwen2_5_vl", tok)


def _llama_text(tok, sizes: Sizes) -> dict:
    return sizes.text(tok, model_type="llama", bos_token_id=tok.bos_token_id)


def _clip_image_processor(cls, **extra):
    side = {"shortest_edge": TINY_FRAME_SIZE}
    crop = {"height": TINY_FRAME_SIZE, "width": TINY_FRAME_SIZE}
    return cls(size=side, crop_size=crop, **extra)


# anyres grid: the base view plus tiles of the tiny crop size (the real ones are multiples of 336)
_PINPOINTS = [[TINY_FRAME_SIZE, 2 * TINY_FRAME_SIZE], [2 * TINY_FRAME_SIZE, TINY_FRAME_SIZE],
              [2 * TINY_FRAME_SIZE, 2 * TINY_FRAME_SIZE]]
_TOKENS_PER_FRAME = (TINY_FRAME_SIZE // _PATCH) ** 2


def _build_llava_next(tok, sizes: Sizes):
    from transformers import (LlavaNextConfig, LlavaNextForConditionalGeneration, LlavaNextImageProcessor,
                              LlavaNextProcessor)

    cfg = LlavaNextConfig(vision_config=sizes.clip(), text_config=_llama_text(tok, sizes),
                          image_token_index=tok.convert_tokens_to_ids("<image>"), image_grid_pinpoints=_PINPOINTS,
                          vision_feature_layer=-1, image_seq_length=_TOKENS_PER_FRAME)
    image = _clip_image_processor(LlavaNextImageProcessor, image_grid_pinpoints=_PINPOINTS)
    # CLIP adds a CLS token that the "default" feature strategy drops: one additional token per image
    proc = LlavaNextProcessor(image_processor=image, tokenizer=tok, patch_size=_PATCH,
                              vision_feature_select_strategy="default", num_additional_image_tokens=1,
                              chat_template=tok.chat_template)
    return LlavaNextForConditionalGeneration(cfg), proc


def _build_llava_next_video(tok, sizes: Sizes):
    from transformers import (LlavaNextImageProcessor, LlavaNextVideoConfig, LlavaNextVideoForConditionalGeneration,
                              LlavaNextVideoProcessor, LlavaNextVideoVideoProcessor)

    ids = tok.convert_tokens_to_ids
    cfg = LlavaNextVideoConfig(vision_config=sizes.clip(), text_config=_llama_text(tok, sizes),
                               image_token_index=ids("<image>"), video_token_index=ids("<video>"),
                               image_grid_pinpoints=_PINPOINTS, vision_feature_layer=-1, spatial_pool_stride=2,
                               image_seq_length=_TOKENS_PER_FRAME, video_seq_length=1)
    proc = LlavaNextVideoProcessor(video_processor=_clip_image_processor(LlavaNextVideoVideoProcessor),
                                   image_processor=_clip_image_processor(LlavaNextImageProcessor,
                                                                         image_grid_pinpoints=_PINPOINTS),
                                   tokenizer=tok, patch_size=_PATCH, vision_feature_select_strategy="default",
                                   num_additional_image_tokens=1, chat_template=tok.chat_template)
    return LlavaNextVideoForConditionalGeneration(cfg), proc


def _build_video_llava(tok, sizes: Sizes):
    from transformers import (VideoLlavaConfig, VideoLlavaForConditionalGeneration, VideoLlavaImageProcessor,
                              VideoLlavaProcessor, VideoLlavaVideoProcessor)

    ids = tok.convert_tokens_to_ids
    cfg = VideoLlavaConfig(vision_config=sizes.clip(), text_config=_llama_text(tok, sizes),
                           image_token_index=ids("<image>"), video_token_index=ids("<video>"),
                           vision_feature_layer=-1, image_seq_length=_TOKENS_PER_FRAME,
                           video_seq_length=8 * (_TOKENS_PER_FRAME + 1))
    proc = VideoLlavaProcessor(image_processor=_clip_image_processor(VideoLlavaImageProcessor),
                               video_processor=_clip_image_processor(VideoLlavaVideoProcessor), tokenizer=tok,
                               patch_size=_PATCH, chat_template=tok.chat_template)
    return VideoLlavaForConditionalGeneration(cfg), proc


def _build_internvl(tok, sizes: Sizes):
    from transformers import GotOcr2ImageProcessor, InternVLConfig, InternVLForConditionalGeneration, InternVLProcessor
    from transformers.models.internvl.video_processing_internvl import InternVLVideoProcessor

    vision = dict(hidden_size=sizes.vision_hidden, intermediate_size=2 * sizes.vision_hidden,
                  num_hidden_layers=sizes.vision_depth, num_attention_heads=2, image_size=[TINY_FRAME_SIZE] * 2,
                  patch_size=[_PATCH] * 2)
    # pixel shuffle with ratio 0.5 merges 2x2 patches: (28 / 14)^2 / 4 = 1 token per image
    seq = _TOKENS_PER_FRAME // 4
    cfg = InternVLConfig(vision_config=vision, text_config=sizes.text(tok, model_type="qwen2"),
                         image_token_id=tok.context_image_token_id, image_seq_length=seq, downsample_ratio=0.5)
    size = {"height": TINY_FRAME_SIZE, "width": TINY_FRAME_SIZE}
    proc = InternVLProcessor(image_processor=GotOcr2ImageProcessor(size=size, crop_to_patches=False),
                             video_processor=InternVLVideoProcessor(size=size), tokenizer=tok,
                             image_seq_length=seq, chat_template=tok.chat_template)
    return InternVLForConditionalGeneration(cfg), proc


_BUILDERS = {"qwen2_vl": _build_qwen2_vl, "qwen2_5_vl": _build_qwen2_5_vl, "llava_next": _build_llava_next,
             "llava_next_video": _build_llava_next_video, "video_llava": _build_video_llava,
             "internvl": _build_internvl}


def build_tiny(arch: str, seed: int = 0, sizes: Sizes = Sizes()):
    """(model, processor) of `arch` (one of ARCHITECTURES): random weights from `seed`, eval mode, float32.

    Frames of TINY_FRAME_SIZE x TINY_FRAME_SIZE pixels reach the vision tower unresized. The Qwen
    processors keep larger frames as they are too, up to 896 pixels a side in multiples of 28 (a bigger
    token grid, for code that reads visual hidden states); the LLaVA and InternVL processors resize
    every frame to TINY_FRAME_SIZE.
    """
    import torch

    tok = build_tokenizer(arch)
    torch.manual_seed(seed)
    model, processor = _BUILDERS[arch](tok, sizes)
    return model.eval(), processor


def tiny_qwen2_5_vl(seed: int = 0, hidden: int = 64, layers: int = 2, vision_hidden: int = 32, vision_depth: int = 4):
    """LMME3DHF's tiny base: Qwen2.5-VL with a 4-block vision tower (hidden states at three depths)."""
    return build_tiny("qwen2_5_vl", seed, Sizes(hidden, layers, vision_hidden, vision_depth))


# -- a fake Hugging Face cache -------------------------------------------------------------------------------------

def write_fake_hf_cache(model, processor, hf_home, repo_id: str, revision: str | None = None) -> Path:
    """Save `model` and `processor` as the hub cache holds a downloaded `repo_id`; return the snapshot folder.

    Layout, as `huggingface_hub` writes it: `HF_HOME/hub/models--ORG--NAME/blobs/<hash>` (file contents, named
    here by their SHA-256 as the hub names large files; it names small ones by their git blob hash),
    `snapshots/<revision>/<file>` (relative symlinks to the blobs) and `refs/main` (the revision). With
    `HF_HUB_OFFLINE=1` and `HF_HOME=hf_home`, `from_pretrained(repo_id)` then loads them. `revision` is a
    40-hex commit hash; by default one derived from the files, so identical content gives the same one.
    """
    import os
    import tempfile

    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise ValueError(f"repo_id must look like 'ORG/NAME', got {repo_id!r}")
    repo = Path(hf_home) / "hub" / ("models--" + repo_id.replace("/", "--"))
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        processor.save_pretrained(tmp)
        files = {p.relative_to(tmp).as_posix(): p.read_bytes() for p in sorted(Path(tmp).rglob("*")) if p.is_file()}
    if revision is None:
        revision = hashlib.sha1(json.dumps({k: hashlib.sha256(v).hexdigest() for k, v in files.items()},
                                           sort_keys=True).encode()).hexdigest()
    elif len(revision) != 40 or any(c not in "0123456789abcdef" for c in revision):
        raise ValueError(f"revision must be a 40-character lower-case hex commit hash, got {revision!r}")
    snapshot = repo / "snapshots" / revision
    for name, data in files.items():
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = snapshot / name
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    return snapshot
