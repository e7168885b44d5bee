"""Loading rows offline: the row's default checkpoint from a (fake) Hugging Face cache, folders, clear errors."""
from __future__ import annotations

import json
import time

import pytest
import torch

from baselines.lmm.internvl2_5 import InternVL2_5
from baselines.lmm.native import NativeLMM, load_native
from baselines.lmm.qwen2_vl import Qwen2VL
from bench.errors import ConfigError, ModelUnavailable
from bench.learn.tiny_hf import write_fake_hf_cache


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    """An empty Hugging Face cache that huggingface_hub reads (its cache location is fixed at import)."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    return tmp_path


def test_a_row_loads_its_default_checkpoint_from_the_cache(hf_cache, tiny_models, clip):
    model, processor = tiny_models("qwen2_vl")
    snapshot = write_fake_hf_cache(model, processor, hf_cache, "Qwen/Qwen2-VL-7B-Instruct")
    lmm = Qwen2VL.from_pretrained(max_new_tokens=2)
    who = lmm.identity()
    assert (who["checkpoint"], who["revision"], who["class"]) == ("Qwen/Qwen2-VL-7B-Instruct", snapshot.name,
                                                                  "Qwen2VLForConditionalGeneration")
    assert who["dtype"] == "float32" and who["device"] == "cpu"
    assert lmm.score(clip, "quality").score == pytest.approx(NativeLMM(model, processor).score(clip, "quality").score,
                                                             abs=1e-5)
    lmm.close()
    assert lmm.model is None


def test_bfloat16_weights_score(hf_cache, tiny_models, clip):
    model, processor = tiny_models("qwen2_5_vl")
    write_fake_hf_cache(model, processor, hf_cache, "tiny-org/qwen25")
    lmm = NativeLMM(*load_native("tiny-org/qwen25", dtype="bfloat16")[:3])
    assert lmm.model.dtype == torch.bfloat16 and 1 <= lmm.score(clip, "authenticity").score <= 5


def test_a_missing_checkpoint_fails_at_once_with_the_download_command(hf_cache):
    t0 = time.perf_counter()
    with pytest.raises(ModelUnavailable) as err:
        InternVL2_5.from_pretrained()
    assert time.perf_counter() - t0 < 2.0
    message = str(err.value)
    assert "\n" not in message and "hf download OpenGVLab/InternVL2_5-8B-MPO-hf" in message
    assert str(hf_cache / "hub") in message


def test_plain_folders_and_bad_sources(tmp_path, tiny_models):
    model, processor = tiny_models("video_llava")
    folder = tmp_path / "my-video-llava"
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    _, _, arch, who = load_native(str(folder))
    assert arch.model_type == "video_llava" and (who["checkpoint"], who["revision"]) == (str(folder), None)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "internvl_chat"}))
    with pytest.raises(ConfigError, match="model_type 'internvl_chat' has no native LMM architecture"):
        load_native(str(folder))
    with pytest.raises(ConfigError, match="neither a folder nor a Hugging Face repository id"):
        load_native("not an id")
    with pytest.raises(ConfigError, match="dtype must be"):
        NativeLMM.from_pretrained(str(folder), dtype="float8")
