"""`bench.results.load`: runs, the paper's records and boards as tidy pandas frames."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from bench.results import aggregate, load, load_results
from bench.tables.sources import default_paper_dir
from tests.leaderboard.conftest import MODELS


def test_run_metrics_frame_is_tidy(run_dir):
    metrics, preds = load(run_dir)
    records = load_results(run_dir)
    expected = sum(1 for r in records for t, ms in r["metrics"].items() for k in ms if k != "n")
    assert len(metrics) == expected
    assert not metrics.duplicated(["model", "fold", "task", "metric"]).any()
    for col in ("profile", "dataset_hash", "split_hash", "config", "seed", "status", "n"):
        assert col in metrics
    row = metrics[(metrics["model"] == "t_clean") & (metrics["fold"] == 1) & (metrics["task"] == "quality")
                  & (metrics["metric"] == "srcc")].iloc[0]
    rec = next(r for r in records if r["model"] == "t_clean" and r["split"]["fold"] == 1)
    assert row["value"] == rec["metrics"]["quality"]["srcc"] and row["n"] == rec["metrics"]["quality"]["n"]
    assert row["source"] == "run" and row["profile"] == "quick"
    # the three-line analysis of the README
    table = metrics.query("metric == 'srcc'").groupby(["model", "task"])["value"].mean().unstack()
    assert set(table.index) == set(MODELS) - {"t_quantised_saliency"}


def test_run_predictions_frame(run_dir, lb_dataset):
    _, preds = load(run_dir)
    assert len(preds) == len(MODELS) * 20 and set(preds["fold"]) == {0, 1}
    assert preds.groupby("model")["id"].nunique().eq(20).all()
    clean = preds[preds["model"] == "t_clean"]
    assert clean["pred_quality"].notna().all() and clean["mos_quality"].notna().all()
    _, with_truth = load(run_dir, dataset=lb_dataset)
    assert {"level_quality", "distortions", "generator"} <= set(with_truth.columns)
    assert np.array_equal(with_truth.sort_values(["model", "id"])["mos_quality"].to_numpy(),
                          preds.sort_values(["model", "id"])["mos_quality"].to_numpy())


def test_failed_records_keep_one_row(tmp_path, run_dir):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    f = copy / "t_clean" / "fold-0.json"
    doc = json.loads(f.read_text())
    doc.update(status="failed", reason="boom", metrics={})
    f.write_text(json.dumps(doc))
    metrics, _ = load(copy, predictions=False)
    failed = metrics[(metrics["model"] == "t_clean") & (metrics["fold"] == 0)]
    assert len(failed) == 1 and failed.iloc[0]["status"] == "failed" and pd.isna(failed.iloc[0]["task"])
    info = aggregate(load_results(copy))["t_clean"]
    assert info["status"] == "partial" and info["metrics"]["quality"]["srcc"]["n"] == 1


def test_aggregate_is_the_mean_and_population_std_over_folds(run_dir):
    records = load_results(run_dir)
    info = aggregate(records)
    vals = [r["metrics"]["authenticity"]["krcc"] for r in records if r["model"] == "t_mean_regressor"]
    stat = info["t_mean_regressor"]["metrics"]["authenticity"]["krcc"]
    assert stat == {"mean": np.mean(vals), "std": np.std(vals), "n": 2}


def test_paper_records_have_no_fold():
    metrics, preds = load(default_paper_dir())
    assert metrics["fold"].isna().all() and set(metrics["source"]) == {"paper"} and preds.empty
    assert metrics.query("model == 'lmme3dhf' and task == 'quality' and metric == 'srcc'")["value"].item() == 0.9


def test_board_frames_use_the_boards_ground_truth(board, archive):
    sub = board.add(archive)
    metrics, preds = load(board.root)
    assert set(metrics["source"]) == {"board"} and set(metrics["submission"]) == {sub}
    sal = preds[preds["model"] == "t_quantised_saliency"]
    assert sal["sal_nss"].notna().all() and preds[preds["model"] == "t_clean"]["sal_nss"].isna().all()
    assert preds["generator"].notna().all() and preds["level_quality"].notna().all()
    # per-video saliency values average to the verified fold metric
    for fold, g in sal.groupby("fold"):
        claimed = metrics.query("model == 't_quantised_saliency' and fold == @fold and metric == 'nss'")["value"].item()
        assert abs(g["sal_nss"].mean() - claimed) <= 1e-9 * abs(claimed)
