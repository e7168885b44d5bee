"""A board's frames -> board pages: one per (dataset, split, profile), format-independent.

Rows come from `Board.frames()` (the verified submissions, ground truth from the board's dataset)
and, as reference rows, from the paper's published records (`results/paper/`): those carry no
per-sample predictions, so no interval and no rank. Every verified row gets, per column, its value
(mean over folds, as submitted and re-verified), a 95% bootstrap interval, the p-value against the
column's best row and its rank group (`bench.leaderboard.stats`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from bench import metrics as M
from bench.data.categories import CATEGORIES
from bench.data.levels import LEVELS
from bench.data.sample import DIMENSIONS
from bench.leaderboard.board import Board
from bench.leaderboard.stats import METHOD, SIGNIFICANCE, MeanMetric, PairMetric, Resampler, interval, \
    kendall_replicates, paired_p_value, rank_groups
from bench.tables.build import resolve_columns
from bench.tables.compare import weights_summary
from bench.tables.layout import TABLE1, TABLE2, TABLE3, Column

PAIR_METRICS = {"srcc": PairMetric(M.srcc), "plcc": PairMetric(M.plcc), "plcc_logistic": PairMetric(M.plcc_logistic),
                "krcc": PairMetric(M.krcc, batched=kendall_replicates)}
SECTION_TITLES = {"quality": "Quality", "authenticity": "Authenticity", "distortion": "Distortion-type QA",
                  "saliency": "Distortion-aware saliency"}
BREAKDOWNS = (("generator", "generator"), ("distortions", "distortion category"), ("level", "MOS level"))


@dataclass
class Cell:
    value: Optional[float] = None  # in the column's display unit (accuracy in %)
    lo: Optional[float] = None
    hi: Optional[float] = None
    rank: Optional[int] = None  # rank group in this column (verified rows only)
    p_best: Optional[float] = None  # paired-bootstrap p-value against the column's best row


@dataclass
class BoardRow:
    key: str  # "<submission>/<model>" or "paper/<model>"
    label: str
    submitter: str
    reference: bool
    cells: list
    protocol: dict = field(default_factory=dict)
    plots: dict = field(default_factory=dict)  # name -> path relative to the page
    notes: list = field(default_factory=list)


@dataclass
class Section:
    task: str
    title: str
    columns: list
    rows: list


@dataclass
class Breakdown:
    dimension: str
    by: str  # "generator" | "distortion category" | "MOS level"
    table: pd.DataFrame  # index: row label, columns: groups, values: SRCC (NaN: fewer than 3 videos)
    counts: dict  # group -> number of test videos


@dataclass
class BoardPage:
    profile: str
    dataset: dict
    split: dict
    sections: list
    breakdowns: list
    method: list
    notes: list


def section_columns(plcc: str = "raw", auc: str = "judd") -> dict[str, list[Column]]:
    """The paper's columns per task: Table 1 (correlations), Table 2 (accuracy), Table 3 (saliency)."""
    table1 = resolve_columns(TABLE1, plcc, auc)
    return {"quality": [c for c in table1 if c.task == "quality"],
            "authenticity": [c for c in table1 if c.task == "authenticity"],
            "distortion": resolve_columns(TABLE2, plcc, auc), "saliency": resolve_columns(TABLE3, plcc, auc)}


def build_pages(board: Board, *, plcc: str = "raw", auc: str = "judd", paper: Optional[pd.DataFrame] = None,
                n_boot: Optional[int] = None, seed: Optional[int] = None, jobs: int = 1) -> list[BoardPage]:
    """One page per profile among the board's submissions (none when the board is empty); `jobs`
    processes compute the rows' bootstrap replicates (joblib; -1: one per core)."""
    stats = board.doc["statistics"]
    n_boot = int(n_boot or stats["bootstrap"])
    seed = int(stats["seed"] if seed is None else seed)
    confidence = float(stats.get("confidence", 0.95))
    metrics, preds = board.frames()
    split = board.split()
    resampler = Resampler([len(f["test"]) for f in split["folds"]], n_boot, seed)
    pages = []
    for profile in sorted(metrics["profile"].dropna().unique()):
        m = metrics[metrics["profile"] == profile]
        p = preds[preds["model"].isin(m["model"]) & preds["submission"].isin(m["submission"])]
        rows = _row_protocols(board, m, p)
        sections = []
        for task, columns in section_columns(plcc, auc).items():
            section = _section(task, columns, m, p, rows, split, resampler, confidence, paper, jobs)
            if section.rows:
                sections.append(section)
        breakdowns = [b for dim in DIMENSIONS for by in BREAKDOWNS for b in [_breakdown(dim, by, m, p, rows)]
                      if b is not None]
        method = [METHOD.format(b=n_boot, seed=seed).replace("95%", f"{confidence:.0%}"), SIGNIFICANCE,
                  f"PLCC: {'raw (no logistic fit)' if plcc == 'raw' else 'after the VQEG logistic fit'}; "
                  f"AUC: AUC-{auc.capitalize()}",
                  "Every verified row's metrics were recomputed from its per-sample predictions against the "
                  "board's own ground truth when it was added"]
        notes = []
        if board.doc["dataset"].get("synthetic"):
            notes.append(f"{board.doc['dataset']['label']} is a SYNTHETIC STAND-IN, not the Gen3DHF release: its "
                         "numbers are not comparable with the paper's reference rows")
        if paper is not None and not paper.empty:
            notes.append("Reference rows (marked 'paper') are the paper's published numbers on Gen3DHF with its 4:1 "
                         "split: not verified, no per-sample predictions, hence no interval and no rank")
        pages.append(BoardPage(str(profile), dict(board.doc["dataset"]), dict(board.doc["split"]), sections,
                               breakdowns, method, notes))
    return pages


def _row_protocols(board: Board, m: pd.DataFrame, p: pd.DataFrame) -> dict[str, dict]:
    """Per verified row ("<submission>/<model>"): its label, submitter and the protocol shown one click away."""
    records = {(r["_submission"], r["model"]): r for r in board.records()}
    failed = p[p["failed"]].groupby(["submission", "model"]).size()
    infos: dict = {}
    out = {}
    for (sub, model), g in m.groupby(["submission", "model"], sort=True):
        first = g.iloc[0]
        info = infos.setdefault(sub, board.submission_info(sub))
        rec = records[(sub, model)]
        n_failed = int(failed.get((sub, model), 0))
        out[f"{sub}/{model}"] = {
            "submission": sub, "model": model, "label": _label(first),
            "submitter": info.get("name") or sub, "higher_is_better": bool(first["higher_is_better"]),
            "notes": [f"{n_failed} test sample(s) failed and are left out of its metrics"] if n_failed else [],
            "protocol": {
                "submission": f"{info.get('name')} ({sub}), accepted {info['accepted'].get('accepted')}, "
                              f"archive sha256 {str(info['accepted'].get('sha256'))[:16]}",
                "model": f"{model} (registry name {first['registry_name']}, family {first['family']})",
                "profile": str(first["profile"]),
                "split": f"{first['split']} ({first['n_folds']} folds, hash {str(first['split_hash'])[:12]})",
                "dataset": f"{first['dataset']} (hash {str(first['dataset_hash'])[:12]})",
                "weights": str(rec.get("weights") or weights_summary([rec])),
                "config": first["config"], "settings": first["settings"],
                "seed": str(first["seed"]), "device": str(first["device"]),
                "scores": "higher is better" if first["higher_is_better"]
                else "lower is better (negated before correlating)",
                "failed samples": str(n_failed),
                "versions": json.dumps(info.get("versions") or {}, sort_keys=True),
            }}
    return out


def _label(first: pd.Series) -> str:
    """The paper's row name, with the run's variant (`brisque@mode=svr` -> "BRISQUE [51] (mode=svr)")."""
    base = first["paper_row"] or first["registry_name"]
    variant = str(first["model"])[len(first["registry_name"]) + 1:]
    return f"{base} ({variant})" if variant else base


def _fold_arrays(p: pd.DataFrame, key: str, split: dict, column) -> list:
    """Per test fold, `column(frame)` of this row's predictions in the split's test order (NaN: failed)."""
    sub, model = key.split("/", 1)
    mine = p[(p["submission"] == sub) & (p["model"] == model)]
    out = []
    for k, fold in enumerate(split["folds"]):
        f = mine[mine["fold"] == k].set_index("id").reindex(fold["test"])
        out.append(column(f))
    return out


def _column_data(col: Column, p: pd.DataFrame, key: str, row: dict, split: dict):
    """(statistic, per-fold data) for one verified row and one column."""
    if col.task in DIMENSIONS:
        sign = 1.0 if row["higher_is_better"] else -1.0

        def pair(f):
            ok = ~f["failed"].fillna(True).astype(bool)
            x = np.where(ok, sign * f.get(f"pred_{col.task}", np.nan).astype(float), np.nan)
            return x, f[f"mos_{col.task}"].to_numpy(dtype=float)
        return PAIR_METRICS[col.metric], _fold_arrays(p, key, split, pair)
    if col.task == "saliency":
        name = f"sal_{col.metric}"
        return MeanMetric(), _fold_arrays(p, key, split, lambda f: f[name].to_numpy(dtype=float) if name in f
                                          else np.full(len(f), np.nan))
    return MeanMetric(), _fold_arrays(p, key, split, _distortion_correct)


def _distortion_correct(f: pd.DataFrame) -> np.ndarray:
    """Per video, 1.0 when the predicted category set equals the true one (the record's "subset"
    accuracy, by the harness's `accuracy` on that video alone), NaN when either set is absent."""
    out = np.full(len(f), np.nan)
    for i, (pred, true, bad) in enumerate(zip(f["pred_distortions"], f["distortions"], f["failed"].map(bool))):
        if bad or not isinstance(pred, tuple) or not isinstance(true, tuple):
            continue
        out[i] = M.accuracy(M.multi_hot([pred], CATEGORIES), M.multi_hot([true], CATEGORIES), mode="subset")
    return out


def _section(task: str, columns: list, m: pd.DataFrame, p: pd.DataFrame, rows: dict, split: dict,
             resampler: Resampler, confidence: float, paper: Optional[pd.DataFrame], jobs: int = 1) -> Section:
    values = m[m["task"] == task].groupby(["submission", "model", "metric"])["value"].mean()
    keys = sorted({f"{s}/{mo}" for s, mo, _ in values.index})
    board_rows = [BoardRow(key=k, label=rows[k]["label"], submitter=rows[k]["submitter"], reference=False,
                           cells=[], protocol=rows[k]["protocol"], notes=list(rows[k]["notes"])) for k in keys]
    for col in columns:
        estimates = [float(values.get((*row.key.split("/", 1), col.metric), np.nan)) for row in board_rows]
        work = [_column_data(col, p, row.key, rows[row.key], split) for row in board_rows]
        # rows are independent given the shared draws: spread them over `jobs` processes (KRCC is O(n^2))
        reps = Parallel(n_jobs=jobs)(delayed(_replicates)(stat, data, resampler, np.isfinite(value))
                                     for (stat, data), value in zip(work, estimates))
        ranks = rank_groups(estimates, reps, col.higher_is_better, confidence)
        finite = [i for i, e in enumerate(estimates) if np.isfinite(e)]
        best = (max if col.higher_is_better else min)(finite, key=lambda i: estimates[i]) if finite else None
        for i, row in enumerate(board_rows):
            if not np.isfinite(estimates[i]):
                row.cells.append(Cell())
                continue
            lo, hi = interval(reps[i], confidence)
            row.cells.append(Cell(value=estimates[i] * col.scale, lo=lo * col.scale, hi=hi * col.scale,
                                  rank=ranks[i], p_best=None if i == best else paired_p_value(reps[best], reps[i])))
    board_rows += _reference_rows(task, columns, paper)
    lead = columns[0]

    def order(row):
        v = row.cells[0].value
        return (v is None, -(v or 0) if lead.higher_is_better else (v or 0), row.reference, row.label)
    return Section(task, SECTION_TITLES[task], columns, sorted(board_rows, key=order))


def _replicates(stat, data, resampler: Resampler, has_value: bool) -> np.ndarray:
    return stat.replicates(data, resampler) if has_value else np.full(resampler.n_boot, np.nan)


def _reference_rows(task: str, columns: list, paper: Optional[pd.DataFrame]) -> list[BoardRow]:
    if paper is None or paper.empty:
        return []
    mine = paper[paper["task"] == task]
    out = []
    for model, g in mine.groupby("model", sort=True):
        vals = g.set_index("metric")["value"]
        cells = [Cell(value=float(vals[c.metric]) * c.scale) if c.metric in vals and np.isfinite(vals[c.metric])
                 else Cell() for c in columns]
        if any(c.value is not None for c in cells):
            label = g.iloc[0]["paper_row"] or model
            out.append(BoardRow(key=f"paper/{model}", label=label, submitter="paper", reference=True, cells=cells,
                                protocol={"source": "the paper's published numbers (results/paper/)",
                                          "dataset": str(g.iloc[0]["dataset"]), "split": "the paper's 4:1 split",
                                          "profile": "paper", "verified": "no: no per-sample predictions"}))
    return out


def _breakdown(dim: str, by: tuple, m: pd.DataFrame, p: pd.DataFrame, rows: dict) -> Optional[Breakdown]:
    """SRCC within each group of test videos, each row's predictions pooled over its test folds."""
    column, title = by
    scored = m[(m["task"] == dim) & (m["metric"] == "srcc")][["submission", "model"]].drop_duplicates()
    if scored.empty or f"pred_{dim}" not in p:
        return None
    data = p.merge(scored, on=["submission", "model"])
    data = data[~data["failed"].astype(bool)].copy()
    data["key"] = data["submission"] + "/" + data["model"]
    data["x"] = data[f"pred_{dim}"] * data["key"].map(lambda k: 1.0 if rows[k]["higher_is_better"] else -1.0)
    data["y"] = data[f"mos_{dim}"]
    data["group"] = data[f"level_{dim}"] if column == "level" else data[column]
    if column == "distortions":
        data = data.explode("group")
    data = data.dropna(subset=["group", "x", "y"])
    if data.empty:
        return None
    table = data.groupby(["key", "group"]).apply(_srcc_or_nan, include_groups=False).unstack("group")
    order = {"level": list(LEVELS), "distortions": list(CATEGORIES)}.get(column)
    groups = [g for g in order if g in table.columns] if order else sorted(table.columns)
    table = table[groups]
    table.index = [f"{rows[k]['label']} ({rows[k]['submitter']})" for k in table.index]
    counts = data.drop_duplicates(["group", "id"]).groupby("group").size()
    return Breakdown(dim, title, table, {g: int(counts[g]) for g in groups})


def _srcc_or_nan(g: pd.DataFrame) -> float:
    x, y = g["x"].to_numpy(float), g["y"].to_numpy(float)
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan
    return M.srcc(x, y)
