"""The external-model server: run it with the model's own Python; it speaks JSON lines on stdin/stdout.

    PYTHON lmm_server.py --backend NAME --checkpoint CKPT [--trust-remote-code] [--device cuda]
                         [--dtype bfloat16] [--option key=value ...]

NAME is a module of `backends/` (or a path to a .py file defining `Backend`). Nothing of the harness is
imported: this file, `lmm_protocol.py` and the backend module are all the server needs besides numpy and the
model's own code. Protocol (version `lmm_protocol.PROTOCOL_VERSION`), one JSON object per line:

  server -> client, once, after loading:
      {"type": "hello", "ok": true, "protocol": 1, "backend": NAME, "model": {...identity...},
       "pid": ..., "python": "3.x"}
      or {"type": "hello", "ok": false, "protocol": 1, "error": "..."} and exit status 2
  client -> server:
      {"id": N, "op": "score", "frames": "/path/clip.npy", "fps": 2.0, "prompt": "...",
       "answer_prefix": "The quality of ... is", "words": [" bad", " poor", " fair", " good", " excellent"]}
      {"id": N, "op": "generate", "frames": "/path/clip.npy", "fps": 2.0, "prompt": "...", "max_new_tokens": 32}
      {"id": N, "op": "shutdown"}
  server -> client, one reply per request:
      {"id": N, "ok": true, "logits": [5 floats], "token_ids": [5 ints]}   (score)
      {"id": N, "ok": true, "text": "..."}                                  (generate)
      {"id": N, "ok": false, "error": "..."}                                (the server stays up)

Frames travel as .npy files (uint8, (T, H, W, 3)) written by the client. The model's own code may print:
the protocol keeps its own copy of stdout and everything else printed goes to stderr.
"""
import argparse
import importlib.util
import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from lmm_protocol import PROTOCOL_VERSION, level_token_ids  # noqa: E402  (after the path is set)


def _parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backend", required=True)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--trust-remote-code", action="store_true",
                   help="allow the backend to run the model's downloaded code (its authors' repository or hub code)")
    p.add_argument("--device", default="cuda")
    p.add_argument("--dtype", default="bfloat16")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
    return p.parse_args(argv)


def _load_backend(name):
    path = name if name.endswith(".py") else os.path.join(HERE, "backends", name + ".py")
    if not os.path.isfile(path):
        known = sorted(f[:-3] for f in os.listdir(os.path.join(HERE, "backends")) if f.endswith(".py"))
        raise ValueError(f"no backend {name!r} (known: {', '.join(known)})")
    spec = importlib.util.spec_from_file_location("lmm_backend_" + os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Backend


def _frames(path):
    import numpy as np

    frames = np.load(path, allow_pickle=False)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"{path}: frames must be uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
    return frames


def _answer(backend, req):
    op = req.get("op")
    frames = _frames(req["frames"])
    if op == "score":
        logits = backend.next_token_logits(frames, float(req["fps"]), req["prompt"], req["answer_prefix"])
        ids = level_token_ids(backend.encode, req["answer_prefix"], req["words"])
        return {"logits": [float(logits[i]) for i in ids], "token_ids": ids}
    if op == "generate":
        return {"text": backend.generate(frames, float(req["fps"]), req["prompt"], int(req["max_new_tokens"]))}
    raise ValueError(f"unknown op {op!r}")


def main(argv=None):
    args = _parse(argv)
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # from here on, prints of the model's code land on stderr, not in the protocol

    def send(obj):
        channel.write(json.dumps(obj) + "\n")
        channel.flush()

    try:
        options = dict(o.split("=", 1) for o in args.option)
    except ValueError:
        send({"type": "hello", "ok": False, "protocol": PROTOCOL_VERSION,
              "error": f"--option takes KEY=VALUE, got {args.option}"})
        return 2
    try:
        backend_cls = _load_backend(args.backend)
        if getattr(backend_cls, "runs_downloaded_code", True) and not args.trust_remote_code:
            raise PermissionError(f"backend {args.backend} runs the model's downloaded code; refusing without "
                                  "--trust-remote-code (the user's explicit opt-in)")
        backend = backend_cls(args.checkpoint, args.device, args.dtype, options)
    except Exception as exc:  # noqa: BLE001 - reported to the client, which shows it to the user
        traceback.print_exc()
        send({"type": "hello", "ok": False, "protocol": PROTOCOL_VERSION, "error": f"{type(exc).__name__}: {exc}"})
        return 2
    send({"type": "hello", "ok": True, "protocol": PROTOCOL_VERSION, "backend": args.backend,
          "model": backend.identity(), "pid": os.getpid(), "python": sys.version.split()[0]})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except ValueError as exc:
            send({"id": None, "ok": False, "error": f"not a JSON request: {exc}"})
            continue
        if req.get("op") == "shutdown":
            send({"id": req.get("id"), "ok": True})
            return 0
        try:
            send({"id": req.get("id"), "ok": True, **_answer(backend, req)})
        except Exception as exc:  # noqa: BLE001 - one failing request must not end the server
            traceback.print_exc()
            send({"id": req.get("id"), "ok": False, "error": f"{type(exc).__name__}: {exc}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
