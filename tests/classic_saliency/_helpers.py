"""Shared pieces of the classic saliency tests: 3-view strips on disk, the map contract, salient objects.

The test images themselves come from `baselines.classic_saliency.synthetic_images` (also used by the
speed benchmark).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from baselines.classic_saliency.synthetic_images import natural_image, salient_object_image
from bench.data.saliency_maps import write_saliency_map
from bench.data.sample import Sample
from bench.models.base import RunContext
from bench.models.registry import create_model


def _write_rgb(path: Path, image: np.ndarray) -> Path:
    cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return path


def strip_sample(folder: Path, name: str = "strip", view: int = 160, seed: int = 0) -> Sample:
    """A Sample whose 3-view image (3 views of `view` px, a salient object in the middle one) is a PNG."""
    obj, _ = salient_object_image(view, seed=seed)
    strip = np.concatenate([natural_image(view, seed=seed + 1), obj, natural_image(view, seed=seed + 2)], axis=1)
    return Sample(id=name, image=_write_rgb(Path(folder) / f"{name}.png", strip))


def object_strip_sample(folder: Path, i: int, view: int = 128) -> Sample:
    """A 3-view strip of salient-object views whose ground-truth saliency map marks the objects."""
    views, gts = [], []
    for k in range(3):
        img, mask = salient_object_image(view, seed=10 * i + k)
        views.append(img)
        gts.append(cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 3))
    gt = np.concatenate(gts, 1)
    image = _write_rgb(Path(folder) / f"o{i}.png", np.concatenate(views, 1))
    smap = Path(folder) / f"o{i}_gt.png"
    write_saliency_map(smap, gt / gt.max())
    return Sample(id=f"o{i}", image=image, saliency_map=smap)


def ready_model(name: str, folder: Path, **config):
    """create_model(name, n_jobs=1, **config); a learned model (Judd) is first fitted on three object strips."""
    model = create_model(name, n_jobs=1, **config)
    if model.trainable:
        model.fit([object_strip_sample(folder, i) for i in range(3)], RunContext(seed=0))
    return model


def assert_valid_map(m: np.ndarray, shape: tuple) -> None:
    """The family's output contract: float32, the 3-view image's shape, finite, non-negative, not all zero."""
    m = np.asarray(m)
    assert m.shape == tuple(shape) and m.dtype == np.float32
    assert np.isfinite(m).all()
    assert m.min() >= 0 and m.max() > 0


def object_over_background(model, size: int = 512, seed: int = 0) -> tuple:
    """(mean saliency on the object, mean on the background) for one obvious salient object."""
    img, mask = salient_object_image(size, seed=seed)
    m = cv2.resize(np.asarray(model.saliency_map(img), np.float32), (size, size), interpolation=cv2.INTER_LINEAR)
    return float(m[mask].mean()), float(m[~mask].mean())
