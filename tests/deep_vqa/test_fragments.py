"""Grid mini-patch sampling covers the frame with non-overlapping cells; the temporal samplers."""
import numpy as np
import pytest

from baselines.deep_vqa.fragments import enlarge_for_grid, fragment_corners, grid_fragments, segment_indices


def coordinate_video(frames: int, height: int, width: int) -> np.ndarray:
    """Pixel (t, y, x) holds (y, x, t): every sampled pixel tells where it came from."""
    t, y, x = np.meshgrid(np.arange(frames), np.arange(height), np.arange(width), indexing="ij")
    return np.stack([y, x, t], -1).astype(np.uint8)


@pytest.mark.parametrize("rng", [None, np.random.default_rng(3)])
def test_fragments_take_one_patch_from_every_grid_cell_without_overlap(rng):
    grid, patch, aligned = 4, 8, 2
    video = coordinate_video(4, 50, 70)  # cells of 12 x 17 pixels
    out = grid_fragments(video, grid, patch, aligned, rng)
    assert out.shape == (4, grid * patch, grid * patch, 3)
    covered = np.zeros((2, 50, 70), dtype=int)
    for t in range(4):
        for i in range(grid):
            for j in range(grid):
                p = out[t, i * patch:(i + 1) * patch, j * patch:(j + 1) * patch].astype(int)
                top, left = p[0, 0, 0], p[0, 0, 1]
                # a contiguous crop of frame t ...
                assert (p[..., 0] == top + np.arange(patch)[:, None]).all()
                assert (p[..., 1] == left + np.arange(patch)[None, :]).all()
                assert (p[..., 2] == t).all()
                # ... inside grid cell (i, j)
                assert i * 12 <= top and top + patch <= (i + 1) * 12
                assert j * 17 <= left and left + patch <= (j + 1) * 17
                if t % aligned == 0:
                    covered[t // aligned, top:top + patch, left:left + patch] += 1
                else:  # the frames of one chunk share the positions
                    q = out[t - 1, i * patch:(i + 1) * patch, j * patch:(j + 1) * patch]
                    assert (q[..., :2] == p[..., :2]).all()
    assert covered.max() == 1 and (covered.sum(axis=(1, 2)) == grid * grid * patch * patch).all()


def test_fragment_positions_are_random_per_chunk_and_centred_without_rng():
    corners = fragment_corners(70, 70, 2, 16, chunks=50, rng=np.random.default_rng(0))
    assert len({tuple(c.ravel()) for c in corners}) > 40  # independent draws per chunk
    assert corners[..., 0].min() >= 0 and corners[:, 1, :, 0].min() >= 35 and corners[..., 0].max() < 35 + 35 - 16
    centred = fragment_corners(70, 70, 2, 16, chunks=1, rng=None)
    assert centred[0, :, :, 0].tolist() == [[9, 9], [44, 44]]  # cell 35, offset (35 - 16) // 2 = 9


def test_small_frames_are_enlarged_until_cells_hold_a_patch():
    video = coordinate_video(2, 40, 50)
    assert enlarge_for_grid(video, 2, 32).shape == (2, 64, 80, 3)
    assert enlarge_for_grid(video, 1, 32) is video
    assert grid_fragments(video, 2, 32, 2).shape == (2, 64, 64, 3)
    with pytest.raises(ValueError, match="multiple of aligned"):
        grid_fragments(video, 2, 32, aligned=3)


def test_segment_indices_hand_examples():
    assert segment_indices(100, 4, 3, 2, None).tolist() == [[9, 11, 13], [34, 36, 38], [59, 61, 63], [84, 86, 88]]
    # a clip longer than its segment starts at the segment and wraps around the video
    assert segment_indices(10, 1, 8, 2, None).tolist() == [[0, 2, 4, 6, 8, 0, 2, 4]]
    drawn = segment_indices(100, 4, 3, 2, np.random.default_rng(0))
    starts = drawn[:, 0] - np.arange(4) * 25
    assert ((0 <= starts) & (starts < 25 - 6)).all()
    # DOVER's aesthetic view: one frame from each of 32 segments
    one = segment_indices(240, 32, 1, 2, None)
    assert one.shape == (32, 1) and (np.diff(one[:, 0]) == 7).all()
