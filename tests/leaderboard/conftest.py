"""A real run to submit: the tests' fake models plus a saliency model whose maps are already 8-bit, on a
20-video tiny dataset with 2 folds (about 2 s, built once per session)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tests.core.fake_models  # noqa: F401 - registers the t_* models
from bench.data.dataset import load_dataset
from bench.data.splits import make_split
from bench.leaderboard import Board, pack
from bench.models import Model, Prediction, register_model
from bench.runner import RunConfig, run_benchmark
from tests.conftest import build_tiny_dataset

MODELS = ["t_clean", "t_noise_level", "t_mean_regressor", "t_quantised_saliency"]


@register_model("t_quantised_saliency")
class QuantisedSaliency(Model):
    """A centre-bias map at the ground truth's size with integer values 0..255: saving it as uint8 loses
    nothing, so the recorded metrics equal those of the saved maps under any quantisation rule."""

    family = "classic_saliency"
    tasks = frozenset({"saliency"})

    def predict(self, samples):
        out = []
        for s in samples:
            h, w = s.saliency().shape
            yy, xx = np.mgrid[:h, :w]
            shift = 3 * (int(s.id[-1]) % 3)
            g = np.exp(-((xx % (w // 3) - w / 6 - shift) ** 2 + (yy - h / 2) ** 2) / (2 * (h / 4) ** 2))
            g -= g.min()
            out.append(Prediction(saliency=np.rint(255 * g / g.max())))
        return out


@pytest.fixture(scope="session")
def lb_dataset(tmp_path_factory) -> Path:
    return build_tiny_dataset(tmp_path_factory.mktemp("lb-data"), n=20)


@pytest.fixture(scope="session")
def run_dir(lb_dataset, tmp_path_factory) -> Path:
    ds = load_dataset(lb_dataset)
    out = tmp_path_factory.mktemp("lb-run") / "run"
    run_benchmark(ds, make_split(ds, "kfold", 2, seed=0), MODELS, RunConfig(out_dir=out, progress=False))
    return out


@pytest.fixture(scope="session")
def archive(run_dir, tmp_path_factory) -> Path:
    return pack(run_dir, tmp_path_factory.mktemp("lb-sub") / "lab-a.tar.gz", name="lab A").archive


@pytest.fixture
def board(lb_dataset, tmp_path) -> Board:
    return Board.init(tmp_path / "board", lb_dataset, "kfold", folds=2, seed=0)


def snapshot(folder: Path) -> dict:
    """Every file under `folder` with its bytes: what "the board is unchanged" compares."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()} \
        | {p.relative_to(folder).as_posix() + "/": b"" for p in sorted(Path(folder).rglob("*")) if p.is_dir()}
