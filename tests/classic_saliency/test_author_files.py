"""AIM and SUN with their authors' files: the readers (always, on synthetic files in the authors'
layout) and, where the files are on this machine, the maps against the authors' code.

The authors' files are not in the repository (AIM's copyright notice forbids redistributing it).
Point the tests at them with environment variables:

- GEN3DHF_AUTHOR_FILES: a folder holding (anywhere below it) AIM's `21jade950.mat` and SUN's
  `stats.mat`, e.g. a checkout of H. Duan's baseline_saliency_models bundle;
- GEN3DHF_AUTHOR_MAPS: a folder with `imgs/*.png` and the authors' maps of them made by
  `benchmarks/octave/run_authors_saliency.m` (`out/AIM/*.mat`, `out/SUN/*.mat`).
"""
import os
from pathlib import Path

import numpy as np
import pytest
from scipy.io import savemat
from scipy.signal import convolve2d

from baselines.classic_saliency import aim, sun
from bench.models.registry import create_model, get_entry

AUTHOR_FILES = os.environ.get("GEN3DHF_AUTHOR_FILES")
AUTHOR_MAPS = os.environ.get("GEN3DHF_AUTHOR_MAPS")


def _find(name: str) -> Path:
    if not AUTHOR_FILES:
        pytest.skip(f"set GEN3DHF_AUTHOR_FILES to a folder holding the authors' {name} to run this test")
    found = sorted(Path(AUTHOR_FILES).rglob(name))
    if not found:
        pytest.skip(f"no {name} under GEN3DHF_AUTHOR_FILES={AUTHOR_FILES}")
    return found[0]


def test_bench_list_shows_which_basis_and_statistics():
    assert get_entry("aim").defaults == {"basis": "learned"}
    assert get_entry("sun").defaults == {"stats": "learned"}


def test_aim_reads_the_authors_basis_layout(tmp_path):
    # AIM.m projects the patch t(:) of inimage(i-ph:i+ph, j-ph:j+ph, :) (column-major) on each row of B
    rng = np.random.default_rng(0)
    p, k = 5, 4
    unmixing = rng.standard_normal((k, 3 * p * p))
    savemat(tmp_path / "b.mat", {"B": unmixing})
    img = rng.random((12, 14, 3)).astype(np.float32)
    resp = aim.basis_responses(img, str(tmp_path / "b.mat"))
    i, j = 3, 6  # top-left corner of the patch (0-based)
    patch = img[i:i + p, j:j + p].astype(np.float64).ravel(order="F")  # MATLAB's t(:)
    np.testing.assert_allclose(resp[:, i, j], unmixing @ patch, rtol=1e-4, atol=1e-4)


def test_sun_reads_the_authors_statistics_layout(tmp_path):
    # saliencyimage_convolution.m: sum over channels of conv2(img(:,:,c), reshape(B1(f, c-th third), p, p), 'valid')
    rng = np.random.default_rng(1)
    p, d = 3, 2
    rows = rng.standard_normal((d, 3 * p * p))
    savemat(tmp_path / "stats.mat", {"B1": rows, "sigmas": np.ones((1, d)), "thetas": np.ones((1, d))})
    prm = sun.load_params(tmp_path / "stats.mat")
    img = rng.random((9, 8, 3)).astype(np.float32)
    ours = sun.filter_responses(img, prm["filters"])
    for f in range(d):
        theirs = sum(convolve2d(img[..., c], rows[f, c * p * p:(c + 1) * p * p].reshape(p, p, order="F"), "valid")
                     for c in range(3))
        np.testing.assert_allclose(ours[..., f], theirs, rtol=1e-4, atol=1e-5)


def test_the_authors_files_load():
    filters, mean = aim.load_basis(str(_find("21jade950.mat")))
    assert filters.shape == (25, 21, 21, 3) and not mean.any()
    prm = sun.load_params(_find("stats.mat"))
    assert prm["filters"].shape == (362, 11, 11, 3) and prm["sigmas"].shape == prm["thetas"].shape == (362,)
    f = prm["filters"].reshape(362, -1)
    np.testing.assert_allclose(f.sum(axis=1), 0, atol=1e-4 * np.abs(f).max())  # zero-sum filters


@pytest.mark.parametrize("name,option,file,folder", [("aim", "basis", "21jade950.mat", "AIM"),
                                                     ("sun", "stats", "stats.mat", "SUN")])
def test_maps_follow_the_authors_code(name, option, file, folder):
    import cv2
    from scipy.io import loadmat

    path = _find(file)
    if not AUTHOR_MAPS:
        pytest.skip("set GEN3DHF_AUTHOR_MAPS to the folder of benchmarks/octave/run_authors_saliency.m's output")
    pairs = [(img, Path(AUTHOR_MAPS) / "out" / folder / f"{img.name}.mat")
             for img in sorted((Path(AUTHOR_MAPS) / "imgs").glob("*.png"))]
    pairs = [(img, ref) for img, ref in pairs if ref.is_file()][:3]
    if not pairs:
        pytest.skip(f"no authors' {folder} maps under {AUTHOR_MAPS}/out/{folder}")
    model = create_model(name, n_jobs=1, **{option: str(path)})
    for img, ref in pairs:
        rgb = cv2.cvtColor(cv2.imread(str(img)), cv2.COLOR_BGR2RGB)
        theirs = np.clip(loadmat(str(ref))["sal"], 0, 1)
        ours = model.strip_saliency(rgb)
        assert np.corrcoef(ours.ravel(), theirs.ravel())[0, 1] >= 0.95, img.name
