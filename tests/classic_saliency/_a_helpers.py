"""Shared checks for the AIM/CA/CovSal/GBVS/HFT/IT/Judd tests: a 3-view strip on disk, the map contract."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from baselines.classic_saliency._b_testimages import natural_image, salient_object_image
from bench.data.sample import Sample


def strip_sample(folder: Path, name: str = "strip", view: int = 160, seed: int = 0) -> Sample:
    """A Sample whose 3-view image (3 views of `view` px) is a PNG in `folder`."""
    obj, _ = salient_object_image(view, seed=seed)
    strip = np.concatenate([natural_image(view, seed=seed + 1), obj, natural_image(view, seed=seed + 2)], axis=1)
    path = Path(folder) / f"{name}.png"
    cv2.imwrite(str(path), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))
    return Sample(id=name, image=path)


def assert_valid_map(m: np.ndarray, shape: tuple) -> None:
    m = np.asarray(m)
    assert m.shape == tuple(shape)
    assert np.isfinite(m).all()
    assert m.min() >= 0 and m.max() > 0


def object_over_background(model, size: int = 256, seed: int = 0) -> tuple:
    """(mean saliency on the object, mean on the background) for one obvious salient object."""
    img, mask = salient_object_image(size, seed=seed)
    m = cv2.resize(np.asarray(model.saliency_map(img), np.float32), (size, size), interpolation=cv2.INTER_LINEAR)
    return float(m[mask].mean()), float(m[~mask].mean())
