"""Tiny LMMs for the family's tests: every native architecture built once per session (random weights)."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

TINY_FRAME_SIZE = 28  # bench.learn.tiny_hf.TINY_FRAME_SIZE, without importing transformers here

if importlib.util.find_spec("torch") is not None:
    import torch

    torch.set_num_threads(1)

# The tiny models need torch and transformers; the protocol, parsing and row tests need neither.
collect_ignore = ([] if importlib.util.find_spec("transformers") is not None
                  else ["test_native.py", "test_tiny_hf.py", "test_loading.py"])


@pytest.fixture(scope="session")
def tiny_models():
    """{architecture: (model, processor)}, built lazily, shared by the session."""
    from bench.learn.tiny_hf import build_tiny

    cache = {}

    def get(arch):
        if arch not in cache:
            cache[arch] = build_tiny(arch, seed=0)
        return cache[arch]

    return get


@pytest.fixture
def clip():
    """Four tiny frames, uint8 (T, H, W, 3)."""
    return np.random.default_rng(0).integers(0, 256, (4, TINY_FRAME_SIZE, TINY_FRAME_SIZE, 3), dtype=np.uint8)
