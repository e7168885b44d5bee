"""Every native architecture, tiny and random, through both scoring modes and the distortion question."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import baselines.lmm  # noqa: F401  (registers the architectures)
from baselines.lmm.answers import read_distortions, read_level
from baselines.lmm.native import ARCHITECTURES as NATIVE, NativeLMM
from baselines.lmm.server.lmm_protocol import LevelTokenError, level_token_ids
from bench.data.categories import CATEGORIES
from bench.data.levels import LEVELS
from bench.data.prompts import PROMPTS, answer_prefix
from bench.learn.tiny_hf import ARCHITECTURES

PREFIX = "The quality of the human face in this video is"
QWEN = ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
        "<|vision_start|><|video_pad|><|vision_end|>Rate it.<|im_end|>\n<|im_start|>assistant\n")
# what each tiny model's chat template renders for "Rate it." about a 2-frame clip, generation turn open
RENDERED = {
    "qwen2_vl": QWEN,
    "qwen2_5_vl": QWEN,
    "llava_next": ("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n<image>\n<image>\nRate it.<|eot_id|>"
                   "<|start_header_id|>assistant<|end_header_id|>\n\n"),
    "llava_next_video": "USER: <video>\nRate it. ASSISTANT:",
    "video_llava": "USER: <video>\nRate it. ASSISTANT:",
    "internvl": "<|im_start|>user\n<video>\nRate it.<|im_end|>\n<|im_start|>assistant\n",
}


def lmm_for(tiny_models, arch, **settings):
    model, processor = tiny_models(arch)
    return NativeLMM(model, processor, max_new_tokens=6, distortion_max_new_tokens=6, **settings)


def test_every_tiny_architecture_is_registered():
    assert set(ARCHITECTURES) <= set(NATIVE)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_prompt_rendered_through_the_chat_template(tiny_models, arch):
    lmm = lmm_for(tiny_models, arch)
    assert lmm.render("Rate it.", 2) == RENDERED[arch]
    with_prefix = lmm.render("Rate it.", 2, prefix=PREFIX)
    opened = RENDERED[arch] if RENDERED[arch][-1].isspace() else RENDERED[arch] + " "
    assert with_prefix == opened + PREFIX  # the assistant's turn is open and holds the answer's opening


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_level_token_score_equals_hand_computation(tiny_models, arch, clip):
    lmm = lmm_for(tiny_models, arch)
    model, processor = tiny_models(arch)
    text = lmm.render(PROMPTS["quality"], len(clip), prefix=answer_prefix("quality"))
    # the processor called by hand: video entry or one image per frame, BOS only once
    if arch == "llava_next":
        batch = processor(text=[text], images=list(clip), return_tensors="pt", add_special_tokens=False)
    else:
        meta = [{"fps": 1.0, "total_num_frames": 4, "frames_indices": [0, 1, 2, 3]}]
        batch = processor(text=[text], videos=[clip], video_metadata=meta, return_tensors="pt")
    with torch.no_grad():
        logits = model(**batch).logits[0, -1].double()
    ids = [processor.tokenizer.convert_tokens_to_ids("Ġ" + level) for level in LEVELS]
    p = torch.softmax(logits[ids], dim=0).numpy()
    result = lmm.score(clip, "quality")  # 4 frames over the 4-s clip: 1 fps, as above
    assert result.score == pytest.approx(float(p @ np.arange(1, 6)), abs=1e-5)
    assert list(result.probs) == list(LEVELS)
    assert np.allclose(list(result.probs.values()), p, atol=1e-5)
    assert result.level == LEVELS[int(np.argmax(p))]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_end_to_end_both_modes_and_distortions(tiny_models, arch, clip):
    lmm = lmm_for(tiny_models, arch)
    for dim in ("quality", "authenticity"):
        score = lmm.score(clip, dim)
        assert 1.0 <= score.score <= 5.0 and sum(score.probs.values()) == pytest.approx(1.0)
        answer = lmm.generate_level(clip, dim)
        assert isinstance(answer.text, str) and answer == read_level(answer.text)
    distortions = lmm.ask_distortions(clip)
    assert distortions == read_distortions(distortions.text)
    assert distortions.categories and set(distortions.categories) <= set(CATEGORIES)
    assert lmm.identity()["class"] == type(tiny_models(arch)[0]).__name__


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_a_model_that_says_good_is_read_as_good(tiny_models, arch, clip):
    """Bias the output layer towards " good": both modes must then report the level good."""
    model, processor = tiny_models(arch)
    model = copy.deepcopy(model)
    head = model.get_output_embeddings()
    bias = torch.zeros(head.out_features)
    bias[processor.tokenizer.convert_tokens_to_ids("Ġgood")] = 1e4
    head.bias = torch.nn.Parameter(bias)
    lmm = NativeLMM(model, processor, max_new_tokens=3, distortion_max_new_tokens=3)
    score = lmm.score(clip, "authenticity")
    assert score.score == pytest.approx(4.0) and score.probs["good"] == pytest.approx(1.0)
    answer = lmm.generate_level(clip, "quality")
    assert answer.text.split() == ["good"] * 3 and (answer.level, answer.score) == ("good", 4.0)
    assert lmm.ask_distortions(clip).categories == ("No Distortion",)


def test_level_words_must_be_single_tokens(tiny_models):
    tok = tiny_models("qwen2_vl")[1].tokenizer

    def encode(s):
        return tok(s, add_special_tokens=False)["input_ids"]

    assert level_token_ids(encode, PREFIX, [" good", " bad"]) == tok.convert_tokens_to_ids(["Ġgood", "Ġbad"])
    with pytest.raises(LevelTokenError, match="' superlative' is not a single token"):
        level_token_ids(encode, PREFIX, [" good", " superlative"])
    with pytest.raises(LevelTokenError, match="distinct"):
        level_token_ids(encode, PREFIX, [" good", " good"])


def test_bad_frames_and_dimensions_are_refused(tiny_models, clip):
    lmm = lmm_for(tiny_models, "qwen2_vl")
    with pytest.raises(ValueError, match="uint8"):
        lmm.score(clip.astype(np.float32), "quality")
    with pytest.raises(ValueError, match="dimension"):
        lmm.score(clip, "beauty")
