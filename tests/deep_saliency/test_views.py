"""The 3-view layout: splitting, placing, tiling, preparing one sample and restoring its map."""
import pickle

import numpy as np
import pytest
import torch

from baselines.deep_saliency import views
from bench.data.saliency_maps import fixation_map, saliency_from_points

from ._helpers import HEIGHT, METHODS, WIDTH, toy_samples


def test_views_are_cut_as_the_classic_family_cuts_them():
    assert views.view_edges(1536).tolist() == [0, 512, 1024, 1536]
    assert views.view_edges(100).tolist() == [0, 33, 67, 100]
    strip = np.arange(7 * 100).reshape(7, 100)
    parts = views.split_views(strip)
    assert [p.shape[1] for p in parts] == [33, 34, 33] and np.array_equal(np.concatenate(parts, 1), strip)


def test_letterbox_follows_the_transalnet_release():
    # a 512x512 view on the 288x384 canvas: 288x288, 48 pixels of padding each side
    assert views.content_box((512, 512), (288, 384), "letterbox") == (0, 48, 288, 288)
    assert views.content_box((100, 400), (288, 384), "letterbox") == (96, 0, 96, 384)
    assert views.content_box((512, 512), (37, 50), "stretch") == (0, 0, 37, 50)
    placed = views.place(np.full((512, 512), 7, np.uint8), (288, 384), "letterbox", 1)
    assert placed[:, :48].max() == 0 and placed[:, 336:].max() == 0 and placed[:, 48:336].min() == 7


def test_tiling_puts_the_views_side_by_side_and_back():
    maps = torch.arange(2 * 3 * 1 * 2 * 4, dtype=torch.float32).reshape(6, 1, 2, 4)
    strip = views.tile_views(maps, 3)
    assert strip.shape == (2, 1, 2, 12)
    assert torch.equal(strip[1, :, :, 4:8], maps[4]) and torch.equal(views.untile_views(strip, 3), maps)
    with pytest.raises(ValueError, match="multiple of 3"):
        views.untile_views(torch.zeros(1, 1, 2, 10), 3)
    with pytest.raises(ValueError, match=r"\(B, V, C, h, w\)"):
        views.flatten_views(torch.zeros(3, 3, 8, 8))


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_prepare_gives_the_network_tensors_and_tiled_targets(method):
    image, smap = toy_samples(1)[0]
    prepare = method.prepare()
    out = prepare(image, smap)
    h_out, w_out = prepare.output_size
    for key in set(out) - {"saliency", "fixations"}:
        assert out[key].dtype == torch.float32 and out[key].shape[:2] == (3, 3)
    assert out["saliency"].shape == out["fixations"].shape == (1, h_out, 3 * w_out)
    assert out["fixations"].dtype == torch.bool and out["saliency"].dtype == torch.float32
    # every ground-truth fixation marks the output cell it falls in, and only those cells
    fixations = fixation_map(smap)
    restored = prepare.restore(out["fixations"].float(), HEIGHT, WIDTH)
    assert restored[fixations].min() > 0
    assert set(prepare(image)) == set(out) - {"saliency", "fixations"}


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_restore_brings_a_tiled_target_back_onto_the_strip(method):
    image = np.full((HEIGHT, WIDTH, 3), 90, np.uint8)
    smap = saliency_from_points(np.array([[30, 20], [100, 40], [170, 30]]), (HEIGHT, WIDTH), sigma=8,
                                out_size=(HEIGHT, WIDTH))
    prepare = method.prepare()
    restored = prepare.restore(prepare(image, smap)["saliency"], HEIGHT, WIDTH)
    assert restored.shape == (HEIGHT, WIDTH) and restored.dtype == np.float32 and restored.min() >= 0
    assert np.corrcoef(restored.ravel(), smap.ravel())[0, 1] > 0.8
    with pytest.raises(ValueError, match="expected a map of shape"):
        prepare.restore(torch.zeros(1, 5, 5), HEIGHT, WIDTH)


def test_flip_mirrors_each_view_image_and_maps_alike():
    method = METHODS[0]
    image, smap = toy_samples(1, seed=3)[0]
    mirrored = [np.concatenate([v[:, ::-1] for v in views.split_views(a)], axis=1) for a in (image, smap)]
    expected = method.prepare()(*mirrored)
    flips = 0
    for seed in range(6):
        torch.manual_seed(seed)
        got = method.prepare(flip=True)(image, smap)
        flipped = torch.equal(got["fine"], expected["fine"])
        flips += flipped
        if flipped:
            assert all(torch.equal(got[k], expected[k]) for k in got)
    assert 0 < flips < 6


def test_prepare_pickles_and_rejects_bad_input():
    prepare = pickle.loads(pickle.dumps(METHODS[2].prepare()))
    image, smap = toy_samples(1)[0]
    assert torch.equal(prepare(image, smap)["image"], METHODS[2].prepare()(image, smap)["image"])
    with pytest.raises(ValueError, match="uint8 RGB"):
        prepare(image.astype(np.float32), smap)
    with pytest.raises(ValueError, match="3-view image's size"):
        prepare(image, smap[:, :-1])
    with pytest.raises(ValueError, match="non-negative"):
        prepare(image, smap - 1)
    with pytest.raises(ValueError, match="input_size"):
        METHODS[0].module.Prepare(input_size=(600,))
