import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.cli import main
from tests.conftest import OFFICIAL_LABELS, write_official_like_labels

ROOT = Path(__file__).resolve().parents[2]


def bench(*args, env=None, timeout=120):
    """Run `bench ARGS` in a fresh interpreter with the test models registered."""
    e = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "tests.core.cli_with_fakes", *map(str, args)], cwd=ROOT,
                          env=e, capture_output=True, text=True, timeout=timeout)


def test_list_shows_models_and_why_they_cannot_run():
    r = bench("list")
    assert r.returncode == 0, r.stderr
    assert "t_clean" in r.stdout and "ready" in r.stdout
    assert "t_needs_weights" in r.stdout and "cannot run here: weights not found" in r.stdout
    rows = {m["name"]: m for m in json.loads(bench("list", "--json").stdout)["models"]}
    assert rows["t_mean_regressor"]["trainable"] is True and rows["t_clean"]["available"] is True


def test_data_check_and_import(tmp_path, tiny_dataset, capsys):
    assert main(["data", "check", str(tiny_dataset)]) == 0
    assert "no problems" in capsys.readouterr().out
    labels = write_official_like_labels(tmp_path / "labels", {"seed0000": (10.0, 20.0), "seed0001": (40.0, 30.0),
                                                              "seed0002": (30.0, 35.0)}, {"seed0001"})
    assert main(["data", "import-official", "--labels", str(labels), "--root", str(tmp_path / "ds")]) == 0
    out = capsys.readouterr().out
    assert "imported 3 videos (2 train / 1 test" in out and "agree with the official text labels for 3/3" in out
    assert main(["data", "check", str(tmp_path / "ds")]) == 0


@pytest.mark.skipif(not OFFICIAL_LABELS.is_dir(), reason="../shared/gen3dhf-official is not on this machine")
def test_import_the_real_labels(tmp_path, capsys):
    assert main(["data", "import-official", "--labels", str(OFFICIAL_LABELS), "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "imported 2000 videos (1600 train / 400 test" in out and "for 1999/2000" in out
    assert "video_RGB/: 2000 of 2000 files absent" in out


def test_user_errors_are_one_line_not_tracebacks(tmp_path, tiny_dataset):
    r = bench("data", "check", tmp_path / "nowhere")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "no manifest here" in r.stderr
    r = bench("run", "--model", "no_such_model", "--dataset", tmp_path)
    assert r.returncode == 2 and "unknown model 'no_such_model'" in r.stderr
    r = bench("predict", "--model", "t_clean", tmp_path / "missing.mp4")
    assert r.returncode == 1 and "missing.mp4: no such file" in r.stdout
    r = bench("predict", "--model", "brisque", "--set", "mode=foo", tmp_path / "missing.mp4")
    assert r.returncode == 2 and "model 'brisque': bad configuration" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "file").write_text("")
    r = bench("run", "--model", "t_clean", "--dataset", tiny_dataset, "--out", tmp_path / "file" / "sub")
    assert r.returncode == 2 and f"{tmp_path / 'file'}" in r.stderr and "Traceback" not in r.stderr


def test_predict_on_loose_files(tiny_dataset, tmp_path):
    vids = sorted((tiny_dataset / "video_RGB").glob("*.mp4"))[:2]
    r = bench("predict", "--model", "t_noise_level", *vids, "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [Path(x["file"]).name for x in rows] == [v.name for v in vids]
    assert all(x["score"] > 0 and x["higher_is_better"] is False for x in rows)
    r = bench("predict", "--model", "t_centre_saliency", tiny_dataset / "image" / "seed0001.png",
              "--out", tmp_path, "--json")
    assert json.loads(r.stdout)["saliency"] == str(tmp_path / "seed0001.t_centre_saliency.png")
    r = bench("predict", "--model", "t_mean_regressor", vids[0])
    assert r.returncode == 2 and "learns from a training set" in r.stderr
    # a fold's fitted model, saved by `bench run`, predicts new files
    r = bench("run", "--model", "t_mean_regressor", "--dataset", tiny_dataset, "--folds", "2", "--out",
              tmp_path / "run", "--no-progress", "--save-models")
    ckpt = tmp_path / "run" / "t_mean_regressor" / "fold-0.model"
    assert r.returncode == 0 and (ckpt / "checkpoint.json").is_file()
    r = bench("predict", "--model", "t_mean_regressor", "--checkpoint", ckpt, vids[0], "--json")
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)
    assert set(row) >= {"quality", "authenticity"} and row["quality"] == row["quality"]
    r = bench("predict", "--model", "judd", "--checkpoint", ckpt, vids[0])
    assert r.returncode == 2 and "not of baselines.classic_saliency.judd.Judd" in r.stderr


def test_run_end_to_end_exit_status(tiny_dataset, tmp_path):
    r = bench("run", "--model", "t_clean,t_centre_saliency", "--dataset", tiny_dataset, "--split", "official",
              "--out", tmp_path / "a", "--no-progress")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "video decodes: 2" in r.stdout and "t_centre_saliency" in r.stdout
    r = bench("run", "--model", "t_clean,t_broken", "--dataset", tiny_dataset, "--split", "official",
              "--out", tmp_path / "b", "--no-progress")
    assert r.returncode == 1 and "FAILED (1): t_broken" in r.stdout
    r = bench("run", "--model", "t_needs_weights", "--dataset", tiny_dataset, "--split", "official",
              "--out", tmp_path / "c", "--no-progress")
    assert r.returncode == 1 and "cannot run here (1): t_needs_weights" in r.stdout


def test_resume_after_kill_9(tiny_dataset, tmp_path):
    out = tmp_path / "run"
    args = [sys.executable, "-m", "tests.core.cli_with_fakes", "run", "--model", "t_clean,t_slow",
            "--dataset", str(tiny_dataset), "--folds", "5", "--out", str(out), "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_TEST_SLEEP": "0.4"}
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 90
    while time.time() < deadline and not (out / "t_slow" / "fold-1.json").exists():
        time.sleep(0.05)
    time.sleep(0.3)  # now inside a later fold of t_slow, mid-prediction
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = {p: p.read_bytes() for p in out.rglob("fold-*.json")}
    assert (out / "t_clean" / "fold-4.json") in done and len(done) < 10
    for p, data in done.items():
        json.loads(data)  # every file on disk is whole
    assert not list(out.rglob("*.tmp"))
    r = subprocess.run(args, cwd=ROOT, env={**env, "BENCH_TEST_SLEEP": "0"}, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"({len(done)} kept from an earlier run)" in r.stdout
    for p, data in done.items():
        assert p.read_bytes() == data  # finished results were not recomputed
    assert len(list(out.rglob("fold-*.json"))) == 10
