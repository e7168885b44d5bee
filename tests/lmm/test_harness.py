"""The family end to end through `bench run` and `bench tables`: every native architecture (tiny, random, from a
fake Hugging Face cache) and a fake external model, in both scoring modes; and every real row unavailable
without weights."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.data.categories import CATEGORIES
from bench.data.levels import LEVELS
from bench.runner import run_label
from tests.conftest import build_tiny_dataset
from tests.lmm.tiny_rows import (FAKE_CHECKPOINT, TINY_ROWS, tiny_checkpoint, write_fake_external_cache,
                                 write_tiny_cache)

ROOT = Path(__file__).resolve().parents[2]
FAKE = "t_lmm_fake_external"
MODELS = [*TINY_ROWS, FAKE]
SHORT = ["--set", "max_new_tokens=4", "--set", "distortion_max_new_tokens=4"]


def bench(*args, env, module="tests.lmm.cli_with_tiny"):
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run folder holding both modes for every test row; (folder, dataset, HF_HOME, snapshots)."""
    home = tmp_path_factory.mktemp("hf")
    snapshots = write_tiny_cache(home)
    snapshots[FAKE] = write_fake_external_cache(home)
    dataset = build_tiny_dataset(tmp_path_factory.mktemp("ds"), n=6)
    # one thread: many times faster for tiny models on a shared CPU (as the tests' own torch.set_num_threads(1))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HOME": str(home), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    out = home / "run"
    common = ["run", "--model", ",".join(MODELS), "--dataset", dataset, "--folds", "2", "--out", out, "--no-progress",
              "--set", f"python={sys.executable}", "--set", "trust_remote_code=true", *SHORT]
    for mode, workers in (("logits", "1"), ("generate", "0")):
        done = bench(*common, "--set", f"mode={mode}", "--workers", workers, env=env)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, dataset, env, snapshots


def records(out: Path, label: str) -> list[dict]:
    return [json.loads(f.read_text()) for f in sorted((out / label).glob("fold-*.json"))]


def predictions(out: Path, label: str) -> list[dict]:
    return [json.loads(line) for f in sorted((out / label).glob("fold-*.predictions.jsonl"))
            for line in f.read_text().splitlines()]


def label(name: str, mode: str) -> str:
    """The run label: the registry name and the configuration the run gave it (the external row's is hashed)."""
    text = f"{name}@distortion_max_new_tokens=4,max_new_tokens=4,mode={mode}"
    return text if name != FAKE else run_label(name, {"distortion_max_new_tokens": 4, "max_new_tokens": 4, "mode": mode,
                                                       "python": sys.executable, "trust_remote_code": True})


@pytest.mark.parametrize("mode", ["logits", "generate"])
def test_records_name_the_checkpoint_and_hold_every_metric(run, mode):
    out, _, _, snapshots = run
    for name in MODELS:
        recs = records(out, label(name, mode))
        assert len(recs) == 2 and all(r["status"] == "ok" and not r["failed_samples"] for r in recs), name
        for r in recs:
            card = r["model_card"]["lmm"]
            checkpoint = FAKE_CHECKPOINT if name == FAKE else tiny_checkpoint(TINY_ROWS[name][1])
            assert (card["checkpoint"], card["revision"]) == (checkpoint, snapshots[name].name), name
            assert (card["mode"], card["frames"], card["frame_size"]) == (mode, 4, 28)
            assert r["config"]["mode"] == mode and r["settings"]["precision"] == "fp32"
            assert r["model_card"]["notes"][0].startswith(f"{card['title']}: zero-shot")
            metrics = r["metrics"]
            assert set(metrics["level"]) == {"accuracy_quality", "n_quality", "accuracy_authenticity", "n_authenticity"}
            assert metrics["level"]["n_quality"] == r["n_test"]  # unparsed answers count, as wrong
            assert "srcc" in metrics["quality"] and "srcc" in metrics["authenticity"]
            if "distortion" in r["tasks"]:
                assert {"accuracy", "exact_set", "per_category", "jaccard", "hit"} <= set(metrics["distortion"])


def test_logits_mode_predictions_are_the_expected_level(run):
    out = run[0]
    for name in MODELS:
        for p in predictions(out, label(name, "logits")):
            for dim in ("quality", "authenticity"):
                probs = np.array(p["extras"]["level_probs"][dim])
                assert probs.sum() == pytest.approx(1.0, abs=1e-5)
                assert p["scores"][dim] == pytest.approx(float(probs @ np.arange(1, 6)), abs=1e-5)
                assert p["levels"][dim] == LEVELS[int(np.argmax(probs))]


def test_generate_mode_saves_the_raw_answers(run):
    out = run[0]
    for name in MODELS:
        for p in predictions(out, label(name, "generate")):
            answers = p["extras"]["answers"]
            assert p["text"].startswith(f"quality: {answers['quality']}\nauthenticity: ")
            for dim in ("quality", "authenticity"):
                assert p["levels"][dim] in (*LEVELS, "unparsed")
                expected = 3.0 if p["levels"][dim] == "unparsed" else LEVELS.index(p["levels"][dim]) + 1.0
                assert p["scores"][dim] == expected
                assert (dim in p["extras"].get("unparsed", [])) == (p["levels"][dim] == "unparsed")
            if p["distortions"] is not None:
                assert "distortion" in answers and set(p["distortions"]) <= set(CATEGORIES)


def test_scores_in_the_run_equal_a_hand_computation(run):
    """The saved scores of one native row and of the fake external model, recomputed here from the frames."""
    import torch

    from bench.data.dataset import load_dataset
    from bench.data.prompts import PROMPTS, answer_prefix
    from bench.data.video import FrameSpec
    from bench.learn.tiny_hf import build_tiny

    out, dataset, _, _ = run
    by_id = load_dataset(dataset).by_id()
    spec = FrameSpec(count=4, size=(28, 28))
    model, processor = build_tiny("qwen2_vl", seed=0)  # the weights the fake cache holds
    saved = predictions(out, label("t_lmm_qwen2_vl", "logits"))[0]
    frames = np.ascontiguousarray(by_id[saved["id"]].frames(spec=spec))
    messages = [{"role": "user", "content": [{"type": "video"}, {"type": "text", "text": PROMPTS["quality"]}]},
                {"role": "assistant", "content": [{"type": "text", "text": answer_prefix("quality")}]}]
    text = processor.apply_chat_template(messages, tokenize=False, continue_final_message=True)
    meta = [{"fps": 1.0, "total_num_frames": 4, "frames_indices": [0, 1, 2, 3]}]  # 4 frames over the 4-s clip
    batch = processor(text=[text], videos=[frames], video_metadata=meta, return_tensors="pt")
    with torch.no_grad():
        logits = model(**batch).logits[0, -1].double()
    ids = [processor.tokenizer.convert_tokens_to_ids("Ġ" + level) for level in LEVELS]
    p = torch.softmax(logits[ids], dim=0).numpy()
    assert saved["scores"]["quality"] == pytest.approx(float(p @ np.arange(1, 6)), abs=1e-5)

    fake = predictions(out, label(FAKE, "logits"))[0]
    z = np.arange(5) * np.ascontiguousarray(by_id[fake["id"]].frames(spec=spec)).mean() / 255.0
    q = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert fake["scores"]["authenticity"] == pytest.approx(float(q @ np.arange(1, 6)))
    generated = predictions(out, label(FAKE, "generate"))[0]
    assert generated["extras"]["answers"]["quality"].endswith("to me (4 frames at 1 fps).")
    assert generated["distortions"] == ["Eye Distortions", "Hair Distortions"]


def test_tables_from_the_run(run):
    out, _, env, _ = run
    done = bench("tables", "--results", out, "--no-write", env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    table1, table2 = done.stdout.split("**Table 2.**")
    assert "| Level acc. (%) Quality | Level acc. (%) Authenticity |" in table1
    assert "Level acc. (columns beyond the paper)" in table1 and "LMM rows: zero-shot" in table1
    assert "Training settings" not in table1  # zero-shot rows are not trained
    assert "| Models | Accuracy (%) | Per-category (%) | Jaccard (%) | Hit (%) |" in table2
    assert "exact set: an answer counts when its categories equal the labelled ones" in table2
    for name in ("t_lmm_qwen2_vl", "t_lmm_internvl", FAKE):  # rows that answer the distortion question
        assert f"| {name} ({label(name, 'generate')[len(name) + 1:]}) <sup>" in table2
    assert "t_lmm_video_llava" not in table2
    assert "tiny qwen2_vl: zero-shot, level-token scoring; checkpoint tiny-org/tiny-qwen2-vl @ " in table2


def test_without_weights_every_row_is_unavailable(tmp_path, tiny_dataset):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HOME": str(tmp_path / "empty")}
    done = bench("run", "--model", "lmm", "--dataset", tiny_dataset, "--folds", "2", "--out", tmp_path / "run",
                 "--no-progress", env=env, module="bench.cli")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]  # a family: rows that cannot run are skipped
    assert "cannot run here (9): internvl2_5, llava_next, minicpm_v2_6, qwen2_5_vl, qwen2_vl, video_chatgpt, " \
           "video_llama2, video_llava, videochat2" in done.stdout
    recs = [json.loads(f.read_text()) for f in (tmp_path / "run").glob("*/fold-*.json")]
    assert len(recs) == 18 and all(r["status"] == "unavailable" for r in recs)
    for r in recs:
        assert "weights not found" in r["reason"] and "hf download" in r["reason"]
        assert str(tmp_path / "empty" / "hub") in r["reason"]
    done = bench("run", "--model", "qwen2_vl", "--dataset", tiny_dataset, "--folds", "2", "--out",
                 tmp_path / "run-explicit", "--no-progress", env=env, module="bench.cli")
    assert done.returncode == 1 and "cannot run here (1): qwen2_vl" in done.stdout  # named: the user's error


def test_a_paper_row_runs_from_its_checkpoint_and_meets_the_papers_row(tmp_path, tiny_dataset):
    """The registered `qwen2_vl` itself, its checkpoint id holding the tiny model; `bench compare` against the paper."""
    from bench.learn.tiny_hf import build_tiny, write_fake_hf_cache

    snapshot = write_fake_hf_cache(*build_tiny("qwen2_vl", seed=0), tmp_path / "hf", "Qwen/Qwen2-VL-7B-Instruct")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HOME": str(tmp_path / "hf"), "OMP_NUM_THREADS": "1"}
    out = tmp_path / "run"
    done = bench("run", "--model", "qwen2_vl", "--dataset", tiny_dataset, "--folds", "2", "--out", out, "--no-progress",
                 "--workers", "0", "--set", "frames=4", "--set", "frame_size=28", *SHORT, env=env, module="bench.cli")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (rec, *_) = records(out, "qwen2_vl@distortion_max_new_tokens=4,frame_size=28,frames=4,max_new_tokens=4")
    assert rec["paper_row"] == "Qwen2-VL (7B) [70]" and rec["model_card"]["lmm"]["revision"] == snapshot.name
    done = bench("compare", out, env=env, module="bench.cli")
    assert done.returncode == 0, done.stderr[-2000:]
    text = done.stdout
    assert f"Qwen/Qwen2-VL-7B-Instruct@{snapshot.name[:12]}" in text  # the weights the run used
    table1, table2 = text.split("Table 2:")
    row = "| qwen2_vl@distortion_max_new_tokens=4,frame_size=28,frames=4,max_new_tokens=4 |"
    assert f"{row} Quality SRCC |" in table1 and "Level acc." not in table1  # no paper value to meet
    assert f"{row} Accuracy (%) |" in table2 and "Jaccard" not in table2
