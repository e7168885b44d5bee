"""results/paper/ against the paper's text (../shared/paper/LMME3DHF-paper.md); skipped without it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.tables import load_paper
from bench.tables.layout import TABLES

PAPER_MD = Path(__file__).resolve().parents[3] / "shared" / "paper" / "LMME3DHF-paper.md"
pytestmark = pytest.mark.skipif(not PAPER_MD.exists(), reason=f"{PAPER_MD} not present (../shared is absent)")

NUM = re.compile(r"\d+\.\d+")


@pytest.fixture(scope="module")
def paper_lines():
    return PAPER_MD.read_text().splitlines()


@pytest.fixture(scope="module")
def records():
    recs, _ = load_paper()
    return {r["model"]: r for r in recs}


def rows_after(lines, header: str, n_rows: int, n_nums: int) -> list[list[float]]:
    """Numbers of the first `n_rows` tab-separated lines with `n_nums` decimals after `header`."""
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    out = []
    for line in lines[start + 1:]:
        if "\t" in line and line.split("\t")[0].strip() != "Improvement":
            nums = NUM.findall("\t".join(line.split("\t")[1:]))
            if len(nums) >= n_nums:
                out.append([float(x) for x in nums[-n_nums:]])
        if len(out) == n_rows:
            return out
    raise AssertionError(f"table after {header!r}: only {len(out)} rows")


def test_spot_checks(records):
    assert records["brisque"]["metrics"]["quality"] == {"srcc": 0.0989, "plcc": 0.0929, "krcc": 0.0664}
    assert records["swin3d_t"]["metrics"]["authenticity"]["plcc"] == 0.8737
    assert records["video_chatgpt"]["metrics"]["distortion"]["accuracy"] == pytest.approx(0.0849)
    assert records["it"]["metrics"]["saliency"]["kld"] == 7.2030
    assert records["lmme3dhf"]["metrics"]["saliency"]["nss"] == 6.7689
    assert records["lmme3dhf_ablation_t5_6"]["ablation"]["settings"] == {
        "lora_vision": True, "lora_llm": True, "quality_regression": True}


def test_every_number_matches_the_paper(paper_lines, records):
    metric_keys = {1: [("quality", m) for m in ("srcc", "plcc", "krcc")]
                   + [("authenticity", m) for m in ("srcc", "plcc", "krcc")],
                   2: [("distortion", "accuracy")],
                   3: [("saliency", m) for m in ("auc_judd", "nss", "cc", "sim", "kld")]}
    metric_keys[4] = metric_keys[3]
    metric_keys[5] = metric_keys[1] + metric_keys[2]
    headers = {1: "Dimension\tQuality", 2: "Models\tAccuracy", 3: "Model / Metric\tAUC",
               4: "No.\tTraining Strategy\tAUC", 5: "No.\t$LoRA"}
    for n, spec in TABLES.items():
        printed = rows_after(paper_lines, headers[n], len(spec.rows), len(metric_keys[n]))
        for (model, _), values in zip(spec.rows, printed):
            rec = records[model]
            assert rec["paper"]["tables"][str(n)]["row"] == [m for m, _ in spec.rows].index(model)
            for (task, metric), v in zip(metric_keys[n], values):
                scale = 100.0 if metric == "accuracy" else 1.0
                assert rec["metrics"][task][metric] * scale == pytest.approx(v, abs=1e-9), (n, model, metric)


def test_improvement_row_transcribed(paper_lines):
    _, printed = load_paper()
    line = next(x for x in paper_lines if x.startswith("Improvement\t"))
    assert line.split("\t")[1:7] == printed["table1_improvement"]["text"]
