"""LMMs that exist only as their authors' code: a server in the model's own Python, spoken to over pipes.

`ExternalModel` starts `server/lmm_server.py` with the Python the user names (`--set python=PATH`, the
environment the model's authors pin), waits for its hello (the model's identity and revision), then
sends one JSON request per question and reads one reply (protocol in `server/lmm_server.py`). Frames go
as .npy files in a private temporary folder.

Failures are clear and bounded: a missing Python or a missing opt-in is `ModelUnavailable` with the
set-up steps; a server that dies is reported with its exit status and the end of its stderr; a request
that takes longer than `request_timeout` stops the server (the next request starts a fresh one). The
opt-in (`trust_remote_code`) is required by the client and passed on to the server, which refuses to
load a backend that runs downloaded code without it.
"""
from __future__ import annotations

import collections
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

import numpy as np

from baselines.lmm.base import LMM
from baselines.lmm.model import LMMRow
from baselines.lmm.server.lmm_protocol import PROTOCOL_VERSION
from bench.data.prompts import level_words
from bench.errors import ModelUnavailable
from bench.models.base import Requirements

SERVER = Path(__file__).resolve().parent / "server" / "lmm_server.py"


class ExternalModelError(RuntimeError):
    """The external model crashed, timed out, broke the protocol or failed a request."""


class ExternalModel:
    """A running model server: `start()`, `request(op, ...)`, `close()` (also a context manager)."""

    def __init__(self, python: str, backend: str, checkpoint: str, *, trust_remote_code: bool = False,
                 device: str = "cuda", dtype: str = "bfloat16", options: dict | None = None,
                 startup_timeout: float = 900.0, request_timeout: float = 300.0, setup: str = "", env=None):
        if not python:
            raise ModelUnavailable(f"{backend}: runs in its own Python environment; none given "
                                   f"(--set python=PATH). {setup}".strip())
        self.python, self.backend, self.checkpoint = str(python), backend, str(checkpoint)
        self.trust_remote_code, self.device, self.dtype = bool(trust_remote_code), device, dtype
        self.options = {str(k): str(v) for k, v in (options or {}).items()}
        self.startup_timeout, self.request_timeout = float(startup_timeout), float(request_timeout)
        self.setup, self.env = setup, env
        self.hello: dict | None = None
        self._proc = None
        self._lines: queue.Queue = queue.Queue()
        self._stderr: collections.deque = collections.deque(maxlen=40)
        self._tmp: str | None = None
        self._next_id = 0

    # -- life cycle -------------------------------------------------------------------------------------------------
    def start(self) -> dict:
        """Start the server and wait for its hello; returns it. Idempotent while the server runs."""
        if self.running:
            return self.hello
        exe = self._executable()
        if not self.trust_remote_code:
            raise ModelUnavailable(f"{self.backend}: runs its authors' code (downloaded from their repository or the "
                                   "hub); it is only run with the explicit opt-in --set trust_remote_code=true")
        cmd = [exe, "-u", str(SERVER), "--backend", self.backend, "--checkpoint", self.checkpoint, "--device",
               self.device, "--dtype", self.dtype, "--trust-remote-code"]
        cmd += [f"--option={k}={v}" for k, v in self.options.items()]
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("HF_HUB_OFFLINE", "1")  # never wait on the network for a missing file
        self._lines, self._stderr = queue.Queue(), collections.deque(maxlen=40)
        # its own process group, so that a stop also ends any worker the model's code started
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, encoding="utf-8", bufsize=1, env=env, start_new_session=True)
        threading.Thread(target=self._pump, args=(self._proc.stdout, self._lines.put, True), daemon=True).start()
        threading.Thread(target=self._pump, args=(self._proc.stderr, self._stderr.append, False), daemon=True).start()
        hello = self._receive(self.startup_timeout, "start-up (loading the model)")
        if hello.get("type") != "hello":
            self._stop()
            raise ExternalModelError(f"{self.backend}: the server's first message is not a hello: {hello}")
        if not hello.get("ok"):
            self._wait_exit()
            raise ModelUnavailable(f"{self.backend}: the external model did not load: {hello.get('error')}. "
                                   f"{self.setup}".strip())
        if hello.get("protocol") != PROTOCOL_VERSION:
            self._stop()
            raise ExternalModelError(f"{self.backend}: server speaks protocol {hello.get('protocol')}, this client "
                                     f"{PROTOCOL_VERSION}: use the lmm_server.py of this installation")
        self.hello = hello
        return hello

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self.hello is not None

    def close(self) -> None:
        """Ask the server to stop, then make sure it has; remove the temporary frames."""
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._send({"id": None, "op": "shutdown"})
                self._proc.wait(timeout=10)
            except (ExternalModelError, subprocess.TimeoutExpired):
                pass  # it died or hangs: stopped below either way
            self._stop()
        self._proc, self.hello = None, None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    # -- requests -----------------------------------------------------------------------------------------------------
    def request(self, op: str, frames: np.ndarray, **payload) -> dict:
        """Send one request with a clip and return the reply's fields; starts the server when needed."""
        self.start()
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="lmm-frames-")
        self._next_id += 1
        path = os.path.join(self._tmp, f"{self._next_id}.npy")
        np.save(path, np.ascontiguousarray(frames))
        try:
            self._send({"id": self._next_id, "op": op, "frames": path, **payload})
            reply = self._receive(self.request_timeout, op)
        finally:
            os.remove(path)
        if reply.get("id") != self._next_id:
            self._stop()
            raise ExternalModelError(f"{self.backend}: reply to request {reply.get('id')} while waiting for "
                                     f"{self._next_id}; the server was stopped")
        if not reply.get("ok"):
            raise ExternalModelError(f"{self.backend}: {op} failed in the external model: {reply.get('error')}")
        return reply

    # -- plumbing ---------------------------------------------------------------------------------------------------
    def _executable(self) -> str:
        if not _executable(self.python):
            raise ModelUnavailable(f"{self.backend}: the external Python {self.python!r} does not exist or is not "
                                   f"executable. {self.setup}".strip())
        return shutil.which(self.python) if os.sep not in self.python else self.python

    @staticmethod
    def _pump(stream, put, mark_end: bool) -> None:
        for line in stream:
            put(line.rstrip("\n"))
        if mark_end:  # None: the server closed its output (it exited)
            put(None)

    def _send(self, obj) -> None:
        try:
            self._proc.stdin.write(json.dumps(obj) + "\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._crashed("while sending a request") from None

    def _receive(self, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                self._stop()
                raise ExternalModelError(f"{self.backend}: no answer within {timeout:g} s during {what}; the server "
                                         "was stopped (the next request starts a new one)") from None
            if line is None:
                raise self._crashed(f"during {what}")
            if not line.strip():
                continue
            try:
                return json.loads(line)
            except ValueError:
                self._stop()
                raise ExternalModelError(f"{self.backend}: the server wrote a line that is not JSON during {what}: "
                                         f"{line[:200]!r}; the server was stopped") from None

    def _crashed(self, when: str) -> ExternalModelError:
        code = self._wait_exit()
        tail = "\n".join(list(self._stderr)[-15:])
        self.hello = None
        return ExternalModelError(f"{self.backend}: the external model server exited (status {code}) {when}. "
                                  f"Its last stderr lines:\n{tail}")

    def _wait_exit(self):
        try:
            return self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._stop()
            return self._proc.poll()

    def _stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self._proc.kill()
            self._proc.wait()
        self.hello = None


class ExternalLMM(LMM):
    """The questions, answered by a model behind an `ExternalModel` server (started on the first question)."""

    def __init__(self, connection: ExternalModel, **settings):
        super().__init__(**settings)
        self.connection = connection

    def identity(self) -> dict:
        hello = self.connection.start()
        return {**hello.get("model", {}), "backend": self.connection.backend, "python": self.connection.python,
                "python_version": hello.get("python"), "device": self.connection.device,
                "dtype": self.connection.dtype}

    def close(self) -> None:
        self.connection.close()

    def _level_logits(self, frames, fps, prompt, prefix):
        reply = self.connection.request("score", frames, fps=fps, prompt=prompt, answer_prefix=prefix,
                                        words=level_words())
        return np.asarray(reply["logits"], dtype=np.float64)

    def _generate(self, frames, fps, prompt, max_new_tokens) -> str:
        return self.connection.request("generate", frames, fps=fps, prompt=prompt,
                                       max_new_tokens=max_new_tokens)["text"].strip()


class ExternalRow(LMMRow):
    """A row that runs its authors' code in its own Python (`python`), behind the server of `server/`.

    Its module names the server-side adapter (`backend`, a module of `server/backends/`). Configuration
    besides the family's: `python` (that environment's interpreter), `trust_remote_code` (the explicit
    opt-in to run the authors' downloaded code; nothing starts without it), `repo` (a clone of the authors'
    repository, for adapters that import it), `options` (other adapter options, a JSON object), and the
    server's start-up and per-request time limits in seconds.
    """

    backend: str = ""
    requirements = Requirements(gpu="optional", packages=("numpy",))

    def __init__(self, python: Optional[str] = None, trust_remote_code: bool = False, repo: Optional[str] = None,
                 options: Optional[dict] = None, startup_timeout: float = 900.0, request_timeout: float = 300.0,
                 **config):
        if options is not None and not isinstance(options, dict):
            raise ValueError(f"options must be a JSON object of adapter options, got {options!r}")
        super().__init__(python=python, trust_remote_code=trust_remote_code, repo=repo, options=options,
                         startup_timeout=startup_timeout, request_timeout=request_timeout, **config)

    @classmethod
    def problems(cls, config, weights) -> list[str]:
        """Besides the weights: the model's own Python given and executable, and the opt-in given."""
        config = config or {}
        out = super().problems(config, weights)
        python = config.get("python")
        if not python:
            out.append(f"it runs its authors' code in its own Python environment, and none is given "
                       f"(--set python=PATH). Set-up: {cls.row.setup_steps()}")
        elif not _executable(python):
            out.append(f"the Python {python!r} (--set python) does not exist or is not executable. "
                       f"Set-up: {cls.row.setup_steps()}")
        if not config.get("trust_remote_code"):
            out.append("it runs its authors' downloaded code, which needs the explicit opt-in "
                       "--set trust_remote_code=true")
        return out

    def _load(self, weights, device: str, dtype: str) -> ExternalLMM:
        # the repository id (or --set weights_path folder): the server finds it in the same cache, by itself
        options = {**(self.config.get("options") or {}),
                   **({"repo": self.config["repo"]} if self.config.get("repo") else {})}
        connection = ExternalModel(self.config["python"], self.backend, self.identity()["checkpoint"],
                                   trust_remote_code=bool(self.config.get("trust_remote_code")), device=device,
                                   dtype=dtype, options=options, startup_timeout=self.config["startup_timeout"],
                                   request_timeout=self.config["request_timeout"],
                                   setup="Set-up: " + self.row.setup_steps())
        lmm = ExternalLMM(connection, **self.engine_settings)
        connection.start()  # load once per run, now: a model that cannot load is unavailable before any video
        return lmm


def _executable(python: str) -> bool:
    found = shutil.which(python) if os.sep not in python else python
    return bool(found) and os.path.isfile(found) and os.access(found, os.X_OK)
