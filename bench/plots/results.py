"""`bench plots`: a run's results as pictures, for when a table is not enough.

- `srcc.png/pdf`: SRCC per model and dimension, mean over folds with the fold spread as error bars.
- `scatter.png/pdf`: each score model's predictions (direction-corrected, all test folds pooled)
  against MOS, with the fold-mean SRCC in the panel title.
- `saliency.png/pdf`: AUC-Judd, NSS and CC per saliency model.

Each title carries the dataset label, so a synthetic stand-in's plots say what they are.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from bench.data.sample import DIMENSIONS
from bench.plots.dataset import _figure
from bench.results import aggregate, load_results

SALIENCY_PANELS = (("auc_judd", "AUC-Judd"), ("nss", "NSS"), ("cc", "CC"))


def add_plots_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", required=True, help="a run's results folder")
    parser.add_argument("--out", help="output folder (default: <results>/plots)")


def run_plots(args) -> int:
    written = draw_plots(Path(args.results), Path(args.out) if args.out else None)
    for p in written:
        print(p)
    return 0


def draw_plots(results: Path, out: Path | None = None, formats=("png", "pdf")) -> list[Path]:
    records = load_results(results)
    agg = aggregate(records)  # refuses mixed datasets/splits
    label = records[0]["dataset"]["label"] if records else str(results)
    out = out or results / "plots"
    out.mkdir(parents=True, exist_ok=True)
    figures = {"srcc": _srcc_bars(agg, label), "scatter": _scatters(results, agg, label),
               "saliency": _saliency_bars(agg, label)}
    written = []
    for name, fig in figures.items():
        if fig is None:
            continue
        for fmt in formats:
            path = out / f"{name}.{fmt}"
            fig.savefig(path, dpi=130 if fmt == "png" else None, bbox_inches="tight")
            written.append(path)
    return written


def _score_models(agg: dict) -> list[str]:
    return [m for m, a in agg.items() if any("srcc" in a["metrics"].get(d, {}) for d in DIMENSIONS)]


def _srcc_bars(agg: dict, label: str):
    models = _score_models(agg)
    if not models:
        return None
    fig = _figure(max(6.0, 0.55 * len(models) + 2), 3.6)
    ax = fig.add_subplot()
    x = np.arange(len(models))
    for k, dim in enumerate(DIMENSIONS):
        stats = [agg[m]["metrics"].get(dim, {}).get("srcc", {}) for m in models]
        ax.bar(x + (k - 0.5) * 0.4, [s.get("mean", np.nan) for s in stats], 0.4,
               yerr=[s.get("std", 0) for s in stats], capsize=2, label=dim)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(x, models, rotation=40, ha="right")
    ax.set_ylabel("SRCC (mean ± std over folds)")
    ax.set_title(f"Score agreement with MOS - {label}")
    ax.legend()
    return fig


def _predictions(results: Path, model: str) -> list[dict]:
    rows = []
    for f in sorted((results / model).glob("fold-*.predictions.jsonl")):
        for line in f.read_text().splitlines():
            r = json.loads(line)
            if not r.get("failed"):
                rows.append(r)
    return rows


def _scatters(results: Path, agg: dict, label: str):
    models = [m for m in _score_models(agg) if _predictions(results, m)]
    if not models:
        return None
    cols = min(4, len(models))
    rows = math.ceil(len(models) / cols)
    fig = _figure(3.0 * cols, 2.7 * rows + 0.4)
    fig.suptitle(f"Predictions against quality MOS, test folds pooled - {label}")
    for i, model in enumerate(models):
        ax = fig.add_subplot(rows, cols, i + 1)
        sign = 1.0 if agg[model]["record"].get("higher_is_better", True) else -1.0
        pts = [(sign * r["scores"]["quality"], r["mos"]["quality"]) for r in _predictions(results, model)
               if "quality" in r.get("scores", {}) and "quality" in (r.get("mos") or {})]
        if pts:
            x, y = np.array(pts).T
            ax.scatter(x, y, s=6, alpha=0.6)
        srcc = agg[model]["metrics"].get("quality", {}).get("srcc", {}).get("mean", np.nan)
        ax.set_title(f"{model}  SRCC {srcc:.3f}", fontsize=9)
        ax.set_xlabel("prediction" + (" (negated)" if sign < 0 else ""), fontsize=8)
        ax.set_ylabel("MOS", fontsize=8)
        ax.tick_params(labelsize=7)
    return fig


def _saliency_bars(agg: dict, label: str):
    models = [m for m, a in agg.items() if "saliency" in a["metrics"]]
    if not models:
        return None
    fig = _figure(max(7.0, 0.5 * len(models) * len(SALIENCY_PANELS)), 3.4)
    fig.suptitle(f"Distortion-aware saliency - {label}")
    for k, (metric, name) in enumerate(SALIENCY_PANELS):
        ax = fig.add_subplot(1, len(SALIENCY_PANELS), k + 1)
        stats = [agg[m]["metrics"]["saliency"].get(metric, {}) for m in models]
        ax.bar(np.arange(len(models)), [s.get("mean", np.nan) for s in stats],
               yerr=[s.get("std", 0) for s in stats], capsize=2, color="#4a7aab")
        ax.set_xticks(np.arange(len(models)), models, rotation=60, ha="right", fontsize=7)
        ax.set_title(name)
    return fig
