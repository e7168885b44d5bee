"""HFT (Li et al. 2013): the quaternion transform, the eight candidates (contract: test_family_contract)."""
import numpy as np

from baselines.classic_saliency import hft


def _qmul(a, b):
    w1, x1, y1, z1 = a
    w2, x2, y2, z2 = b
    return np.array([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2, w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                     w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2, w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2])


def test_two_fft_split_is_the_left_quaternion_fourier_transform():
    rng = np.random.default_rng(3)
    h, w = 3, 4
    pure = rng.normal(size=(h, w, 3))
    mu = np.ones(3) / np.sqrt(3)
    naive = np.zeros((h, w, 4))
    for u in range(h):
        for v in range(w):
            for m in range(h):
                for n in range(w):
                    th = 2 * np.pi * (u * m / h + v * n / w)
                    naive[u, v] += _qmul(np.r_[np.cos(th), -np.sin(th) * mu], np.r_[0.0, pure[m, n]])
    basis = hft._axis_basis(mu)
    x1, x2, x3 = np.moveaxis(pure @ basis.T, -1, 0)
    c1, c2 = np.fft.fft2(1j * x1), np.fft.fft2(x2 + 1j * x3)
    fast = np.concatenate([c1.real[..., None], c1.imag[..., None] * basis[0] + c2.real[..., None] * basis[1]
                           + c2.imag[..., None] * basis[2]], axis=-1)
    np.testing.assert_allclose(fast, naive, atol=1e-10)


def test_eight_candidates_at_128():
    from baselines.classic_saliency.synthetic_images import natural_image

    cands = hft.hft_candidates(natural_image(200, seed=4))
    assert cands.shape == (8, 128, 128) and np.isfinite(cands).all()
