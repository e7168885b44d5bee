"""Grid mini-patch sampling ("fragments", Wu et al., FAST-VQA, ECCV 2022, Sec. 3.1) and the temporal
samplers FAST-VQA and DOVER use, on uint8 frames.

Spatial: a frame is divided into a `grid` x `grid` lattice of equal cells; from every cell one
`patch` x `patch` mini-patch is cut at a random place inside the cell, and the mini-patches are spliced
in lattice order into a (grid * patch)-square fragment (7 x 32 = 224). Frames whose lattice cells
are smaller than a mini-patch are first enlarged (bilinear) until they are not. One set of positions
serves `aligned` consecutive frames (a whole clip), so the mini-patches are temporally consistent.

Temporal: the video is cut into `segments` equal parts; each yields `clip_len` frames `interval`
apart starting at a random offset inside its part (indices wrap around the video's end).

Checked against the authors' code (VQAssessment/FAST-VQA-and-FasterVQA `fastvqa/datasets/
fusion_datasets.py`: `get_spatial_fragments`, `FragmentSampleFrames`; DOVER's copy; read, not copied):
cell origins `min(cell * i, side - patch)`, offsets drawn from [0, cell - patch) (0 when the cell is
no larger than the patch), upsampling by 1/ratio, per-`aligned`-chunk offsets, segment offsets drawn
from [0, segment - clip_len * interval). Change: with `rng=None` (deterministic evaluation) every
offset is the middle of its range; the authors draw random offsets at test time too.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from baselines.deep_iqa.common import resize


def segment_indices(n_frames: int, segments: int, clip_len: int, interval: int,
                    rng: Optional[np.random.Generator]) -> np.ndarray:
    """Frame indices (segments, clip_len): `clip_len` frames `interval` apart in each of `segments`
    equal parts of an `n_frames` video, at a random offset inside the part (its middle when `rng` is
    None); wrapped modulo `n_frames`."""
    if n_frames < 1:
        raise ValueError("a video needs at least one frame")
    part = n_frames // segments
    span = clip_len * interval
    if part > span:
        offsets = (rng.integers(0, part - span, size=segments) if rng is not None
                   else np.full(segments, (part - span) // 2))
    else:
        offsets = np.zeros(segments, dtype=int)
    starts = np.arange(segments) * part + offsets
    return (starts[:, None] + np.arange(clip_len)[None, :] * interval) % n_frames


def enlarge_for_grid(frames: np.ndarray, grid: int, patch: int) -> np.ndarray:
    """Frames enlarged (bilinear) by 1/ratio when a lattice cell would be smaller than a mini-patch,
    ratio = min(H, W) / (grid * patch); unchanged otherwise."""
    h, w = frames.shape[1:3]
    ratio = min(h / (grid * patch), w / (grid * patch))
    if ratio >= 1:
        return frames
    size = int(h / ratio), int(w / ratio)
    return np.stack([resize(f, *size) for f in frames])


def fragment_corners(height: int, width: int, grid: int, patch: int, chunks: int,
                     rng: Optional[np.random.Generator]) -> np.ndarray:
    """Top-left corners (chunks, grid, grid, 2) of every mini-patch: cell origin plus an offset in
    [0, cell - patch) (the middle of that range when `rng` is None), one draw per chunk of frames."""
    corners = np.zeros((chunks, grid, grid, 2), dtype=int)
    for axis, side in enumerate((height, width)):
        cell = side // grid
        origin = np.minimum(cell * np.arange(grid), side - patch)
        if cell > patch:
            offset = (rng.integers(0, cell - patch, size=(chunks, grid, grid)) if rng is not None
                      else np.full((chunks, grid, grid), (cell - patch) // 2))
        else:
            offset = np.zeros((chunks, grid, grid), dtype=int)
        shape = (1, grid, 1) if axis == 0 else (1, 1, grid)
        corners[..., axis] = origin.reshape(shape) + offset
    return corners


def grid_fragments(frames: np.ndarray, grid: int = 7, patch: int = 32, aligned: int = 32,
                   rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """uint8 frames (T, H, W, 3), T a multiple of `aligned` -> fragments (T, grid*patch, grid*patch, 3)."""
    if len(frames) % aligned:
        raise ValueError(f"fragment sampling: {len(frames)} frames are not a multiple of aligned={aligned}")
    frames = enlarge_for_grid(frames, grid, patch)
    chunks = len(frames) // aligned
    corners = fragment_corners(frames.shape[1], frames.shape[2], grid, patch, chunks, rng)
    out = np.empty((len(frames), grid * patch, grid * patch, 3), dtype=np.uint8)
    for c in range(chunks):
        part = frames[c * aligned:(c + 1) * aligned]
        for i in range(grid):
            for j in range(grid):
                top, left = corners[c, i, j]
                out[c * aligned:(c + 1) * aligned, i * patch:(i + 1) * patch, j * patch:(j + 1) * patch] = \
                    part[:, top:top + patch, left:left + patch]
    return out


def resized_view(frames: np.ndarray, height: int, width: int) -> np.ndarray:
    """Every frame resized to `height` x `width`, aspect ratio not kept (DOVER's aesthetic view)."""
    return np.stack([resize(f, height, width) for f in frames])
