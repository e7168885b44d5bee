"""MATLAB-style imresize: hand values and Pillow (same kernels, clamped rather than mirrored borders)."""
import numpy as np
import pytest
from PIL import Image

from bench.metrics.resize import _cubic, imresize_matlab, resize_matrix, resize_to


def test_cubic_kernel_values():
    # Keys kernel, a = -0.5: 1 at 0, 0 at the integers, 0.5625 at 1/2, -0.0625 at 3/2
    np.testing.assert_allclose(_cubic(np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5])),
                               [1.0, 0.5625, 0.0, -0.0625, 0.0, 0.0], atol=1e-15)


def test_bilinear_upscale_by_hand():
    # MATLAB: imresize([0 1], [1 4], 'bilinear') = [0 0.25 0.75 1] (mirrored border)
    np.testing.assert_allclose(imresize_matlab(np.array([[0.0, 1.0]]), (1, 4), "bilinear"),
                               [[0.0, 0.25, 0.75, 1.0]], atol=1e-15)


@pytest.mark.parametrize("method", ["bicubic", "bilinear", "nearest"])
@pytest.mark.parametrize("size", [(3, 17), (16, 5), (40, 40)])
def test_rows_sum_to_one_and_constants_survive(method, size):
    for n_in, n_out in (size, size[::-1]):
        np.testing.assert_allclose(resize_matrix(n_in, n_out, method).sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(imresize_matlab(np.full((12, 20), 0.3), size, method), 0.3, atol=1e-12)


@pytest.mark.parametrize("shape", [(32, 48), (16, 40), (100, 150), (128, 192)])
@pytest.mark.parametrize("method,pil", [("bicubic", Image.BICUBIC), ("bilinear", Image.BILINEAR)])
def test_interior_matches_pillow(shape, method, pil):
    x = np.random.default_rng(0).random((64, 96)).astype(np.float32)
    ours = imresize_matlab(x, shape, method)
    theirs = np.asarray(Image.fromarray(x, mode="F").resize((shape[1], shape[0]), pil))
    border = 6  # Pillow clamps the kernel at the edges, MATLAB mirrors: compare the interior
    np.testing.assert_allclose(ours[border:-border, border:-border],
                               theirs[border:-border, border:-border], atol=2e-7)


def test_resize_to_same_size_is_a_float64_copy_and_none_refuses():
    x = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    out = resize_to(x, (3, 4))
    assert out.dtype == np.float64 and np.array_equal(out, x)
    with pytest.raises(ValueError, match="resize=None"):
        resize_to(x, (6, 8), None)
    with pytest.raises(ValueError, match="unknown resize method"):
        resize_to(x, (6, 8), "lanczos")
    area = resize_to(np.ones((1, 8, 8)), (4, 4), "area")
    np.testing.assert_allclose(area, 1.0)
