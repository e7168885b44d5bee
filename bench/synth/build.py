"""Build the synthetic stand-in: render, run the simulated study, process it, write the dataset.

Layout of the output folder (the release's, plus the simulation's raw data and truth)::

    manifest.json                 harness manifest, "synthetic": true, name "Gen3DHF-synth"
    video_RGB/<id>.mp4            the orbit videos (H.264)
    image/<id>.png                3-view image (-45, 0, +45 degrees) with the annotators' red dots, like the release
    image_clean/<id>.png          the same without dots: the manifest's "image" (models never see the dots)
    saliency_map/<id>.png         distortion-aware saliency map from the red dots (authors' pipeline)
    labels/{numerical,text}/{train,eval}_{quality,authenticity}.json   the release's label-file format
    study/ratings.csv             simulated raw slider ratings (input format of bench.study)
    study/annotations.json        simulated annotators' dots and descriptions (input format of bench.study)
    study/report.json             screening outcome and MOS statistics
    truth/plan.json               the planted truth: identities, generators, distortions, their visibility
    truth/masks/<id>.png          per-pixel planted-distortion masks of the 3-view image (0 none, k+1 distortion k)
    synth.json                    the settings and code version that built it

The labels are never written directly: MOS, levels, descriptions, categories and maps all come
out of `bench.study` run on the simulated raw files, as they would from a real study.
The folder is built under a temporary name next to `out` and renamed at the end, so an
interrupted build never leaves a half dataset behind.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.data.categories import CATEGORIES
from bench.data.dataset import write_manifest
from bench.errors import ConfigError, DataError
from bench.io import atomic_write_json

STANDIN_VERSION = "standin-v1"  # bump when the generated data change, so cached copies are rebuilt
DEFAULT_NAME = "Gen3DHF-synth"


@dataclass(frozen=True)
class SynthConfig:
    videos: int = 120
    size: int = 256
    frames: int = 49  # 4 s at 12 fps plus the last frame, so -45, 0 and +45 degrees are frames
    fps: float = 12.0
    seed: int = 0
    subjects: int = 24
    unreliable: int = 3
    annotators: int = 3
    workers: int = 0  # 0: one per CPU core
    name: str = DEFAULT_NAME

    def validate(self) -> None:
        if self.videos < 1:
            raise ConfigError(f"--videos must be at least 1, got {self.videos}")
        if self.size < 32 or self.size % 2:
            raise ConfigError(f"--size must be an even number of pixels >= 32 (H.264 4:2:0), got {self.size}")
        if self.frames < 3:
            raise ConfigError(f"--frames must be at least 3, got {self.frames}")
        if not self.fps > 0:
            raise ConfigError(f"--fps must be positive, got {self.fps}")
        if self.subjects < 3 or not 0 <= self.unreliable < self.subjects:
            raise ConfigError(f"need at least 3 subjects and fewer unreliable ones, got {self.subjects}/{self.unreliable}")
        if self.annotators < 1:
            raise ConfigError("--annotators must be at least 1")


PAPER_SCALE = dict(videos=2000, size=512, frames=240, fps=60.0)


def _worker_init() -> None:
    import cv2
    from threadpoolctl import threadpool_limits

    cv2.setNumThreads(1)
    threadpool_limits(1)


def _render_task(args):
    from bench.synth.videos import render_video

    plan, settings, root = args
    return render_video(plan, settings, Path(root))


def build_standin(out: str | Path, cfg: SynthConfig = SynthConfig(), progress: bool = True,
                  force: bool = False) -> Path:
    """Generate the stand-in into `out` atomically. Returns `out`."""
    cfg.validate()
    out = Path(out).expanduser().resolve()
    if out.exists() and any(out.iterdir()) and not force:
        raise ConfigError(f"{out}: folder exists and is not empty (use --force to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        _build_into(tmp, cfg, progress)
        if out.exists():
            if not force and any(out.iterdir()):
                raise ConfigError(f"{out}: appeared while building")
            trash = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
            os.rename(out, trash)
            os.rename(tmp, out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.rename(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def _say(progress: bool, msg: str) -> None:
    if progress:
        print(msg, file=sys.stderr, flush=True)


def _build_into(root: Path, cfg: SynthConfig, progress: bool) -> None:
    from bench.synth.generators import make_plan
    from bench.synth.videos import RenderSettings

    t0 = time.perf_counter()
    root.mkdir(parents=True)
    plans = make_plan(cfg.videos, cfg.seed)
    settings = RenderSettings(cfg.size, cfg.frames, cfg.fps)
    workers = cfg.workers or os.cpu_count() or 1
    workers = max(1, min(workers, len(plans)))
    _say(progress, f"synth: rendering {len(plans)} videos ({cfg.size}x{cfg.size}, {cfg.frames} frames at "
                   f"{cfg.fps:g} fps) with {workers} worker(s) into {root}")
    stats = _render_all(plans, settings, root, workers, progress)
    t_render = time.perf_counter() - t0
    _say(progress, f"synth: rendered in {t_render:.0f} s; simulating the study")
    study = run_simulated_study(root, plans, stats, cfg)
    write_outputs(root, plans, stats, study, cfg, {"render_s": round(t_render, 1),
                                                   "total_s": round(time.perf_counter() - t0, 1)})
    _say(progress, f"synth: done in {time.perf_counter() - t0:.0f} s")


def _render_all(plans, settings, root: Path, workers: int, progress: bool) -> dict:
    tasks = [(p, settings, str(root)) for p in plans]
    bar = _progress_bar(len(tasks), progress)
    stats = {}
    if workers == 1:
        _worker_init()
        for t in tasks:
            r = _render_task(t)
            stats[r["id"]] = r
            bar.update(1)
    else:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")  # no fork of a parent that may hold threads
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init) as pool:
            for r in pool.map(_render_task, tasks, chunksize=1):
                stats[r["id"]] = r
                bar.update(1)
    bar.close()
    return stats


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress_bar(total: int, progress: bool):
    if not progress:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="video", file=sys.stderr, leave=False, mininterval=1.0,
                disable=not sys.stderr.isatty())


@dataclass
class SimulatedStudy:
    outcome: object  # bench.study.StudyOutcome
    visibility: dict  # id -> list per distortion
    latent: dict  # id -> (quality, authenticity) of the average subject
    panel: list


def run_simulated_study(root: Path, plans, stats: dict, cfg: SynthConfig) -> SimulatedStudy:
    """Simulated raw data (ratings CSV, annotations JSON) -> bench.study processing."""
    import cv2

    from bench.study import process_study
    from bench.study.annotations import dot_radius, write_annotations_json
    from bench.study.ratings import write_ratings_csv
    from bench.synth.annotators import annotate_video, make_annotators
    from bench.synth.generators import profile_by_name
    from bench.synth.subjects import latent_opinion, make_panel, percept_of, simulate_ratings
    from bench.synth.videos import visibility

    cats = list(CATEGORIES[:8])
    percepts, vis_by_id, latent = [], {}, {}
    for p in plans:
        s = stats[p.id]
        vis = visibility(np.array(s["area"]), np.array(s["strength"])) if p.distortions else np.zeros(0)
        vis_by_id[p.id] = [round(float(v), 6) for v in vis]
        by_cat = np.zeros(len(cats))
        for d, v in zip(p.distortions, vis):
            by_cat[cats.index(d.category)] += v
        per = percept_of(p.id, by_cat, profile_by_name(p.generator).style,
                         np.random.default_rng([cfg.seed, p.index, 41]))
        percepts.append(per)
        latent[p.id] = [round(float(x), 6) for x in latent_opinion(per)]
    panel = make_panel(cfg.subjects, cfg.unreliable, np.random.default_rng([cfg.seed, 31]))
    rows = simulate_ratings(percepts, panel, np.random.default_rng([cfg.seed, 51]))
    (root / "study").mkdir(exist_ok=True)
    write_ratings_csv(root / "study" / "ratings.csv", rows)
    annotators = make_annotators(np.random.default_rng([cfg.seed, 61]), cfg.annotators)
    records = []
    for p in plans:
        mask = cv2.imread(str(root / "truth" / "masks" / f"{p.id}.png"), cv2.IMREAD_UNCHANGED)
        records += annotate_video(p.id, p.distortions, np.array(vis_by_id[p.id]), mask, cfg.size, annotators,
                                  np.random.default_rng([cfg.seed, p.index, 71]), dot_radius(cfg.size))
    write_annotations_json(root / "study" / "annotations.json", records, (3 * cfg.size, cfg.size))
    outcome = process_study(root / "study" / "ratings.csv", root / "study" / "annotations.json", root=root,
                            clean_images="image_clean", view_size=cfg.size)
    return SimulatedStudy(outcome, vis_by_id, latent, panel)


def mos_statistics(values) -> dict:
    v = np.asarray(values, float)
    return {"min": round(float(v.min()), 3), "max": round(float(v.max()), 3), "mean": round(float(v.mean()), 3),
            "sd": round(float(v.std()), 3)}


def write_outputs(root: Path, plans, stats: dict, study: SimulatedStudy, cfg: SynthConfig, timing: dict) -> None:
    from bench.study.export_official import split_like_official, write_official_labels

    split = split_like_official([p.id for p in plans], [p.generator for p in plans], cfg.seed)
    by_id = {r["id"]: r for r in study.outcome.records()}
    records = []
    for p in plans:
        r = by_id[p.id]
        records.append({
            "id": p.id, "video": f"video_RGB/{p.id}.mp4", "image": f"image_clean/{p.id}.png",
            "saliency_map": r.get("saliency_map"), "mos": r["mos"], "distortions": r.get("distortions"),
            "description": r.get("description"), "generator": p.generator, "group": p.id,
            "official_split": split[p.id], "annotated_image": r.get("annotated_image"),
        })
    description = (f"Synthetic stand-in for Gen3DHF made by gen3dhf-bench ({STANDIN_VERSION}): {len(plans)} "
                   f"rendered heads from 10 simulated generator networks; labels from a simulated subjective "
                   f"study processed like the paper's. Not the paper's data. 'image' is the clean 3-view image; "
                   f"'annotated_image' the same with the annotators' red dots.")
    write_manifest(root, cfg.name, records, synthetic=True, description=description)
    write_official_labels(root, records, seed=cfg.seed)
    q = [r["mos"]["quality"] for r in records]
    a = [r["mos"]["authenticity"] for r in records]
    report = study.outcome.report()
    report["mos"] = {"quality": mos_statistics(q), "authenticity": mos_statistics(a),
                     "pearson_quality_authenticity": round(float(np.corrcoef(q, a)[0, 1]), 4)}
    report["unreliable_subjects_planted"] = sorted(s.id for s in study.panel if s.kind != "reliable")
    atomic_write_json(root / "study" / "report.json", report)
    truth = {"note": "the simulation's hidden truth; no model may read it",
             "panel": [{"id": s.id, "kind": s.kind, "bias": round(s.bias, 4), "gain": round(s.gain, 4),
                        "noise": round(s.noise, 4)} for s in study.panel],
             "videos": [dict(p.to_dict(), visibility=study.visibility[p.id], latent_opinion=study.latent[p.id])
                        for p in plans]}
    atomic_write_json(root / "truth" / "plan.json", truth)
    atomic_write_json(root / "synth.json", {"version": STANDIN_VERSION, "config": asdict(cfg), "timing": timing})


def read_synth_stamp(root: Path) -> dict | None:
    try:
        return json.loads((Path(root) / "synth.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None


def load_truth(root: str | Path) -> dict:
    path = Path(root) / "truth" / "plan.json"
    if not path.is_file():
        raise DataError(f"{path}: no planted truth here (only `bench data synth` output has one)")
    return json.loads(path.read_text())
