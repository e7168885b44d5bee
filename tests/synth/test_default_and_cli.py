"""The default dataset cache (`bench run` without --dataset) and `bench data synth`."""
from __future__ import annotations

import argparse

import pytest

import bench.synth.default as default
from bench.synth.build import SynthConfig
from bench.synth.cli import add_synth_arguments, config_from_args, run_synth

TINY = SynthConfig(videos=4, size=48, frames=5, seed=0, workers=1)


def test_default_path_honours_gen3dhf_bench_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GEN3DHF_BENCH_HOME", str(tmp_path))
    assert default.default_dataset_path() == tmp_path / "standin-v1"
    monkeypatch.delenv("GEN3DHF_BENCH_HOME")
    assert str(default.default_dataset_path()).endswith(".cache/gen3dhf-bench/standin-v1")


def test_ensure_default_generates_once(tmp_path, monkeypatch):
    monkeypatch.setenv("GEN3DHF_BENCH_HOME", str(tmp_path))
    monkeypatch.setattr(default, "DEFAULT_CONFIG", TINY)
    path = default.ensure_default_dataset(progress=False)
    assert (path / "manifest.json").is_file() and path == tmp_path / "standin-v1"
    stamp = (path / "manifest.json").stat().st_mtime_ns
    calls = []
    monkeypatch.setattr(default, "build_standin", lambda *a, **k: calls.append(a))
    assert default.ensure_default_dataset(progress=False) == path
    assert calls == [] and (path / "manifest.json").stat().st_mtime_ns == stamp
    assert sorted(p.name for p in tmp_path.iterdir()) == ["standin-v1"]  # no partial folders left


def test_ensure_default_rebuilds_an_incomplete_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GEN3DHF_BENCH_HOME", str(tmp_path))
    monkeypatch.setattr(default, "DEFAULT_CONFIG", TINY)
    (tmp_path / "standin-v1" / "video_RGB").mkdir(parents=True)  # e.g. left by hand
    path = default.ensure_default_dataset(progress=False)
    assert (path / "synth.json").is_file()


def test_synth_cli(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_synth_arguments(parser)
    args = parser.parse_args(["--out", str(tmp_path / "o"), "--videos", "4", "--size", "48", "--frames", "5",
                              "--workers", "1", "--quiet"])
    assert run_synth(args) == 0
    assert "subjects kept" in capsys.readouterr().out
    paper = config_from_args(parser.parse_args(["--out", "x", "--paper-scale"]))
    assert (paper.videos, paper.size, paper.frames, paper.fps) == (2000, 512, 240, 60.0)
    with pytest.raises(Exception, match="even"):
        run_synth(parser.parse_args(["--out", str(tmp_path / "p"), "--size", "47", "--quiet"]))


def test_bench_run_without_dataset_uses_the_standin(tmp_path, monkeypatch, capsys):
    import json

    import tests.core.fake_models  # noqa: F401 - registers t_clean
    from bench.cli import main

    monkeypatch.setenv("GEN3DHF_BENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(default, "DEFAULT_CONFIG", SynthConfig(videos=6, size=48, frames=5, seed=0, workers=1))
    assert main(["run", "--model", "t_clean", "--folds", "2", "--out", str(tmp_path / "run"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "dataset Gen3DHF-synth (synthetic stand-in) (6 samples)" in out
    rec = json.loads((tmp_path / "run" / "t_clean" / "fold-0.json").read_text())
    assert rec["dataset"]["synthetic"] is True and rec["dataset"]["root"] == str(tmp_path / "home" / "standin-v1")
