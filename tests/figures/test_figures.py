"""`bench data figures`: the paper's dataset figures for the stand-in and for labels-only datasets."""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pytest

from bench.data.dataset import load_dataset, write_manifest
from bench.plots.dataset import add_figures_arguments, draw_figures, run_figures
from bench.synth.build import SynthConfig, build_standin

SHARED_LABELS = Path(__file__).resolve().parents[3] / "shared" / "gen3dhf-official" / "labels"
ALL = ("fig2a_mos_histograms", "fig2b_mos_by_generator", "fig3a_category_counts", "fig3b_category_by_generator",
       "fig5_dots_and_saliency", "fig6_saliency_and_scores")


@pytest.fixture(scope="module")
def small_standin(tmp_path_factory):
    return build_standin(tmp_path_factory.mktemp("fig") / "ds", SynthConfig(videos=10, size=64, frames=5, seed=2,
                                                                            workers=1), progress=False)


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_all_figures_for_the_standin(small_standin, tmp_path):
    parser = argparse.ArgumentParser()
    add_figures_arguments(parser)
    assert run_figures(parser.parse_args([str(small_standin), "--out", str(tmp_path), "--examples", "3"])) == 0
    for name in ALL:
        assert _is_png(tmp_path / f"{name}.png"), name
        assert (tmp_path / f"{name}.pdf").read_bytes()[:4] == b"%PDF"


def test_the_standin_says_so_in_its_figures(small_standin):
    import bench.plots.dataset as F
    ds = load_dataset(small_standin)
    for fn in (F.fig_mos_histograms, F.fig_mos_by_generator, F.fig_category_counts, F.fig_category_by_generator,
               F.fig_dots_and_saliency, F.fig_saliency_and_scores):
        fig = fn(ds)
        titles = [fig._suptitle.get_text() if fig._suptitle else ""] + [ax.get_title() for ax in fig.axes]
        assert any("(synthetic stand-in)" in t for t in titles), fn.__name__


def test_labels_only_dataset_draws_the_mos_figures(small_standin, tmp_path):
    """A labels-only manifest (no files, no categories, no generators) like the official importer's."""
    records = [{"id": r["id"], "mos": r["mos"], "official_split": r["official_split"]}
               for r in load_dataset(small_standin).records]
    write_manifest(tmp_path / "labels_only", "labels-only", records)
    written, skipped = draw_figures(tmp_path / "labels_only", tmp_path / "out", formats=("png",))
    assert {p.stem for p in written} == {"fig2a_mos_histograms", "fig2b_mos_by_generator"}
    assert set(skipped) == set(ALL[2:]) and all("no " in why for why in skipped.values())


@pytest.mark.skipif(not SHARED_LABELS.is_dir(), reason="../shared/gen3dhf-official/labels not present")
def test_figures_for_the_official_labels(tmp_path):
    records = {}
    for split, tag in (("train", "train"), ("eval", "test")):
        for dim in ("quality", "authenticity"):
            for item in json.loads((SHARED_LABELS / "numerical" / f"{split}_{dim}.json").read_text()):
                vid = Path(item["videos"]).stem
                mos = float(re.search(r"\(([-0-9.eE]+)\)\s*$", item["messages"][1]["content"]).group(1))
                records.setdefault(vid, {"id": vid, "official_split": tag, "mos": {}})["mos"][dim] = mos
    write_manifest(tmp_path / "official", "Gen3DHF (official labels)", sorted(records.values(), key=lambda r: r["id"]))
    written, skipped = draw_figures(tmp_path / "official", tmp_path / "figs")
    assert len(records) == 2000
    assert _is_png(tmp_path / "figs" / "fig2a_mos_histograms.png")
    assert _is_png(tmp_path / "figs" / "fig2b_mos_by_generator.png")
    assert "fig3a_category_counts" in skipped
    ds = load_dataset(tmp_path / "official")
    assert np.mean([s.mos["quality"] for s in ds.samples]) == pytest.approx(50.9, abs=0.1)
