"""AIM (Bruce & Tsotsos): the shipped ICA basis, filter responses, basis recipe (contract: test_family_contract)."""
import json

import numpy as np
import pytest

from baselines.classic_saliency import aim


def test_shipped_basis_follows_the_recipe():
    with np.load(aim.BASIS_FILE) as z:
        filters, meta = z["filters"], json.loads(str(z["meta"]))
    assert filters.shape[1:] == (21, 21, 3) and 10 <= filters.shape[0] <= 100
    assert meta["variance_kept"] >= 0.95 and meta["components"] == filters.shape[0]


def test_responses_are_patch_projections():
    img = np.random.default_rng(2).random((40, 44, 3)).astype(np.float32)
    filters, mean = aim.load_basis()
    resp = aim.basis_responses(img)
    y, x = 7, 11
    patch = img[y:y + 21, x:x + 21]
    expected = np.tensordot(filters, patch - mean, axes=([1, 2, 3], [0, 1, 2]))
    np.testing.assert_allclose(resp[:, y, x], expected, rtol=1e-3, atol=1e-3)
    assert resp.shape[1:] == (20, 24)


def test_missing_basis_is_a_clear_error(tmp_path):
    from bench.errors import ModelUnavailable

    with pytest.raises(ModelUnavailable, match="AIM ICA basis missing"):
        aim.load_basis(str(tmp_path / "none.npz"))
    ok, why = aim.AIM.availability({"basis": str(tmp_path / "none.npz")})
    assert not ok and "basis" in why


@pytest.mark.filterwarnings("ignore:FastICA did not converge")  # 3000 tiny patches; the real run converges
def test_basis_learning_recipe_on_small_patches():
    from baselines.classic_saliency.learn_aim_basis import learn_ica_basis, sample_patches
    from baselines.classic_saliency.synthetic_images import natural_image

    from threadpoolctl import threadpool_limits

    patches = sample_patches([natural_image(64, seed=s) for s in range(3)], 3000, patch=5, seed=0)
    with threadpool_limits(limits=1):  # 2000 FastICA rounds on a busy machine: BLAS threads only contend
        basis = learn_ica_basis(patches, variance=0.95, seed=0)
    k = basis["filters"].shape[0]
    assert basis["filters"].shape == (k, 5, 5, 3) and basis["variance_kept"] >= 0.95
    sources = (patches - basis["mean"].ravel()) @ basis["filters"].reshape(k, -1).T
    np.testing.assert_allclose(np.cov(sources.T), np.eye(k), atol=0.05)  # whitened, unmixed sources
