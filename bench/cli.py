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
    from bench.models.registry import get_entry, list_models, load_errors, load_plugins

    load_plugins(args.plugins)
    profile = args.profile or _default_profile()
    rows = [model_row(name, profile, with_parameters=args.json) for name in list_models(args.family)]
    if args.json:
        print(json.dumps({"profile": profile, "models": rows, "load_errors": load_errors()}, indent=1, default=str))
        return 0
    if not rows:
        print("no models registered" + (f" in family {args.family!r}" if args.family else ""))
    width = max([len(r["name"]) for r in rows] + [4])
    print(f"(availability under the {profile} profile; --profile paper|quick to see the other)")
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
            if r.get("note"):
                extra.append(r["note"])
            print(f"  {r['name']:<{width}}  {str(r['paper_row'] or '-'):<18} {'; '.join(extra):<56} {state}")
    for mod, err in load_errors().items():
        print(f"\nwarning: {mod} failed to load: {err}", file=sys.stderr)
    return 0


def model_row(name: str, profile: str, with_parameters: bool = False) -> dict:
    """What `bench list` says of one model: family, tasks, paper row, needs, availability, weights, card."""
    from bench.models.registry import create_model, get_entry
    from bench.runner import model_availability
    from bench.settings import resolve_settings
    from bench.weights import resolve_all

    e = get_entry(name)
    req = e.cls.requirements
    settings, _ = resolve_settings(profile, family=e.cls.family, model=name, model_defaults=e.cls.default_settings)
    try:
        ok, why = model_availability(e.cls, e.defaults, settings)
    except Exception as exc:  # noqa: BLE001 - listing must not fail on one model
        ok, why = False, f"{type(exc).__name__}: {exc}"
    row = {"name": name, "family": e.cls.family, "tasks": sorted(e.cls.tasks), "paper_row": e.paper_row,
           "trainable": e.cls.is_trainable(e.defaults), "gpu": req.gpu, "weights": req.weights,
           "defaults": e.defaults, "source": e.source, "available": ok, "reason": why,
           "note": getattr(e.cls, "list_note", None)}
    specs = e.cls.weight_specs(e.defaults)
    if specs:
        row["pretrained"] = [w.record() for w in resolve_all(specs, e.defaults)]
    if e.cls.uses_settings:
        row["settings"] = settings.to_dict()
    if with_parameters and hasattr(e.cls, "parameter_counts"):
        try:
            model = create_model(name)
            model.settings = settings
            row["parameters"] = model.parameter_counts()
        except Exception as exc:  # noqa: BLE001
            row["parameters"] = f"unknown ({type(exc).__name__}: {exc})"
    return row


def _default_profile() -> str:
    from bench.models.base import cuda_available
    from bench.settings import default_profile

    return default_profile("cuda" if cuda_available() else "cpu")


def _family_rank(f: str) -> int:
    from bench.models.families import FAMILIES

    return FAMILIES.index(f) if f in FAMILIES else len(FAMILIES)


# ---- bench weights ----------------------------------------------------------------------
def cmd_weights(args) -> int:
    """For every learned model: the pretrained weights it loads, whether they are here, how to get them."""
    from bench.models.registry import get_entry, load_plugins, resolve_models
    from bench.weights import hf_hub_cache, resolve_all, torch_home

    load_plugins(args.plugins)
    names = resolve_models(args.model)
    rows = []
    for name in names:
        e = get_entry(name)
        for w in resolve_all(e.cls.weight_specs(e.defaults), e.defaults):
            rows.append({"model": name, **w.record()})
    if args.json:
        print(json.dumps({"torch_home": str(torch_home()), "hf_hub_cache": str(hf_hub_cache()), "weights": rows},
                         indent=1))
        return 0
    print(f"TORCH_HOME cache: {torch_home() / 'hub' / 'checkpoints'}\nHugging Face cache: {hf_hub_cache()}")
    if not rows:
        print("no selected model loads pretrained weights")
    missing = 0
    for r in rows:
        if r["present"]:
            rev = f" @ {r['revision'][:12]}" if r.get("revision") else ""
            print(f"  {r['model']:<22} {r['key']:<10} {r['id']}{rev}: present ({r['found_in']}: {r['path']})")
        else:
            missing += 1
            print(f"  {r['model']:<22} {r['key']:<10} {r['id']}: MISSING (looked in {r['looked_in']})\n"
                  f"  {'':<22} {'':<10} fetch: {r['fetch']}")
    print(f"{len(rows) - missing} present, {missing} missing")
    return 0


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
    from bench.data.import_official import import_official

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
    from bench.models.base import RunContext
    from bench.models.registry import create_model, load_plugins
    from bench.runner import invalid_reason, model_availability, predict_isolated
    from bench.settings import resolve_settings, split_overrides

    load_plugins(args.plugins)
    sets = _parse_sets(args.set)
    settings_over, config_over = split_overrides(sets)
    model = create_model(args.model, **config_over)
    trained = None
    if args.checkpoint:
        from bench.models.checkpoint import read_checkpoint_doc

        if not (Path(args.checkpoint).is_file() and args.trust_checkpoint):
            trained = read_checkpoint_doc(args.checkpoint)
    device = _resolve_device(args.device)
    profile = args.profile or (trained or {}).get("profile") or _default_profile()
    settings, source = resolve_settings(profile, family=model.family, model=model.name,
                                        model_defaults=type(model).default_settings, overrides=settings_over)
    if trained and trained.get("settings"):
        settings = _checkpoint_settings(trained["settings"], settings_over, args.checkpoint)
        source = dict.fromkeys(trained["settings"], f"checkpoint {args.checkpoint}")
    ok, why = model_availability(type(model), model.config, settings)
    if not ok:
        raise ConfigError(f"model {args.model!r} cannot run here: {why}")
    if type(model).is_trainable(model.config) and not args.checkpoint:
        raise ConfigError(f"model {args.model!r} learns from a training set: pass --checkpoint with a fold's "
                          "fitted model that `bench run --save-models` saved (<run>/<model>/fold-K.model)")
    model.setup(RunContext(profile=profile, device=device, settings=settings, settings_source=source,
                           progress=False))
    if args.checkpoint:
        model.load_checkpoint(args.checkpoint, trust=args.trust_checkpoint)
    out_dir = Path(args.out) if args.out else None
    status = 0
    samples, errors = [], {}
    for path in args.paths:
        try:
            samples.append(Sample.from_file(path))
        except BenchError as exc:
            errors[str(path)] = str(exc)
    preds, failures, _ = predict_isolated(model, samples, workers=0)
    for path in args.paths:
        sample = next((s for s in samples if str(path) in (str(s.video), str(s.image)) or
                       Path(path).resolve() in (s.video, s.image)), None)
        pred = None if sample is None else preds[samples.index(sample)]
        msg = errors.get(str(path)) or (failures.get(sample.id) if sample else None)
        if pred is None:
            status = 1
            msg = msg or "no prediction"
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
    model.teardown()
    return status


# Settings that may differ from training without changing what a checkpoint means.
_HARMLESS_SETTINGS = ("workers", "batch_size", "precision")


def _checkpoint_settings(trained: dict, overrides: dict, where) :
    from bench.settings import Settings

    clash = [k for k, v in overrides.items() if k not in _HARMLESS_SETTINGS and trained.get(k) != v]
    if clash:
        raise ConfigError(f"{where}: trained with " + ", ".join(f"{k}={trained.get(k)!r}" for k in clash)
                          + "; --set cannot change that for a trained checkpoint")
    return Settings(**{**trained, **{k: v for k, v in overrides.items() if k in _HARMLESS_SETTINGS}})


def _parse_sets(items) -> dict:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise ConfigError(f"--set takes key=value, got {item!r}")
        key, raw = item.split("=", 1)
        if not key.strip():
            raise ConfigError(f"--set {item!r}: empty key")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out


def check_config_overrides(models, overrides: dict, settings_overrides: dict) -> None:
    """Every `--set` key must reach a selected model (as a setting of a learned model, or a keyword its
    `__init__` takes, with a value of the parameter's type), and every selected model must accept its
    values (constructed here, before any work)."""
    from bench.models.registry import create_model, get_entry
    from bench.runner import accepted_config, init_parameters
    from bench.settings import SETTING_NAMES

    learned = any(get_entry(m).cls.uses_settings for m in models)
    for key, value in overrides.items():
        takers = [m for m in models if key in init_parameters(get_entry(m).cls)]
        if not takers and not (key in settings_overrides and learned):
            what = ("a training setting, but no selected model is a learned one that reads it"
                    if key in settings_overrides else f"no selected model accepts {key!r} (settings of learned "
                    f"models: {', '.join(SETTING_NAMES)}; `bench list` shows each model's defaults)")
            raise ConfigError(f"--set {key}={value!r}: {what}")
        for m in takers:
            default = init_parameters(get_entry(m).cls)[key].default
            if not _same_kind(default, value):
                raise ConfigError(f"--set {key}={value!r}: {m} expects {type(default).__name__} "
                                  f"(default {default!r})")
    for m in models:
        try:
            create_model(m, **accepted_config(get_entry(m).cls, overrides))
        except ConfigError as exc:
            raise ConfigError(f"--set: {exc}") from None


def _same_kind(default, value) -> bool:
    import inspect

    if default is inspect.Parameter.empty or default is None or value is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    return True


# ---- bench run --------------------------------------------------------------------------
def cmd_run(args) -> int:
    from bench.data.splits import check_split, load_split, make_split
    from bench.models.registry import load_plugins, names_models_only, resolve_models
    from bench.runner import RunConfig, run_benchmark
    from bench.settings import default_profile, get_profile, split_overrides
    from bench.summary import print_summary

    load_plugins(args.plugins)
    executor = make_executor(args)
    device = None if executor else _resolve_device(args.device)
    models = resolve_models(args.model)
    if not models:
        raise ConfigError(f"--model {args.model!r} selects no registered model (`bench list` shows them)")
    settings_over, config_over = split_overrides(_parse_sets(args.set))
    check_config_overrides(models, config_over, settings_over)
    if args.folds is not None and args.folds < 2:
        raise ConfigError(f"--folds {args.folds}: k-fold needs at least 2 folds")
    if args.workers is not None and args.workers < 0:
        raise ConfigError(f"--workers {args.workers}: must be >= 0")
    dataset = open_dataset(args)
    validate_dataset(dataset)
    if executor:  # the cluster's GPUs decide, not this machine's
        device = executor.resolve_device(args.device)
    profile = args.profile or default_profile(device)
    folds = args.folds or get_profile(profile).folds
    if args.split in ("official", "kfold"):
        split = make_split(dataset, args.split, folds, args.seed, args.group_by)
    else:
        split = load_split(Path(args.split))
        check_split(split, dataset, Path(args.split))
    out = Path(args.out) if args.out else Path("results/runs") / _slug(dataset.label) / f"{split['name']}-{profile}"
    cfg = RunConfig(out_dir=out, profile=profile, device=device, seed=args.seed, model_config=config_over,
                    settings_overrides=settings_over, save_maps=not args.no_maps, save_models=args.save_models,
                    progress=not args.no_progress, workers=args.workers)
    print(f"dataset {dataset.label} ({len(dataset)} samples) | split {split['name']} ({len(split['folds'])} "
          f"fold(s)) | profile {profile} | device {device} | {len(models)} model(s) | results -> {out}"
          + (f" | Ray executor ({args.address or 'a local instance'})" if executor else ""))
    explicit = names_models_only(args.model)
    decodes_before = dataset.store.decode_count()
    outcomes = run_benchmark(dataset, split, models, cfg, explicit=explicit, executor=executor)
    return print_summary(outcomes, dataset.store, decodes_before, out, strict_unavailable=explicit)


def make_executor(args):
    """None for the local executor (the default), else the Ray executor (it joins its cluster when first used)."""
    if args.executor == "local":
        given = [opt for opt, v in (("--address", args.address), ("--task-cpus", args.task_cpus),
                                    ("--task-retries", args.task_retries)) if v is not None]
        if given:
            raise ConfigError(f"{given[0]}: only with --executor ray")
        return None
    from bench.executors import RayExecutor

    options = {k: v for k, v in (("task_cpus", args.task_cpus), ("max_retries", args.task_retries)) if v is not None}
    return RayExecutor(address=args.address, **options)


def _resolve_device(device: str) -> str:
    from bench.models.base import cuda_available

    if device == "cuda" and not cuda_available():
        raise ConfigError("--device cuda: no CUDA GPU is visible here (torch missing or no device)")
    if device != "auto":
        return device
    return "cuda" if cuda_available() else "cpu"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def open_dataset(args):
    """The dataset of `--dataset` (default: the embedded stand-in), with its frame store."""
    from bench.data.dataset import load_dataset
    from bench.data.frame_store import FrameStore, default_store_base

    if args.dataset:
        root = Path(args.dataset)
    else:
        from bench.synth.default import ensure_default_dataset

        root = ensure_default_dataset(progress=not getattr(args, "no_progress", False))
    if getattr(args, "frame_store_gb", None) is not None and args.frame_store_gb <= 0:
        raise ConfigError(f"--frame-store-gb {args.frame_store_gb}: must be > 0")
    cap = int(args.frame_store_gb * 1024**3) if getattr(args, "frame_store_gb", None) else None
    base = Path(args.frame_store) if getattr(args, "frame_store", None) else default_store_base()
    store = FrameStore.for_dataset(base, root.expanduser().resolve(), cap)
    return load_dataset(root, store=store, allow_external=getattr(args, "allow_external_media", False))


def validate_dataset(dataset) -> None:
    """`bench data check`'s rules (without decoding videos); any problem stops the run before work starts.
    A dataset found valid is remembered by its content hash, so the next run skips the check."""
    from bench.data.dataset import check_dataset
    from bench.errors import DataError
    from bench.paths import bench_home

    stamp = bench_home() / "validated" / dataset.content_hash()
    if stamp.is_file():
        return
    problems = check_dataset(dataset, decode=False)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s); `bench data check {dataset.root}` lists them)" \
            if len(problems) > 1 else ""
        raise DataError(problems[0] + more)
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    except OSError:
        pass  # an unwritable cache only costs the check next time


def cmd_data_prepare(args) -> int:
    """Decode ahead of a run the frames the selected models will read, into the frame store."""
    from tqdm.auto import tqdm

    from bench.models.base import RunContext
    from bench.models.registry import create_model, load_plugins, resolve_models
    from bench.settings import default_profile, resolve_settings

    load_plugins(args.plugins)
    dataset = open_dataset(args)
    profile = args.profile or default_profile(_resolve_device("auto"))
    specs = set()
    for name in resolve_models(args.model):
        model = create_model(name)
        settings, _ = resolve_settings(profile, family=model.family, model=name,
                                       model_defaults=type(model).default_settings)
        model.settings, model.context = settings, RunContext(profile=profile, settings=settings)
        specs.update(model.frame_specs())
    from bench.data.video import THREE_VIEW

    specs.add(THREE_VIEW)
    specs = sorted(specs, key=lambda s: s.slug())
    store, before = dataset.store, dataset.store.decode_count()
    todo = [s for s in dataset.samples if s.video is not None and not all(store.has(s.video, sp) for sp in specs)]
    from bench.parallel import map_in_processes

    failed = []
    for i in tqdm(range(0, len(todo), 16), desc="decoding", unit="16 videos", disable=args.no_progress):
        chunk = todo[i:i + 16]
        for s, err in zip(chunk, map_in_processes(_fill_job, [(store, s.video, specs) for s in chunk], args.workers)):
            if err:
                failed.append(f"{s.id}: {err}")
    for f in failed:
        print(f"warning: {f}", file=sys.stderr)
    print(f"{store.root}: {len(specs)} frame selection(s) ({', '.join(s.slug() for s in specs)}) for "
          f"{len(dataset)} samples; {store.decode_count() - before} video(s) decoded, "
          f"{len(dataset) - len(todo)} already there, {len(failed)} failed; store size "
          f"{store.nbytes() / 1024**2:.1f} MiB")
    return 1 if failed else 0


def _fill_job(job) -> str:
    store, video, specs = job
    try:
        store.fill(video, specs)
        return ""
    except Exception as exc:  # noqa: BLE001 - reported per video
        return f"{type(exc).__name__}: {exc}"


# ---- parser -----------------------------------------------------------------------------
def _plugins_arg(q) -> None:
    q.add_argument("--plugins", help="comma-separated modules (import paths or .py files) that register models; "
                                     "also read from the BENCH_PLUGINS environment variable")


def _dataset_args(q) -> None:
    q.add_argument("--dataset", help="dataset folder (default: the embedded synthetic stand-in)")
    q.add_argument("--frame-store", help="folder of decoded frames shared by runs (default "
                                         "$GEN3DHF_BENCH_HOME/frames, i.e. ~/.cache/gen3dhf-bench/frames)")
    q.add_argument("--frame-store-gb", type=float, help="size cap of the frame store (default: none); the least "
                                                       "recently used frames are removed beyond it")
    q.add_argument("--allow-external-media", action="store_true",
                   help="follow manifest paths that leave the dataset folder (media kept elsewhere)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    q = sub.add_parser("list", help="every registered model, what it does, and whether it can run here")
    q.add_argument("--family")
    q.add_argument("--json", action="store_true", help="machine-readable, with each model's parameter counts")
    q.add_argument("--profile", choices=("quick", "paper"), help="availability under this profile "
                                                                 "(default: paper with a GPU, else quick)")
    _plugins_arg(q)
    q.set_defaults(func=cmd_list)

    q = sub.add_parser("weights", help="the pretrained weights each learned model loads: present or how to fetch")
    q.add_argument("--model", default="all", help="all | a family | name[,name...]")
    q.add_argument("--json", action="store_true")
    _plugins_arg(q)
    q.set_defaults(func=cmd_weights)

    data = sub.add_parser("data", help="datasets: check, import, split, prepare frames, synthesise, figures")
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
    q = dsub.add_parser("prepare", help="decode ahead of a run the frames the selected models read (frame store)")
    q.add_argument("--model", default="all", help="all | a family | name[,name...]")
    q.add_argument("--profile", choices=("quick", "paper"), help="whose frame sizes (default: as bench run)")
    q.add_argument("--workers", type=int, default=2, help="decoding processes (default 2)")
    q.add_argument("--no-progress", action="store_true")
    _dataset_args(q)
    _plugins_arg(q)
    q.set_defaults(func=cmd_data_prepare)
    _optional_command(dsub, "synth", "bench.synth.cli", "add_synth_arguments", "run_synth",
                      "render the synthetic Gen3DHF stand-in")
    _optional_command(dsub, "figures", "bench.plots.dataset", "add_figures_arguments", "run_figures",
                      "draw the paper's dataset figures for a dataset")
    _optional_command(dsub, "study", "bench.study.cli", "add_study_arguments", "run_study",
                      "a subjective study's raw ratings and annotations -> MOS, levels, saliency maps, manifest")

    q = sub.add_parser("predict", help="run one model on video or image files, no dataset needed")
    q.add_argument("--model", required=True)
    q.add_argument("paths", nargs="+")
    q.add_argument("--json", action="store_true", help="one JSON line per file")
    q.add_argument("--out", help="folder for saliency maps")
    q.add_argument("--checkpoint", help="a fitted model saved by `bench run --save-models` "
                                        "(<run>/<model>/fold-K.model), for models that train")
    q.add_argument("--trust-checkpoint", action="store_true",
                   help="also load pickled parts of a checkpoint (they can run code: only files you made)")
    q.add_argument("--set", action="append", metavar="KEY=VALUE", help="config or settings override")
    q.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    q.add_argument("--profile", choices=("quick", "paper"), help="settings of a model without a checkpoint")
    _plugins_arg(q)
    q.set_defaults(func=cmd_predict)

    q = sub.add_parser("run", help="benchmark models over a dataset's folds")
    q.add_argument("--model", default="all", help="all | a family | name[,name...]")
    q.add_argument("--split", default="kfold", help="official | kfold | a split file")
    q.add_argument("--folds", type=int, help="k for kfold (default: the profile's, 5)")
    q.add_argument("--group-by", choices=("group", "generator"), help="grouped k-fold")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    q.add_argument("--profile", choices=("quick", "paper"), help="default: paper with a GPU, else quick")
    q.add_argument("--out", help="results folder (default results/runs/<dataset>/<split>-<profile>)")
    q.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="a training setting (epochs, lr, batch_size, input_size, frames, ...) or a model's "
                        "configuration, for every selected model that accepts it")
    q.add_argument("--workers", type=int, help="input-preparation processes of learned models (default: their "
                                               "settings, 2)")
    q.add_argument("--no-maps", action="store_true", help="do not save predicted saliency maps")
    q.add_argument("--save-models", action="store_true",
                   help="save each fold's fitted model (trainable models) for `bench predict --checkpoint`")
    q.add_argument("--no-progress", action="store_true")
    q.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="local: this process, model by model (default); ray: each (model, fold) a Ray task "
                        "(pip install 'gen3dhf-bench[ray]'; README: Running on a cluster)")
    q.add_argument("--address", help="the Ray cluster to join: its head node's host:port, or auto (the one "
                                     "`ray start` made here); default: that one if any, else a Ray instance "
                                     "started on this machine for the run")
    q.add_argument("--task-cpus", type=float, help="CPUs each Ray task asks for (default 1)")
    q.add_argument("--task-retries", type=int, help="how many times Ray reruns a job whose worker died (default 2)")
    _dataset_args(q)
    _plugins_arg(q)
    q.set_defaults(func=cmd_run)

    _optional_command(sub, "tables", "bench.tables.cli", "add_tables_arguments", "run_tables",
                      "make the paper's tables from results (or from the paper's published numbers)")
    _optional_command(sub, "compare", "bench.tables.cli", "add_compare_arguments", "run_compare",
                      "a run's rows beside the paper's")
    _optional_command(sub, "plots", "bench.plots.results", "add_plots_arguments", "run_plots",
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
        where = exc.filename or "(no file named by the system)"
        print(f"bench: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; finished results are kept, rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
