"""Loading rows offline: the row's checkpoint from a (fake) Hugging Face cache, local folders, clear errors."""
from __future__ import annotations

import json
import time

import pytest
import torch

from baselines.lmm.native import NativeLMM
from bench.errors import ConfigError, ModelUnavailable
from bench.learn.tiny_hf import write_fake_hf_cache
from bench.models.base import RunContext
from bench.models.registry import create_model
from bench.settings import Settings


@pytest.fixture
def hf_home(tmp_path, monkeypatch):
    """An empty Hugging Face cache that the weights resolver reads (HF_HOME is read at each lookup)."""
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    return tmp_path


def set_up(name, precision="fp32", **config):
    model = create_model(name, **config)
    model.setup(RunContext(settings=Settings(precision=precision), progress=False))
    return model


def test_a_row_loads_its_default_checkpoint_from_the_cache(hf_home, tiny_models, clip):
    model, processor = tiny_models("qwen2_vl")
    snapshot = write_fake_hf_cache(model, processor, hf_home, "Qwen/Qwen2-VL-7B-Instruct")
    row = set_up("qwen2_vl", max_new_tokens=2)
    who = row.identity()
    assert (who["checkpoint"], who["revision"], who["class"]) == ("Qwen/Qwen2-VL-7B-Instruct", snapshot.name,
                                                                  "Qwen2VLForConditionalGeneration")
    assert who["dtype"] == "float32" and who["device"] == "cpu"
    card = row.describe()
    assert card["lmm"]["revision"] == snapshot.name and card["weights"][0]["revision"] == snapshot.name
    assert card["lmm"]["frames"] == 8 and card["lmm"]["frame_size"] == 448 and not card["trainable"]
    assert row.engine.score(clip, "quality").score == pytest.approx(
        NativeLMM(model, processor).score(clip, "quality").score, abs=1e-5)
    row.teardown()
    assert row.engine is None


def test_precision_bf16_loads_bfloat16_weights(hf_home, tiny_models, clip):
    model, processor = tiny_models("qwen2_5_vl")
    write_fake_hf_cache(model, processor, hf_home, "tiny-org/qwen25")
    row = set_up("qwen2_5_vl", precision="bf16", checkpoint="tiny-org/qwen25")
    assert row.engine.model.dtype == torch.bfloat16 and row.identity()["checkpoint"] == "tiny-org/qwen25"
    assert 1 <= row.engine.score(clip, "authenticity").score <= 5


def test_a_missing_checkpoint_is_unavailable_at_once_in_one_line(hf_home):
    t0 = time.perf_counter()
    with pytest.raises(ModelUnavailable) as err:
        set_up("internvl2_5")
    assert time.perf_counter() - t0 < 2.0
    message = str(err.value)
    assert "\n" not in message and "hf download OpenGVLab/InternVL2_5-8B-MPO-hf" in message
    assert str(hf_home / "hub" / "models--OpenGVLab--InternVL2_5-8B-MPO-hf") in message
    with pytest.raises(ModelUnavailable, match="pretrained=none leaves it nothing to run"):
        create_model("qwen2_vl").setup(RunContext(settings=Settings(pretrained="none")))


def test_local_folders_and_bad_checkpoints(hf_home, tmp_path, tiny_models):
    model, processor = tiny_models("video_llava")
    folder = tmp_path / "my-video-llava"
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    row = set_up("video_llava", weights_path=str(folder))
    who = row.identity()
    assert (who["checkpoint"], who["revision"], who["class"]) == (str(folder), None, "VideoLlavaForConditionalGeneration")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "internvl_chat"}))
    with pytest.raises(ConfigError, match="model_type 'internvl_chat' has no native LMM architecture"):
        set_up("video_llava", weights_path=str(folder))
    with pytest.raises(ModelUnavailable, match="no such file or folder"):
        set_up("video_llava", weights_path=str(tmp_path / "nowhere"))



def test_level_words_that_are_not_single_tokens_fail_at_setup(hf_home, tiny_models, monkeypatch):
    """Level-token scoring needs each level word to be one token: otherwise the row fails once, at setup, saying
    which word; the generation mode does not read level tokens and loads."""
    from baselines.lmm import native
    from baselines.lmm.server.lmm_protocol import LevelTokenError

    write_fake_hf_cache(*tiny_models("qwen2_vl"), hf_home, "tiny-org/qwen2-vl")
    monkeypatch.setattr(native, "level_words", lambda: [" bad", " poor", " fair", " good", " superlative"])
    with pytest.raises(LevelTokenError, match="' superlative' is not a single token after 'The quality of"):
        set_up("qwen2_vl", checkpoint="tiny-org/qwen2-vl")
    assert set_up("qwen2_vl", checkpoint="tiny-org/qwen2-vl", mode="generate").engine is not None
