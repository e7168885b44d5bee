"""Speed (and values) of the handcrafted IQA family beside public implementations.

Times every registered model of family `handcrafted_iqa` on the same 512x512 frames:

- `seq ms/frame`: one frame at a time in this process (`frame_score`, or `frame_features` for a
  model without a training-free score, e.g. HOSA);
- `video ms/frame`: the frames as one video through the model's `video_score` /
  `video_features`, with `n_jobs` workers (default 2: both cores).

A model whose native score needs parameters that are not installed is timed in svr mode
(its features), and says so in the `mode` column.

Beside ours, the public implementations that run here, in a separate virtualenv
(`--compare-python`, or $BENCH_COMPARE_PYTHON, default .venv-compare/bin/python; pyiqa pulls torch;
make it with `python3 -m venv .venv-compare && .venv-compare/bin/pip install pyiqa==0.1.16 brisque==0.2.0
scikit-video==1.1.11`):
pyiqa 0.1.16 `brisque` and `niqe` (given the same published parameters as ours, converted into
the files pyiqa expects, since pyiqa would otherwise download them), the `brisque` 0.2.0 package
(its own retrained model), and scikit-video 1.1.11's `niqe` (reported as not runnable if it
fails). Values are printed side by side on the same frames: natural-like synthetic frames
(dead leaves + 1/f texture), clean, blurred, noisy and JPEG-compressed.

    python benchmarks/handcrafted_speed.py [--frames 8] [--size 512] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def synthetic_frames(n: int, size: int, seed: int = 0) -> np.ndarray:
    """n uint8 RGB frames: dead leaves with a 1/f texture, cycling clean / blur / noise / JPEG."""
    import cv2

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        img = np.full((size, size, 3), 128, np.uint8)
        m = 4 * size * size // 256
        radii = (4 * (1 - rng.random(m)) ** -0.5).clip(2, size / 3).astype(int)
        for r, x, y, c in zip(radii, rng.integers(0, size, m), rng.integers(0, size, m), rng.integers(20, 236, (m, 3))):
            cv2.circle(img, (int(x), int(y)), int(r), tuple(int(v) for v in c), -1, lineType=cv2.LINE_AA)
        f = np.fft.fftfreq(size)
        rad = np.hypot(f[:, None], f[None, :])
        rad[0, 0] = 1
        tex = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(size, size))) / rad))
        img = np.clip(cv2.GaussianBlur(img, (0, 0), 0.6) + 12 * tex[..., None] / tex.std(), 0, 255).astype(np.uint8)
        kind = i % 4
        if kind == 1:
            img = cv2.GaussianBlur(img, (0, 0), 2.0)
        elif kind == 2:
            img = np.clip(img + rng.normal(0, 20, img.shape), 0, 255).astype(np.uint8)
        elif kind == 3:
            img = cv2.imdecode(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 15])[1], cv2.IMREAD_COLOR)
        out.append(img)
    return np.stack(out)


def best_ms(fn, repeats: int) -> float:
    """Fastest of `repeats` runs, in ms: the machine is shared, the minimum is the least disturbed."""
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return 1000 * best


def time_ours(frames: np.ndarray, n_jobs: int, repeats: int = 3) -> list[dict]:
    from bench.data.sample import Sample
    from bench.models.registry import create_model, get_entry, list_models

    import importlib
    import pkgutil

    import baselines.handcrafted_iqa as family

    for mod in pkgutil.iter_modules(family.__path__):  # in case the package does not import them all
        if not mod.name.startswith("_") and mod.name not in ("base", "train_codebooks"):
            importlib.import_module(f"{family.__name__}.{mod.name}")
    rows = []
    for name in list_models("handcrafted_iqa"):
        row = {"impl": "ours", "model": name}
        try:
            cls = get_entry(name).cls
            model = create_model(name, n_jobs=n_jobs)
            ok, why = cls.availability(model.config)
            if not ok and model.mode == "native":  # no published regressor here: time its features
                model = create_model(name, n_jobs=n_jobs, mode="svr")
                ok, why = cls.availability(model.config)
            if not ok:
                raise RuntimeError(why)
            native = model.mode == "native"
            fn = model.frame_score if native else model.frame_features
            fn(frames[0])  # warm caches (model files, resize matrices)
            vals = [fn(f) for f in frames]
            row["seq_ms"] = best_ms(lambda: [fn(f) for f in frames], repeats) / len(frames)
            model.sample_frames = lambda s, _f=frames: _f
            video = model.video_score if native else model.video_features
            video(Sample(id="bench"))  # start the worker pool
            row["video_ms"] = best_ms(lambda: video(Sample(id="bench")), repeats) / len(frames)
            row["mode"] = model.mode
            row["values"] = [float(v) for v in vals] if native else None
        except Exception as exc:  # noqa: BLE001 - a benchmark row, not a crash
            row["error"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    return rows


COMPARE_SCRIPT = r'''
import json, sys, time, numpy as np
frames = np.load(sys.argv[1]); brisque_pth, niqe_mat = sys.argv[2], sys.argv[3]; REPEATS = int(sys.argv[4])
out = []
def run(name, make, call, batch=False):
    row = {"impl": name}
    try:
        obj = make()
        call(obj, frames[:1])
        best = float("inf")
        for _ in range(REPEATS):
            t = time.perf_counter()
            vals = call(obj, frames) if batch else [v for f in frames for v in call(obj, f[None])]
            best = min(best, time.perf_counter() - t)
        row["seq_ms"] = 1000 * best / len(frames)
        row["values"] = [float(v) for v in vals]
    except Exception as exc:
        row["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    out.append(row)
try:
    import torch
    torch.set_num_threads(2)
    import pyiqa
    def tens(x): return torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2).float() / 255
    def pyiqa_call(m, x):
        with torch.no_grad():
            return m(tens(x)).reshape(-1).tolist()
    run("pyiqa brisque", lambda: pyiqa.create_metric("brisque", device="cpu", pretrained_model_path=brisque_pth),
        pyiqa_call)
    run("pyiqa niqe", lambda: pyiqa.create_metric("niqe", device="cpu", pretrained_model_path=niqe_mat), pyiqa_call)
except Exception as exc:
    out.append({"impl": "pyiqa", "error": f"{type(exc).__name__}: {exc}"})
def pkg_brisque():
    from brisque import BRISQUE
    return BRISQUE(url=False)
run("brisque 0.2.0", pkg_brisque, lambda m, x: [m.score(f) for f in x])
def skv():
    import skvideo.measure
    return skvideo.measure
run("scikit-video niqe", skv, lambda m, x: list(m.niqe(np.stack([np.asarray(f @ [0.299, 0.587, 0.114]) for f in x]))))
print(json.dumps(out))
'''


def published_params_for_pyiqa(tmp: Path) -> tuple[Path, Path]:
    """Our published BRISQUE SVR and NIQE pristine model, in the file formats pyiqa loads."""
    import scipy.io

    from baselines.handcrafted_iqa.brisque import load_release
    from baselines.handcrafted_iqa.niqe import load_pristine_model

    mu, cov = load_pristine_model()
    niqe_mat = tmp / "niqe_modelparameters.mat"
    scipy.io.savemat(niqe_mat, {"mu_prisparam": mu[None], "cov_prisparam": cov})
    model, _ = load_release()
    pth = tmp / "brisque_svm_weights.npz"  # converted to a torch file inside the compare venv
    np.savez(pth, coef=model.coef[0], sv=model.sv)
    return pth, niqe_mat


def time_compare(frames: np.ndarray, python: str, repeats: int = 3) -> list[dict]:
    if not Path(python).exists():
        return [{"impl": "comparison venv", "error": f"{python} not found (see the module docstring)"}]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        np.save(tmp / "frames.npy", frames)
        npz, niqe_mat = published_params_for_pyiqa(tmp)
        pth = tmp / "brisque_svm_weights.pth"
        conv = ("import numpy as np, torch; z = np.load(%r); "
                "torch.save((torch.from_numpy(z['coef']), torch.from_numpy(z['sv'])), %r)") % (str(npz), str(pth))
        subprocess.run([python, "-c", conv], check=True)
        env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="2")
        res = subprocess.run([python, "-c", COMPARE_SCRIPT, str(tmp / "frames.npy"), str(pth), str(niqe_mat),
                              str(repeats)],
                             capture_output=True, text=True, env=env, timeout=1800)
        if res.returncode != 0:
            return [{"impl": "comparison venv", "error": res.stderr.strip().splitlines()[-1:]}]
        return json.loads(res.stdout.strip().splitlines()[-1])


def report(rows: list[dict], frames: np.ndarray) -> str:
    h, w = frames.shape[1:3]
    load = os.getloadavg()[0]
    lines = [f"{len(frames)} frames of {w}x{h} (clean, blur, noise, JPEG, repeated); {os.cpu_count()} CPUs, "
             f"load average {load:.1f} at the end; times = fastest of the repeats", "",
             f"{'implementation':28s} {'mode':7s} {'seq ms/frame':>13s} {'video ms/frame':>15s}  "
             "values (first 4 frames) / error"]
    for r in rows:
        name = f"{r['impl']} {r.get('model', '')}".strip()
        vals = r.get("values")
        tail = r["error"] if "error" in r else (" ".join(f"{v:8.3f}" for v in vals[:4]) if vals else "(features)")
        seq = f"{r['seq_ms']:13.1f}" if "seq_ms" in r else f"{'-':>13s}"
        vid = f"{r['video_ms']:15.1f}" if "video_ms" in r else f"{'-':>15s}"
        lines.append(f"{name:28s} {r.get('mode', ''):7s} {seq} {vid}  {tail}")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3, help="timings are the fastest of this many runs")
    ap.add_argument("--compare-python", default=os.environ.get("BENCH_COMPARE_PYTHON", ".venv-compare/bin/python"),
                    help="python of a venv with pyiqa, brisque, scikit-video (env BENCH_COMPARE_PYTHON; "
                         "default .venv-compare/bin/python)")
    ap.add_argument("--no-compare", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    frames = synthetic_frames(args.frames, args.size)
    rows = time_ours(frames, args.n_jobs, args.repeats)
    if not args.no_compare:
        rows += time_compare(frames, args.compare_python, args.repeats)
    print(report(rows, frames))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
