"""Decoded frames on disk: each video is decoded once per frame selection, for every model, fold,
worker process and later run, and read back memory-mapped.

Layout: `<root>/<dataset key>/<FrameSpec.slug()>/<video key>.npy` (uint8 RGB (T, H, W, 3)), where
the dataset key names the dataset folder and the video key hashes the video's path, size and
modification time (a re-encoded video is decoded again). Files are written atomically, so
processes that race on one video each write a whole file and one wins. `decodes.log` gets one
line per decode, appended by whichever process decoded: the run counts its decodes from it
across worker processes. When `max_bytes` is set, the least recently used files are removed
once the store outgrows it.

The store holds paths and numbers only, so a `Sample` carrying it pickles into worker processes.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from bench.data.video import FrameSpec, decode_specs
from bench.io import atomic_write_bytes

LOG = "decodes.log"


@dataclass(frozen=True)
class FrameStore:
    root: Path
    max_bytes: Optional[int] = None

    @classmethod
    def for_dataset(cls, base: Path, dataset_root: Path, max_bytes: Optional[int] = None) -> "FrameStore":
        root = Path(dataset_root).resolve()
        key = re.sub(r"[^A-Za-z0-9]+", "-", root.name).strip("-")[:40] or "dataset"
        key += "-" + hashlib.sha1(str(root).encode()).hexdigest()[:10]
        return cls(Path(base) / key, max_bytes)

    # -- reading ------------------------------------------------------------------------------
    def path(self, video: Path, spec: FrameSpec) -> Path:
        st = Path(video).stat()
        ident = f"{Path(video).resolve()}|{st.st_size}|{st.st_mtime_ns}"
        return self.root / spec.slug() / (hashlib.sha1(ident.encode()).hexdigest()[:20] + ".npy")

    def frames(self, video: Path, spec: FrameSpec) -> np.ndarray:
        """The frames `spec` selects, read-only (memory-mapped), decoding the video first if needed."""
        from bench.errors import DataError

        try:
            path = self.path(video, spec)
        except FileNotFoundError:
            raise DataError(f"{video}: video file is missing") from None
        try:
            out = np.load(path, mmap_mode="r")
            os.utime(path)  # recency for the size cap
            return out
        except (FileNotFoundError, ValueError, OSError):  # absent, or damaged by a foreign hand
            return self.fill(video, [spec])[0]

    def fill(self, video: Path, specs: Sequence[FrameSpec]) -> list[np.ndarray]:
        """Decode `video` once and store the frames of every spec; returns them (in memory)."""
        arrays = decode_specs(video, list(specs))
        for spec, arr in zip(specs, arrays):
            path = self.path(video, spec)
            buf = _npy_bytes(arr)
            atomic_write_bytes(path, buf)
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOG, "a") as fh:  # one short O_APPEND write: safe across processes
            fh.write(f"{Path(video).name} {' '.join(s.slug() for s in specs)}\n")
        if self.max_bytes:
            self.evict()
        for a in arrays:
            a.setflags(write=False)
        return arrays

    def image(self, path: Path) -> np.ndarray:
        """An image file (the 3-view image) as uint8 RGB, stored once as .npy for memory-mapped reads."""
        from bench.data.sample import read_rgb

        st = Path(path).stat()
        ident = f"{Path(path).resolve()}|{st.st_size}|{st.st_mtime_ns}"
        target = self.root / "image" / (hashlib.sha1(ident.encode()).hexdigest()[:20] + ".npy")
        try:
            return np.load(target, mmap_mode="r")
        except (FileNotFoundError, ValueError, OSError):
            arr = read_rgb(Path(path))
            atomic_write_bytes(target, _npy_bytes(arr))
            arr.setflags(write=False)
            return arr

    def has(self, video: Path, spec: FrameSpec) -> bool:
        try:
            return self.path(video, spec).is_file()
        except FileNotFoundError:
            return False

    # -- accounting ---------------------------------------------------------------------------
    def decode_count(self) -> int:
        """Decodes ever logged in this store (a run subtracts the count it started with)."""
        try:
            with open(self.root / LOG, "rb") as fh:
                return sum(1 for _ in fh)
        except FileNotFoundError:
            return 0

    def nbytes(self) -> int:
        return sum(f.stat().st_size for f in self.root.glob("*/*.npy")) if self.root.is_dir() else 0

    def evict(self) -> None:
        files = [(f.stat().st_mtime, f.stat().st_size, f) for f in self.root.glob("*/*.npy")]
        total = sum(size for _, size, _ in files)
        for _, size, f in sorted(files):
            if total <= 0.9 * self.max_bytes:
                break
            f.unlink(missing_ok=True)
            total -= size


def _npy_bytes(arr: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


def default_store_base() -> Path:
    from bench.paths import bench_home

    return bench_home() / "frames"
