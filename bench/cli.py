"""The `bench` command line. Every user error ends in one line naming the file and the problem."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from bench.errors import BenchError, ConfigError

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no hub here: fail fast instead of retrying for minutes


# ---- bench list -------------------------------------------------------------------------
def cmd_list(args) -> int:
    from bench.models.registry import get_entry, list_models, load_errors

    rows = []
    for name in list_models(args.family):
        e = get_entry(name)
        ok, why = e.cls.availability(e.defaults)
        req = e.cls.requirements
        rows.append({"name": name, "family": e.cls.family, "tasks": sorted(e.cls.tasks),
                     "paper_row": e.cls.paper_row, "trainable": _trainable(e), "gpu": req.gpu,
                     "weights": req.weights, "defaults": e.defaults, "source": e.source, "available": ok,
                     "reason": why})
    if args.json:
        print(json.dumps({"models": rows, "load_errors": load_errors()}, indent=1))
        return 0
    if not rows:
        print("no models registered" + (f" in family {args.family!r}" if args.family else ""))
    width = max([len(r["name"]) for r in rows] + [4])
    for fam in sorted({r["family"] for r in rows}, key=_family_rank):
        print(f"\n{fam}")
        for r in (r for r in rows if r["family"] == fam):
            state = "ready" if r["available"] else f"cannot run here: {r['reason']}"
            extra = [",".join(r["tasks"]), "trains" if r["trainable"] else "training-free"]
            if r["defaults"]:
                extra.append(" ".join(f"{k}={v}" for k, v in r["defaults"].items()))
            if r["gpu"] != "no":
                extra.append(f"gpu {r['gpu']}")
            if r["source"] != "builtin":
                extra.append(r["source"])
            print(f"  {r['name']:<{width}}  {str(r['paper_row'] or '-'):<18} {'; '.join(extra):<56} {state}")
    for mod, err in load_errors().items():
        print(f"\nwarning: {mod} failed to load: {err}", file=sys.stderr)
    return 0


def _trainable(entry) -> bool:
    t = entry.cls.__dict__.get("trainable", None)
    if isinstance(t, bool):
        return t
    try:
        return bool(entry.cls(**entry.defaults).trainable)
    except Exception:  # noqa: BLE001 - listing must not fail on a model's constructor
        return bool(getattr(entry.cls, "trainable", False))


def _family_rank(f: str) -> int:
    from bench.models.base import FAMILIES

    return FAMILIES.index(f) if f in FAMILIES else len(FAMILIES)


# ---- bench data ... ---------------------------------------------------------------------
def cmd_data_check(args) -> int:
    from bench.data.dataset import check_dataset, load_dataset

    problems = check_dataset(args.path, decode=not args.no_decode)
    ds = load_dataset(args.path)
    if problems:
        for p in problems[: args.max_problems]:
            print(p)
        more = len(problems) - args.max_problems
        if more > 0:
            print(f"... and {more} more")
        print(f"{ds.root}: {len(problems)} problem(s) in {len(ds)} samples", file=sys.stderr)
        return 1
    print(f"{ds.root}: {ds.label}, {len(ds)} samples, no problems")
    return 0


def cmd_data_import(args) -> int:
    from bench.data.official import import_official

    root = Path(args.root or "data/gen3dhf")
    report = import_official(args.labels, root, name=args.name)
    print("\n".join(report.lines()))
    return 0


def cmd_data_split(args) -> int:
    from bench.data.dataset import load_dataset
    from bench.data.splits import make_split, save_split, split_hash

    ds = load_dataset(args.path)
    split = make_split(ds, args.kind, args.folds, args.seed, args.group_by)
    out = Path(args.out or Path(ds.root) / "splits" / f"{split['name']}.json")
    save_split(split, out)
    print(f"{out}: {split['name']}, {len(split['folds'])} fold(s), sha256 {split_hash(split)[:16]}")
    return 0


# ---- bench predict ----------------------------------------------------------------------
def cmd_predict(args) -> int:
    import numpy as np

    from bench.data.sample import Sample
    from bench.models.registry import create_model
    from bench.runner import invalid_reason

    model = create_model(args.model, **_parse_sets(args.set))
    ok, why = type(model).availability(model.config)
    if not ok:
        raise ConfigError(f"model {args.model!r} cannot run here: {why}")
    if model.trainable:
        if not args.checkpoint:
            raise ConfigError(f"model {args.model!r} learns from a training set: pass --checkpoint with a "
                              "fold's fitted model that `bench run --save-models` saved "
                              "(<run>/<model>/fold-K.model.joblib)")
        model.load_checkpoint(args.checkpoint)
    out_dir = Path(args.out) if args.out else None
    status = 0
    for path in args.paths:
        try:
            sample = Sample.from_file(path)
            pred = model.predict([sample])[0]
            why = invalid_reason(pred, model)
            if why:
                raise BenchError(why)
        except Exception as exc:  # noqa: BLE001 - one bad file does not stop the others
            status = 1
            msg = str(exc) if isinstance(exc, BenchError) else f"{type(exc).__name__}: {exc}"
            print(json.dumps({"file": str(path), "error": msg}) if args.json else f"{path}: error: {msg}")
            continue
        row = {"file": str(path), "model": model.name}
        row.update({k: float(v) for k, v in pred.scores.items()})
        if len(set(pred.scores.values())) == 1 and pred.scores:
            row = {"file": str(path), "model": model.name, "score": float(next(iter(pred.scores.values())))}
        row["higher_is_better"] = model.higher_is_better
        if pred.levels:
            row["levels"] = pred.levels
        if pred.distortions is not None:
            row["distortions"] = list(pred.distortions)
        if pred.text:
            row["text"] = pred.text
        if pred.saliency is not None:
            m = np.asarray(pred.saliency, dtype=np.float64)
            if out_dir is None:
                row["saliency"] = f"{m.shape[1]}x{m.shape[0]} map (pass --out DIR to save it)"
            else:
                from bench.data.saliency_maps import write_saliency_map

                out_dir.mkdir(parents=True, exist_ok=True)
                target = out_dir / f"{Path(path).stem}.{model.name}.png"
                rng = m.max() - m.min()
                write_saliency_map(target, (m - m.min()) / rng if rng > 0 else m * 0)
                row["saliency"] = str(target)
        print(json.dumps(row) if args.json else "  ".join(f"{k}={v}" for k, v in row.items()))
    return status


def _parse_sets(items) -> dict:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise ConfigError(f"--set takes key=value, got {item!r}")
        key, raw = item.split("=", 1)
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out


# ---- bench run --------------------------------------------------------------------------
def cmd_run(args) -> int:
    from bench.data.dataset import load_dataset
    from bench.data.splits import load_split, make_split
    from bench.data.video import FrameCache
    from bench.models.registry import names_models_only, resolve_models
    from bench.profiles import default_profile, profile_settings
    from bench.runner import RunConfig, run_benchmark
    from bench.summary import print_summary

    device = _resolve_device(args.device)
    profile = args.profile or default_profile(device)
    settings = profile_settings(profile)
    models = resolve_models(args.model)
    if not models:
        raise ConfigError(f"--model {args.model!r} selects no registered model (`bench list` shows them)")
    cache = FrameCache(max_bytes=int(args.cache_gb * 1024**3))
    if args.dataset:
        dataset = load_dataset(args.dataset, cache=cache)
    else:
        from bench.synth.default import ensure_default_dataset

        dataset = load_dataset(ensure_default_dataset(progress=not args.no_progress), cache=cache)
    folds = args.folds or settings["folds"]
    if args.split in ("official", "kfold"):
        split = make_split(dataset, args.split, folds, args.seed, args.group_by)
    else:
        split = load_split(Path(args.split))
    out = Path(args.out) if args.out else Path("results/runs") / _slug(dataset.label) / f"{split['name']}-{profile}"
    cfg = RunConfig(out_dir=out, profile=profile, settings=settings, device=device, seed=args.seed,
                    model_config=_parse_sets(args.set), save_maps=not args.no_maps, save_models=args.save_models,
                    progress=not args.no_progress)
    print(f"dataset {dataset.label} ({len(dataset)} samples) | split {split['name']} ({len(split['folds'])} "
          f"fold(s)) | profile {profile} | device {device} | {len(models)} model(s) | results -> {out}")
    explicit = names_models_only(args.model)
    outcomes = run_benchmark(dataset, split, models, cfg, explicit=explicit)
    return print_summary(outcomes, cache, out, strict_unavailable=explicit)


def _resolve_device(device: str) -> str:
    if device != "auto":
        if device == "cuda":
            from bench.models.base import _cuda_available

            if not _cuda_available():
                raise ConfigError("--device cuda: no CUDA GPU is visible here (torch missing or no device)")
        return device
    from bench.models.base import _cuda_available

    return "cuda" if _cuda_available() else "cpu"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


# ---- parser -----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    q = sub.add_parser("list", help="every registered model, what it does, and whether it can run here")
    q.add_argument("--family")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)

    data = sub.add_parser("data", help="datasets: check, import the official labels, synthesise, figures")
    dsub = data.add_subparsers(dest="data_command", required=True)
    q = dsub.add_parser("check", help="validate a dataset folder and list every problem with its file")
    q.add_argument("path")
    q.add_argument("--no-decode", action="store_true", help="do not decode videos (faster)")
    q.add_argument("--max-problems", type=int, default=200)
    q.set_defaults(func=cmd_data_check)
    q = dsub.add_parser("import-official", help="import the authors' label files (and release folders)")
    q.add_argument("--labels", required=True, help="folder with numerical/ and text/")
    q.add_argument("--root", help="dataset folder (release folders video_RGB/, image/, saliency_map/ "
                                  "looked for here; manifest written here). Default data/gen3dhf")
    q.add_argument("--name", default="Gen3DHF")
    q.set_defaults(func=cmd_data_import)
    q = dsub.add_parser("split", help="write a split file (official or seeded k-fold)")
    q.add_argument("path")
    q.add_argument("--kind", choices=("official", "kfold"), default="kfold")
    q.add_argument("--folds", type=int, default=5)
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--group-by", choices=("group", "generator"))
    q.add_argument("--out")
    q.set_defaults(func=cmd_data_split)
    _optional_command(dsub, "synth", "bench.synth.cli", "add_synth_arguments", "run_synth",
                      "render the synthetic Gen3DHF stand-in")
    _optional_command(dsub, "figures", "bench.figures", "add_figures_arguments", "run_figures",
                      "draw the paper's dataset figures for a dataset")
    _optional_command(dsub, "study", "bench.study.cli", "add_study_arguments", "run_study",
                      "a subjective study's raw ratings and annotations -> MOS, levels, saliency maps, manifest")

    q = sub.add_parser("predict", help="run one model on video or image files, no dataset needed")
    q.add_argument("--model", required=True)
    q.add_argument("paths", nargs="+")
    q.add_argument("--json", action="store_true", help="one JSON line per file")
    q.add_argument("--out", help="folder for saliency maps")
    q.add_argument("--checkpoint", help="a fitted model saved by `bench run --save-models` (<run>/<model>/fold-K.model.joblib), "
                                        "for models that train; only load files you made yourself")
    q.add_argument("--set", action="append", metavar="KEY=VALUE", help="model config override")
    q.set_defaults(func=cmd_predict)

    q = sub.add_parser("run", help="benchmark models over a dataset's folds")
    q.add_argument("--model", default="all", help="all | a family | name[,name...]")
    q.add_argument("--dataset", help="dataset folder (default: the embedded synthetic stand-in)")
    q.add_argument("--split", default="kfold", help="official | kfold | a split file")
    q.add_argument("--folds", type=int, help="k for kfold (default: the profile's, 5)")
    q.add_argument("--group-by", choices=("group", "generator"), help="grouped k-fold")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    q.add_argument("--profile", choices=("quick", "paper"), help="default: paper with a GPU, else quick")
    q.add_argument("--out", help="results folder (default results/runs/<dataset>/<split>-<profile>)")
    q.add_argument("--set", action="append", metavar="KEY=VALUE", help="config override for models accepting it")
    q.add_argument("--cache-gb", type=float, default=2.0, help="frame cache memory cap (GiB)")
    q.add_argument("--no-maps", action="store_true", help="do not save predicted saliency maps")
    q.add_argument("--save-models", action="store_true",
                   help="save each fold's fitted model (trainable models) for `bench predict --checkpoint`")
    q.add_argument("--no-progress", action="store_true")
    q.set_defaults(func=cmd_run)

    _optional_command(sub, "tables", "bench.tables.cli", "add_tables_arguments", "run_tables",
                      "make the paper's tables from results (or from the paper's published numbers)")
    _optional_command(sub, "compare", "bench.tables.cli", "add_compare_arguments", "run_compare",
                      "a run's rows beside the paper's")
    _optional_command(sub, "plots", "bench.plots", "add_plots_arguments", "run_plots",
                      "a run's results as pictures: SRCC bars, prediction-vs-MOS scatters, saliency bars")
    _optional_command(sub, "leaderboard", "bench.leaderboard.cli", "add_leaderboard_arguments", "run_leaderboard",
                      "verified submissions ranked with confidence intervals: init, pack, add, build")
    return p


def _optional_command(sub, name, module, add_fn, run_fn, help_text):
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return  # that part of the harness is not installed
        raise
    q = sub.add_parser(name, help=help_text)
    getattr(mod, add_fn)(q)
    q.set_defaults(func=getattr(mod, run_fn))


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # unwritable results folder, full disk, ...: the message names the file
        print(f"bench: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; finished results are kept, rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
