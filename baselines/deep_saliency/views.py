"""The 3-view layout and the per-view input preparation shared by the deep saliency models.

A Gen3DHF sample's image is a strip of three views side by side (-45, 0, +45 degrees; 1536x512 in
the release, 768x256 on the default stand-in), and its ground-truth map has the same layout. The
three published networks take one photograph of a fixed size (SALICON 600x800, TranSalNet 288x384,
GazeGAN 480x640; height x width, all 4:3), so every model here works per view:

- each view is cut from the strip (the three widths of `view_edges`, as the classic family cuts
  them) and placed on the network's input canvas the way the method's own code places a photograph:
  stretched to the canvas (SALICON and GazeGAN resize to their size regardless of aspect) or
  letterboxed (TranSalNet's release scales to fit and pads, keeping the aspect);
- the three views of a sample travel as one tensor (V=3, C, h, w); a batch is (B, V, C, h, w) and
  a network runs on the B*V views at once (`flatten_views`);
- the network's per-view maps are put back side by side (`tile_views`): a model's output is the
  map of the whole strip at the network's output resolution, (B, 1, h_out, V * w_out), and the
  training targets are prepared in the same tiled layout, so each objective is computed over the
  whole 3-view map, as the paper's metrics are;
- `ViewPreparation.restore` undoes the placement view by view and returns a map of the strip's
  size (H, W).

Interpolation: images bilinear (the releases use bilinear resizing), maps with area averaging (the
Gen3DHF authors' map pipeline); a binary fixation map is cut at full resolution, area-averaged to
the output grid and kept where positive, so every ground-truth fixation marks the cell it falls in.
"""
from __future__ import annotations

import numpy as np
import torch

from bench.data.saliency_maps import fixation_map

N_VIEWS = 3
FITS = ("stretch", "letterbox")


def view_edges(width: int) -> np.ndarray:
    """Column edges of the three views of a strip `width` pixels wide (4 integers)."""
    return np.linspace(0, width, N_VIEWS + 1).round().astype(int)


def split_views(strip: np.ndarray) -> list[np.ndarray]:
    """The three views of a strip (H, W, ...) as views into it."""
    edges = view_edges(strip.shape[1])
    return [strip[:, a:b] for a, b in zip(edges[:-1], edges[1:])]


def content_box(view_hw: tuple[int, int], canvas_hw: tuple[int, int], fit: str) -> tuple[int, int, int, int]:
    """(top, left, height, width) of a view of size `view_hw` placed on a canvas of `canvas_hw`.

    "stretch" fills the canvas; "letterbox" scales the view to fit and centres it, rounding as
    TranSalNet's release does (integer division of the scaled side, padding split evenly)."""
    (vh, vw), (ch, cw) = view_hw, canvas_hw
    if fit == "stretch":
        return 0, 0, ch, cw
    if vh * cw > vw * ch:  # relatively taller than the canvas: full height, padded left and right
        w = min(cw, vw * ch // vh)
        return 0, (cw - w) // 2, ch, w
    h = min(ch, vh * cw // vw)
    return (ch - h) // 2, 0, h, cw


def place(view: np.ndarray, canvas_hw: tuple[int, int], fit: str, interpolation: int) -> np.ndarray:
    """The view resized into its box on a zero canvas of `canvas_hw` (same dtype and channels)."""
    import cv2

    top, left, h, w = content_box(view.shape[:2], canvas_hw, fit)
    canvas = np.zeros(tuple(canvas_hw) + view.shape[2:], dtype=view.dtype)
    canvas[top:top + h, left:left + w] = cv2.resize(np.ascontiguousarray(view), (w, h), interpolation=interpolation)
    return canvas


def flatten_views(x):
    """(B, V, C, h, w) -> (B * V, C, h, w): the views of a batch as one batch of images."""
    if x.dim() != 5:
        raise ValueError(f"expected a batch of views (B, V, C, h, w); got shape {tuple(x.shape)}")
    return x.flatten(0, 1)


def tile_views(maps, n_views: int):
    """(B * V, C, h, w) per-view maps -> (B, C, h, V * w), the views side by side."""
    bv, c, h, w = maps.shape
    return maps.reshape(bv // n_views, n_views, c, h, w).permute(0, 2, 3, 1, 4).reshape(bv // n_views, c, h, n_views * w)


def untile_views(strip, n_views: int):
    """(B, C, h, V * w) -> (B * V, C, h, w); the inverse of `tile_views`."""
    b, c, h, vw = strip.shape
    if vw % n_views:
        raise ValueError(f"a tiled map's width {vw} is not a multiple of {n_views} views")
    w = vw // n_views
    return strip.reshape(b, c, h, n_views, w).permute(0, 3, 1, 2, 4).reshape(b * n_views, c, h, w)


def _pair(size, option: str) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"{option} must be (height, width); got {size!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"{option} must be positive; got {size!r}")
    return h, w


class ViewPreparation:
    """Base of each method's `Prepare`: one 3-view strip (and its map) -> the network's tensors.

    Calling it with `image` (uint8 RGB strip, H x W x 3) and `saliency` (float map H x W in [0, 1],
    or None) returns a dict of tensors for one sample: the method's inputs (each (V, 3, h, w),
    float32, normalised with the class's MEAN and STD after scaling to [0, 1]) and, with a map,
    "saliency" (1, h_out, V * w_out) float32 and "fixations" (same shape, bool) at the network's
    output resolution. `restore` maps one predicted tiled map back to the strip's size.

    `flip=True` mirrors each view, image and maps alike, with probability 1/2 per sample (drawn
    from torch's generator, which data-loader workers seed): GazeGAN's release trains so.
    Instances hold only their options, so they pickle (for worker processes).
    """

    fit = "stretch"
    MEAN = (0.0, 0.0, 0.0)
    STD = (1.0, 1.0, 1.0)

    def __init__(self, input_size, flip: bool = False):
        self.input_size = _pair(input_size, "input_size")
        self.flip = bool(flip)

    @property
    def output_size(self) -> tuple[int, int]:
        """(h_out, w_out) of the network's map for one view; the input size unless the method says."""
        return self.input_size

    def __repr__(self) -> str:
        return f"{type(self).__name__}(input_size={self.input_size}, flip={self.flip})"

    # ------------------------------------------------------------------ inputs

    def image_tensor(self, view: np.ndarray, canvas_hw: tuple[int, int]):
        """One view placed on a canvas, scaled to [0, 1], normalised: (3, h, w) float32."""
        import cv2

        placed = place(view, canvas_hw, self.fit, cv2.INTER_LINEAR).astype(np.float32) / 255.0
        placed = (placed - np.asarray(self.MEAN, np.float32)) / np.asarray(self.STD, np.float32)
        return torch.from_numpy(np.ascontiguousarray(placed.transpose(2, 0, 1)))

    def inputs(self, views: list[np.ndarray]) -> dict:
        """The network inputs of one sample's views; one tensor "image" unless the method says."""
        return {"image": torch.stack([self.image_tensor(v, self.input_size) for v in views])}

    # ------------------------------------------------------------------ one sample

    def __call__(self, image: np.ndarray, saliency: np.ndarray | None = None) -> dict:
        image = _check_strip(image)
        views = split_views(image)
        maps = None
        if saliency is not None:
            saliency = _check_map(saliency, image.shape[:2])
            maps = (split_views(saliency), split_views(fixation_map(saliency)))
        if self.flip and bool(torch.rand(()) < 0.5):
            views = [v[:, ::-1] for v in views]
            if maps is not None:
                maps = tuple([m[:, ::-1] for m in part] for part in maps)
        out = self.inputs(views)
        if maps is not None:
            out.update(self.targets(*maps))
        return out

    def targets(self, saliency_views: list[np.ndarray], fixation_views: list[np.ndarray]) -> dict:
        """Ground truth tiled at the output resolution: the map area-averaged into each view's box,
        fixations marking every output cell that holds one."""
        import cv2

        size = self.output_size
        smap = [place(v.astype(np.float32), size, self.fit, cv2.INTER_AREA) for v in saliency_views]
        fix = [place(v.astype(np.float32), size, self.fit, cv2.INTER_AREA) > 0 for v in fixation_views]
        return {"saliency": torch.from_numpy(np.concatenate(smap, axis=1)[None]),
                "fixations": torch.from_numpy(np.concatenate(fix, axis=1)[None])}

    # ------------------------------------------------------------------ back to the strip

    def restore(self, pred, height: int, width: int) -> np.ndarray:
        """One predicted tiled map ((1, h_out, V * w_out) or (h_out, V * w_out), tensor or array)
        -> non-negative float32 map of the strip's size (height, width): each view's box cut out
        and resized bilinearly to the view's size."""
        import cv2

        arr = pred.detach().float().cpu().numpy() if hasattr(pred, "detach") else np.asarray(pred, np.float32)
        if arr.ndim == 3 and arr.shape[0] == 1:
            arr = arr[0]
        h_out, w_out = self.output_size
        if arr.shape != (h_out, N_VIEWS * w_out):
            raise ValueError(f"{type(self).__name__}.restore: expected a map of shape "
                             f"(1, {h_out}, {N_VIEWS * w_out}); got {tuple(pred.shape)}")
        edges = view_edges(int(width))
        parts = []
        for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
            top, left, h, w = content_box((int(height), int(b - a)), (h_out, w_out), self.fit)
            box = np.ascontiguousarray(arr[top:top + h, i * w_out + left:i * w_out + left + w])
            parts.append(cv2.resize(box, (int(b - a), int(height)), interpolation=cv2.INTER_LINEAR))
        return np.maximum(np.concatenate(parts, axis=1), 0).astype(np.float32)


def _check_strip(image) -> np.ndarray:
    arr = np.asarray(image)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"the 3-view image must be a uint8 RGB array (H, W, 3); got {arr.dtype} {arr.shape}")
    if arr.shape[1] < N_VIEWS or arr.shape[0] < 1:
        raise ValueError(f"the 3-view image is too small to hold {N_VIEWS} views: {arr.shape}")
    return arr


def _check_map(saliency, shape: tuple[int, int]) -> np.ndarray:
    arr = np.asarray(saliency, dtype=np.float32)
    if arr.shape != tuple(shape):
        raise ValueError(f"the saliency map must have the 3-view image's size {tuple(shape)}; got {arr.shape}")
    if not np.isfinite(arr).all() or arr.min() < 0:
        raise ValueError("the saliency map must be finite and non-negative")
    return arr
