"""From Qwen2.5-VL's token sequences back to spatial grids, before treating tokens as images.

Two orders hide the layout of a video's patches:

1. The processor flattens patches merge-group first: (t, h/m, w/m, m, m) for a grid of t temporal
   patches, h x w spatial patches and the 2x2 spatial merge (m = 2). The language model's visual
   tokens are one per merge group, in (t, h/m, w/m) raster order.
2. Inside the vision tower, merge groups are permuted into attention windows (`window_index`), and
   every block's hidden states come out in that order; the tower restores the group order only for
   the merger's output.

`vision_grid` undoes both for a block's hidden states; `llm_grid` reshapes the language model's
visual tokens. Both are tested on coordinate-encoded inputs.
"""
from __future__ import annotations

import torch


def window_index(grid_thw: torch.Tensor, vision_config) -> torch.Tensor:
    """The vision tower's permutation of merge groups into windows (its own function, so it cannot drift)."""
    from transformers.vision_utils import get_vision_window_index

    index, _ = get_vision_window_index(grid_thw, spatial_merge_size=vision_config.spatial_merge_size,
                                       window_size=vision_config.window_size, patch_size=vision_config.patch_size)
    return index


def vision_grid(hidden: torch.Tensor, grid_thw, merge: int, index: torch.Tensor) -> torch.Tensor:
    """A vision block's hidden states (seq, C), window-permuted, for ONE video of `grid_thw` = (t, h, w)
    patches -> (t, h, w, C) in image layout."""
    t, h, w = (int(x) for x in grid_thw)
    unit = merge * merge
    groups = hidden.reshape(-1, unit, hidden.shape[-1])[torch.argsort(index)]  # merge-group order
    grid = groups.reshape(t, h // merge, w // merge, merge, merge, -1)
    return grid.permute(0, 1, 3, 2, 4, 5).reshape(t, h, w, -1)


def llm_grid(tokens: torch.Tensor, grid_thw, merge: int) -> torch.Tensor:
    """The language model's visual tokens of one video (n, D), n = t*(h/m)*(w/m) -> (t, h/m, w/m, D)."""
    t, h, w = (int(x) for x in grid_thw)
    return tokens.reshape(t, h // merge, w // merge, tokens.shape[-1])


def view_slices(t: int, positions=(0.25, 0.5, 0.75)) -> list[int]:
    """Temporal patches holding the 3-view image's views (-45, 0, +45 degrees) when the clip's frames sit at
    k/F of the orbit (k = 0..F-1) and pairs of frames form one temporal patch."""
    return [min(int(round(q * t)), t - 1) for q in positions]
