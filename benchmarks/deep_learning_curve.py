"""SRCC against training epochs for one deep IQA/VQA model, per fold of the benchmark's 5-fold split.

For each fold, the model is trained from its clean state for each number of epochs in `--epochs` (each point
is a complete training run of that length, nothing is resumed), and scored on

- `val`: a validation part carved from the TRAINING fold (`--val-fraction` of its videos; the model is then
  trained on the rest): what the quick profile's values were chosen on;
- `test`: the test fold, after training on the whole training fold: reported, never used for a choice.

The frozen path (`freeze_backbone`, the quick profile) extracts each video's features once for all points;
`--set freeze_backbone=false` trains end to end (slow on a CPU: use few folds and small inputs).

    python benchmarks/deep_learning_curve.py --model resnet18 [--epochs 1,2,5,10,20,40] [--folds 5]
                                             [--set lr=1e-3 ...] [--no-test] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DIMS = ("quality", "authenticity")


def srcc(model, samples) -> dict:
    from scipy.stats import spearmanr

    preds = model.predict(samples)
    return {d: float(spearmanr([p.scores[d] for p in preds], [s.mos[d] for s in samples])[0]) for d in DIMS}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="resnet18")
    ap.add_argument("--profile", default="quick", choices=("quick", "paper"))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--epochs", default="1,2,5,10,20,40", help="comma-separated numbers of epochs")
    ap.add_argument("--folds", type=int, default=5, help="use the first N of the 5 folds")
    ap.add_argument("--val-fraction", type=float, default=0.2)
    ap.add_argument("--no-test", action="store_true", help="validation only (half the cost)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dataset", help="a dataset folder (default: the stand-in)")
    ap.add_argument("--json", help="write the curve here")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(args.threads)
    from bench.cli import _parse_sets, open_dataset
    from bench.data.splits import make_split
    from bench.learn.loop import split_validation
    from bench.models.base import RunContext
    from bench.models.registry import create_model, get_entry
    from bench.settings import resolve_settings, split_overrides

    setting_values, config = split_overrides(_parse_sets(args.set))
    entry = get_entry(args.model)
    base, source = resolve_settings(args.profile, family=entry.cls.family, model=args.model,
                                    model_defaults=entry.cls.default_settings, overrides=setting_values)
    base = replace(base, early_stopping=False)  # every point trains exactly its number of epochs
    ds = open_dataset(argparse.Namespace(dataset=args.dataset, no_progress=True))
    folds = make_split(ds, "kfold", 5, seed=0)["folds"][:args.folds]
    by_id = ds.by_id()
    epochs = [int(e) for e in args.epochs.split(",")]
    ctx = RunContext(profile=args.profile, settings=base, settings_source=source, progress=False, memo={})
    model = create_model(args.model, **{k: v for k, v in config.items() if k not in setting_values})
    model.setup(ctx)
    rows = {e: {"val": [], "test": [], "seconds": []} for e in epochs}
    for k, fold in enumerate(folds):
        train = [by_id[i] for i in fold["train"]]
        test = [by_id[i] for i in fold["test"]]
        inner, val = split_validation(train, args.val_fraction, seed=k)
        for e in epochs:
            model.settings = ctx.settings = replace(base, epochs=e)
            t0 = time.perf_counter()
            model.fit(inner, ctx)
            rows[e]["val"].append(srcc(model, val))
            if not args.no_test:
                model.fit(train, ctx)
                rows[e]["test"].append(srcc(model, test))
            rows[e]["seconds"].append(time.perf_counter() - t0)
        print(f"fold {k}: done", file=sys.stderr, flush=True)
    print(f"{args.model}, {args.profile} profile, {base.input_size} px, {base.frames} frames, lr {base.lr}, "
          f"freeze_backbone {base.freeze_backbone}, init {model.init}; {len(folds)} fold(s); mean SRCC over folds\n")
    print("| epochs | val SRCC quality | val SRCC authenticity | test SRCC quality | test SRCC authenticity | s/fold |")
    print("|---:|---:|---:|---:|---:|---:|")
    out = []
    for e in epochs:
        r = rows[e]
        mean = {part: {d: float(np.mean([x[d] for x in r[part]])) if r[part] else None for d in DIMS}
                for part in ("val", "test")}
        cells = [f"{mean[p][d]:.4f}" if mean[p][d] is not None else "-" for p in ("val", "test") for d in DIMS]
        print(f"| {e} | " + " | ".join(cells) + f" | {np.mean(r['seconds']):.1f} |")
        out.append({"epochs": e, **mean, "seconds_per_fold": float(np.mean(r["seconds"]))})
    print(f"\nload average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if args.json:
        Path(args.json).write_text(json.dumps({"model": args.model, "settings": base.to_dict(), "init": model.init,
                                               "folds": len(folds), "curve": out}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
