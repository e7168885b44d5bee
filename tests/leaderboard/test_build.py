"""Board pages: intervals, rank groups, reference rows, breakdowns; Markdown, LaTeX and HTML."""
from __future__ import annotations

import math
import re
import shutil
import subprocess

import numpy as np
import pytest

from bench.leaderboard import Board
from bench.leaderboard.build import _column_data, build_pages
from bench.leaderboard.render import to_html, to_latex, to_markdown
from bench.leaderboard.site import write_site
from bench.results import metrics_frame
from bench.tables.sources import load_paper


@pytest.fixture(scope="module")
def pages(lb_dataset, archive, run_dir, tmp_path_factory):
    board = Board.init(tmp_path_factory.mktemp("build") / "board", lb_dataset, "kfold", folds=2, seed=0)
    board.add(archive)
    board.add(run_dir, name="lab B")  # the same predictions again: a second, identical submission
    paper = metrics_frame([r for r in load_paper()[0] if not r.get("ablation")])
    return board, build_pages(board, paper=paper, n_boot=200)


def test_sections_cells_and_rank_groups(pages):
    board, (page,) = pages
    assert page.profile == "quick"
    assert [s.task for s in page.sections] == ["quality", "authenticity", "distortion", "saliency"]
    quality = page.sections[0]
    verified = [r for r in quality.rows if not r.reference]
    assert len(verified) == 6 and {r.submitter for r in verified} == {"lab A", "lab B"}
    for row in verified:
        for cell in row.cells:
            assert cell.lo <= cell.value <= cell.hi and cell.rank >= 1
    clean = [r for r in verified if r.label == "t_clean"]
    # identical predictions in two submissions: identical intervals, same rank group, p = 1
    assert clean[0].cells[0].value == clean[1].cells[0].value and clean[0].cells[0].rank == clean[1].cells[0].rank
    assert (clean[0].cells[0].lo, clean[0].cells[0].hi) == (clean[1].cells[0].lo, clean[1].cells[0].hi)
    # t_clean and t_noise_level are the same cue with opposite signs: the same after direction correction
    noise = next(r for r in verified if r.label == "t_noise_level")
    assert noise.cells[0].value == pytest.approx(clean[0].cells[0].value, abs=1e-12)
    regressor = next(r for r in verified if r.label == "t_mean_regressor")
    assert regressor.cells[0].rank > 1 and regressor.cells[0].p_best < 0.05
    refs = [r for r in quality.rows if r.reference]
    assert refs and all(c.lo is None and c.rank is None for r in refs for c in r.cells)
    assert not any(r.label.startswith("(") and r.label[1].isdigit() for r in refs)  # no ablation rows
    values = [r.cells[0].value for r in quality.rows]
    assert values == sorted(values, reverse=True)


def test_bootstrap_statistic_reproduces_the_verified_value(pages):
    board, (page,) = pages
    metrics, preds = board.frames()
    split = board.split()
    for section in page.sections:
        for col_i, col in enumerate(section.columns):
            for row in (r for r in section.rows if not r.reference):
                stat, data = _column_data(col, preds, row.key, {"higher_is_better": row.protocol["scores"]
                                                                == "higher is better"}, split)
                value = row.cells[col_i].value / col.scale
                assert math.isclose(stat.estimate(data), value, rel_tol=1e-9, abs_tol=1e-12), (row.key, col.metric)


def test_breakdowns(pages):
    _, (page,) = pages
    kinds = {(b.dimension, b.by) for b in page.breakdowns}
    assert kinds == {(d, by) for d in ("quality", "authenticity")
                     for by in ("generator", "distortion category", "MOS level")}
    level = next(b for b in page.breakdowns if b.dimension == "quality" and b.by == "MOS level")
    assert list(level.table.columns) == [c for c in ("bad", "poor", "fair", "good", "excellent") if c in level.counts]
    assert sum(level.counts.values()) == 20
    assert level.table.shape[0] == 6 and np.nanmax(np.abs(level.table.to_numpy())) <= 1


def test_renderers(pages, tmp_path):
    board, (page,) = pages
    md = to_markdown(page)
    assert "## Quality" in md and "percentile bootstrap" in md and "(paper, reference)" in md
    assert re.search(r"\| t_clean +\| lab A +\| 0\.\d{4} \[0\.\d{4}, [01]\.\d{4}\] #1", md)
    tex = to_latex(page)
    assert not re.search(r"[^\x00-\x7f]", tex) and r"\begin{tabular}" in tex
    html = to_html(page)
    assert 'name="viewport"' in html and "<script>" in html and "<details>" in html
    assert not re.search(r"""(src|href)=["']https?:""", html)  # static: nothing fetched from elsewhere
    written = write_site(board, [page], "html", tmp_path / "site")
    assert (tmp_path / "site" / "quick" / "index.html") in written
    plots = sorted(p.name for p in (tmp_path / "site" / "quick" / "plots").rglob("*.png"))
    assert plots.count("scatter.png") == 2 and 'href="plots/' in (tmp_path / "site" / "quick" / "index.html").read_text()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed (texlive-latex-base)")
def test_latex_board_compiles(pages, tmp_path):
    _, (page,) = pages
    (tmp_path / "board.tex").write_text(to_latex(page))
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "board.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:]
