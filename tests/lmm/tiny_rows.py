"""Test-only LMM rows: every native architecture, tiny and random (`bench.learn.tiny_hf`), read through the
real loading path from a fake Hugging Face cache (`write_tiny_cache`), registered as `t_lmm_<arch>`; and a
fake external row (`t_lmm_fake_external`) served by `fake_backend.py` through the real server.

Each tiny row is a subclass of the paper row of its architecture (LLaVA-NeXT-Video: of `llava_next`, whose
`--set checkpoint` accepts it) with the row's checkpoint pointed at `tiny-org/...`, 4 frames at 28x28.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from baselines.lmm.external import ExternalRow
from baselines.lmm.internvl2_5 import InternVL2_5
from baselines.lmm.llava_next import LlavaNext
from baselines.lmm.qwen2_5_vl import Qwen2_5VL
from baselines.lmm.qwen2_vl import Qwen2VL
from baselines.lmm.rows import Row
from baselines.lmm.video_llava import VideoLlava
from bench.models import register_model

TINY_FRAMES, TINY_SIZE = 4, 28  # bench.learn.tiny_hf.TINY_FRAME_SIZE
# test row -> (the paper row's class it derives from, tiny architecture)
TINY_ROWS = {"t_lmm_qwen2_vl": (Qwen2VL, "qwen2_vl"), "t_lmm_qwen2_5_vl": (Qwen2_5VL, "qwen2_5_vl"),
             "t_lmm_llava_next": (LlavaNext, "llava_next"), "t_lmm_llava_next_video": (LlavaNext, "llava_next_video"),
             "t_lmm_video_llava": (VideoLlava, "video_llava"), "t_lmm_internvl": (InternVL2_5, "internvl")}


def tiny_checkpoint(arch: str) -> str:
    return f"tiny-org/tiny-{arch.replace('_', '-')}"


for _name, (_base, _arch) in TINY_ROWS.items():
    _row = replace(_base.row, name=_name, title=f"tiny {_arch}", checkpoint=tiny_checkpoint(_arch),
                   frames=TINY_FRAMES, frame_size=TINY_SIZE, frames_why="the tiny test model's frame size")
    register_model(_name)(type(f"Tiny{_base.__name__}_{_arch}", (_base,),
                               {"row": _row, "paper_row": None, "__module__": __name__}))


def write_tiny_cache(hf_home: Path, seed: int = 0) -> dict:
    """The tiny models of every test row in a Hugging Face cache under `hf_home`; {test row: snapshot folder}."""
    from bench.learn.tiny_hf import build_tiny, write_fake_hf_cache

    out = {}
    for name, (_, arch) in TINY_ROWS.items():
        model, processor = build_tiny(arch, seed=seed)
        out[name] = write_fake_hf_cache(model, processor, hf_home, tiny_checkpoint(arch))
    return out


# A fake external model (tests/lmm/fake_backend.py, numpy only) behind the real server and protocol.
FAKE_BACKEND = str(Path(__file__).with_name("fake_backend.py"))
FAKE_CHECKPOINT = "fake-org/fake-model"


@register_model("t_lmm_fake_external")
class FakeExternal(ExternalRow):
    row = Row(name="t_lmm_fake_external", title="Fake external LMM", backend="external", checkpoint=FAKE_CHECKPOINT,
              paper_model="none", frames=TINY_FRAMES, frame_size=TINY_SIZE, frames_why="tests", licence="none",
              distortion=True, setup=("build the fake environment",))
    backend = FAKE_BACKEND
    paper_row = None


def write_fake_external_cache(hf_home: Path, revision: str = "f" * 40) -> Path:
    """The fake external model's "weights" laid out as the Hugging Face cache holds a download (its backend reads
    nothing; the harness checks they are there, as for a real row)."""
    import hashlib
    import json

    repo = Path(hf_home) / "hub" / ("models--" + FAKE_CHECKPOINT.replace("/", "--"))
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True, exist_ok=True)
    for name, data in (("config.json", json.dumps({"model_type": "fake"}).encode()), ("model.safetensors", b"fake")):
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        (snapshot / name).unlink(missing_ok=True)
        (snapshot / name).symlink_to(Path("..") / ".." / "blobs" / blob.name)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    return snapshot
