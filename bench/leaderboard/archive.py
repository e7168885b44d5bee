"""Submission archives: gzip-compressed tar files of data only, written by `pack`, opened by `safe_unpack`.

Members (all regular files, paths relative, `/`-separated)::

    submission.json                          what the archive holds (see `bench.leaderboard.submission`)
    split.json                               the run's split file
    run.json                                 the run's settings and versions (when the run wrote one)
    records/<model>/fold-K.json              result records, byte-for-byte as the run wrote them
    records/<model>/fold-K.predictions.jsonl per-sample predictions
    records/<model>/fold-K.maps.npz          predicted saliency maps (uint8 per sample id)

Nothing else is accepted: no fitted models (`fold-K.model.joblib` is a pickle, i.e. code), no links,
devices or folders outside `records/`. `safe_unpack` never calls tarfile's extraction: it reads the
stream member by member, checks every name and type before writing, writes with `open(..., "xb")`
below the destination only, and stops as soon as the member count or the unpacked bytes pass the
limits (decompressed bytes are counted as they are read, so a gzip bomb stops at the limit too).
"""
from __future__ import annotations

import gzip
import io
import re
import shutil
import tarfile
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from bench.errors import DataError
from bench.io import atomic_output

MODEL_DIR = r"[A-Za-z0-9][A-Za-z0-9_.@=,+-]*"
MEMBER = re.compile(rf"^(submission\.json|split\.json|run\.json|records/{MODEL_DIR}/fold-\d+\.(json|predictions\.jsonl|maps\.npz))$")
FOLDER = re.compile(rf"^records(/{MODEL_DIR})?$")
_CHUNK = 1 << 20
_TAR_OVERHEAD = 4096  # header and padding bytes allowed per member on top of its content


class ArchiveError(DataError):
    """An archive that is unsafe, malformed or too large; the message names the archive and member."""


@dataclass(frozen=True)
class Limits:
    """Bounds on what an archive may unpack to (a board records its own in board.json)."""

    max_members: int = 20_000
    max_file_bytes: int = 1 << 30  # one member, unpacked
    max_total_bytes: int = 8 << 30  # all members, unpacked
    max_map_pixels: int = 64 << 20  # one predicted saliency map inside a maps.npz

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, doc: dict) -> "Limits":
        return cls(**{k: int(v) for k, v in (doc or {}).items() if k in cls.__dataclass_fields__})


def write_archive(path: Path, files: dict[str, Path]) -> None:
    """A tar.gz of `files` ({member name: source file}), written atomically; members sorted, with mode
    0644, owner 0 and time 0 (nothing of the packer's machine but the files themselves)."""
    for name in files:
        if not MEMBER.match(name):
            raise ArchiveError(f"{path}: {name!r} is not a file a submission may hold")
    with atomic_output(path) as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name in sorted(files):
                    src = Path(files[name])
                    info = tarfile.TarInfo(name)
                    info.size, info.mode, info.mtime = src.stat().st_size, 0o644, 0
                    with src.open("rb") as fh:
                        tar.addfile(info, fh)


class _Bounded(io.RawIOBase):
    """Reads through `inner`, raising ArchiveError once more than `limit` bytes came out."""

    def __init__(self, inner, limit: int, where: str):
        self.inner, self.limit, self.where, self.count = inner, limit, where, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.inner.read(len(buffer))
        self.count += len(data)
        if self.count > self.limit:
            raise ArchiveError(f"{self.where}: unpacks to more than {self.limit} bytes (the board's limit); refused")
        buffer[:len(data)] = data
        return len(data)


def safe_unpack(archive: Path, dest: Path, limits: Limits) -> list[str]:
    """Unpack `archive` into the empty folder `dest`, checking every member; returns the file names.

    Raises ArchiveError (naming the archive and the member) for: a file that is not a gzip tar, an
    absolute path or one with `..`, a link, device, fifo or other special member, a name outside the
    submission layout, a member given twice, more members or bytes than `limits` allow.
    """
    archive = Path(archive)
    dest = Path(dest)
    where = str(archive)
    with archive.open("rb") as raw:
        if raw.read(2) != b"\x1f\x8b":
            raise ArchiveError(f"{where}: not a gzip-compressed tar archive (a submission is a .tar.gz made by "
                               "`bench leaderboard pack`)")
        raw.seek(0)
        budget = limits.max_total_bytes + _TAR_OVERHEAD * (limits.max_members + 2)
        stream = io.BufferedReader(_Bounded(gzip.GzipFile(fileobj=raw, mode="rb"), budget, where), _CHUNK)
        try:
            return _unpack_members(tarfile.open(fileobj=stream, mode="r|"), dest, limits, where)
        except ArchiveError:
            raise
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            raise ArchiveError(f"{where}: not a readable tar.gz archive ({exc})") from exc


def _unpack_members(tar: tarfile.TarFile, dest: Path, limits: Limits, where: str) -> list[str]:
    names, total = [], 0
    root = dest.resolve()
    for count, member in enumerate(tar, 1):
        name = member.name
        if count > limits.max_members:
            raise ArchiveError(f"{where}: more than {limits.max_members} members (the board's limit); refused")
        _check_name(name, where)
        if member.isdir():
            if not FOLDER.match(name.rstrip("/")):
                raise ArchiveError(f"{where}: member {name!r}: folder outside the submission layout")
            continue
        if not member.isreg():
            kind = "link" if member.issym() or member.islnk() else "device, fifo or other special file"
            raise ArchiveError(f"{where}: member {name!r} is a {kind}; a submission holds regular files only")
        if not MEMBER.match(name):
            raise ArchiveError(f"{where}: member {name!r} is not a file a submission may hold (results, "
                               "predictions, maps, split, run and submission JSON only)")
        if member.size > limits.max_file_bytes:
            raise ArchiveError(f"{where}: member {name!r} is {member.size} bytes, over the board's limit of "
                               f"{limits.max_file_bytes}")
        total += member.size
        if total > limits.max_total_bytes:
            raise ArchiveError(f"{where}: unpacks to more than {limits.max_total_bytes} bytes (the board's limit)")
        target = (dest / name).resolve()
        if root not in target.parents:  # cannot happen after _check_name; kept as the last line of defence
            raise ArchiveError(f"{where}: member {name!r} would be written outside the staging folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        try:
            with target.open("xb") as out:
                shutil.copyfileobj(source, out, _CHUNK)
        except FileExistsError:
            raise ArchiveError(f"{where}: member {name!r} appears twice") from None
        names.append(name)
    return names


def _check_name(name: str, where: str) -> None:
    parts = name.rstrip("/").split("/")
    if not name or PurePosixPath(name).is_absolute() or "\\" in name or ":" in parts[0]:
        raise ArchiveError(f"{where}: member {name!r} has an absolute path; refused")
    if ".." in parts:
        raise ArchiveError(f"{where}: member {name!r} climbs out of its folder ('..'); refused")
    if any(part in ("", ".") for part in parts) or "\x00" in name:
        raise ArchiveError(f"{where}: member {name!r} is not a plain relative path; refused")
