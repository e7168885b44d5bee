"""No silent wrong numbers, no escaping paths, no untrusted code on load (issue: reliability).

Each test is one defect class found by trying bad inputs and faults as a careful user or an attacker
would; each failed on the harness before the fix.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import tests.core.fake_models  # noqa: F401 - registers the t_* models
from bench.data.dataset import load_dataset
from bench.data.splits import make_split
from bench.errors import DataError
from bench.runner import RunConfig, run_benchmark, run_label
from tests.core.test_cli import ROOT, bench


@pytest.fixture
def ds_copy(tiny_dataset, tmp_path):
    """A private copy of the tiny dataset whose manifest a test may break."""
    root = tmp_path / "ds"
    shutil.copytree(tiny_dataset, root)
    return root


def edit_manifest(root: Path, fn) -> None:
    path = root / "manifest.json"
    doc = json.loads(path.read_text())
    fn(doc)
    path.write_text(json.dumps(doc))


def run(root, *models, out, extra=()):
    return bench("run", "--model", ",".join(models), "--dataset", root, "--folds", "2", "--out", out,
                 "--no-progress", *extra)


# ---- a model's answers are scored on their own samples, or not at all --------------------------------
@pytest.mark.parametrize("name", ["t_extra_prediction", "t_missing_one"])
def test_wrong_number_of_predictions_is_never_shifted(name, tiny_dataset, tmp_path):
    ds = load_dataset(tiny_dataset)
    run_benchmark(ds, make_split(ds, "kfold", 2), [name], RunConfig(out_dir=tmp_path, progress=False))
    for fold in (0, 1):
        rec = json.loads((tmp_path / name / f"fold-{fold}.json").read_text())
        # the batch answer is refused, the one-by-one retry is right: the oracle stays perfect
        assert rec["status"] == "ok" and rec["metrics"]["quality"]["srcc"] == pytest.approx(1.0)


def test_every_prediction_twice_is_a_failure(tiny_dataset, tmp_path):
    ds = load_dataset(tiny_dataset)
    outcomes = run_benchmark(ds, make_split(ds, "kfold", 2), ["t_doubled"], RunConfig(out_dir=tmp_path, progress=False))
    assert {o.status for o in outcomes} == {"failed"}
    rec = json.loads((tmp_path / "t_doubled" / "fold-0.json").read_text())
    assert "returned 2 predictions for 1 sample" in next(iter(rec["failed_samples"].values()))


@pytest.mark.parametrize("name", ["t_system_exit", "t_raises_keyboard_interrupt"])
def test_a_model_raising_baseexception_is_isolated(name, tiny_dataset, tmp_path):
    r = run(tiny_dataset, name, "t_clean", out=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"FAILED (1): {name}" in r.stdout
    assert json.loads((tmp_path / "t_clean" / "fold-1.json").read_text())["status"] == "ok"


# ---- bench run validates the dataset as bench data check does ----------------------------------------
BAD_MANIFESTS = {
    "duplicate id": (lambda d: d["samples"][1].update(id=d["samples"][0]["id"]), "duplicate id"),
    "MOS 150": (lambda d: d["samples"][2]["mos"].update(quality=150), "quality MOS 150 outside [0, 100]"),
    "MOS NaN": (lambda d: d["samples"][2]["mos"].update(quality=float("nan")), "quality MOS is nan"),
    "MOS missing": (lambda d: d["samples"][3]["mos"].pop("authenticity"), "authenticity MOS is missing"),
}


@pytest.mark.parametrize("case", sorted(BAD_MANIFESTS))
def test_run_refuses_a_bad_manifest(case, ds_copy, tmp_path):
    mutate, message = BAD_MANIFESTS[case]
    edit_manifest(ds_copy, mutate)
    r = run(ds_copy, "t_clean", out=tmp_path / "out")
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert str(ds_copy / "manifest.json") in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "t_clean").exists()


def test_all_zero_maps_are_left_out_of_saliency_scoring_and_named(ds_copy, tmp_path):
    from bench.data.saliency_maps import write_saliency_map

    write_saliency_map(ds_copy / "saliency_map" / "seed0003.png", np.zeros((64, 192)))  # no distortion marked
    r = run(ds_copy, "t_centre_saliency", out=tmp_path)
    assert r.returncode == 0 and "all-zero ground-truth map" in r.stdout and "seed0003" in r.stdout
    recs = [json.loads((tmp_path / "t_centre_saliency" / f"fold-{k}.json").read_text()) for k in (0, 1)]
    rec = next(r for r in recs if r.get("warnings"))
    sal = rec["metrics"]["saliency"]
    assert sal["n"] == rec["n_test"] - 1 and all(np.isfinite(sal[k]) for k in ("nss", "cc", "kld"))


def test_run_refuses_bad_maps(ds_copy, tmp_path):
    from bench.data.saliency_maps import write_saliency_map

    write_saliency_map(ds_copy / "saliency_map" / "seed0003.png", np.ones((32, 96)))
    r = run(ds_copy, "t_centre_saliency", out=tmp_path / "b")
    assert r.returncode == 2 and "saliency map is 96x32, expected 192x64" in r.stderr


def test_a_sample_without_a_map_is_a_named_warning_and_n_is_what_was_scored(ds_copy, tmp_path):
    edit_manifest(ds_copy, lambda d: d["samples"][0].update(saliency_map=None))
    r = run(ds_copy, "t_centre_saliency", out=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "have no ground-truth saliency map" in r.stdout and "seed0000" in r.stdout
    recs = [json.loads((tmp_path / "t_centre_saliency" / f"fold-{k}.json").read_text()) for k in (0, 1)]
    with_gap = next(r for r in recs if r.get("warnings"))
    assert with_gap["metrics"]["saliency"]["n"] == with_gap["n_test"] - 1


@pytest.mark.parametrize("value, message", [("high", "quality MOS 'high' is not a number"),
                                            ([50, 60], "quality MOS [50, 60] is not a number")])
def test_wrong_mos_types_are_one_line(value, message, ds_copy, tmp_path):
    edit_manifest(ds_copy, lambda d: d["samples"][1]["mos"].update(quality=value))
    for r in (bench("data", "check", ds_copy), run(ds_copy, "t_clean", out=tmp_path)):
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_wrong_path_type_and_mos_range_are_one_line(ds_copy, tmp_path):
    edit_manifest(ds_copy, lambda d: d["samples"][0].update(video=5))
    r = bench("data", "check", ds_copy)
    assert r.returncode == 2 and '"video" must be a path' in r.stderr and "Traceback" not in r.stderr
    edit_manifest(ds_copy, lambda d: (d["samples"][0].update(video="video_RGB/seed0000.mp4"),
                                      d.update(mos_range={"quality": "wide"})))
    r = run(ds_copy, "t_clean", out=tmp_path)
    assert r.returncode == 2 and '"mos_range" must map each dimension' in r.stderr


# ---- paths: nothing escapes the dataset folder or the results folder ----------------------------------
@pytest.mark.parametrize("path", ["../../../../etc/passwd", "/etc/passwd"])
def test_manifest_paths_leaving_the_dataset_are_refused(path, ds_copy, tmp_path):
    edit_manifest(ds_copy, lambda d: d["samples"][0].update(video=path))
    r = run(ds_copy, "t_clean", out=tmp_path)
    assert r.returncode == 2 and "leaves the dataset folder" in r.stderr and "external_media" in r.stderr
    with pytest.raises(DataError, match="leaves the dataset folder"):
        load_dataset(ds_copy)
    assert load_dataset(ds_copy, allow_external=True).samples[0].video == Path(path).resolve() \
        if path.startswith("/") else True


def test_external_media_is_an_explicit_choice(ds_copy, tmp_path):
    media = tmp_path / "media"
    shutil.move(str(ds_copy / "video_RGB"), media)
    edit_manifest(ds_copy, lambda d: [s.update(video=str(media / Path(s["video"]).name)) for s in d["samples"]])
    assert run(ds_copy, "t_clean", out=tmp_path / "a").returncode == 2
    r = run(ds_copy, "t_clean", out=tmp_path / "b", extra=["--allow-external-media"])
    assert r.returncode == 0, r.stdout + r.stderr
    edit_manifest(ds_copy, lambda d: d.update(external_media=True))
    assert run(ds_copy, "t_clean", out=tmp_path / "c").returncode == 0


def test_run_labels_are_one_safe_path_component(tiny_dataset, tmp_path):
    label = run_label("brisque", {"aggregate": "../../../escaped"})
    assert "/" not in label and ".." not in label and label.startswith("brisque@aggregate=")
    assert run_label("brisque", {"aggregate": "../a"}) != run_label("brisque", {"aggregate": "__a"})
    out = tmp_path / "deep" / "out"
    r = run(tiny_dataset, "t_tagged", out=out, extra=["--set", "tag=../../../escaped"])
    assert r.returncode == 0, r.stdout + r.stderr
    written = {p for p in tmp_path.rglob("*") if p.is_file()}
    assert written and all(p.is_relative_to(out) for p in written)


# ---- checkpoints cannot run code unless the user says so ----------------------------------------------
def test_a_pickled_checkpoint_runs_nothing_without_trust(tiny_dataset, tmp_path):
    import joblib

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    evil = tmp_path / "fold-0.model.joblib"
    joblib.dump({"class": "tests.core.fake_models.MeanRegressor", "state": {"coef": Payload()}}, evil)
    video = sorted((tiny_dataset / "video_RGB").glob("*.mp4"))[0]
    r = bench("predict", "--model", "t_mean_regressor", "--checkpoint", evil, video)
    assert r.returncode == 2 and "--trust-checkpoint" in r.stderr and not marker.exists()
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / "objects.pkl").write_bytes(__import__("pickle").dumps({"o0": Payload()}))
    (folder / "checkpoint.json").write_text(json.dumps({
        "format": "gen3dhf-bench/checkpoint/1", "class": "tests.core.fake_models.MeanRegressor",
        "name": "t_mean_regressor", "config": {}, "state": {"coef": {"__object__": "o0"}}, "pickled": ["o0"]}))
    r = bench("predict", "--model", "t_mean_regressor", "--checkpoint", folder, video)
    assert r.returncode == 2 and "can run code" in r.stderr and not marker.exists()


def test_svr_checkpoint_round_trips_without_pickle(tiny_dataset, tmp_path):
    from bench.models.registry import create_model

    ds = load_dataset(tiny_dataset)
    run_benchmark(ds, make_split(ds, "kfold", 2), ["bpri_lsss"],
                  RunConfig(out_dir=tmp_path, progress=False, save_models=True, model_config={"mode": "svr"}))
    folder = tmp_path / "bpri_lsss@mode=svr" / "fold-0.model"
    assert (folder / "estimators").is_dir() and not (folder / "objects.pkl").exists()
    a = create_model("bpri_lsss", mode="svr").load_checkpoint(folder)
    preds = a.predict(ds.samples[:3])
    saved = [json.loads(line) for line in
             (tmp_path / "bpri_lsss@mode=svr" / "fold-0.predictions.jsonl").read_text().splitlines()]
    by_id = {row["id"]: row for row in saved}
    for s, p in zip(ds.samples[:3], preds):
        if s.id in by_id:
            assert p.scores["quality"] == pytest.approx(by_id[s.id]["scores"]["quality"], rel=1e-12)


def test_judd_checkpoint_honours_command_line_configuration(tiny_dataset, tmp_path):
    ds = load_dataset(tiny_dataset)
    run_benchmark(ds, make_split(ds, "kfold", 2), ["judd"],
                  RunConfig(out_dir=tmp_path, progress=False, save_models=True, model_config={"n_jobs": 1}))
    ckpt = tmp_path / "judd@n_jobs=1" / "fold-0.model"
    image = tiny_dataset / "image" / "seed0001.png"
    maps = {}
    for per_view in ("true", "false"):
        out = tmp_path / f"maps-{per_view}"
        r = bench("predict", "--model", "judd", "--checkpoint", ckpt, "--set", f"per_view={per_view}", image,
                  "--out", out)
        assert r.returncode == 0, r.stderr
        maps[per_view] = (out / "seed0001.judd.png").read_bytes()
    assert maps["true"] != maps["false"]


# ---- maps, records and exit status tell the truth -------------------------------------------------------
def test_small_predicted_maps_stay_non_negative(tiny_dataset, tmp_path):
    ds = load_dataset(tiny_dataset)
    outcomes = run_benchmark(ds, make_split(ds, "kfold", 2), ["t_small_map"], RunConfig(out_dir=tmp_path, progress=False))
    assert {o.status for o in outcomes} == {"ok"}
    assert all(np.isfinite(o.metrics["saliency"]["kld"]) for o in outcomes)
    maps = np.load(tmp_path / "t_small_map" / "fold-0.maps.npz")
    assert all(maps[k].shape == (64, 192) and maps[k].dtype == np.uint8 for k in maps.files)


def test_dropped_training_videos_and_failed_samples_are_named(ds_copy, tmp_path):
    (ds_copy / "video_RGB" / "seed0004.mp4").write_bytes(b"not a video")
    r = run(ds_copy, "t_skips_bad_training_video", out=tmp_path, extra=["--split", "official"])
    assert r.returncode == 1, r.stdout  # a failed sample fails the run's exit status
    rec = json.loads((tmp_path / "t_skips_bad_training_video" / "fold-0.json").read_text())
    assert rec["n_train"] == 7 and "seed0004" in rec["failed_train_samples"]
    (ds_copy / "video_RGB" / "seed0005.mp4").write_bytes(b"not a video")  # a test sample of the official split
    r = run(ds_copy, "t_clean", out=tmp_path / "b", extra=["--split", "official"])
    assert r.returncode == 1 and "FAILED SAMPLES (1)" in r.stdout and "t_clean / seed0005" in r.stdout


# ---- one results folder, one protocol, one writer --------------------------------------------------------
def test_a_results_folder_keeps_one_protocol(tiny_dataset, tmp_path):
    assert run(tiny_dataset, "t_clean", out=tmp_path).returncode == 0
    for extra, what in ((["--seed", "1"], "seed 0 -> 1"), (["--profile", "paper"], "profile 'quick' -> 'paper'"),
                        (["--set", "epochs=3", "--model", "t_torch_cnn"], "settings_overrides")):
        r = bench("run", "--model", "t_clean", "--dataset", tiny_dataset, "--folds", "2", "--out", tmp_path,
                  "--no-progress", *extra)
        assert r.returncode == 2 and what in r.stderr and "--out" in r.stderr, r.stderr
    r = bench("run", "--model", "t_clean", "--dataset", tiny_dataset, "--folds", "3", "--out", tmp_path, "--no-progress")
    assert r.returncode == 2 and "split_hash" in r.stderr
    assert len(list((tmp_path / "t_clean").glob("fold-*.json"))) == 2  # nothing overwritten
    r = bench("run", "--model", "t_oracle", "--dataset", tiny_dataset, "--folds", "2", "--out", tmp_path, "--no-progress")
    assert r.returncode == 0  # the same protocol: more models may join the folder


def test_two_runs_cannot_write_one_folder(tiny_dataset, tmp_path):
    from bench.runner import FolderLock

    with FolderLock(tmp_path):
        r = run(tiny_dataset, "t_clean", out=tmp_path)
    assert r.returncode == 2 and "another `bench run`" in r.stderr


# ---- user errors: one line, exit 2, naming the file or option --------------------------------------------
def test_split_files_must_fit_the_dataset(tiny_dataset, ds_copy, tmp_path):
    from bench.data.splits import save_split

    ds = load_dataset(tiny_dataset)
    split = make_split(ds, "kfold", 2)
    split["folds"][0]["test"].append("seed9999")
    save_split(split, tmp_path / "bad.json")
    r = bench("run", "--model", "t_clean", "--dataset", tiny_dataset, "--split", tmp_path / "bad.json",
              "--out", tmp_path / "o", "--no-progress")
    assert r.returncode == 2 and "seed9999" in r.stderr and "bad.json" in r.stderr
    edit_manifest(ds_copy, lambda d: d["samples"][0].update(description="relabelled"))
    save_split(make_split(ds, "kfold", 2), tmp_path / "other.json")
    r = bench("run", "--model", "t_clean", "--dataset", ds_copy, "--split", tmp_path / "other.json",
              "--out", tmp_path / "p", "--no-progress")
    assert r.returncode == 2 and "made for another dataset" in r.stderr


@pytest.mark.parametrize("args, message", [
    (["--set", "frames=abc"], "frames='abc'"),
    (["--set", "frames=-5"], "frames"),
    (["--set", "nosuchkey=1"], "no selected model accepts 'nosuchkey'"),
    (["--folds", "0"], "--folds 0"),
    (["--set", "epochs=0.5", "--model", "t_mean_regressor"], "setting epochs=0.5"),
])
def test_bad_options_are_refused_before_any_work(args, message, tiny_dataset, tmp_path):
    model = "brisque" if "--model" not in args else []
    r = bench("run", *(["--model", model] if model else []), "--dataset", tiny_dataset, "--out", tmp_path, *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not any(tmp_path.iterdir())


def test_predict_on_a_folder_and_a_full_disk(tmp_path, tiny_dataset, monkeypatch, capsys):
    r = bench("predict", "--model", "t_clean", tmp_path)
    assert r.returncode == 1 and "is a folder" in r.stdout
    from bench import io as bio
    from bench.cli import main

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bio.os, "fsync", full)
    assert main(["run", "--model", "t_clean", "--dataset", str(tiny_dataset), "--folds", "2",
                 "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and str(tmp_path / "o") in err


# ---- processes: no worker outlives a killed run -----------------------------------------------------------
def _processes_mentioning(token: str) -> list[int]:
    pids = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if token in (p / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(p.name))
            except OSError:
                pass
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_leaves_no_worker_behind(tiny_dataset, tmp_path):
    out = tmp_path / "killed-run-out"
    args = [sys.executable, "-m", "tests.core.cli_with_fakes", "run", "--model", "t_process_workers",
            "--dataset", str(tiny_dataset), "--folds", "2", "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "BENCH_TEST_SLEEP": "5"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and len(_processes_mentioning(str(out))) < 3:  # the run and its 2 workers
        time.sleep(0.05)
    assert len(_processes_mentioning(str(out))) >= 3
    proc.kill()
    proc.wait()
    deadline = time.time() + 5
    while time.time() < deadline and _processes_mentioning(str(out)):
        time.sleep(0.05)
    assert _processes_mentioning(str(out)) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_random_kill_9_faults_change_no_result_and_leave_no_process(tiny_dataset, tmp_path):
    """Fault injection: a multi-model run (a trained torch model with worker processes among them) killed with
    SIGKILL at seeded random moments, again and again, then finished: every result equals an uninterrupted run's
    (predictions byte for byte, metrics exactly), every file on disk is whole after each kill, and no process of
    the run outlives it."""
    def args(out):
        return [sys.executable, "-m", "tests.core.cli_with_fakes", "run", "--model", "t_clean,t_slow,t_torch_cnn",
                "--dataset", str(tiny_dataset), "--folds", "3", "--out", str(out), "--no-progress",
                "--set", "epochs=3"]

    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_TEST_SLEEP": "0.05"}
    ref = tmp_path / "uninterrupted-out"
    r = subprocess.run(args(ref), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    out, rng, kills = tmp_path / "faulted-out", np.random.default_rng(7), 0
    for _ in range(5):
        proc = subprocess.Popen(args(out), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(2.0, 8.0))
        if proc.poll() is None:
            proc.kill()
            kills += 1
        proc.wait()
        deadline = time.time() + 5
        while time.time() < deadline and _processes_mentioning(str(out)):
            time.sleep(0.05)
        assert _processes_mentioning(str(out)) == []
        for p in out.rglob("fold-*.json"):
            json.loads(p.read_text())  # whole, never half-written
    assert kills >= 2
    r = subprocess.run(args(out), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    expected = sorted(p.relative_to(ref) for p in ref.rglob("fold-*.json"))
    assert expected and sorted(p.relative_to(out) for p in out.rglob("fold-*.json")) == expected
    for rel in expected:
        assert json.loads((out / rel).read_text())["metrics"] == json.loads((ref / rel).read_text())["metrics"], rel
        preds = rel.with_name(rel.name.replace(".json", ".predictions.jsonl"))
        assert (out / preds).read_bytes() == (ref / preds).read_bytes(), preds
