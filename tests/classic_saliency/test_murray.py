"""Murray et al. SIM (CVPR 2011): wavelet and ECSF pieces (contract: test_family_contract)."""
import numpy as np
import pytest

from baselines.classic_saliency import _murray_wavelet as wavelet
from baselines.classic_saliency import murray


@pytest.mark.parametrize("shape", [(64, 64), (100, 77)])
def test_wavelet_inverse_is_exact(shape):
    x = np.random.default_rng(0).random(shape)
    planes, residuals = wavelet.forward(x, 4)
    assert [p.shape[1] for p in planes] == [planes[0].shape[1] // 2**s for s in range(4)]
    np.testing.assert_allclose(wavelet.inverse(planes, residuals[-1], *shape), x, atol=1e-12)


def test_ecsf_peaks_at_its_preferred_scale():
    f_max, f_min = murray.ecsf(4, "intensity")  # s_g0 = 4 for intensity: the peak value beta
    assert f_max == pytest.approx(4.981624) and 0 < f_min < 1
    assert murray.ecsf(1, "intensity")[0] < 0.1 * f_max
    assert murray.ecsf(6, "colour")[1] == 1.0  # above s_k0 the floor is 1


def test_equal_centre_and_surround_energy_gives_half():
    plane = np.ones((64, 64))
    for orientation in range(3):
        z = murray.relative_contrast(plane, orientation)
        np.testing.assert_allclose(z, 0.5, atol=1e-5)
