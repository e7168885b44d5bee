"""How the family treats a sample's image: whole by default, per view only for a 3-view strip and then on
one common scale (so an untouched view is not stretched to full range), never a lone photo."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from baselines.classic_saliency._channels import rescale01
from baselines.classic_saliency.base import is_three_view_strip
from bench.data.sample import Sample
from bench.models.registry import create_model

from ._helpers import strip_sample

FAST = ["sr", "pft", "sun", "gbvs", "murray"]


def _write(path: Path, rgb: np.ndarray) -> Path:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def _one_distorted_view(view: int = 96) -> np.ndarray:
    """Three identical, almost flat grey views; the middle one has a square of strong noise."""
    rng = np.random.default_rng(0)
    views = [np.clip(128 + rng.normal(0, 1.5, (view, view, 3)), 0, 255) for _ in range(3)]
    a, b = view // 2 - 12, view // 2 + 12
    views[1][a:b, a:b] = np.clip(views[1][a:b, a:b] + rng.normal(0, 60, (b - a, b - a, 3)), 0, 255)
    return np.concatenate(views, axis=1).astype(np.uint8)


def _side_share(m: np.ndarray) -> float:
    third = m.shape[1] // 3
    return float((m[:, :third].sum() + m[:, 2 * third:].sum()) / m.sum())


def _apart(model, strip: np.ndarray) -> np.ndarray:
    """What scaling each view on its own gives (the old per-view default)."""
    v = strip.shape[0]
    return np.concatenate([cv2.resize(model.saliency_map(strip[:, k * v:(k + 1) * v]), (v, v)) for k in range(3)],
                          axis=1)


@pytest.mark.parametrize("name", FAST)
def test_untouched_views_keep_little_mass(name, tmp_path):
    sample = Sample(id="d", image=_write(tmp_path / "d.png", _one_distorted_view()))
    whole = create_model(name, n_jobs=1).predict([sample])[0].saliency
    apart = _apart(create_model(name, n_jobs=1), sample.three_view())
    assert _side_share(whole) < 0.5 and _side_share(whole) < _side_share(apart) - 0.3, \
        (_side_share(whole), _side_share(apart))


@pytest.mark.parametrize("name", ["gbvs", "pft"])
def test_per_view_common_scale_does_not_stretch_untouched_views(name, tmp_path):
    sample = Sample(id="d", image=_write(tmp_path / "d.png", _one_distorted_view()))
    common = create_model(name, n_jobs=1, per_view=True).predict([sample])[0].saliency
    apart = _apart(create_model(name, n_jobs=1), sample.three_view())
    assert _side_share(common) < _side_share(apart) - 0.15, (_side_share(common), _side_share(apart))


def test_top_pixels_stay_on_the_distortion(tmp_path):
    strip = _one_distorted_view()
    noisy = np.zeros(strip.shape[:2], bool)
    noisy[36:60, 96 + 36:96 + 60] = True
    sal = create_model("sun", n_jobs=1).predict([Sample(id="d", image=_write(tmp_path / "d.png", strip))])[0].saliency
    top = sal >= np.quantile(sal, 0.99)
    assert (top & noisy).sum() / top.sum() > 0.95


def test_per_view_is_one_min_max_over_the_strip_of_native_maps(tmp_path):
    sample = strip_sample(tmp_path, view=96)
    model = create_model("sr", n_jobs=1, per_view=True)
    strip = sample.three_view()
    native = np.concatenate([model.native_map(strip[:, k * 96:(k + 1) * 96]) for k in range(3)], axis=1)
    np.testing.assert_allclose(model.predict([sample])[0].saliency, rescale01(native), atol=1e-6)
    whole = create_model("sr", n_jobs=1).predict([sample])[0].saliency
    np.testing.assert_allclose(whole, rescale01(model.native_map(strip)), atol=1e-6)


def test_default_runs_the_whole_strip():
    assert create_model("gbvs").per_view is False


def test_a_lone_photo_is_not_split(tmp_path):
    rng = np.random.default_rng(1)
    photo = _write(tmp_path / "photo.png", rng.integers(0, 255, (120, 170, 3), dtype=np.uint8))
    sample = Sample.from_file(photo)
    split = create_model("gbvs", n_jobs=1, per_view=True).predict([sample])[0].saliency
    whole = create_model("gbvs", n_jobs=1).predict([sample])[0].saliency
    np.testing.assert_array_equal(split, whole)
    assert not is_three_view_strip(sample, sample.three_view())


def test_a_strip_is_split_when_asked(tmp_path):
    sample = strip_sample(tmp_path, view=96)
    assert is_three_view_strip(sample, sample.three_view())
    split = create_model("gbvs", n_jobs=1, per_view=True).predict([sample])[0].saliency
    whole = create_model("gbvs", n_jobs=1).predict([sample])[0].saliency
    assert split.shape == whole.shape == (96, 288) and not np.allclose(split, whole)


def test_a_video_composes_a_strip():
    frame = np.zeros((64, 80, 3), np.uint8)  # views need not be square when composed from a video
    assert is_three_view_strip(Sample(id="v", video=Path("clip.mp4")), np.concatenate([frame] * 3, axis=1))
