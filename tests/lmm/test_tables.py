"""The LMM rows in tables built from records: the extra row's label, their notes, the extra columns."""
from __future__ import annotations

from bench.tables import build_tables, to_markdown
from tests.tables.helpers import DATASET, SPLIT


def record(model: str, paper_row, fold: int, notes=(), level=None, distortion=None) -> dict:
    metrics = {"quality": {"srcc": 0.1 + fold / 100, "plcc": 0.2, "krcc": 0.05, "n": 10},
               "authenticity": {"srcc": 0.1, "plcc": 0.2, "krcc": 0.05, "n": 10}}
    if level is not None:
        metrics["level"] = {"accuracy_quality": level, "accuracy_authenticity": level / 2, "n_quality": 10,
                            "n_authenticity": 10}
    if distortion is not None:
        metrics["distortion"] = {"accuracy": distortion, "exact_set": distortion, "per_category": 0.8,
                                 "jaccard": 0.3, "hit": 0.4, "n": 10}
    return {"model": model, "registry_name": model, "family": "lmm", "paper_row": paper_row, "config": {},
            "higher_is_better": True, "tasks": ["authenticity", "distortion", "level", "quality"],
            "dataset": dict(DATASET), "split": {**SPLIT, "fold": fold}, "profile": "paper",
            "settings": {"precision": "bf16", "epochs": 50, "frames": 8}, "seed": 0, "device": "cuda", "versions": {},
            "status": "ok", "reason": None, "metrics": metrics, "failed_samples": {},
            "model_card": {"notes": list(notes)}, "created": "2026-01-01T00:00:00Z"}


def test_lmm_rows_in_tables_1_and_2():
    mpo = "InternVL2.5 (8B): OpenGVLab/InternVL2_5-8B-MPO-hf are MPO-tuned weights, not the paper's InternVL2_5-8B"
    records = [record("internvl2_5", "InternVL2.5 (8B) [7]", f, notes=("InternVL2.5 (8B): zero-shot", mpo),
                      level=0.3, distortion=0.2) for f in (0, 1)]
    records += [record("qwen2_5_vl", None, f, level=0.5, distortion=0.1) for f in (0, 1)]
    table1, table2 = build_tables(records, [1, 2])
    assert [c.label for c in table1.columns][-2:] == ["Quality", "Authenticity"]
    assert table1.columns[-1].group == "Level acc. (%)"
    ours = next(r for r in table1.rows if r.key == "qwen2_5_vl")
    assert ours.label == "Qwen2.5-VL (7B), zero-shot (extra row)" and ours.cells[-2].mean == 50.0
    text = to_markdown(table1)
    assert mpo in text and "Training settings" not in text and "precision bf16" in text
    assert [c.metric for c in table2.columns] == ["accuracy", "per_category", "jaccard", "hit"]
    assert "| Qwen2.5-VL (7B), zero-shot (extra row) | <u>10.00 ± 0.00</u> | **80.00 ± 0.00** |" in to_markdown(table2)
