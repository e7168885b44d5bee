"""`bench compare`: a run's rows beside a reference (the paper's published numbers or another run).

Rows are matched by registry model name (the paper's rows carry the harness's names, see
bench/tables/layout.py). Δ is run − reference in the displayed unit (accuracy in %).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Optional

from bench.tables.build import FAILED, build_tables
from bench.tables.layout import TABLES
from bench.tables.render import DASH, _md_escape, cell_text

PAPER_WEIGHTS = ("paper = deep IQA/VQA and saliency baselines trained on Gen3DHF (Sec. 5.1: 4:1 split, Adam, "
                 "lr 1e-4, 50 epochs, 224×224; saliency 30 epochs); LMMs' weights not stated (their released "
                 "checkpoints, presumably zero-shot); LMME3DHF: Qwen2.5-VL-7B with LoRA (authors' weights)")
# config keys that name weights or their initialisation (whole keys: "face_weight" is a mixing weight)
WEIGHT_KEYS = ("weights", "weights_path", "pretrained", "checkpoint", "ckpt", "init", "model_path", "range_path")


@dataclass
class Line:
    table: int
    model: str
    label: str
    metric: str
    run: str
    reference: str
    delta: Optional[float]
    decimals: int


@dataclass
class Comparison:
    reference_name: str
    protocol: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    only_run: dict = field(default_factory=dict)  # table -> [model]
    only_reference: dict = field(default_factory=dict)
    failed: list = field(default_factory=list)  # "model: status: reason"
    unnamed: list = field(default_factory=list)  # notes on matches through an unnamed paper row


def compare(run_records: list[dict], ref_records: list[dict], *, reference_is_paper: bool,
            plcc: str = "raw", auc: str = "judd", reference_name: str = "paper") -> Comparison:
    numbers = sorted(TABLES)
    run_tables = {t.number: t for t in build_tables(run_records, numbers, source="runs", plcc=plcc, auc=auc)}
    ref_tables = {t.number: t for t in build_tables(
        ref_records, numbers, source="paper" if reference_is_paper else "runs",
        plcc="raw" if reference_is_paper else plcc, auc="judd" if reference_is_paper else auc)}
    out = Comparison(reference_name=reference_name)
    out.protocol = _protocol(run_records, ref_records, reference_is_paper, plcc, auc, reference_name)
    for n in numbers:
        run_t, ref_t = run_tables.get(n), ref_tables.get(n)
        if run_t is None:
            continue
        # Matched on the registry name, so run variants (`brisque@mode=svr`) each meet the paper's row.
        ref_rows = {r.key: r for r in (ref_t.rows if ref_t else []) if not r.derived}
        run_rows = {r.model: r for r in run_t.rows if not r.derived}
        run_keys = {r.key for r in run_rows.values()}
        out.only_run[n] = [m for m, r in run_rows.items() if r.key not in ref_rows]
        out.only_reference[n] = [k for k in ref_rows if k not in run_keys]
        for model, row in run_rows.items():
            if row.status in FAILED:
                out.failed += [run_t.notes[k] for k in row.notes]
            ref = ref_rows.get(row.key)
            if ref is None:
                continue
            if any("missing from the paper's text" in ref_t.notes[k] for k in ref.notes):
                out.unnamed.append(f"{model} is matched to a Table {n} row whose name the paper's text lost "
                                   f"({ref.label})")
            ref_index = {(c.task, c.metric): j for j, c in enumerate(ref_t.columns)}
            for j, col in enumerate(run_t.columns):
                if (col.task, col.metric) not in ref_index:  # a column beyond the reference's (extra columns)
                    continue
                a, b = row.cells[j], ref.cells[ref_index[(col.task, col.metric)]]
                if a.mean is None:  # failed, or not predicted: listed under `failed`, no line
                    continue
                delta = a.mean - b.mean if b.mean is not None else None
                out.lines.append(Line(n, model, ref.label, f"{col.group} {col.label}".strip(),
                                      cell_text(a, row, col.decimals), cell_text(b, ref, col.decimals),
                                      delta, col.decimals))
    out.unnamed = sorted(set(out.unnamed))
    out.failed = sorted(set(out.failed))
    return out


def _protocol(run_records, ref_records, reference_is_paper, plcc, auc, ref_name) -> list[str]:
    run, ref = run_records[0], ref_records[0]

    def dataset(r):
        d = r["dataset"]
        return (f"{d.get('label') or d.get('name')}" + (" [SYNTHETIC STAND-IN]" if d.get("synthetic") else "")
                + ("" if r.get("source") == "paper" else f" (hash {str(d.get('hash'))[:12]})"))

    def split(r):
        s = r["split"]
        if r.get("source") == "paper":
            return "the paper's 4:1 train/test split (5-fold averaging stated for LMME3DHF)"
        return f"{s.get('name')}, {s.get('n_folds')} folds (hash {str(s.get('hash'))[:12]})"

    def profiles(recs):
        return ", ".join(sorted({str(r.get("profile")) for r in recs}))

    def same(key):
        return " (same)" if run[key].get("hash") == ref[key].get("hash") else " (differs)"

    plcc_run = "raw" if plcc == "raw" else "after logistic fit"
    return [f"dataset{same('dataset')}: run = {dataset(run)}; {ref_name} = {dataset(ref)}",
            f"split{same('split')}: run = {split(run)}; {ref_name} = {split(ref)}",
            f"profile: run = {profiles(run_records)}; {ref_name} = {profiles(ref_records)}",
            f"weights: run = {weights_summary(run_records)}; "
            + (PAPER_WEIGHTS if reference_is_paper else f"{ref_name} = {weights_summary(ref_records)}"),
            f"PLCC: run = {plcc_run}; {ref_name} = "
            + ("as printed (raw Pearson assumed)" if reference_is_paper else plcc_run),
            f"AUC: run = AUC-{auc.capitalize()}; {ref_name} = "
            + ("'AUC' (variant not stated; AUC-Judd assumed)" if reference_is_paper else f"AUC-{auc.capitalize()}")]


def weights_summary(records: list[dict]) -> str:
    """What the records say about weights: config/settings keys that name weights or initialisation, and the
    pretrained weights a model card records as loaded (id and revision)."""
    found = {}
    for r in records:
        for where in ("config", "settings"):
            for key, value in (r.get(where) or {}).items():
                if key.lower() in WEIGHT_KEYS and value not in (None, "", {}):
                    found.setdefault(r["model"], set()).add(f"{key}={value}")
                elif where == "config" and key == "mode" and value == "svr":
                    found.setdefault(r["model"], set()).add("svr mode: regressor learned on each training fold")
        for w in (r.get("model_card") or {}).get("weights") or ():  # what the resolver found and the model loaded
            if w.get("present"):
                rev = f"@{str(w['revision'])[:12]}" if w.get("revision") else ""
                found.setdefault(r["model"], set()).add(f"{w['id']}{rev}")
    if not found:
        return "no weights files or learned regressors named in the records (training-free or default models)"
    return "; ".join(f"{m}: {', '.join(sorted(v))}" for m, v in sorted(found.items()))


def to_markdown(c: Comparison) -> str:
    out = [f"**Comparison with {c.reference_name}** (Δ = run − {c.reference_name}; accuracy in %)", "",
           "What differs in protocol:", ""]
    out += [f"- {_md_escape(line)}" for line in c.protocol]
    for n in sorted({line.table for line in c.lines} | set(c.only_run)):
        lines = [line for line in c.lines if line.table == n]
        out += ["", f"Table {n}:", ""]
        if lines:
            out += [f"| Model | Metric | Run | {c.reference_name.capitalize()} | Δ |", "|:---|:---|---:|---:|---:|"]
            for line in lines:
                delta = DASH if line.delta is None else f"{line.delta:+.{line.decimals}f}"
                out.append(f"| {_md_escape(line.model)} | {_md_escape(line.metric)} | {_md_escape(line.run)} | "
                           f"{_md_escape(line.reference)} | {delta} |")
        if c.only_run.get(n):
            out.append(f"\nOnly in the run (no {c.reference_name} row): {', '.join(c.only_run[n])}")
        if c.only_reference.get(n):
            out.append(f"\nNot in the run: {len(c.only_reference[n])} {c.reference_name} rows "
                       f"({', '.join(c.only_reference[n])})")
    if c.failed:
        out += ["", "Failed or unavailable in the run:", ""] + [f"- {_md_escape(x)}" for x in c.failed]
    if c.unnamed:
        out += ["", "Matches through unnamed paper rows:", ""] + [f"- {_md_escape(x)}" for x in c.unnamed]
    return "\n".join(out) + "\n"


def to_csv(c: Comparison) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["table", "model", "reference_label", "metric", "run", c.reference_name, "delta"])
    for line in c.lines:
        w.writerow([line.table, line.model, line.label, line.metric, line.run, line.reference,
                    "" if line.delta is None else f"{line.delta:.6g}"])
    return buf.getvalue()

