"""One Gen3DHF item: a video, its 3-view image, its labels, all loaded lazily.

A `Sample` is what every model's `fit`/`predict` receives. It holds paths and
labels only; pixels are decoded on request and kept by the dataset's `FrameStore` (on disk,
memory-mapped), so every model, fold and worker process asking for the same frames shares one
decode. A sample pickles cheaply into worker processes. `inputs` carries what a model's input
preparation made of it, when the runner prepared it ahead of the model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from bench.data.categories import CATEGORIES
from bench.data.video import THREE_VIEW, FrameSpec, decode_frames, strip
from bench.errors import DataError

if TYPE_CHECKING:
    from bench.data.frame_store import FrameStore

DIMENSIONS = ("quality", "authenticity")

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass
class Sample:
    """A video (or a lone image) with whatever labels the dataset has.

    Paths are absolute. Any label may be missing (None): a user's own videos
    given to `bench predict` have none at all.
    """

    id: str
    video: Optional[Path] = None
    image: Optional[Path] = None  # the 3-view image (-45, 0, +45 degrees side by side)
    saliency_map: Optional[Path] = None  # continuous ground-truth map (grey PNG or .npy)
    mos: dict = field(default_factory=dict)  # {"quality": float, "authenticity": float}
    levels: dict = field(default_factory=dict)  # {"quality": "good", ...}
    distortions: Optional[tuple] = None  # subset of CATEGORIES (multi-label)
    description: Optional[str] = None
    generator: Optional[str] = None
    group: Optional[str] = None  # grouped k-fold keeps a group on one side
    store: Optional["FrameStore"] = field(default=None, repr=False, compare=False)
    inputs: Any = field(default=None, repr=False, compare=False)  # the model's prepared input, if any

    # ---- pixels -----------------------------------------------------------------
    def frames(self, count: Optional[int] = 8, fps: Optional[float] = None,
               size: Optional[int | tuple] = None, spec: Optional[FrameSpec] = None) -> np.ndarray:
        """Frames as uint8 RGB, shape (T, H, W, 3).

        `count`: that many frames spread uniformly over the video; `fps`: frames at
        that rate instead; `size`: resize to (size, size) or (height, width).
        `spec`: a `FrameSpec` instead of the three. An image file is a one-frame video. The array is
        read-only (shared through the frame store).
        """
        spec = spec or FrameSpec(count=None if fps else count, fps=fps, size=_as_hw(size))
        if self.video is None:
            if self.image is None:
                raise DataError(f"sample {self.id}: has neither a video nor an image")
            frame = self._image()
            if spec.size:
                import cv2
                frame = cv2.resize(frame, spec.size[::-1], interpolation=cv2.INTER_AREA)
            return frame[None]
        if self.store is not None:
            return self.store.frames(self.video, spec)
        return decode_frames(self.video, spec)

    def three_view(self) -> np.ndarray:
        """The 3-view image as uint8 RGB (H, 3W, 3): 1536x512 in the release.

        Read from the dataset's image file; without one, composed from the video's
        frames at -45, 0 and +45 degrees of the 180-degree orbit.
        """
        if self.image is not None:
            return self._image()
        if self.video is None:
            raise DataError(f"sample {self.id}: has neither a video nor a 3-view image")
        return strip(self.frames(spec=THREE_VIEW))

    def _image(self) -> np.ndarray:
        return self.store.image(self.image) if self.store is not None else read_rgb(self.image)

    def saliency(self) -> Optional[np.ndarray]:
        """Ground-truth distortion-aware saliency map, float32 in [0, 1], or None."""
        if self.saliency_map is None:
            return None
        from bench.data.saliency_maps import read_saliency_map
        return read_saliency_map(self.saliency_map)

    def fixations(self) -> Optional[np.ndarray]:
        """Binary fixation map derived from the saliency map (authors' rule: >= 0.95 after min-max)."""
        smap = self.saliency()
        if smap is None:
            return None
        from bench.data.saliency_maps import fixation_map
        return fixation_map(smap)

    # ---- labels -----------------------------------------------------------------
    def distortion_vector(self) -> Optional[np.ndarray]:
        """Multi-hot vector over `CATEGORIES`, or None when unlabelled."""
        if self.distortions is None:
            return None
        return np.array([c in self.distortions for c in CATEGORIES], dtype=bool)

    @classmethod
    def from_file(cls, path: str | Path) -> "Sample":
        """An unlabelled sample for a lone video or image file (`bench predict`)."""
        path = Path(path).resolve()
        if path.is_dir():
            raise DataError(f"{path}: is a folder; give video or image files")
        if not path.is_file():
            raise DataError(f"{path}: no such file")
        if path.suffix.lower() in IMAGE_SUFFIXES:
            return cls(id=path.stem, image=path)
        return cls(id=path.stem, video=path)


def _as_hw(size) -> Optional[tuple]:
    if size is None:
        return None
    if isinstance(size, int):
        return (size, size)
    return tuple(int(s) for s in size)


def read_rgb(path: Path) -> np.ndarray:
    import cv2
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise DataError(f"{path}: cannot be read as an image")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
