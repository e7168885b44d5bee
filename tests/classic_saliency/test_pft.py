"""PFT (Guo et al. 2008): phase-only reconstruction (contract: test_family_contract)."""
import numpy as np

from baselines.classic_saliency import pft
from baselines.classic_saliency.synthetic_images import natural_image


def test_only_the_phase_matters():
    # Scaling the contrast about the mean multiplies every non-DC Fourier coefficient by the same
    # positive factor: phases are unchanged, so is the PFT map (up to uint8 rounding).
    img = natural_image(256, seed=4).astype(float)
    low = np.clip((img - img.mean()) * 0.5 + img.mean(), 0, 255)
    a = pft.phase_spectrum_saliency(img.astype(np.uint8))
    b = pft.phase_spectrum_saliency(low.round().astype(np.uint8))
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.97
