"""The rows' facts: one per paper row of Tables 1 and 2, the extra row, and what a user is told."""
from __future__ import annotations

import pytest

from baselines.lmm import ROW_CLASSES, ROWS
from baselines.lmm.external import ExternalLMM
from baselines.lmm.native import ARCHITECTURES, NativeLMM
from bench.tables.layout import LMM_ROWS, TABLES


def test_every_paper_row_has_a_module_and_a_class():
    assert {name for name, _ in LMM_ROWS} | {"qwen2_5_vl"} == set(ROWS) == set(ROW_CLASSES)
    for name, label in LMM_ROWS:
        assert ROWS[name].paper_row == label and 1 in ROWS[name].tables
    table2 = {name for name, _ in TABLES[2].rows} - {"lmme3dhf"}
    assert table2 == {name for name, row in ROWS.items() if 2 in row.tables}
    assert ROWS["qwen2_5_vl"].paper_row is None and ROWS["qwen2_5_vl"].notes


@pytest.mark.parametrize("name", sorted(ROWS))
def test_row_facts(name):
    row, cls = ROWS[name], ROW_CLASSES[name]
    assert cls.row is row
    assert issubclass(cls, NativeLMM if row.backend == "native" else ExternalLMM)
    assert row.download_commands()[0] == f"hf download {row.checkpoint}"
    message = row.unavailable_message()
    assert "\n" not in message and f"hf download {row.checkpoint}" in message
    spec = row.frame_spec()
    assert (spec.count, spec.size) == (row.frames, (row.frame_size, row.frame_size))
    if row.backend == "external":
        assert row.setup and cls.backend and "trust_remote_code=true" in message and "python=" in message


def test_rows_whose_model_differs_from_the_papers_say_so():
    assert "MPO" in ROWS["internvl2_5"].notes[0] and ROWS["internvl2_5"].paper_model == "OpenGVLab/InternVL2_5-8B"
    for name in ("llava_next", "videochat2", "qwen2_5_vl"):  # checkpoint not named by the paper / not its row
        assert ROWS[name].notes
    for name in ("qwen2_vl", "minicpm_v2_6", "video_chatgpt", "video_llama2"):
        assert ROWS[name].checkpoint == ROWS[name].paper_model and not ROWS[name].notes


def test_native_rows_checkpoint_families_are_registered():
    expected = {"qwen2_vl": "qwen2_vl", "qwen2_5_vl": "qwen2_5_vl", "llava_next": "llava_next",
                "video_llava": "video_llava", "internvl2_5": "internvl"}
    for name, model_type in expected.items():
        assert ROWS[name].backend == "native" and model_type in ARCHITECTURES
