"""The stand-in as a dataset: valid, labelled as synthetic, in the release layout, reproducible."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest

from bench.data.dataset import check_dataset, load_dataset
from bench.data.saliency_maps import red_dot_centres
from bench.data.video import three_view_from_video
from bench.synth.build import build_standin

from .conftest import TINY

LABEL_FILES = ["manifest.json", "study/ratings.csv", "study/annotations.json"] + [
    f"labels/{k}/{s}_{d}.json" for k in ("numerical", "text") for s in ("train", "eval")
    for d in ("quality", "authenticity")]


def _read_rgb(path):
    import cv2
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def test_check_dataset_passes(standin):
    assert check_dataset(standin) == []


def test_named_synthetic_everywhere(standin):
    ds = load_dataset(standin)
    assert ds.synthetic and "synthetic stand-in" in ds.label and "synth" in ds.name.lower()
    assert "Not the paper's data" in ds.description


def test_release_layout_and_clean_image(standin):
    ds = load_dataset(standin)
    assert len(ds) == TINY.videos
    for r in ds.records:
        for key, folder in (("video", "video_RGB"), ("image", "image_clean"), ("saliency_map", "saliency_map"),
                            ("annotated_image", "image")):
            assert r[key].startswith(folder + "/") and (standin / r[key]).is_file()
        clean = _read_rgb(standin / r["image"])
        dotted = _read_rgb(standin / r["annotated_image"])
        assert clean.shape == (TINY.size, 3 * TINY.size, 3) == dotted.shape
        assert len(red_dot_centres(clean)) == 0, "the model-facing image must carry no red dots"
        # a dot is only ever put on a defect that is also described, so no category means no dot
        if r["distortions"] == ["No Distortion"]:
            assert len(red_dot_centres(dotted)) == 0


def test_three_view_is_the_orbit_at_minus45_0_plus45(standin):
    ds = load_dataset(standin)
    s = ds.samples[0]
    from_video = three_view_from_video(s.video).astype(float)
    image = s.three_view().astype(float)
    assert from_video.shape == image.shape
    assert np.abs(from_video - image).mean() < 6  # same frames, apart from H.264 compression


def test_official_format_labels_and_split(standin):
    ds = load_dataset(standin)
    by_id = {r["id"]: r for r in ds.records}
    seen = {}
    for split in ("train", "eval"):
        orders = []
        for dim in ("quality", "authenticity"):
            num = json.loads((standin / f"labels/numerical/{split}_{dim}.json").read_text())
            txt = json.loads((standin / f"labels/text/{split}_{dim}.json").read_text())
            assert [r["videos"] for r in num] == [r["videos"] for r in txt]
            orders.append([r["videos"] for r in num])
            for n, t in zip(num, txt):
                vid = Path(n["videos"]).stem
                rec = by_id[vid]
                assert n["messages"][0]["role"] == "user" and n["messages"][0]["content"].startswith("<video>Please rate")
                m = re.fullmatch(rf"The {dim} of the human face in this video is (\w+)\. \(([-0-9.e]+)\)",
                                 n["messages"][1]["content"])
                assert m and m.group(1) == rec["levels"][dim]
                assert abs(float(m.group(2)) - rec["mos"][dim]) < 1e-9
                assert t["messages"][1]["content"] == f"The {dim} of the human face in this video is {m.group(1)}."
                seen[vid] = split
        assert orders[0] == orders[1], "both dimensions list the same videos in the same order"
    assert set(seen) == set(by_id)
    assert all({"train": "train", "eval": "test"}[seen[v]] == by_id[v]["official_split"] for v in seen)
    n_test = sum(r["official_split"] == "test" for r in ds.records)
    assert n_test == round(0.2 * len(ds))
    assert not (standin / "labels/numerical/train_quality.json").read_text().endswith("\n")


def test_same_seed_byte_identical_labels_with_a_process_pool(standin, tmp_path):
    again = build_standin(tmp_path / "again", dataclasses.replace(TINY, workers=2), progress=False)
    for name in LABEL_FILES:
        assert (standin / name).read_bytes() == (again / name).read_bytes(), name
    for r in load_dataset(standin).records:
        assert (standin / r["saliency_map"]).read_bytes() == (again / r["saliency_map"]).read_bytes()
    other = build_standin(tmp_path / "other", dataclasses.replace(TINY, seed=4, videos=3), progress=False)
    assert (other / "study/ratings.csv").read_bytes() != (standin / "study/ratings.csv").read_bytes()


def test_atomic_build_leaves_nothing_when_interrupted(tmp_path, monkeypatch):
    import bench.synth.build as build

    def broken(root, cfg, progress):
        (root / "video_RGB").mkdir(parents=True)
        (root / "video_RGB" / "half.mp4").write_bytes(b"x")
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "_build_into", broken)
    target = tmp_path / "ds"
    try:
        build.build_standin(target, TINY, progress=False)
    except KeyboardInterrupt:
        pass
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_without_force(standin):
    import pytest

    from bench.errors import ConfigError
    with pytest.raises(ConfigError, match="not empty"):
        build_standin(standin, TINY, progress=False)


def test_standin_labels_load_through_the_official_importer(standin, tmp_path):
    from bench.data.import_official import import_official

    root = tmp_path / "imported"
    root.mkdir()
    for folder in ("video_RGB", "image", "image_clean", "saliency_map"):
        (root / folder).symlink_to(standin / folder)
    rep = import_official(standin / "labels", root, name="Gen3DHF-synth via importer")
    ds, orig = load_dataset(root), load_dataset(standin)
    assert rep.n_samples == len(orig) and rep.missing == {"video_RGB": 0, "image": 0, "saliency_map": 0}
    for dim in ("quality", "authenticity"):
        agree, total, _ = rep.level_agreement[dim]
        assert agree == total == len(orig)
    a, b = ds.by_id(), orig.by_id()
    for sid, s in b.items():
        assert a[sid].mos == pytest.approx(s.mos) and a[sid].levels == s.levels
        assert a[sid].image.name == s.image.name and a[sid].image.parent.name == "image_clean"
    assert ds.official_split() == orig.official_split()
