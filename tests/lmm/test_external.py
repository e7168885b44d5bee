"""The external-model protocol against a fake external model run by this Python in a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from baselines.lmm.external import SERVER, ExternalLMM, ExternalModel, ExternalModelError
from bench.data.levels import LEVELS
from bench.errors import ModelUnavailable
from tests.lmm.tiny_rows import FAKE_BACKEND as FAKE
from tests.lmm.tiny_rows import FakeExternal


def model(**kw) -> ExternalModel:
    settings = dict(trust_remote_code=True, device="cpu", dtype="float32", startup_timeout=60, request_timeout=30)
    settings.update(kw)
    return ExternalModel(sys.executable, FAKE, "fake-org/fake-model", **settings)


def test_handshake_scoring_generation_and_distortions(clip):
    with ExternalLMM(model()) as lmm:
        who = lmm.identity()
        assert who["checkpoint"] == "fake-org/fake-model" and who["revision"] == "0" * 40
        assert who["class"] == "FakeExternalModel" and who["python_version"] == sys.version.split()[0]
        # the fake's level logits are k * mean / 255 for level k: the score computed by hand
        z = np.arange(5) * clip.mean() / 255.0
        p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        result = lmm.score(clip, "quality")
        assert result.score == pytest.approx(float(p @ np.arange(1, 6)))
        assert np.allclose(list(result.probs.values()), p) and list(result.probs) == list(LEVELS)
        bright = np.full_like(clip, 200)
        answer = lmm.generate_level(bright, "authenticity")
        assert (answer.level, answer.score) == ("good", 4.0)
        assert answer.text == "The video looks good to me (4 frames at 1 fps)."
        assert lmm.generate_level(np.zeros_like(clip), "quality").level == "poor"
        assert lmm.ask_distortions(clip).categories == ("Eye Distortions", "Hair Distortions")
        pid = lmm.connection.hello["pid"]
    assert lmm.connection._proc is None  # closed by the context manager
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the server is gone


def test_prints_of_the_model_code_do_not_break_the_protocol(clip):
    with model(options={"noisy": "1"}) as conn:
        assert conn.request("generate", clip, fps=1.0, prompt="rate", max_new_tokens=4)["ok"]


def test_a_failing_request_is_reported_and_the_server_stays_up(clip):
    with model(options={"fail_on": "score"}) as conn:
        pid = conn.hello["pid"]
        with pytest.raises(ExternalModelError, match="score failed in the external model: ValueError: fake model: "
                                                     "cannot score this clip"):
            conn.request("score", clip, fps=1.0, prompt="rate", answer_prefix="The quality of",
                         words=[" bad", " good"])
        conn.request("generate", clip, fps=1.0, prompt="rate", max_new_tokens=4)
        assert conn.hello["pid"] == pid


def test_a_crash_is_reported_with_stderr_and_the_next_request_restarts(clip):
    conn = model(options={"crash_on": "generate"})
    try:
        first = conn.start()["pid"]
        with pytest.raises(ExternalModelError, match=r"exited \(status 3\)") as err:
            conn.request("generate", clip, fps=1.0, prompt="rate", max_new_tokens=4)
        assert "segmentation fault (simulated)" in str(err.value)
        reply = conn.request("score", clip, fps=1.0, prompt="rate", answer_prefix="The quality of",
                             words=[" bad", " good"])
        assert conn.hello["pid"] != first and len(reply["logits"]) == 2
    finally:
        conn.close()


def test_a_hung_request_times_out_and_stops_the_server(clip):
    conn = model(options={"hang_on": "score"}, request_timeout=1.5)
    try:
        proc = (conn.start(), conn._proc)[1]
        t0 = time.monotonic()
        with pytest.raises(ExternalModelError, match=r"no answer within 1.5 s during score; the server was stopped"):
            conn.request("score", clip, fps=1.0, prompt="rate", answer_prefix="The quality of", words=[" bad"])
        assert time.monotonic() - t0 < 6 and proc.poll() is not None
    finally:
        conn.close()


def test_startup_failure_and_missing_environment_are_unavailable():
    with pytest.raises(ModelUnavailable, match="did not load: RuntimeError: fake model: weights file is corrupt"):
        model(options={"fail_load": "1"}).start()
    with pytest.raises(ModelUnavailable, match=r"does not exist or is not executable.*build the fake environment"):
        ExternalModel("/nonexistent/envs/fake/bin/python", FAKE, "x", trust_remote_code=True,
                      setup="Set-up: (1) build the fake environment").start()
    with pytest.raises(ModelUnavailable, match=r"none given \(--set python=PATH\)"):
        ExternalModel(None, FAKE, "x")
    with pytest.raises(ModelUnavailable, match="only run with the explicit opt-in --set trust_remote_code=true"):
        model(trust_remote_code=False).start()


def test_the_row_says_what_is_missing_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    ok, why = FakeExternal.availability({})
    assert not ok and "\n" not in why and why.startswith("Fake external LMM: weights not found: fake-org/fake-model")
    assert "hf download fake-org/fake-model" in why and str(tmp_path / "hub") in why
    assert "(--set python=PATH). Set-up: (1) build the fake environment" in why
    assert "--set trust_remote_code=true" in why
    from tests.lmm.tiny_rows import write_fake_external_cache

    write_fake_external_cache(tmp_path)
    ok, why = FakeExternal.availability({"python": "/nonexistent/python", "trust_remote_code": True})
    assert not ok and why == ("Fake external LMM: the Python '/nonexistent/python' (--set python) does not exist or "
                              "is not executable. Set-up: (1) build the fake environment")
    assert FakeExternal.availability({"python": sys.executable, "trust_remote_code": True}) == (True, "")


def test_the_server_itself_refuses_downloaded_code_without_the_opt_in():
    done = subprocess.run([sys.executable, str(SERVER), "--backend", FAKE, "--checkpoint", "x", "--device", "cpu"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    hello = json.loads(done.stdout.splitlines()[0])
    assert done.returncode == 2 and hello["ok"] is False and "refusing without --trust-remote-code" in hello["error"]


def test_unknown_backend_is_named(tmp_path):
    done = subprocess.run([sys.executable, str(SERVER), "--backend", "no_such_model", "--checkpoint", "x",
                           "--trust-remote-code"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60)
    error = json.loads(done.stdout.splitlines()[0])["error"]
    assert "no backend 'no_such_model'" in error and "videochat2" in error and "minicpm_v2_6" in error


def test_server_files_import_nothing_of_the_harness():
    """They run in the models' own Pythons, where neither `bench` nor `baselines` is installed."""
    import ast

    for path in SERVER.parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("bench", "baselines", "tests") for n in names), (path, names)
