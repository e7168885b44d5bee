"""Tiny LMMs for the family's tests: every native architecture built once per session (random weights)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

torch.set_num_threads(1)

from bench.learn.tiny_hf import TINY_FRAME_SIZE, build_tiny  # noqa: E402


@pytest.fixture(scope="session")
def tiny_models():
    """{architecture: (model, processor)}, built lazily, shared by the session."""
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

