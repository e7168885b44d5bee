"""SR (Hou & Zhang 2007): the spectral-residual definition (contract: test_family_contract)."""
import numpy as np

from baselines.classic_saliency import sr
from baselines.classic_saliency.synthetic_images import natural_image


def test_residual_removes_the_smooth_log_spectrum():
    # An image whose log amplitude is smooth (1/f noise) gives a near-flat residual map away from
    # structure; adding one small bright square makes that square the maximum.
    img = natural_image(256, seed=3)
    img = (0.3 * img + 90).astype(np.uint8)  # low contrast background
    img[100:116, 180:196] = 255
    m = sr.spectral_residual(img)
    y, x = np.unravel_index(np.argmax(m), m.shape)
    assert 84 <= y <= 132 and 164 <= x <= 212
