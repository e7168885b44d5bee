"""PFT (Guo et al. 2008): contract, salient object, phase-only reconstruction."""
import numpy as np
import pytest

from baselines.classic_saliency import pft
from baselines.classic_saliency._b_testimages import natural_image, salient_object_image
from bench.models.registry import create_model


@pytest.fixture(scope="module")
def model():
    return create_model("pft")


def test_registered_row(model):
    assert model.paper_row == "PFT [17]" and model.family == "classic_saliency"


@pytest.mark.parametrize("shape", [(512, 512), (300, 420), (96, 200)])
def test_maps_finite_nonnegative_right_shape(model, shape):
    img = natural_image(max(shape), seed=2)[: shape[0], : shape[1]]
    m = model.saliency_map(img)
    assert m.shape == shape and np.isfinite(m).all() and m.min() >= 0 and m.max() > 0


def test_flat_image_gives_finite_map(model):
    m = model.saliency_map(np.full((128, 128, 3), 7, np.uint8))
    assert np.isfinite(m).all()


def test_salient_object_beats_background(model):
    img, mask = salient_object_image(512, seed=0)
    m = model.saliency_map(img)
    assert m[mask].mean() > 1.5 * m[~mask].mean()


def test_only_the_phase_matters():
    # Scaling the contrast about the mean multiplies every non-DC Fourier coefficient by the same
    # positive factor: phases are unchanged, so is the PFT map (up to uint8 rounding).
    img = natural_image(256, seed=4).astype(float)
    low = np.clip((img - img.mean()) * 0.5 + img.mean(), 0, 255)
    a = pft.phase_spectrum_saliency(img.astype(np.uint8))
    b = pft.phase_spectrum_saliency(low.round().astype(np.uint8))
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.97
