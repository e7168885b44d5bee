import cv2
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from bench.data.saliency_maps import (fixation_map, red_dot_centres, saliency_from_annotated_image,
                                      saliency_from_points)


def _annotated(points, size=(512, 1536), radius=5):
    img = np.full((*size, 3), 120, np.uint8)
    img[..., 1] = 140  # greyish-green skin stand-in: never mistaken for red
    for x, y in points:
        cv2.circle(img, (x, y), radius, (255, 0, 0), -1)  # RGB red dot, area ~ 80 px
    return img


def test_red_dots_found_at_their_centres():
    pts = [(100, 200), (700, 50), (1400, 480)]
    found = red_dot_centres(_annotated(pts))
    assert len(found) == 3
    for x, y in pts:
        assert np.min(np.hypot(found[:, 0] - x, found[:, 1] - y)) < 0.5


def test_dot_area_filter_and_dark_red_ignored():
    img = _annotated([(100, 100)], radius=2)  # area ~ 13 px < 20: dropped, like the authors' filter
    cv2.circle(img, (300, 300), 30, (255, 0, 0), -1)  # area ~ 2800 px > 200: dropped
    cv2.circle(img, (600, 300), 5, (150, 0, 0), -1)  # value 150 < 200: not annotator red
    assert len(red_dot_centres(img)) == 0


def test_saliency_map_is_gaussian_sigma5_max_normalised():
    smap = saliency_from_points(np.array([[50.0, 40.0]]), (100, 120), out_size=(100, 120))
    ref = np.zeros((100, 120))
    ref[40, 50] = 1
    ref = gaussian_filter(ref, 5)
    np.testing.assert_allclose(smap, ref / ref.max(), atol=1e-6)
    assert smap.max() == pytest.approx(1.0) and smap.dtype == np.float32


def test_full_pipeline_size_and_fixations():
    smap = saliency_from_annotated_image(_annotated([(100, 200), (800, 300)]))
    assert smap.shape == (512, 1536)
    fix = fixation_map(smap)
    ys, xs = np.nonzero(fix)
    d = np.minimum(np.hypot(xs - 100, ys - 200), np.hypot(xs - 800, ys - 300))
    assert d.max() <= 2.5 and fix[200, 100] and fix[300, 800]  # 0.95 of a sigma-5 Gaussian: radius ~1.6 px
    assert not fixation_map(np.zeros((4, 4))).any()
