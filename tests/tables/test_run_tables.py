"""Tables from a run's results: markers, failed rows, labels, PLCC kind, CSV, LaTeX, protocol mixing."""
from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess

import pytest

from bench.errors import DataError
from bench.results import load_results, result_path, write_result
from bench.tables import build_tables, latex_document, to_csv, to_latex, to_markdown
from bench.cli import main
from tests.tables.helpers import DATASET, FAIL_REASON, SPLIT, base, corr, write_fake_run


@pytest.fixture()
def run_dir(tmp_path):
    return write_fake_run(tmp_path / "run")


def table(run_dir, number, **kw):
    (t,) = build_tables(load_results(run_dir), [number], **kw)
    return t


def md_row(text: str, start: str) -> list[str]:
    line = next(x for x in text.splitlines() if x.startswith("| " + start))
    return [c.strip() for c in line.strip("|").split(" | ")]


def test_table1_markdown_marks_best_and_second_and_states_protocol(run_dir):
    text = to_markdown(table(run_dir, 1))
    ours, resnet, brisque = md_row(text, "LMME3DHF"), md_row(text, "◊ ResNet-18"), md_row(text, "♦ BRISQUE")
    # quality SRCC: lmme3dhf folds 0.80/0.84 -> 0.8200 ± 0.0200 (population std over folds)
    assert ours[1] == "**0.8200 ± 0.0200**"
    assert resnet[1] == "<u>0.7200 ± 0.0200</u>"
    assert brisque[1] == "0.1200 ± 0.0200"
    assert "SYNTHETIC STAND-IN" in text and DATASET["label"] in text
    assert "Split: kfold-2-seed0 (2 folds" in text and "Profile: quick" in text
    assert "PLCC is Pearson's r of the raw predictions (no logistic fit)" in text
    # family order and markers: handcrafted, deep IQA, deep VQA, LMM, then ours
    order = [x.split(" | ")[0] for x in text.splitlines() if x.startswith("| ") and "---" not in x][1:]
    assert [o[2] for o in order[:4]] == ["♦", "◊", "♣", "♡"] and order[4].startswith("| LMME3DHF")


def test_failed_model_row_has_dash_and_reason(run_dir):
    t = table(run_dir, 1)
    text = to_markdown(t)
    dover = md_row(text, "♣ DOVER")
    assert dover[1:] == ["—"] * 6 and "<sup>" in dover[0]
    key = re.search(r"<sup>(\w+)</sup>", dover[0]).group(1)
    assert f"- <sup>{key}</sup> DOVER [72]: unavailable: {FAIL_REASON}" in text
    # a model that answers questions but gives no scores: dashes, explained once
    assert md_row(text, "♡ Qwen2-VL")[1:] == ["—"] * 6 and "- — : no value" in text


def test_plcc_logistic_reads_the_logistic_values_and_says_so(run_dir):
    raw, logistic = table(run_dir, 1), table(run_dir, 1, plcc="logistic")
    j = [c.metric for c in logistic.columns].index("plcc_logistic")
    ours = lambda t: next(r for r in t.rows if r.model == "lmme3dhf")  # noqa: E731
    assert ours(raw).cells[j].mean == pytest.approx(0.84) and ours(logistic).cells[j].mean == pytest.approx(0.86)
    assert "after the logistic mapping" in to_markdown(logistic)
    assert "PLCC: after logistic fit" in to_latex(logistic)


def test_improvement_row_for_runs(run_dir):
    t = table(run_dir, 1)
    imp = next(r for r in t.rows if r.derived)
    assert imp.cells[0].mean == pytest.approx(100 * (0.82 - 0.72))
    assert md_row(to_markdown(t), "Improvement")[1] == "+10.0%"


def test_tables_2_and_3(run_dir):
    t2 = to_markdown(table(run_dir, 2))
    assert md_row(t2, "LMME3DHF")[1] == "**51.00 ± 1.00**" and md_row(t2, "Qwen2-VL")[1] == "<u>20.00 ± 0.00</u>"
    t3 = table(run_dir, 3)
    text = to_markdown(t3)
    assert md_row(text, "SUN")[1] == "<u>0.6050 ± 0.0050</u>" and md_row(text, "SUN")[5] == "<u>4.6000 ± 0.0000</u>"
    assert md_row(text, "LMME3DHF")[5] == "**2.0000 ± 0.0000**"  # KLD: lower is better
    assert "AUC is AUC-Judd" in text
    assert "AUC is AUC-Borji" in to_markdown(table(run_dir, 3, auc="borji"))
    assert not build_tables(load_results(run_dir), [4, 5])  # no ablation records in this run


def test_csv_has_one_line_per_row_with_metadata(run_dir):
    rows = list(csv.DictReader(io.StringIO(to_csv(table(run_dir, 1)))))
    by_model = {r["model"]: r for r in rows}
    assert set(by_model) == {"brisque", "resnet18", "dover", "qwen2_vl", "lmme3dhf", "improvement"}
    assert float(by_model["lmme3dhf"]["quality.srcc.mean"]) == pytest.approx(0.82)
    assert float(by_model["lmme3dhf"]["quality.srcc.std"]) == pytest.approx(0.02)
    assert by_model["lmme3dhf"]["quality.srcc.rank"] == "1" and by_model["resnet18"]["quality.srcc.rank"] == "2"
    assert by_model["dover"]["status"] == "unavailable" and FAIL_REASON in by_model["dover"]["notes"]
    assert by_model["dover"]["quality.srcc.mean"] == ""
    assert {r["dataset_synthetic"] for r in rows} == {"True"} and {r["plcc_kind"] for r in rows} == {"raw"}


def _check_latex_structure(tex: str) -> None:
    for env in ("table*", "tabular"):
        assert tex.count(rf"\begin{{{env}}}") == tex.count(rf"\end{{{env}}}") >= 1
    assert tex.count("{") == tex.count("}") + tex.count(r"\{") - tex.count(r"\}")
    for block in re.findall(r"\\begin\{tabular\}\{(\w+)\}(.*?)\\end\{tabular\}", tex, re.S):
        ncols, body = len(block[0]), block[1]
        for line in body.splitlines():
            if line.endswith(r"\\") and r"\multicolumn" not in line:
                assert line.count("&") - line.count(r"\&") == ncols - 1, line
        assert r"\toprule" in body and r"\midrule" in body and r"\bottomrule" in body


def test_latex_structure(run_dir):
    tables = build_tables(load_results(run_dir), [1, 2, 3])
    tex = "\n".join(to_latex(t) for t in tables)
    _check_latex_structure(tex)
    assert r"\textcolor{red}{0.8200 $\pm$ 0.0200}" in tex and r"\textcolor{blue}{0.7200 $\pm$ 0.0200}" in tex
    assert r"$\blacklozenge$ BRISQUE [51]" in tex and r"$\clubsuit$ DOVER [72]" in tex
    assert r"/nonexistent/dover\_weights.pth" in tex and r"(50\% done)" in tex  # escaped reason
    assert "SYNTHETIC STAND-IN" in tex and "PLCC: raw (no logistic fit)" in tex
    assert not re.search(r"[^\x00-\x7f]", tex)  # pdflatex-safe: every non-ASCII glyph is mapped


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed (texlive-latex-base)")
def test_latex_compiles(run_dir, tmp_path):
    from bench.tables import load_paper

    paper, printed = load_paper()
    tables = build_tables(load_results(run_dir), [1, 2, 3]) + build_tables(paper, [1, 2, 3, 4, 5],
                                                                            source="paper", printed=printed)
    (tmp_path / "doc.tex").write_text(latex_document(tables))
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_mixing_datasets_or_splits_is_refused(run_dir, tmp_path):
    other = {**DATASET, "hash": "e" * 64, "label": "Another dataset"}
    write_fake_run(run_dir / "other", dataset=other, with_failed=False)
    with pytest.raises(DataError, match="cannot share a table"):
        build_tables(load_results(run_dir), [1])
    assert main(["tables", "--results", str(run_dir), "--no-write", "--quiet"]) == 2
    # the hash filter picks one of them
    assert main(["tables", "--results", str(run_dir), "--dataset-hash", "eeee", "--out", str(tmp_path / "t"),
                 "--quiet"]) == 0
    assert (tmp_path / "t" / "another-dataset" / "table1.md").exists()
    other_split = write_fake_run(tmp_path / "s", split={**SPLIT, "hash": "x" * 64}, with_failed=False)
    with pytest.raises(DataError):
        build_tables(load_results([run_dir / "brisque", other_split]), [1])


def test_mixed_profiles_get_a_column(run_dir):
    rec = base("brisque", 0, profile="paper")
    rec.update(model="brisque@mode=svr", tasks=["quality", "authenticity"],
               metrics={"quality": corr((0.3, 0.3, 0.3, 0.2))})
    write_result(result_path(run_dir, "brisque@mode=svr", 0), rec)
    text = to_markdown(table(run_dir, 1))
    assert "Profile: paper, quick (mixed" in text
    assert md_row(text, "Methods / Metrics")[-1] == "Profile"
    row = md_row(text, "♦ BRISQUE [51] (mode=svr)")
    assert row[-1] == "paper" and row[1] == "0.3000"


def test_partial_folds_and_accuracy_units(run_dir):
    rec = base("resnet18", 1)
    rec.update(status="failed", reason="CUDA out of memory", tasks=["quality", "authenticity"])
    write_result(result_path(run_dir, "resnet18", 1), rec)
    text = to_markdown(table(run_dir, 1))
    assert md_row(text, "◊ ResNet-18")[1] == "<u>0.7000</u>"  # the one fold that ran, no std
    assert "1 of 2 folds failed (CUDA out of memory)" in text
    rec = base("brisque", 0)
    rec.update(tasks=["quality"], metrics={"quality": corr((0.1, 0.1, 0.1, 0.1))}, failed_samples={"v1": "bad"})
    write_result(result_path(run_dir, "brisque", 0), rec)
    assert "BRISQUE [51]: 1 test sample(s) failed and were left out" in to_markdown(table(run_dir, 1))
    rec = base("qwen2_vl", 0)
    rec.update(tasks=["distortion"], metrics={"distortion": {"accuracy": 45.2}})
    write_result(result_path(run_dir, "qwen2_vl", 0), rec)
    with pytest.raises(DataError, match="fraction"):
        build_tables(load_results(run_dir), [2])


def test_cli_writes_files_under_the_dataset_slug(run_dir, tmp_path, capsys):
    out = tmp_path / "tables"
    assert main(["tables", "--results", str(run_dir), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    folder = out / "synthetic-gen3dhf-stand-in-tiny"
    assert sorted(p.name for p in folder.iterdir()) == ["table1.md", "table2.md", "table3.md"]
    assert (folder / "table1.md").read_text() in printed
    assert main(["tables", "--results", str(run_dir), "--out", str(out), "--format", "latex", "--standalone",
                 "--table", "3", "--quiet"]) == 0
    assert (folder / "table3.tex").exists() and (folder / "all.tex").read_text().startswith(r"\documentclass")
    assert main(["tables", "--results", str(run_dir), "--table", "4", "--no-write"]) == 2  # no ablation rows
    assert main(["tables", "--no-write"]) == 2  # neither --results nor --source paper


def test_svr_mode_rows_are_labelled(run_dir):
    for fold in range(2):
        rec = base("brisque", fold)
        rec.update(model="brisque@mode=svr", config={"mode": "svr"},
                   metrics={"quality": corr((0.5, 0.5, 0.5, 0.4)), "authenticity": corr((0.5, 0.5, 0.5, 0.4))})
        write_result(result_path(run_dir, "brisque@mode=svr", fold), rec)
    text = to_markdown(table(run_dir, 1))
    row = md_row(text, "♦ BRISQUE [51] (mode=svr)")
    key = re.search(r"<sup>(\w+)</sup>", row[0]).group(1)
    assert f"- <sup>{key}</sup> BRISQUE [51] (mode=svr): svr mode, the method's features regressed onto MOS" in text
    native = next(x for x in text.splitlines() if x.startswith("| ♦ BRISQUE [51] |"))
    assert "<sup>" not in native  # the native row carries no svr note
