"""The rows' facts: one per paper row of Tables 1 and 2, the extra row, and what a user is told."""
from __future__ import annotations

import pytest

from baselines.lmm.external import ExternalRow
from baselines.lmm.model import LMMRow
from baselines.lmm.native import ARCHITECTURES, NativeRow
from bench.models.registry import get_entry, list_models
from bench.tables.layout import EXTRA_ROWS, LMM_ROWS, TABLES

ROWS = {name: get_entry(name).cls for name in list_models("lmm") if not name.startswith("t_")}


def test_every_paper_row_and_the_extra_row_is_registered():
    assert {name for name, _ in LMM_ROWS} | {"qwen2_5_vl"} == set(ROWS)
    for name, label in LMM_ROWS:
        assert get_entry(name).paper_row == label
    assert get_entry("qwen2_5_vl").paper_row is None and "qwen2_5_vl" in EXTRA_ROWS
    # Table 2's rows (and the extra row) answer the distortion question; the others do not, as in the paper
    table2 = {name for name, _ in TABLES[2].rows} - {"lmme3dhf"}
    assert {name for name, cls in ROWS.items() if "distortion" in cls.tasks} == table2 | {"qwen2_5_vl"}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_row_facts(name, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    cls = ROWS[name]
    row = cls.row
    assert cls.row.name == name and issubclass(cls, LMMRow) and cls.family == "lmm"
    assert issubclass(cls, NativeRow if row.backend == "native" else ExternalRow)
    assert not cls.is_trainable() and {"quality", "authenticity", "level"} <= cls.tasks
    specs = cls.weight_specs({})
    assert specs[0].id == row.checkpoint and specs[0].source == "hf"
    assert cls.weight_specs({"checkpoint": "org/other"})[0].id == "org/other"
    ok, why = cls.availability({})
    assert not ok and "\n" not in why and why.startswith(row.title + ": ")
    assert f"hf download {row.checkpoint}" in why and str(tmp_path / "hub") in why
    if row.backend == "external":
        assert row.setup and cls.backend and "--set trust_remote_code=true" in why and "--set python=PATH" in why
    model = cls()
    spec = model.frame_specs()[0]
    assert (spec.count, spec.size) == (row.frames, (row.frame_size, row.frame_size))
    assert f"{row.frames} frames at {row.frame_size}px" in cls.list_note
    assert cls(frames=3, frame_size=56).frame_specs()[0].size == (56, 56)


def test_rows_whose_model_differs_from_the_papers_say_so():
    rows = {name: cls.row for name, cls in ROWS.items()}
    assert "MPO" in rows["internvl2_5"].notes[0] and rows["internvl2_5"].paper_model == "OpenGVLab/InternVL2_5-8B"
    assert "MPO-tuned" in ROWS["internvl2_5"].list_note
    for name in ("llava_next", "videochat2", "qwen2_5_vl"):  # checkpoint not named by the paper / not its row
        assert rows[name].notes
    for name in ("qwen2_vl", "minicpm_v2_6", "video_chatgpt", "video_llama2"):
        assert rows[name].checkpoint == rows[name].paper_model and not rows[name].notes


def test_native_rows_checkpoint_families_are_registered():
    expected = {"qwen2_vl": "qwen2_vl", "qwen2_5_vl": "qwen2_5_vl", "llava_next": "llava_next",
                "video_llava": "video_llava", "internvl2_5": "internvl"}
    for name, model_type in expected.items():
        assert ROWS[name].row.backend == "native" and model_type in ARCHITECTURES
    assert "llava_next_video" in ARCHITECTURES  # --set checkpoint=llava-hf/LLaVA-NeXT-Video-7B-hf on llava_next


def test_bad_configuration_is_refused():
    cls = ROWS["qwen2_vl"]
    for bad in ({"mode": "vibes"}, {"frames": 0}, {"frame_size": 8}, {"frames": "8"}, {"max_new_tokens": 0},
                {"clip_seconds": 0}):
        with pytest.raises(ValueError):
            cls(**bad)
    with pytest.raises(ValueError, match="options must be a JSON object"):
        ROWS["videochat2"](options="repo=/x")
