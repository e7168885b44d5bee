"""Result records -> table model (rows, cells, best/second-best ranks, notes), independent of format.

One table holds results of one dataset and one split only (`bench.results.aggregate` refuses
a mix). Cells are the mean over folds (± std when more than one fold). Best and second best
are ranked on the values as displayed (rounded), so equal printed numbers share a rank.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Optional

import pandas as pd

from bench.errors import ConfigError, DataError
from bench.learn.torch_model import FROM_SCRATCH
from bench.models.families import FAMILIES as FAMILY_ORDER
from bench.models.families import FAMILY_MARKERS, FAMILY_NAMES
from bench.results import aggregate, registry_name
from bench.tables.layout import (
    EXTRA_ROWS,
    TABLE5_SETTINGS,
    TABLES,
    Column,
    TableSpec,
    paper_order,
)

PLCC_KINDS = {
    "raw": "PLCC is Pearson's r of the raw predictions (no logistic fit)",
    "logistic": "PLCC is Pearson's r after the logistic mapping of predictions to MOS",
}
PAPER_PLCC = ("PLCC as printed in the paper; the paper does not say whether a logistic fit was applied. "
              "Raw Pearson is assumed: the authors' released evaluation code (YyWooo/LMME3DHF, "
              "main/utils/trainer.py) computes scipy.stats.pearsonr on raw predictions")
AUC_KINDS = {"judd": "AUC is AUC-Judd", "borji": "AUC is AUC-Borji"}
PAPER_AUC = ("AUC as printed in the paper, which does not name the variant (AUC-Judd assumed, "
             "the variant of the MIT saliency benchmark that SALICON/TranSalNet report)")
# Ablation rows that the paper calls its default LMME3DHF, and the full model's row they should equal.
DEFAULT_ABLATION_ROWS = {4: "lmme3dhf_ablation_t4_4", 5: "lmme3dhf_ablation_t5_5"}
FAILED = ("failed", "unavailable")
ZERO_SHOT_FAMILIES = ("lmm",)  # never trained: no training settings in the caption
EXACT_SET = ("exact set: an answer counts when its categories equal the labelled ones, the reading that needs the "
             "whole answer right (per-category agreement rewards naming nothing, since most of the nine categories "
             "are absent from a video; hit rewards naming one safe category)")
DISTORTION_READINGS_LINE = ("Per-category, Jaccard, Hit (columns beyond the paper): the other readings of \"average "
                            "accuracy\": agreement over the nine yes/no decisions; the categories both name over those either "
                            "names; the answer names only labelled categories (at least one)")
LEVEL_ACCURACY_LINE = ("Level acc. (columns beyond the paper): share of videos whose answered level (the likeliest "
                       "of the five level words, or the level a generated answer names; none counts as wrong) "
                       "equals the Eq. 4 level, in %")


@dataclass
class Cell:
    mean: Optional[float] = None
    std: Optional[float] = None
    n: int = 0
    rank: int = 0  # 1 best, 2 second best, 0 neither


@dataclass
class Row:
    model: str  # the record's model (a run label such as `brisque@mode=svr` for a configured variant)
    label: str
    family: str
    marker: str
    cells: list
    status: str = "ok"
    notes: list = field(default_factory=list)  # note keys ("a", "b", ...)
    extra: list = field(default_factory=list)  # texts of extra leading columns (Table 5 settings)
    profile: str = ""
    derived: bool = False  # computed from other rows (Improvement)
    key: str = ""  # registry name: what matches a run's row to the paper's


@dataclass
class Table:
    number: int
    title: str
    columns: list  # Column, with the metric key actually read (plcc/plcc_logistic, auc_judd/auc_borji)
    rows: list
    extra_headers: list
    caption_lines: list  # protocol statements, in order
    notes: dict  # key -> text
    source: str
    dataset: dict
    split: dict
    profiles: list
    plcc_kind: str
    family_legend: str = ""

    def slug(self) -> str:
        return slugify(self.dataset.get("label") or self.dataset.get("name") or "results")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "results"


def resolve_columns(spec: TableSpec, plcc: str, auc: str) -> list[Column]:
    if plcc not in PLCC_KINDS:
        raise ConfigError(f"--plcc must be raw or logistic, not {plcc!r}")
    if auc not in AUC_KINDS:
        raise ConfigError(f"--auc must be judd or borji, not {auc!r}")
    out = []
    for col in spec.columns:
        if col.metric == "plcc" and plcc == "logistic":
            col = replace(col, metric="plcc_logistic")
        if col.metric == "auc_judd" and auc == "borji":
            col = replace(col, metric="auc_borji")
        out.append(col)
    return out


def _belongs(spec: TableSpec, rec: dict, source: str) -> bool:
    if source == "paper":
        return str(spec.number) in (rec.get("paper") or {}).get("tables", {})
    ablation = rec.get("ablation")
    if spec.ablation:
        return bool(ablation) and ablation.get("table") == spec.number
    if ablation:
        return False
    tasks = set(rec.get("tasks") or [])
    wanted = {c.task for c in spec.columns}
    if tasks:
        return bool(tasks & wanted) and (rec.get("family") in spec.families
                                         or rec.get("family") not in FAMILY_ORDER)
    return rec.get("family") in spec.families  # a record that failed before declaring its tasks


def _sort_key(spec: TableSpec, rec: dict, source: str):
    if source == "paper":
        return (0, rec["paper"]["tables"][str(spec.number)]["row"], rec["model"])
    if spec.ablation:
        return (0, _row_number(rec["ablation"].get("row")), rec["model"])
    family = rec.get("family")
    fam_index = FAMILY_ORDER.index(family) if family in FAMILY_ORDER else FAMILY_ORDER.index("lmme3dhf") - 0.5
    order = paper_order(spec.number)
    return (fam_index, order.get(registry_name(rec), len(order)), rec["model"])


def _row_number(text) -> float:
    m = re.search(r"\d+", str(text or ""))
    return float(m.group()) if m else math.inf


def _row_label(spec: TableSpec, rec: dict, source: str) -> str:
    if source == "paper":
        return rec["paper"]["tables"][str(spec.number)]["label"]
    if spec.ablation:
        ab = rec["ablation"]
        return ab.get("row", "") if spec.number == 5 else f"{ab.get('row', '')} {ab.get('label', '')}".strip()
    base = registry_name(rec)
    label = rec.get("paper_row") or EXTRA_ROWS.get(base) or base
    variant = str(rec["model"])[len(base) + 1:] if str(rec["model"]).startswith(base + "@") else ""
    return f"{label} ({variant})" if variant else label


def build_table(spec: TableSpec, records: list[dict], *, source: str = "runs", plcc: str = "raw",
                auc: str = "judd", printed: Optional[dict] = None, reference: Optional[dict] = None
                ) -> Optional[Table]:
    """The table `spec` from result records of one dataset/split; None when no record belongs to it.

    `printed`: the paper's printed derived rows (results/paper/printed.json) to check the computed
    Improvement row against. `reference`: aggregated records of the full models, used to check that
    an ablation's default row equals the full model's published row.
    """
    if source == "paper" and plcc != "raw":
        raise ConfigError("--plcc logistic: the paper prints one PLCC (raw assumed); "
                          "use --plcc raw with --source paper")
    selected = [r for r in records if _belongs(spec, r, source)]
    if not selected:
        return None
    info = aggregate(selected)
    metas = sorted((v["record"] for v in info.values()), key=lambda r: _sort_key(spec, r, source))
    columns = resolve_columns(spec, plcc, auc)
    _check_units(columns, info)
    notes: dict[str, str] = {}

    def note(text: str) -> str:
        for key, existing in notes.items():
            if existing == text:
                return key
        key = _note_key(len(notes))
        notes[key] = text
        return key

    rows = []
    for rec in metas:
        agg = info[rec["model"]]
        row = Row(model=rec["model"], label=_row_label(spec, rec, source), family=rec.get("family", ""),
                  marker=FAMILY_MARKERS.get(rec.get("family"), "") if spec.markers else "",
                  cells=[], status=agg["status"], profile=str(rec.get("profile", "")), key=registry_name(rec))
        for col in columns:
            m = agg["metrics"].get(col.task, {}).get(col.metric)
            if m is None:
                row.cells.append(Cell())
            else:
                multi = m["n"] > 1
                row.cells.append(Cell(mean=m["mean"] * col.scale, std=m["std"] * col.scale if multi else None,
                                      n=m["n"]))
        _row_notes(row, rec, agg, selected, note)
        if spec.number == 5:
            settings = (rec.get("ablation") or {}).get("settings", {})
            row.extra = ["✓" if settings.get(key) else "" for key, _ in TABLE5_SETTINGS]
        rows.append(row)
    columns = _drop_empty_extra_columns(columns, rows)
    _rank(rows, columns)

    if spec.number == 1:
        _improvement(rows, columns, printed if source == "paper" else None, note)
    if spec.ablation and reference is not None:
        _check_default_row(spec, rows, columns, reference, note)

    first = metas[0]
    profiles = sorted({str(r.get("profile")) for r in selected})
    table = Table(
        number=spec.number, title=spec.title.format(dataset=first["dataset"].get("name", "?")),
        columns=columns, rows=rows,
        extra_headers=[h for _, h in TABLE5_SETTINGS] if spec.number == 5 else [],
        caption_lines=[], notes=notes, source=source, dataset=dict(first["dataset"]), split=dict(first["split"]),
        profiles=profiles, plcc_kind=plcc,
        family_legend=", ".join(f"{FAMILY_MARKERS[f]} {FAMILY_NAMES[f]}" for f in FAMILY_MARKERS)
        if spec.markers else "")
    table.caption_lines = _caption(table, spec, columns, auc, info)
    if any(c.mean is None for r in rows for c in r.cells):
        table.caption_lines.append("— : no value (the model failed, was unavailable, or does not predict "
                                   "this metric; see the notes)")
    return table


def _drop_empty_extra_columns(columns: list[Column], rows: list[Row]) -> list[Column]:
    """Columns beyond the paper's stay out of a table where no row has a value for them."""
    keep = [j for j, col in enumerate(columns) if not col.extra or any(r.cells[j].mean is not None for r in rows)]
    for row in rows:
        row.cells = [row.cells[j] for j in keep]
    return [columns[j] for j in keep]


def _note_key(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26]


def _check_units(columns, info):
    """Accuracy is a fraction in records; a value above 1 means a writer stored percent."""
    for model, agg in info.items():
        for col in columns:
            if col.scale == 100.0:
                m = agg["metrics"].get(col.task, {}).get(col.metric)
                if m is not None and m["mean"] > 1.0 + 1e-9:
                    raise DataError(f"{agg['record'].get('_path', model)}: {col.task}.{col.metric} = {m['mean']} "
                                    "> 1; result records store accuracy as a fraction in [0, 1]")


def _row_notes(row: Row, rec: dict, agg: dict, selected: list, note) -> None:
    reasons = "; ".join(agg["reasons"]) or "no reason recorded"
    if agg["status"] in FAILED:
        row.notes.append(note(f"{row.label}: {agg['status']}: {reasons}"))
    elif agg["status"] == "partial":
        recs = [r for r in selected if r["model"] == row.model]
        bad = sum(r.get("status") != "ok" for r in recs)
        row.notes.append(note(f"{row.label}: {bad} of {len(recs)} folds failed ({reasons}); "
                              f"values are over the {len(recs) - bad} folds that ran"))
    failed_samples = sum(len(r.get("failed_samples") or {}) for r in selected
                         if r["model"] == row.model and r.get("status") == "ok")
    if failed_samples:
        row.notes.append(note(f"{row.label}: {failed_samples} test sample(s) failed and were left out of "
                              "its metrics (see failed_samples in its records)"))
    if (rec.get("config") or {}).get("mode") == "svr":
        row.notes.append(note(f"{row.label}: svr mode, the method's features regressed onto MOS by an SVR "
                              "fitted on each training fold (not the method's native score)"))
    for text in (rec.get("model_card") or {}).get("notes") or ():  # what the model says of itself (LMM rows)
        row.notes.append(note(text))
    inits = sorted({str((r.get("model_card") or {}).get("init")) for r in selected  # a network that loads no
                    if r["model"] == row.model and r.get("status") == "ok"  # pretrained weights misses none
                    and (r.get("model_card") or {}).get("weights") != []} - {"pretrained", "None", FROM_SCRATCH})
    if inits:
        row.notes.append(note(f"{row.label}: {' / '.join(inits)}: its pretrained weights were not found, so the "
                              "network started from a seeded random initialisation (not the pretrained model)"))
    paper = rec.get("paper") or {}
    if paper.get("unnamed"):
        row.notes.append(note(f"{row.label}: the method name of this row is missing from the paper's text; "
                              f"most likely {paper.get('likely')}. {paper.get('why', '')}".strip()))


def _display(value: float, decimals: int) -> float:
    return round(value, decimals)


def _rank(rows: list[Row], columns: list[Column]) -> None:
    """Best (1) and second best (2) per column over model rows, on displayed values; ties share."""
    for j, col in enumerate(columns):
        shown = pd.Series([_display(r.cells[j].mean, col.decimals)
                           if not r.derived and r.cells[j].mean is not None and math.isfinite(r.cells[j].mean)
                           else math.nan for r in rows], dtype=float)
        for row, rank in zip(rows, shown.rank(method="dense", ascending=not col.higher_is_better)):
            if rank <= 2:  # NaN (no value, derived row) compares false
                row.cells[j].rank = int(rank)


def improvement(ours: float, best_other: float) -> float:
    """Table 1's Improvement, in points: 100 * (ours - best other).

    This absolute difference reproduces four of the paper's six printed values exactly (e.g. quality
    KRCC 0.7363 - 0.6473 = +8.9); the relative form 100 * (ours / best - 1) reproduces none of them
    (quality SRCC would be +8.0%, printed +6.6%).
    """
    return 100.0 * (ours - best_other)


def _improvement(rows: list[Row], columns: list[Column], printed: Optional[dict], note) -> None:
    ours = next((r for r in rows if r.key == "lmme3dhf"), None)
    others = [r for r in rows if r is not ours and not r.derived]
    if ours is None or not others:
        return
    cells, computed = [], []
    for j, col in enumerate(columns):
        cand = [(_display(r.cells[j].mean, col.decimals), r) for r in others if r.cells[j].mean is not None]
        if ours.cells[j].mean is None or not cand:
            cells.append(Cell())
            computed.append(None)
            continue
        best_val, best_row = max(cand, key=lambda t: t[0]) if col.higher_is_better else min(cand, key=lambda t: t[0])
        value = improvement(_display(ours.cells[j].mean, col.decimals), best_val)
        cells.append(Cell(mean=value))
        computed.append((value, best_row, best_val))
    key = note("Improvement: 100 × (LMME3DHF − best other method) per column, in points (shown with % as "
               "in the paper); this absolute difference is the formula that reproduces the paper's printed "
               "row, the relative one does not")
    row = Row(model="improvement", label="Improvement", family="", marker="", cells=cells, derived=True,
              notes=[key])
    rows.append(row)
    if printed:
        for j, (text, pct) in enumerate(zip(printed["text"], printed["percent"])):
            if computed[j] is None:
                continue
            value, best_row, best_val = computed[j]
            if f"{value:+.1f}" == f"{pct:+.1f}":
                continue
            col = columns[j]
            ours_val = _display(ours.cells[j].mean, col.decimals)
            explain = [f"{r.label} ({_display(r.cells[j].mean, col.decimals):.{col.decimals}f})" for r in others
                       if r.cells[j].mean is not None
                       and f"{improvement(ours_val, _display(r.cells[j].mean, col.decimals)):+.1f}" == f"{pct:+.1f}"]
            why = (f"the printed value is what the difference to {', '.join(explain)} gives, which is not the "
                   "best other method in this column" if explain else
                   "no row of the table gives the printed value; the authors may have used unrounded numbers "
                   "or truncated instead of rounding")
            row.notes.append(note(
                f"Improvement, {col.group} {col.label}: the paper prints {text}, the numbers give "
                f"{value:+.2f} ({ours_val:.{col.decimals}f} − {best_val:.{col.decimals}f}, best other: "
                f"{best_row.label}); {why}"))


def _check_default_row(spec, rows, columns, reference, note) -> None:
    """The ablation row the paper calls its default should equal the full model's row (Tables 1-3)."""
    default = next((r for r in rows if r.key == DEFAULT_ABLATION_ROWS.get(spec.number)), None)
    full = reference.get("lmme3dhf")
    if default is None or full is None:
        return
    diffs = []
    for j, col in enumerate(columns):
        m = full["metrics"].get(col.task, {}).get(col.metric)
        c = default.cells[j]
        if m is None or c.mean is None:
            continue
        a, b = _display(c.mean, col.decimals), _display(m["mean"] * col.scale, col.decimals)
        if a != b:
            name = f"{col.group} {col.label}".strip()
            diffs.append(f"{name} {a:.{col.decimals}f} vs {b:.{col.decimals}f}")
    if diffs:
        default.notes.append(note(
            f"Row {default.label} is the default LMME3DHF setup, yet its numbers differ from the LMME3DHF row "
            f"of the main tables: {'; '.join(diffs)}"))
    else:
        default.notes.append(note(f"Row {default.label} equals the LMME3DHF row of the main tables"))


def _caption(table: Table, spec: TableSpec, columns, auc: str, info: dict) -> list[str]:
    ds, sp = table.dataset, table.split
    lines = []
    label = ds.get("label") or ds.get("name", "?")
    if ds.get("synthetic"):
        lines.append(f"Dataset: {label} — SYNTHETIC STAND-IN, not the Gen3DHF release; its numbers are "
                     "not comparable with the paper's")
    else:
        lines.append(f"Dataset: {label}" + (f" (hash {str(ds.get('hash'))[:12]})" if table.source != "paper" else ""))
    if table.source == "paper":
        lines.append("Source: the paper's published numbers (results/paper/); split as in the paper: "
                     f"4:1 train/test, {sp.get('n_folds')}-fold averaging stated for LMME3DHF")
    else:
        folds = sorted({v["n_folds"] for v in info.values()})
        lines.append(f"Split: {sp.get('name')} ({sp.get('n_folds')} folds; hash {str(sp.get('hash'))[:12]}); "
                     f"cells are mean ± std over the folds that ran (rows have {', '.join(map(str, folds))} "
                     "fold record(s))")
    lines.append("Profile: " + ", ".join(table.profiles)
                 + (" (mixed: see the Profile column)" if len(table.profiles) > 1 else ""))
    tasks = {c.task for c in columns}
    if tasks & {"quality", "authenticity"}:
        lines.append(PAPER_PLCC if table.source == "paper" else PLCC_KINDS[table.plcc_kind])
    if "saliency" in tasks:
        lines.append(PAPER_AUC if table.source == "paper" else AUC_KINDS[auc])
    if "distortion" in tasks:
        lines.append("Accuracy: distortion-type question answering accuracy (the paper's \"average accuracy\"), in %"
                      + ("" if table.source == "paper" else f"; {EXACT_SET}"))
    if any(c.task == "distortion" and c.extra for c in columns):
        lines.append(DISTORTION_READINGS_LINE)
    if any(c.task == "level" for c in columns):
        lines.append(LEVEL_ACCURACY_LINE)
    if table.source == "paper":
        lines.append("Best and second best are computed from the printed numbers (the paper's colours did not "
                     "survive in its text)")
    lines += _settings_lines(info) + _zero_shot_lines(info)
    return lines


_SETTING_WORDS = (("epochs", "epochs {}"), ("lr", "lr {:g}"), ("batch_size", "batch {}"), ("input_size", "{} px"),
                  ("frames", "{} frames"), ("early_stopping", "early stopping"), ("precision", "{}"),
                  ("freeze_backbone", "frozen backbone"), ("pretrained", "pretrained {}"))


def _settings_lines(info: dict) -> list[str]:
    """The learned rows' resolved training settings, one line per distinct set (with the rows it covers)."""
    groups: dict = {}
    for model, agg in info.items():
        settings = agg["record"].get("settings")
        if not settings or agg["record"].get("family") in ZERO_SHOT_FAMILIES:
            continue
        words = []
        for key, fmt in _SETTING_WORDS:
            v = settings.get(key)
            if isinstance(v, bool):
                if v:
                    words.append(fmt)
            elif v is not None:
                words.append(fmt.format(v))
        groups.setdefault(", ".join(words), []).append(registry_name(agg["record"]))
    if not groups:
        return []
    if len(groups) == 1:
        return [f"Training settings of the learned rows: {next(iter(groups))}"]
    return [f"Training settings ({', '.join(sorted(names))}): {words}" for words, names in groups.items()]


def _zero_shot_lines(info: dict) -> list[str]:
    """The zero-shot rows' precision (their checkpoint, frames and scoring mode are in the notes)."""
    precisions = sorted({str((agg["record"].get("settings") or {}).get("precision")) for agg in info.values()
                         if agg["record"].get("family") in ZERO_SHOT_FAMILIES})
    if not precisions:
        return []
    return ["LMM rows: zero-shot on their published weights (no training), precision " + ", ".join(precisions)
            + "; each row's checkpoint, revision, frames and scoring mode are in its notes"]


def build_tables(records: list[dict], numbers, *, source: str = "runs", plcc: str = "raw", auc: str = "judd",
                 printed: Optional[dict] = None) -> list[Table]:
    """Every requested table that has rows. Raises DataError when records mix datasets or splits."""
    aggregate(records)  # refuses a mix of datasets/splits before anything is built
    main = [r for r in records if not r.get("ablation")]
    reference = aggregate(main) if main else {}
    out = []
    for n in numbers:
        if n not in TABLES:
            raise ConfigError(f"--table must be 1-5 or all, not {n!r}")
        t = build_table(TABLES[n], records, source=source, plcc=plcc, auc=auc,
                        printed=(printed or {}).get("table1_improvement") if n == 1 else None,
                        reference=reference)
        if t is not None:
            out.append(t)
    return out
