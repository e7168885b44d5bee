"""Video decoding with PyAV and a bounded frame cache shared by every model of a run."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from bench.errors import DataError


@dataclass(frozen=True)
class FrameSpec:
    """Which frames, at which size. `count` frames uniformly spread, or every frame at `fps`;
    both None means every frame."""

    count: Optional[int] = 8
    fps: Optional[float] = None
    size: Optional[tuple] = None  # (height, width)


def _frame_indices(n_frames: int, native_fps: float, spec: FrameSpec) -> np.ndarray:
    if n_frames <= 0:
        return np.zeros(0, dtype=int)
    if spec.fps:
        step = max(native_fps / spec.fps, 1.0)
        return np.unique(np.floor(np.arange(0, n_frames, step)).astype(int))
    if spec.count:
        # centres of `count` equal segments: symmetric over the orbit, never the clip's very ends
        return np.unique(np.floor((np.arange(spec.count) + 0.5) * n_frames / spec.count).astype(int))
    return np.arange(n_frames)


def decode_frames(path: Path, spec: FrameSpec = FrameSpec()) -> np.ndarray:
    """Decode the frames `spec` asks for: uint8 RGB (T, H, W, 3)."""
    import av
    import cv2

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: video file is missing")
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            native_fps = float(stream.average_rate or 60)
            # Inter-coded video must be decoded in full, but only the wanted frames are converted
            # to RGB (the costly part) when the container states its frame count.
            wanted = set(_frame_indices(stream.frames, native_fps, spec).tolist()) if stream.frames else None
            frames = [f.to_ndarray(format="rgb24") if wanted is None or i in wanted else None
                      for i, f in enumerate(container.decode(stream))]
    except (av.error.FFmpegError, IndexError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be decoded as a video ({exc})") from exc
    if not frames:
        raise DataError(f"{path}: video has no frames")
    if wanted is not None and len(frames) != stream.frames:  # header lied: convert what we must
        wanted = None
    idx = _frame_indices(len(frames), native_fps, spec)
    if any(frames[i] is None for i in idx):
        return decode_frames_all(path, spec)
    picked = [frames[i] for i in idx]
    if spec.size:
        h, w = spec.size
        picked = [cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in picked]
    return np.stack(picked)


def decode_frames_all(path: Path, spec: FrameSpec) -> np.ndarray:
    """Fallback for containers whose stated frame count is wrong: convert every frame."""
    import av
    import cv2

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        native_fps = float(stream.average_rate or 60)
    picked = [frames[i] for i in _frame_indices(len(frames), native_fps, spec)]
    if spec.size:
        h, w = spec.size
        picked = [cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in picked]
    return np.stack(picked)


def three_view_from_video(path: Path) -> np.ndarray:
    """-45, 0, +45 degree frames of a uniform 180-degree orbit, side by side (H, 3W, 3).

    The orbit spans -90..+90 degrees over the clip, so the three views sit at 1/4, 1/2, 3/4.
    """
    frames = decode_frames(path, FrameSpec(count=None))
    n = len(frames)
    picks = [min(int(round(q * (n - 1))), n - 1) for q in (0.25, 0.5, 0.75)]
    return np.concatenate([frames[i] for i in picks], axis=1)


class FrameCache:
    """LRU cache of decoded frames, keyed by (file, size, mtime, FrameSpec), bounded in bytes.

    One per run: models and folds that want the same frames of the same video share one
    decode. `decodes` counts real decodes, `hits` the requests served from memory.
    """

    def __init__(self, max_bytes: int = 2 * 1024**3):
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.decodes = 0
        self.hits = 0

    def get(self, path: Path, spec: FrameSpec) -> np.ndarray:
        path = Path(path)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise DataError(f"{path}: video file is missing") from None
        key = (str(path), st.st_size, st.st_mtime_ns, spec)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        frames = decode_frames(path, spec)
        frames.setflags(write=False)  # shared between models: nobody may modify it in place
        with self._lock:
            self.decodes += 1
            if frames.nbytes <= self.max_bytes:
                self._items[key] = frames
                self._bytes += frames.nbytes
                while self._bytes > self.max_bytes:
                    _, old = self._items.popitem(last=False)
                    self._bytes -= old.nbytes
        return frames

    @property
    def nbytes(self) -> int:
        return self._bytes
