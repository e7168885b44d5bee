"""Video decoding with PyAV: which frames (`FrameSpec`), decoded once per video (`decode_specs`).

Decoded frames are kept on disk by `bench.data.frame_store.FrameStore`, shared by every model,
fold and worker process of a run."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from bench.errors import DataError


@dataclass(frozen=True)
class FrameSpec:
    """Which frames, at which size: `count` frames uniformly spread, every frame at `fps`, or the
    frames at `positions` (fractions of the clip, 0 = first frame, 1 = last); all None means every
    frame. `size` (height, width) resizes them (OpenCV INTER_AREA)."""

    count: Optional[int] = 8
    fps: Optional[float] = None
    size: Optional[tuple] = None  # (height, width)
    positions: Optional[tuple] = None

    def slug(self) -> str:
        """A short, filesystem-safe name of the selection (the frame store's folder name)."""
        if self.positions:
            what = "at" + "-".join(f"{p:g}" for p in self.positions)
        elif self.fps:
            what = f"fps{self.fps:g}"
        elif self.count:
            what = f"n{self.count}"
        else:
            what = "all"
        return what + (f"_{self.size[0]}x{self.size[1]}" if self.size else "_native")


# The 3-view image's frames: -45, 0 and +45 degrees of the uniform 180-degree orbit (-90..+90 over the
# clip) sit at 1/4, 1/2 and 3/4 of it.
THREE_VIEW = FrameSpec(count=None, positions=(0.25, 0.5, 0.75))


def _frame_indices(n_frames: int, native_fps: float, spec: FrameSpec) -> np.ndarray:
    if n_frames <= 0:
        return np.zeros(0, dtype=int)
    if spec.positions:
        return np.array([min(int(round(q * (n_frames - 1))), n_frames - 1) for q in spec.positions])
    if spec.fps:
        step = max(native_fps / spec.fps, 1.0)
        return np.unique(np.floor(np.arange(0, n_frames, step)).astype(int))
    if spec.count:
        # centres of `count` equal segments: symmetric over the orbit, never the clip's very ends
        return np.unique(np.floor((np.arange(spec.count) + 0.5) * n_frames / spec.count).astype(int))
    return np.arange(n_frames)


def decode_frames(path: Path, spec: FrameSpec = FrameSpec()) -> np.ndarray:
    """Decode the frames `spec` asks for: uint8 RGB (T, H, W, 3)."""
    return decode_specs(path, [spec])[0]


def decode_specs(path: Path, specs) -> list[np.ndarray]:
    """Decode a video once and return the frames of every spec in `specs` (uint8 RGB (T, H, W, 3) each).

    Inter-coded video must be decoded in full, but only the frames some spec wants are converted to
    RGB (the costly part) when the container states its frame count.
    """
    import av

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: video file is missing")
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            native_fps = float(stream.average_rate or 60)
            stated = stream.frames
            wanted = set()
            for spec in specs:
                wanted |= set(_frame_indices(stated, native_fps, spec).tolist()) if stated else set()
            frames = [f.to_ndarray(format="rgb24") if not stated or i in wanted else None
                      for i, f in enumerate(container.decode(stream))]
    except (av.error.FFmpegError, IndexError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be decoded as a video ({exc})") from exc
    if not frames:
        raise DataError(f"{path}: video has no frames")
    picks = [_frame_indices(len(frames), native_fps, spec) for spec in specs]
    if any(frames[i] is None for idx in picks for i in idx):  # the header lied about the frame count
        return _decode_all(path, specs)
    return [_select(frames, idx, spec) for idx, spec in zip(picks, specs)]


def _decode_all(path: Path, specs) -> list[np.ndarray]:
    """Fallback for containers whose stated frame count is wrong: convert every frame."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        native_fps = float(stream.average_rate or 60)
    return [_select(frames, _frame_indices(len(frames), native_fps, spec), spec) for spec in specs]


def _select(frames: list, idx, spec: FrameSpec) -> np.ndarray:
    import cv2

    picked = [frames[i] for i in idx]
    if spec.size:
        h, w = spec.size
        picked = [cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in picked]
    return np.stack(picked)


def three_view_from_video(path: Path) -> np.ndarray:
    """-45, 0, +45 degree frames of the orbit side by side (H, 3W, 3)."""
    return strip(decode_frames(path, THREE_VIEW))


def strip(views: np.ndarray) -> np.ndarray:
    """(3, H, W, 3) views -> the (H, 3W, 3) 3-view image."""
    return np.concatenate(list(views), axis=1)
