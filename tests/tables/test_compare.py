"""`bench compare --against paper RESULTS_DIR`: rows beside the paper's, differences, protocol line."""
from __future__ import annotations

import csv
import io

import pytest

from bench.results import load_results
from bench.tables import compare, load_paper
from bench.cli import main
from bench.tables.compare import to_csv, to_markdown
from tests.tables.helpers import SPLIT, write_fake_run


@pytest.fixture()
def run_dir(tmp_path):
    return write_fake_run(tmp_path / "run")


def test_rows_beside_the_paper_with_differences(run_dir):
    c = compare(load_results(run_dir), load_paper()[0], reference_is_paper=True)
    line = next(x for x in c.lines if x.model == "brisque" and x.metric == "Quality SRCC")
    assert line.run == "0.1200 ± 0.0200" and line.reference == "0.0989"
    assert line.delta == pytest.approx(0.12 - 0.0989)
    acc = next(x for x in c.lines if x.model == "lmme3dhf" and x.table == 2)
    assert acc.delta == pytest.approx(51.0 - 54.24)  # accuracy compared in %
    kld = next(x for x in c.lines if x.model == "lmme3dhf" and x.metric == "KLD↓")
    assert kld.delta == pytest.approx(2.0 - 1.8759)
    # resnet18 matches the paper's unnamed row, and that is said
    assert any("resnet18" in u and "lost" in u for u in c.unnamed)
    assert not [x for x in c.lines if x.model in ("dover", "qwen2_vl") and x.table == 1]  # nothing to set beside
    assert any(f.startswith("DOVER [72]: unavailable: weights not found") for f in c.failed)
    assert "swin3d_t" in c.only_reference[1] and "brisque" not in c.only_reference[1]


def test_protocol_line_says_what_differs(run_dir):
    c = compare(load_results(run_dir), load_paper()[0], reference_is_paper=True)
    text = to_markdown(c)
    assert "dataset (differs): run = Synthetic Gen3DHF stand-in (tiny) [SYNTHETIC STAND-IN]" in text
    assert f"split (differs): run = {SPLIT['name']}, 2 folds" in text and "4:1 train/test" in text
    assert "profile: run = quick; paper = paper" in text
    assert "weights: run = resnet18: weights=random-init; paper = deep IQA/VQA" in text
    assert "PLCC: run = raw; paper = as printed (raw Pearson assumed)" in text
    assert "| brisque | Quality SRCC | 0.1200 ± 0.0200 | 0.0989 | +0.0211 |" in text
    rows = list(csv.DictReader(io.StringIO(to_csv(c))))
    assert {r["model"] for r in rows} >= {"brisque", "resnet18", "lmme3dhf", "sun"}


def test_cli_compare(run_dir, tmp_path, capsys):
    out = tmp_path / "cmp.md"
    assert main(["compare", str(run_dir), "--against", "paper", "--out", str(out)]) == 0
    assert "Comparison with paper" in capsys.readouterr().out and out.exists()
    other = write_fake_run(tmp_path / "other-run")
    assert main(["compare", str(run_dir), "--against", str(other), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and all(float(r["delta"]) == 0.0 for r in rows if r["delta"])
