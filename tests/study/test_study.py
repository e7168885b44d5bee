"""Subjective-study processing: BT.500 screening, Eq. 1-3, annotations, label files, the CLI."""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from bench.errors import DataError
from bench.study.annotations import (combine_annotations, draw_red_dots, read_annotations_json,
                                     saliency_from_annotated, write_annotations_json)
from bench.study.export_official import split_like_official, write_official_labels
from bench.study.ratings import (bt500_screening, mos_from_ratings, ratings_from_rows, read_ratings_csv,
                                 write_ratings_csv, zscores)
from bench.synth.subjects import latent_opinion, make_panel, simulate_ratings

SHARED_LABELS = Path(__file__).resolve().parents[3] / "shared" / "gen3dhf-official" / "labels"


def _planted_study(n_videos=300, seed=0):
    """A study with a known ranking: the stand-in's generators and defects, each seen at 3/4 of its severity
    (what the renderer typically measures), rated by 24 simulated subjects of whom 3 are unreliable."""
    from bench.data.categories import CATEGORIES
    from bench.synth.generators import make_plan, profile_by_name
    from bench.synth.subjects import percept_of

    percepts = []
    for p in make_plan(n_videos, seed):
        vis = np.zeros(8)
        for d in p.distortions:
            vis[CATEGORIES.index(d.category)] += 0.75 * d.severity
        percepts.append(percept_of(p.id, vis, profile_by_name(p.generator).style,
                                   np.random.default_rng([seed, p.index])))
    panel = make_panel(24, 3, np.random.default_rng(seed + 1))
    rows = simulate_ratings(percepts, panel, np.random.default_rng(seed + 2))
    return percepts, panel, ratings_from_rows(rows)


def test_eq1_to_3_by_hand():
    # two subjects, three videos; subject B uses the slider twice as widely and rates one video less
    rows = [("A", "x", "quality", 1), ("A", "y", "quality", 2), ("A", "z", "quality", 3),
            ("B", "x", "quality", 0), ("B", "y", "quality", 4)]
    t = ratings_from_rows(rows)
    z = zscores(t.matrix("quality"))
    assert np.allclose(z[0], [-1, 0, 1])  # mean 2, sample SD 1
    assert np.allclose(z[1, :2], [-1 / math.sqrt(2), 1 / math.sqrt(2)]) and np.isnan(z[1, 2])
    mos = mos_from_ratings(t)["quality"]
    zp = lambda v: 100 * (v + 3) / 6  # noqa: E731
    assert np.allclose(mos, [(zp(-1) + zp(-1 / math.sqrt(2))) / 2, (zp(0) + zp(1 / math.sqrt(2))) / 2, zp(1)])


def test_bt500_rejects_the_planted_unreliable_subjects():
    _, panel, table = _planted_study()
    scr = bt500_screening(table)
    planted = sorted(s.id for s in panel if s.kind != "reliable")
    assert sorted(scr.rejected) == planted
    assert len(scr.kept) == 21  # like the paper: 21 of 24
    per_dim = bt500_screening(table, per_dimension=True)
    assert set(per_dim) == {"quality", "authenticity"}


def test_bt500_uses_sqrt20_for_non_normal_presentations():
    # one presentation: 19 identical ratings and one far away -> kurtosis far above 4, so the
    # sqrt(20) band applies and the lone rating is not counted as an outlier
    rows = [(f"S{i}", "v", "quality", 3.0) for i in range(19)] + [("S19", "v", "quality", 0.0)]
    rows += [(f"S{i}", "w", "quality", 2.0 + 0.1 * (i % 3)) for i in range(20)]
    scr = bt500_screening(ratings_from_rows(rows))
    assert scr.Q["S19"] == 0 and scr.rejected == []


def test_study_recovers_a_planted_ranking_despite_unreliable_subjects(capsys):
    percepts, panel, table = _planted_study()
    truth = np.array([latent_opinion(p) for p in percepts])
    screened = mos_from_ratings(table, bt500_screening(table).kept)
    for k, dim in enumerate(("quality", "authenticity")):
        srcc = spearmanr(screened[dim], truth[:, k])[0]
        with capsys.disabled():
            print(f"\nplanted-ranking SRCC ({dim}, 300 videos, 24 subjects of whom 3 unreliable): {srcc:.3f}")
        assert srcc > 0.8
    # with a third of the panel unreliable, screening visibly matters
    panel = make_panel(24, 8, np.random.default_rng(99))
    table = ratings_from_rows(simulate_ratings(percepts, panel, np.random.default_rng(5)))
    scr = bt500_screening(table)
    assert sorted(scr.rejected) == sorted(s.id for s in panel if s.kind != "reliable")
    screened, everyone = mos_from_ratings(table, scr.kept), mos_from_ratings(table)
    for k, dim in enumerate(("quality", "authenticity")):
        with_screening = spearmanr(screened[dim], truth[:, k])[0]
        without = spearmanr(everyone[dim], truth[:, k])[0]
        with capsys.disabled():
            print(f"planted-ranking SRCC ({dim}, 8 of 24 unreliable): {with_screening:.3f} screened, "
                  f"{without:.3f} unscreened")
        assert with_screening > without + 0.005


def test_ratings_csv_roundtrip_and_errors(tmp_path):
    rows = [("S1", "v1", "quality", 3.25), ("S1", "v1", "authenticity", 2.0)]
    write_ratings_csv(tmp_path / "r.csv", rows)
    t = read_ratings_csv(tmp_path / "r.csv")
    assert t.subjects == ["S1"] and t.matrix("quality")[0, 0] == 3.25
    (tmp_path / "bad.csv").write_text("subject,video,rating\nS1,v1,3\n")
    with pytest.raises(DataError, match="bad.csv.*dimension"):
        read_ratings_csv(tmp_path / "bad.csv")
    (tmp_path / "bad2.csv").write_text("subject,video,dimension,rating\nS1,v1,beauty,3\n")
    with pytest.raises(DataError, match="line 2"):
        read_ratings_csv(tmp_path / "bad2.csv")


def test_annotations_combine_draw_and_detect(tmp_path):
    records = [{"video": "v", "annotator": "A1", "dots": [[100, 50], [300, 60]], "description": "the nose is bent"},
               {"video": "v", "annotator": "A2", "dots": [[102, 51]], "description": "the nose is bent; the hat is warped"},
               {"video": "v", "annotator": "A3", "dots": [], "description": "no obvious distortion"}]
    write_annotations_json(tmp_path / "a.json", records, (768, 256))
    by_video = read_annotations_json(tmp_path / "a.json")
    dots, text = combine_annotations(by_video["v"])
    assert dots == [[100.0, 50.0], [300.0, 60.0]]  # the near-duplicate dot is the same mark
    assert text == "the nose is bent; the hat is warped"
    img = np.full((256, 768, 3), 180, np.uint8)
    annotated = draw_red_dots(img, dots, 4)
    smap = saliency_from_annotated(annotated)
    assert smap.shape == (256, 768) and smap.max() == pytest.approx(1.0)
    peak = np.unravel_index(np.argmax(smap), smap.shape)
    assert min(abs(peak[1] - x) + abs(peak[0] - y) for x, y in dots) <= 2


def test_split_is_4_to_1_and_stratified():
    ids = [f"s{i:03d}" for i in range(100)]
    gens = [f"g{i // 10}" for i in range(100)]
    split = split_like_official(ids, gens, 0)
    assert sum(v == "test" for v in split.values()) == 20
    for g in set(gens):
        assert sum(split[i] == "test" for i, gg in zip(ids, gens) if gg == g) == 2
    assert split == split_like_official(ids, gens, 0) != split_like_official(ids, gens, 1)


@pytest.mark.skipif(not SHARED_LABELS.is_dir(), reason="../shared/gen3dhf-official/labels not present")
def test_label_files_match_the_official_format(tmp_path):
    records = [{"id": f"seed{i:04d}", "mos": {"quality": 40.0 + i / 3, "authenticity": 45.0 + i / 7},
                "levels": {"quality": "good", "authenticity": "fair"},
                "official_split": "test" if i % 5 == 0 else "train"} for i in range(10)]
    write_official_labels(tmp_path, records)
    for kind in ("numerical", "text"):
        for name in ("train_quality", "eval_authenticity"):
            ours = json.loads((tmp_path / "labels" / kind / f"{name}.json").read_text())
            theirs = json.loads((SHARED_LABELS / kind / f"{name}.json").read_text())
            assert ours[0].keys() == theirs[0].keys()
            assert [m["role"] for m in ours[0]["messages"]] == [m["role"] for m in theirs[0]["messages"]]
            assert ours[0]["messages"][0]["content"] == theirs[0]["messages"][0]["content"]
            a, b = ours[0]["messages"][1]["content"], theirs[0]["messages"][1]["content"]
            assert a.split(" is ")[0] == b.split(" is ")[0] and a.count("(") == b.count("(")
    raw = (SHARED_LABELS / "numerical" / "train_quality.json").read_text()
    assert raw.startswith('[{"messages": [{"role"') == \
        (tmp_path / "labels/numerical/train_quality.json").read_text().startswith('[{"messages": [{"role"')


def test_study_cli_reproduces_the_standin_labels(tmp_path):
    """`bench study process` on the stand-in's raw files gives back its MOS and categories."""
    import shutil

    from bench.data.dataset import load_dataset
    from bench.study.cli import add_study_arguments, run_study
    from bench.synth.build import SynthConfig, build_standin

    src = build_standin(tmp_path / "src", SynthConfig(videos=6, size=64, frames=5, seed=9, workers=1),
                        progress=False)
    root = tmp_path / "real"
    shutil.copytree(src / "image_clean", root / "image_clean")
    parser = argparse.ArgumentParser()
    add_study_arguments(parser)
    args = parser.parse_args(["--ratings", str(src / "study/ratings.csv"), "--annotations",
                              str(src / "study/annotations.json"), "--root", str(root), "--name", "MyStudy"])
    assert run_study(args) == 0
    mine, theirs = load_dataset(root), load_dataset(src)
    assert mine.name == "MyStudy" and not mine.synthetic
    for a, b in zip(sorted(mine.records, key=lambda r: r["id"]), theirs.records):
        assert a["mos"] == b["mos"] and a["levels"] == b["levels"] and a["distortions"] == b["distortions"]
        assert (root / a["saliency_map"]).read_bytes() == (src / b["saliency_map"]).read_bytes()
    assert json.loads((root / "study_report.json").read_text())["subjects"] == 24
