"""Training throughput and peak memory of the deep IQA and VQA families on this machine.

Each model runs in a fresh process (so that its peak resident memory is its own) on the default stand-in
(or `--dataset`), under a profile (default `quick`) and `--set` overrides, and reports:

- `build s`: building the network (random initialisation) and loading weights if present;
- frozen backbone (quick): `extract v/s`, videos per second through the frozen backbone (each video once
  per run: what `bench run` pays once per model), and `head s/fold`, training and predicting the head on
  the first fold's features (what it pays per fold);
- end to end (`--set freeze_backbone=false`, the paper's path): `train v/s`, videos per second over one epoch
  of the first fold (`--videos` of them), forward + backward + Adam;
- `run s (5 folds)`: the projected cost of the model in `bench run` (build + extraction + 5 heads, or build +
  epochs x 5 folds of training), and `peak MiB`, the process's peak resident memory;
- `cpu s`: the process's CPU time (more stable than wall time on a shared machine); the load average
  before and after is printed with the table.

    python benchmarks/deep_speed.py [--models deep_iqa,deep_vqa] [--profile quick] [--set k=v ...]
                                    [--threads N] [--videos N] [--json out.json]

The families hold the 15 backbone rows and the eight named methods; `--models named` measures only the latter
(CNNIQA, StairIQA, HyperIQA, SimpleVQA, FAST-VQA, DOVER, TCSVT-BVQA, VSFA), e.g. their end-to-end training
throughput with `--set freeze_backbone=false --videos 16`.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMED = "cnniqa,stairiqa,hyperiqa,simplevqa,fastvqa,dover,tcsvt_bvqa,vsfa"
sys.path.insert(0, str(ROOT))


def measure(name: str, profile: str, overrides: dict, dataset: str, videos: int, threads: int) -> dict:
    """One model, in this process: the numbers of the module docstring."""
    import torch

    torch.set_num_threads(threads)
    from bench.cli import open_dataset
    from bench.data.splits import make_split
    from bench.models.base import RunContext
    from bench.models.registry import create_model, get_entry
    from bench.settings import resolve_settings, split_overrides

    setting_values, config = split_overrides(overrides)
    entry = get_entry(name)
    ds = open_dataset(argparse.Namespace(dataset=dataset, no_progress=True))
    fold = make_split(ds, "kfold", 5, seed=0)["folds"][0]
    by_id = ds.by_id()
    train = [by_id[i] for i in fold["train"]][:videos]
    test = [by_id[i] for i in fold["test"]]
    settings, source = resolve_settings(profile, family=entry.cls.family, model=name,
                                        model_defaults=entry.cls.default_settings, overrides=setting_values)
    import tempfile

    out = {"model": name, "settings": settings.to_dict(), "threads": threads}
    with tempfile.TemporaryDirectory(prefix="deep-speed-") as tmp:
        ctx = RunContext(profile=profile, settings=settings, settings_source=source, progress=False,
                         work_dir=Path(tmp) / "fold", memo={})
        model = create_model(name, **{k: v for k, v in config.items() if k not in setting_values})
        for s in train + test:  # decode into the frame store first: decoding is shared, not the model's
            for spec in model.frame_specs() or []:
                s.frames(spec=spec)
        wall, cpu = time.perf_counter(), time.process_time()
        model.setup(ctx)
        out["build_s"] = round(time.perf_counter() - wall, 2)
        out["init"] = model.init
        if settings.freeze_backbone:
            t0, c0 = time.perf_counter(), time.process_time()
            model._frozen_features(train + test)
            n = len(train) + len(test)
            out["extract_videos_per_s"] = round(n / (time.perf_counter() - t0), 2)
            out["extract_cpu_s_per_video"] = round((time.process_time() - c0) / n, 3)
            t1 = time.perf_counter()
            model.fit(train, ctx)
            model.predict(test)
            out["head_s_per_fold"] = round(time.perf_counter() - t1, 2)
            per_video = 1 / out["extract_videos_per_s"]
            out["run_s_5_folds"] = round(out["build_s"] + per_video * len(ds) + 5 * out["head_s_per_fold"], 1)
        else:
            ctx.settings = settings = type(settings)(**{**settings.to_dict(), "epochs": 1})
            model.settings = settings
            t0 = time.perf_counter()
            model.fit(train, ctx)
            out["train_videos_per_s"] = round(len(train) / (time.perf_counter() - t0), 3)
            epochs = resolve_settings(profile, family=entry.cls.family, model=name,
                                      overrides=setting_values)[0].epochs
            out["run_s_5_folds"] = round(out["build_s"] + 5 * epochs * len(fold["train"]) / out["train_videos_per_s"], 1)
        out["cpu_s"] = round(time.process_time() - cpu, 1)
        out["wall_s"] = round(time.perf_counter() - wall, 1)
        out["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
        out["parameters"] = model.parameter_counts()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="deep_iqa,deep_vqa", help="names or families (as bench run --model)")
    ap.add_argument("--profile", default="quick", choices=("quick", "paper"))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="settings, as bench run --set")
    ap.add_argument("--dataset", help="a dataset folder (default: the stand-in)")
    ap.add_argument("--videos", type=int, default=10_000, help="at most this many training videos")
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure this model in this process
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from bench.cli import _parse_sets

    overrides = _parse_sets(args.set)
    if args.one:
        print("RESULT " + json.dumps(measure(args.one, args.profile, overrides, args.dataset, args.videos,
                                             args.threads)))
        return 0
    from bench.models.registry import resolve_models

    load_before = os.getloadavg()
    rows = []
    for name in resolve_models(NAMED if args.models == "named" else args.models):
        cmd = [sys.executable, __file__, "--one", name, "--profile", args.profile, "--videos", str(args.videos),
               "--threads", str(args.threads)] + [a for s in args.set for a in ("--set", s)]
        if args.dataset:
            cmd += ["--dataset", args.dataset]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        row = json.loads(line[7:]) if line else {"model": name, "error": (proc.stderr or proc.stdout)[-500:]}
        rows.append(row)
        print(_format(row), flush=True)
    print(f"load average (1 min) before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}; "
          f"{os.cpu_count()} CPUs; torch threads {args.threads}")
    total = sum(r.get("run_s_5_folds", 0) for r in rows)
    print(f"projected bench run of these {len(rows)} models, 5 folds: {total:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "load_before": load_before,
                                               "load_after": os.getloadavg()}, indent=1))
    return 0


def _format(r: dict) -> str:
    if "error" in r:
        return f"{r['model']:<12} ERROR {r['error']}"
    what = (f"extract {r['extract_videos_per_s']:>6} v/s ({r['extract_cpu_s_per_video']} cpu s/v)  "
            f"head {r['head_s_per_fold']:>5} s/fold" if "extract_videos_per_s" in r
            else f"train {r['train_videos_per_s']:>7} v/s")
    return (f"{r['model']:<12} build {r['build_s']:>5} s  {what}  run(5 folds) {r['run_s_5_folds']:>7} s  "
            f"cpu {r['cpu_s']:>6} s  peak {r['peak_mib']:>6.0f} MiB  [{r['init']}]")


if __name__ == "__main__":
    sys.exit(main())
