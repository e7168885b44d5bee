"""The stand-in measures something real: MOS follow the planted severity, saliency sits on the defects."""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy.stats import spearmanr

from bench.data.dataset import load_dataset
from bench.synth.build import SynthConfig, _render_all, load_truth, run_simulated_study
from bench.synth.distortions import sample_distortion
from bench.synth.generators import VideoPlan
from bench.synth.identity import sample_identity
from bench.synth.videos import RenderSettings


def test_mos_falls_as_severity_rises(tmp_path):
    """Same heads, same defects, five severities: the processed MOS must fall with severity in both dimensions."""
    severities = (0.0, 0.25, 0.5, 0.75, 1.0)
    variants = ("eye_shift", "nose_bend", "blur", "seam")
    plans = []
    for h in range(4):
        idt = sample_identity(np.random.default_rng([7, h]))
        while idt.hair_style in ("bald",):
            idt = sample_identity(np.random.default_rng([7, h, len(plans)]))
        for sev in severities:
            ds = [] if sev == 0 else [sample_distortion(k, v, sev, idt, np.random.default_rng([h, k]))
                                     for k, v in enumerate(variants)]
            plans.append(VideoPlan(f"seed{len(plans):04d}", len(plans), "genA-w2", idt, ds))
    cfg = SynthConfig(videos=len(plans), size=64, frames=9, seed=1, workers=1)
    root = tmp_path / "sev"
    root.mkdir()
    stats = _render_all(plans, RenderSettings(cfg.size, cfg.frames, cfg.fps), root, 1, False)
    study = run_simulated_study(root, plans, stats, cfg)
    mos = {r["id"]: r["mos"] for r in study.outcome.records()}
    sev = np.array([plans[i].distortions[0].severity if plans[i].distortions else 0.0 for i in range(len(plans))])
    for dim in ("quality", "authenticity"):
        m = np.array([mos[p.id][dim] for p in plans])
        per_level = [m[sev == s].mean() for s in severities]
        assert all(a > b for a, b in zip(per_level, per_level[1:])), (dim, per_level)
        assert spearmanr(sev, m)[0] < -0.8


def test_saliency_mass_sits_on_the_distorted_regions(standin):
    import cv2

    ds = load_dataset(standin)
    truth = {v["id"]: v for v in load_truth(standin)["videos"]}
    ratios, areas = [], []
    for s in ds.samples:
        smap = s.saliency()
        if smap.max() == 0:
            continue
        mask = cv2.imread(str(standin / "truth" / "masks" / f"{s.id}.png"), cv2.IMREAD_UNCHANGED) > 0
        assert truth[s.id]["distortions"], "dots only where something was planted"
        # dots land on the defect up to the annotator's hand jitter and the dot radius
        near = cv2.dilate(mask.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
        ratios.append(smap[near].sum() / smap.sum())
        areas.append(near.mean())
    assert len(ratios) >= 3
    assert np.mean(ratios) > 0.85 and min(ratios) > 0.6
    assert np.mean(ratios) > 4 * np.mean(areas)  # far above what the regions' share of the image would give


def test_categories_follow_the_planted_defects(standin):
    ds = load_dataset(standin)
    truth = {v["id"]: v for v in load_truth(standin)["videos"]}
    hits = total = 0
    for r in ds.records:
        planted = {d["category"] for d in truth[r["id"]]["distortions"]}
        found = set(r["distortions"]) - {"No Distortion"}
        assert found <= planted, (found, planted)  # annotators never name a category that is not there
        hits += len(found)
        total += len(planted)
    assert hits >= 0.5 * total  # most defects are seen and named


def test_config_defaults_are_documented():
    d = SynthConfig()
    assert (d.videos, d.size, d.frames, d.fps, d.subjects, d.unreliable, d.annotators) == (120, 256, 49, 12.0, 24, 3, 3)
    assert dataclasses.replace(d, videos=1).videos == 1
