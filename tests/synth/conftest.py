"""A tiny stand-in built once per session by the real `bench data synth` code path."""
from __future__ import annotations

import pytest

from bench.synth.build import SynthConfig, build_standin

TINY = SynthConfig(videos=10, size=96, frames=9, fps=12.0, seed=3, workers=1)


@pytest.fixture(scope="session")
def standin(tmp_path_factory):
    return build_standin(tmp_path_factory.mktemp("standin") / "ds", TINY, progress=False)
