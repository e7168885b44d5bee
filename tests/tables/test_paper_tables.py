"""`bench tables --source paper`: the paper's rows, order, markers, best/second, Improvement and notes."""
from __future__ import annotations

import re

import pytest

from bench.errors import ConfigError
from bench.results import aggregate
from bench.tables import build_tables, load_paper, to_latex, to_markdown
from bench.tables.build import improvement
from bench.cli import main
from bench.tables.layout import TABLES


@pytest.fixture(scope="module")
def paper():
    return load_paper()


@pytest.fixture(scope="module")
def tables(paper):
    records, printed = paper
    return {t.number: t for t in build_tables(records, [1, 2, 3, 4, 5], source="paper", printed=printed)}


def cell(table, model, header):
    row = next(r for r in table.rows if r.model == model)
    j = [f"{c.group} {c.label}".strip() for c in table.columns].index(header)
    return row.cells[j]


def test_records_form_one_protocol_and_cover_every_row(paper):
    records, printed = paper
    assert len(aggregate(records)) == len(records) == 68  # 59 methods + 4 + 6 ablation rows, one protocol
    assert all(r["source"] == "paper" and r["dataset"]["synthetic"] is False for r in records)
    assert printed["table1_improvement"]["text"] == ["+6.6%", "+7.1%", "+8.9%", "+6.5%", "+8.2%", "+10.8%"]


def test_rows_follow_the_papers_order(tables):
    for n, t in tables.items():
        models = [r.model for r in t.rows if not r.derived]
        assert models == [m for m, _ in TABLES[n].rows], n
    assert [r.label for r in tables[1].rows][-2:] == ["LMME3DHF (Ours)", "Improvement"]


def test_family_markers_like_the_paper(tables):
    markers = {r.model: r.marker for r in tables[1].rows}
    assert (markers["bmpri"], markers["swin_l"], markers["vsfa"], markers["video_llama2"], markers["lmme3dhf"]) \
        == ("♦", "◊", "♣", "♡", "")
    text = to_markdown(tables[1])
    assert "| ♦ BRISQUE [51] | 0.0989 | 0.0929 |" in text and "| ◊ HyperIQA [63] |" in text
    assert r"$\clubsuit$ Swin3D-T [45]" in to_latex(tables[1])


def test_best_and_second_best(tables):
    t1 = tables[1]
    for col in t1.columns:
        assert cell(t1, "lmme3dhf", f"{col.group} {col.label}").rank == 1
    assert cell(t1, "swin3d_t", "Quality SRCC").rank == 2 and cell(t1, "swin_s", "Authenticity SRCC").rank == 2
    assert cell(t1, "swin_l", "Authenticity PLCC").rank == 2 and cell(t1, "swin3d_t", "Authenticity PLCC").rank == 0
    latex = to_latex(t1)
    assert r"LMME3DHF (Ours) & \textcolor{red}{0.9000} & \textcolor{red}{0.9415}" in latex
    assert r"\textcolor{blue}{0.8754}" in latex
    t3 = tables[3]
    for h in ("AUC↑", "NSS↑", "CC↑", "SIM↑", "KLD↓"):
        assert cell(t3, "lmme3dhf", h).rank == 1 and cell(t3, "sal_cfs_gan", h).rank == 2
    assert cell(tables[2], "internvl2_5", "Accuracy (%)").rank == 2
    assert cell(tables[2], "lmme3dhf", "Accuracy (%)").mean == pytest.approx(54.24)
    t5 = tables[5]  # ablation: (6) best on quality SRCC, (5) best on accuracy
    assert cell(t5, "lmme3dhf_ablation_t5_6", "Quality SRCC").rank == 1
    assert cell(t5, "lmme3dhf_ablation_t5_5", "Accuracy (%)").rank == 1
    assert [r.extra for r in t5.rows][3] == ["✓", "✓", ""]


def test_improvement_row_is_computed_and_mismatches_noted(tables):
    t1 = tables[1]
    imp = next(r for r in t1.rows if r.derived)
    assert [round(c.mean, 2) for c in imp.cells] == [6.67, 7.09, 8.9, 6.49, 8.01, 10.83]
    assert improvement(0.7363, 0.6473) == pytest.approx(8.9)
    text = to_markdown(t1)
    assert "| Improvement <sup>" in text and "| +6.7% | +7.1% | +8.9% | +6.5% | +8.0% | +10.8% |" in text
    notes = " ".join(t1.notes.values())
    assert "Quality SRCC: the paper prints +6.6%, the numbers give +6.67" in notes
    assert "Authenticity PLCC: the paper prints +8.2%, the numbers give +8.01" in notes
    assert "difference to Swin3D-T [45] (0.8737)" in notes
    assert "Quality KRCC: the paper prints" not in notes  # matching columns get no note


def test_unnamed_rows_are_marked_with_their_likely_method(tables):
    text = to_markdown(tables[1])
    assert "(unnamed row; likely ResNet-18 [19]) <sup>" in text and "(unnamed row; likely CNNIQA [30]) <sup>" in text
    assert "most likely CNNIQA [30]" in text and "[30, 52, 63, 67, 77]" in text


def test_ablation_default_rows_checked_against_main_tables(tables):
    assert "equals the LMME3DHF row" in " ".join(tables[4].notes.values())
    assert "Quality SRCC 0.9028 vs 0.9000" in " ".join(tables[5].notes.values())


def test_paper_captions_state_source_plcc_and_auc(tables):
    text = to_markdown(tables[1])
    assert "Gen3DHF (paper, published numbers)" in text and "Raw Pearson is assumed" in text
    assert "AUC-Judd assumed" in to_markdown(tables[3])
    assert "PLCC as printed (raw assumed)" in to_latex(tables[5])


def test_cli_paper_source(tmp_path, capsys):
    assert main(["tables", "--source", "paper", "--table", "2", "--format", "latex", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert r"LMME3DHF (Ours) & \textcolor{red}{54.24} \\" in out
    assert (tmp_path / "gen3dhf-paper-published-numbers" / "table2.tex").exists()
    with pytest.raises(ConfigError):
        build_tables(load_paper()[0], [1], source="paper", plcc="logistic")


def test_markdown_tables_are_well_formed(tables):
    """Every table line has the header's number of cells, after a separator line (GFM table rules)."""
    for t in tables.values():
        lines = [x for x in to_markdown(t).splitlines() if x.startswith("|")]
        cells = [len(re.split(r"(?<!\\)\|", x)) - 2 for x in lines]
        assert set(cells) == {len(t.columns) + 1 + len(t.extra_headers)}, t.number
        assert re.fullmatch(r"\|(:?---:?\|)+", lines[1]) and len(lines) == len(t.rows) + 2


def test_registered_paper_models_match_a_paper_row():
    """`bench compare` matches on registry names: a model that reproduces a paper row must use that row's name."""
    from bench.models.registry import get_entry, list_models

    names = {m for spec in TABLES.values() for m, _ in spec.rows}
    for name in list_models():
        cls = get_entry(name).cls
        if cls.paper_row and not name.startswith("t_"):
            assert name in names, f"{name} ({cls.paper_row}) has no row in bench/tables/layout.py"
