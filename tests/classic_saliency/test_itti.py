"""IT: the SaliencyToolbox variant (default, the paper's row) step by step, the 1998 variant, parallel predict.

The family contract (row, map validity, salient object, strips in both modes) is in test_family_contract.py.
"""
import numpy as np
import pytest

from baselines.classic_saliency import _saliency_toolbox as stb
from baselines.classic_saliency._channels import itti_normalize
from baselines.classic_saliency.itti import itti_saliency
from baselines.classic_saliency.synthetic_images import natural_image
from bench.errors import ConfigError
from bench.models.registry import create_model, get_entry

from ._helpers import strip_sample


def _zero_padded_conv(x, taps_rows, taps_cols):
    """Direct 'same' convolution with zero padding, every output divided by the kernel share inside."""
    k = np.outer(taps_rows, taps_cols)
    kh, kw = k.shape
    out = np.zeros_like(x)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            acc = inside = 0.0
            for a in range(kh):
                for b in range(kw):
                    y, xx = i + kh // 2 - a, j + kw // 2 - b
                    if 0 <= y < x.shape[0] and 0 <= xx < x.shape[1]:
                        acc += k[a, b] * x[y, xx]
                        inside += k[a, b]
            out[i, j] = acc * k.sum() / inside
    return out


def test_default_is_the_toolbox_variant_shown_by_bench_list():
    assert get_entry("it").defaults == {"variant": "saliency_toolbox"}
    assert create_model("it").variant == "saliency_toolbox"
    with pytest.raises(ConfigError, match="variant"):
        create_model("it", variant="walther")


def test_energy_preserving_convolution_matches_direct_sums():
    x = np.random.default_rng(0).random((6, 9))
    taps = np.array([1.0, 3.0, 2.0])
    np.testing.assert_allclose(stb.sep_conv_preserve_energy(taps, taps[::-1], x),
                               _zero_padded_conv(x, taps, taps[::-1]), atol=1e-12)
    long = stb._kernel(1.0, 3.0, 0)  # longer than the 6 rows: the toolbox's small-image branch
    np.testing.assert_allclose(stb.sep_conv_preserve_energy(long, [1.0], x), _zero_padded_conv(x, long, [1.0]),
                               atol=1e-12)


def test_truncated_gaussian_kernel():
    k = stb._kernel(0.5, 2.0, 0)  # half width floor(2 sqrt(-2 ln 0.01)) = 6
    assert len(k) == 13 and k[6] == pytest.approx(0.5 / (2.0 * np.sqrt(2 * np.pi)))
    assert k[0] / k[6] == pytest.approx(np.exp(-36 / 8)) and k[0] / k[6] > 0.01
    assert len(stb._kernel(1.5, 25.0, 7)) == 15  # capped at half the map's smaller side - 1


def test_iterative_normalisation_by_hand():
    x = np.zeros((12, 16))
    x[3, 4], x[8, 11], x[5, 9] = 3.0, 1.0, 2.0
    # round 0: scale to [0, 10]; kernels from the 16-px side: std 0.32 (excitation), 4 (inhibition),
    # both cut at the 1 % level and at half width 12 // 2 - 1 = 5
    m = x / 3.0 * 10.0
    exc = stb._kernel(0.5, 16 * 0.02, 5)
    inh = stb._kernel(1.5, 16 * 0.25, 5)
    assert len(exc) == 1 and len(inh) == 11
    for _ in range(3):
        m = np.maximum(m + _zero_padded_conv(m, exc, exc) - _zero_padded_conv(m, inh, inh) - 0.02 * m.max(), 0)
    np.testing.assert_allclose(stb.iterative_normalize(x, (0, 10)), m, atol=1e-9)
    # (0, 0): no initial rescaling, the map's own units
    np.testing.assert_allclose(stb.iterative_normalize(x, (0, 0)), m * 3.0 / 10.0, atol=1e-9)


def test_iterative_normalisation_keeps_a_lone_peak_and_silences_a_uniform_map():
    one = np.zeros((32, 32))
    one[10, 10] = 1.0
    assert stb.iterative_normalize(one)[10, 10] > 10  # excitation beats inhibition at an isolated peak
    uniform = np.full((32, 32), 0.3)  # activity everywhere: scaled to the middle of [0, 10]
    assert stb.iterative_normalize(uniform).max() == 0.0  # inhibition (x 1.5) beats excitation (x 0.5)


def test_subsampling_keeps_floor_half_and_the_pyramid_runs_to_one_pixel():
    assert stb.gaussian_subsample(np.ones((341, 512))).shape == (170, 256)
    flat = stb.gaussian_subsample(np.full((9, 9), 2.0))
    np.testing.assert_allclose(flat, 2.0)  # energy-preserving borders keep a flat image flat
    assert [p.shape for p in stb.dyadic_pyramid(np.ones((20, 48)))] == [(20, 48), (10, 24), (5, 12), (2, 6), (1, 3)]


def test_toolbox_maps_are_sparser_than_the_1998_form():
    img = natural_image(256, seed=7)
    toolbox = stb.toolbox_saliency(img)
    paper = itti_saliency(img)
    assert toolbox.shape == paper.shape == (16, 16)  # both at 1/16 of the input

    def top_share(m):  # saliency mass on the top 10 % of the pixels
        v = np.sort(m.ravel())[::-1]
        return v[: len(v) // 10].sum() / v.sum()

    assert top_share(toolbox) > top_share(paper) + 0.1


def test_native_map_is_clipped_like_imwrite():
    model = create_model("it", n_jobs=1)
    m = model.native_map(natural_image(128, seed=1))
    assert m.shape == (128, 128) and m.min() >= 0 and m.max() == 1.0  # the [0, 2] map saturates at 1
    assert create_model("it", variant="itti1998").native_map(natural_image(128, seed=1)).shape == (8, 8)


def test_parallel_predict_matches_serial(tmp_path):
    samples = [strip_sample(tmp_path, f"s{i}", view=96, seed=i) for i in range(2)]
    serial = create_model("it", n_jobs=1).predict(samples)
    parallel = create_model("it", n_jobs=2).predict(samples)
    for a, b in zip(serial, parallel):
        np.testing.assert_allclose(a.saliency, b.saliency, atol=1e-6)


def test_1998_normalisation_promotes_one_peak_over_many():
    one = np.zeros((32, 32), np.float32)
    one[10, 10] = 1.0
    many = np.zeros((32, 32), np.float32)
    many[4::6, 4::6] = 1.0
    assert itti_normalize(one).max() == pytest.approx(1.0)
    assert itti_normalize(many).max() < 0.01  # other maxima as high as the global one: (1 - 1)^2
