import json
import shutil

import numpy as np
import pytest

from bench.data.dataset import check_dataset, load_dataset
from bench.data.saliency_maps import write_saliency_map
from bench.errors import DataError


def _broken_copy(tiny_dataset, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(tiny_dataset, root)
    doc = json.loads((root / "manifest.json").read_text())
    s = doc["samples"]
    s[0]["mos"]["quality"] = float("nan")
    s[1]["mos"]["authenticity"] = 140.0
    s[2]["distortions"] = ["Nose Distortions"]
    s[3]["id"] = s[4]["id"]
    (root / s[5]["video"]).unlink()
    (root / s[6]["video"]).write_bytes(b"not a video at all")
    write_saliency_map(root / s[7]["saliency_map"], np.zeros((10, 10)))
    s[8]["levels"]["quality"] = "superb"
    (root / "manifest.json").write_text(json.dumps(doc))
    return root, s


def test_check_passes_on_valid_dataset(tiny_dataset):
    assert check_dataset(tiny_dataset) == []


def test_check_lists_every_problem_with_its_file(tiny_dataset, tmp_path):
    root, s = _broken_copy(tiny_dataset, tmp_path)
    problems = check_dataset(root)
    text = "\n".join(problems)
    assert f"[{s[0]['id']}]: quality MOS is nan" in text
    assert "authenticity MOS 140.0 outside [0, 100]" in text
    assert "unknown distortion categories ['Nose Distortions']" in text
    assert f"duplicate id {s[4]['id']!r}" in text
    assert f"{root / s[5]['video']}: video file is missing" in text
    assert f"{root / s[6]['video']}: cannot be decoded as a video" in text
    assert f"{root / s[7]['saliency_map']}: saliency map is 10x10, expected 192x64" in text
    assert "level 'superb' is not one of" in text
    assert len(problems) == 8


def test_manifest_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match="no manifest here"):
        load_dataset(tmp_path)
    (tmp_path / "manifest.json").write_text("[1, 2")
    with pytest.raises(DataError, match=r"manifest.json: not valid JSON"):
        load_dataset(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(DataError, match="not a harness manifest"):
        load_dataset(tmp_path)


def test_sample_pixels(tiny_dataset, tmp_path):
    from bench.data.frame_store import FrameStore

    ds = load_dataset(tiny_dataset, store=FrameStore(tmp_path / "store"))
    s = ds.samples[0]
    assert s.frames(count=4).shape == (4, 48, 48, 3)
    assert s.frames(count=3, size=32).shape == (3, 32, 32, 3)
    assert s.frames(fps=6).shape[0] == 4  # 8 frames at 12 fps -> every 2nd
    assert s.three_view().shape == (64, 192, 3)
    sal, fix = s.saliency(), s.fixations()
    assert sal.shape == fix.shape == (64, 192) and fix.dtype == bool and 0 < fix.sum() < sal.size
    s.frames(count=4)
    assert ds.store.decode_count() == 3  # one decode per distinct frame selection; the 2nd count=4 read it back
