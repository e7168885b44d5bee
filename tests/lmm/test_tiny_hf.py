"""The tiny offline models: tokenizer facts, determinism, speed, and the fake Hugging Face cache."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from bench.data.categories import CATEGORIES
from bench.data.levels import LEVELS
from bench.learn.tiny_hf import ARCHITECTURES, build_tiny, build_tokenizer, write_fake_hf_cache

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_tokenizer_has_single_token_level_words_and_special_tokens(arch):
    tok = build_tokenizer(arch)
    for level in LEVELS:
        ids = tok(" " + level, add_special_tokens=False)["input_ids"]
        assert tok.convert_ids_to_tokens(ids) == ["Ġ" + level]  # one token, leading space included
    for special in tok.all_special_tokens:
        assert len(tok(special, add_special_tokens=False)["input_ids"]) == 1, special
    for word in ("Eye", "Mouth", "Distortions", "authenticity"):
        assert len(tok(" " + word, add_special_tokens=False)["input_ids"]) == 1, word
    assert tok.decode(tok(", ".join(CATEGORIES), add_special_tokens=False)["input_ids"]) == ", ".join(CATEGORIES)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_build_is_fast_and_deterministic_for_a_seed(arch):
    model_a, proc_a = build_tiny(arch, seed=3)  # the first build also imports the architecture's modules
    t0 = time.perf_counter()
    model_b, proc_b = build_tiny(arch, seed=3)
    assert time.perf_counter() - t0 < 2.0
    model_c, _ = build_tiny(arch, seed=4)
    a, b, c = model_a.state_dict(), model_b.state_dict(), model_c.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)
    assert proc_a.tokenizer.get_vocab() == proc_b.tokenizer.get_vocab()
    assert sum(p.numel() for p in model_a.parameters()) < 2_000_000


def test_fake_cache_layout(tmp_path, tiny_models):
    model, proc = tiny_models("qwen2_vl")
    snap = write_fake_hf_cache(model, proc, tmp_path, "tiny-org/Tiny-Qwen2-VL")
    repo = tmp_path / "hub" / "models--tiny-org--Tiny-Qwen2-VL"
    assert snap.parent == repo / "snapshots" and len(snap.name) == 40
    assert (repo / "refs" / "main").read_text() == snap.name
    config = snap / "config.json"
    assert config.is_symlink() and config.resolve().parent == (repo / "blobs").resolve()
    assert json.loads(config.read_text())["model_type"] == "qwen2_vl"
    # same content -> same revision; an explicit revision is used as given
    assert write_fake_hf_cache(model, proc, tmp_path, "tiny-org/Tiny-Qwen2-VL") == snap
    assert write_fake_hf_cache(model, proc, tmp_path, "tiny-org/Other", revision="a" * 40).name == "a" * 40
    with pytest.raises(ValueError, match="ORG/NAME"):
        write_fake_hf_cache(model, proc, tmp_path, "no-slash")


def test_from_pretrained_offline_and_a_missing_checkpoint_fails_fast(tmp_path, tiny_models):
    """Real loading code in a fresh interpreter whose HF_HOME is the fake cache, offline: transformers by
    repository id, and a row through the weights resolver."""
    for arch in ("qwen2_5_vl", "internvl"):
        model, proc = tiny_models(arch)
        write_fake_hf_cache(model, proc, tmp_path, f"tiny-org/{arch}")
    script = textwrap.dedent("""
        import json, time, torch, transformers
        from bench.errors import ModelUnavailable
        from bench.models.base import RunContext
        from bench.models.registry import create_model
        out = {}
        m = transformers.Qwen2_5_VLForConditionalGeneration.from_pretrained("tiny-org/qwen2_5_vl")
        p = transformers.AutoProcessor.from_pretrained("tiny-org/qwen2_5_vl")
        out["plain"] = [type(m).__name__, type(p).__name__]
        row = create_model("internvl2_5", checkpoint="tiny-org/internvl")
        row.setup(RunContext(progress=False))
        out["row"] = [type(row.engine.model).__name__, row.engine.architecture.model_type, row.identity()]
        t = time.perf_counter()
        try:
            create_model("internvl2_5", checkpoint="tiny-org/not-downloaded").setup(RunContext(progress=False))
        except ModelUnavailable as exc:
            out["missing"] = [str(exc), time.perf_counter() - t]
        print(json.dumps(out))
    """)
    env = {**os.environ, "HF_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["plain"] == ["Qwen2_5_VLForConditionalGeneration", "Qwen2_5_VLProcessor"]
    name, model_type, identity = out["row"]
    assert (name, model_type) == ("InternVLForConditionalGeneration", "internvl")
    assert identity["checkpoint"] == "tiny-org/internvl" and len(identity["revision"]) == 40
    message, seconds = out["missing"]
    assert "\n" not in message and "hf download tiny-org/not-downloaded" in message
    assert seconds < 2.0
