import json

import pytest

import tests.core.fake_models  # noqa: F401 - registers the t_* models
from bench.data.dataset import load_dataset
from bench.data.splits import make_split
from bench.results import aggregate, load_results
from bench.runner import RunConfig, run_benchmark

MODELS = ["t_clean", "t_noise_level", "t_mean_regressor", "t_flaky", "t_broken", "t_needs_weights",
          "t_centre_saliency"]


@pytest.fixture(scope="module")
def run(tiny_dataset, tmp_path_factory):
    ds = load_dataset(tiny_dataset)
    split = make_split(ds, "kfold", 2, seed=0)
    out = tmp_path_factory.mktemp("run")
    outcomes = run_benchmark(ds, split, MODELS, RunConfig(out_dir=out, progress=False))
    return ds, split, out, outcomes


def test_every_model_and_fold_has_a_result(run):
    ds, split, out, outcomes = run
    assert len(outcomes) == len(MODELS) * 2
    status = {(o.model, o.fold): o.status for o in outcomes}
    assert {status[("t_broken", f)] for f in (0, 1)} == {"failed"}
    assert {status[("t_needs_weights", f)] for f in (0, 1)} == {"unavailable"}
    for m in ("t_clean", "t_noise_level", "t_mean_regressor", "t_flaky", "t_centre_saliency"):
        assert {status[(m, f)] for f in (0, 1)} == {"ok"}, m
    rec = json.loads((out / "t_broken" / "fold-0.json").read_text())
    assert "broken on purpose" in rec["reason"] and "Traceback" in rec["traceback"]
    rec = json.loads((out / "t_needs_weights" / "fold-0.json").read_text())
    assert "weights not found" in rec["reason"] and "/nonexistent/w.pt" in rec["reason"]


def test_records_carry_provenance(run):
    ds, split, out, _ = run
    rec = json.loads((out / "t_clean" / "fold-1.json").read_text())
    assert rec["dataset"]["hash"] == ds.content_hash() and rec["dataset"]["synthetic"] is True
    assert rec["split"]["fold"] == 1 and rec["split"]["n_folds"] == 2 and len(rec["split"]["hash"]) == 64
    assert rec["seed"] == 0 and rec["profile"] == "quick" and "numpy" in rec["versions"]
    assert json.loads((out / "split.json").read_text())["folds"] == split["folds"]
    assert rec["n_test"] + rec["n_train"] == len(ds)


def test_direction_is_corrected(run):
    *_, outcomes = run
    m = {(o.model, o.fold): o.metrics for o in outcomes}
    for f in (0, 1):
        a, b = m[("t_clean", f)]["quality"], m[("t_noise_level", f)]["quality"]
        assert a["srcc"] == pytest.approx(b["srcc"]) and a["krcc"] == pytest.approx(b["krcc"])


def test_clean_measures_the_planted_quality(run):
    *_, outcomes = run
    srcc = [o.metrics["quality"]["srcc"] for o in outcomes if o.model == "t_clean"]
    assert min(srcc) > 0.5  # noise grows with severity, MOS falls with it


def test_failed_samples_are_isolated(run):
    _, _, out, _ = run
    recs = [json.loads((out / "t_flaky" / f"fold-{f}.json").read_text()) for f in (0, 1)]
    failed = {k: v for r in recs for k, v in r["failed_samples"].items()}
    assert set(failed) == {"seed0000", "seed0003", "seed0004", "seed0006", "seed0009"}
    assert "cannot handle" in failed["seed0003"] and "nan" in failed["seed0004"]
    lines = (out / "t_flaky" / "fold-0.predictions.jsonl").read_text().splitlines()
    assert any('"failed": true' in line for line in lines)


def test_saliency_scored_and_maps_saved(run):
    _, _, out, outcomes = run
    sal = [o.metrics["saliency"] for o in outcomes if o.model == "t_centre_saliency"]
    for s in sal:
        assert {"auc_judd", "auc_borji", "nss", "cc", "sim", "kld"} <= set(s)
    import numpy as np

    maps = np.load(out / "t_centre_saliency" / "fold-0.maps.npz")
    assert maps[maps.files[0]].shape == (64, 192)


def test_rerun_skips_finished_and_aggregates(run):
    ds, split, out, _ = run
    before = {p: p.stat().st_mtime_ns for p in out.rglob("fold-*.json")}
    again = run_benchmark(ds, split, MODELS, RunConfig(out_dir=out, progress=False))
    skipped = {(o.model, o.fold) for o in again if o.skipped}
    assert ("t_clean", 0) in skipped and ("t_broken", 0) not in skipped  # failures are retried
    for p, t in before.items():
        if p.parent.name in ("t_clean", "t_centre_saliency"):
            assert p.stat().st_mtime_ns == t
    agg = aggregate(load_results(out))
    assert agg["t_clean"]["n_folds"] == 2 and agg["t_clean"]["status"] == "ok"
    assert agg["t_broken"]["status"] == "failed"


def test_frame_store_shares_decodes(tiny_dataset, tmp_path):
    from bench.data.frame_store import FrameStore

    ds = load_dataset(tiny_dataset, store=FrameStore(tmp_path / "store"))
    split = make_split(ds, "kfold", 2, seed=0)
    run_benchmark(ds, split, ["t_clean", "t_noise_level"], RunConfig(out_dir=tmp_path / "run", progress=False))
    # t_noise_level asks for the very frames t_clean decoded: one decode per video in all
    assert ds.store.decode_count() == len(ds)
    run_benchmark(ds, split, ["t_clean"], RunConfig(out_dir=tmp_path / "run2", progress=False))
    assert ds.store.decode_count() == len(ds)  # a second run decodes none
