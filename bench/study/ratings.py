"""Raw slider ratings -> subject screening (ITU-R BT.500) -> z-scores -> MOS (paper Eq. 1-3).

Input format (CSV with a header; extra columns are ignored)::

    subject,video,dimension,rating
    S01,seed0000,quality,3.85
    S01,seed0000,authenticity,4.10
    ...

`rating` is the raw slider value (the paper's sliders run 0-5; any scale works, the
processing is scale-free). A subject need not rate every video.

Screening follows ITU-R BT.500-13, Annex 2, section 2.3.1: for each presentation (one
video in one dimension) the kurtosis coefficient beta2 = m4 / m2^2 of its ratings decides
whether they are normal (2 <= beta2 <= 4); a rating counts in P_i when it is at or above the
presentation's mean + k*S, in Q_i at or below mean - k*S, with k = 2 when normal and
sqrt(20) otherwise (S the sample standard deviation). Subject i is rejected when
(P_i + Q_i) / (number of its ratings) > 0.05 and |P_i - Q_i| / (P_i + Q_i) < 0.3. Both
dimensions are screened together (a subject is kept or rejected as a whole, as the paper's
21 of 24 kept subjects implies); `per_dimension=True` screens them apart.

MOS: the paper's Eq. 1-3 with their typos read as the standard per-subject z-score:
z_ij = (r_ij - mu_i) / sigma_i with mu_i the mean and sigma_i the sample standard deviation
(N_i - 1) of subject i's ratings in that dimension; z'_ij = 100 (z_ij + 3) / 6;
MOS_j = mean over the kept subjects who rated video j of z'_ij.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.errors import DataError

DIMENSIONS = ("quality", "authenticity")
RATING_COLUMNS = ("subject", "video", "dimension", "rating")


@dataclass
class RatingTable:
    """Ratings as one (subjects x videos) matrix per dimension, NaN where a subject did not rate."""

    subjects: list[str]
    videos: list[str]
    matrices: dict  # dimension -> (n_subjects, n_videos) float array

    def matrix(self, dim: str) -> np.ndarray:
        return self.matrices[dim]


def ratings_from_rows(rows, source: str = "ratings") -> RatingTable:
    """Rows of (subject, video, dimension, rating) -> RatingTable. Raises DataError on bad rows."""
    subjects: dict[str, int] = {}
    videos: dict[str, int] = {}
    values = []
    for n, (s, v, d, r) in enumerate(rows, start=2):
        d = str(d).strip().lower()
        if d not in DIMENSIONS:
            raise DataError(f"{source}: line {n}: dimension {d!r} is not one of {DIMENSIONS}")
        try:
            r = float(r)
        except (TypeError, ValueError):
            raise DataError(f"{source}: line {n}: rating {r!r} is not a number") from None
        if not math.isfinite(r):
            raise DataError(f"{source}: line {n}: rating {r!r} is not finite")
        subjects.setdefault(str(s), len(subjects))
        videos.setdefault(str(v), len(videos))
        values.append((subjects[str(s)], videos[str(v)], d, r, n))
    if not values:
        raise DataError(f"{source}: no ratings")
    mats = {d: np.full((len(subjects), len(videos)), np.nan) for d in DIMENSIONS}
    for i, j, d, r, n in values:
        if not np.isnan(mats[d][i, j]):
            raise DataError(f"{source}: line {n}: a second {d} rating of the same video by the same subject")
        mats[d][i, j] = r
    mats = {d: m for d, m in mats.items() if not np.isnan(m).all()}
    return RatingTable(list(subjects), list(videos), mats)


def read_ratings_csv(path: str | Path) -> RatingTable:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: ratings file is missing")
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in RATING_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{path}: ratings CSV lacks column(s) {missing} (header must name {RATING_COLUMNS})")
        rows = [(r["subject"], r["video"], r["dimension"], r["rating"]) for r in reader]
    return ratings_from_rows(rows, str(path))


def write_ratings_csv(path: str | Path, rows) -> None:
    from bench.io import atomic_write_text

    lines = [",".join(RATING_COLUMNS)] + [f"{s},{v},{d},{r:.2f}" for s, v, d, r in rows]
    atomic_write_text(path, "\n".join(lines) + "\n")


@dataclass
class Screening:
    """Outcome of BT.500 subject screening."""

    kept: list[str]
    rejected: list[str]
    P: dict = field(default_factory=dict)
    Q: dict = field(default_factory=dict)
    ratio: dict = field(default_factory=dict)  # (P + Q) / ratings
    balance: dict = field(default_factory=dict)  # |P - Q| / (P + Q)

    def to_dict(self) -> dict:
        return {"kept": self.kept, "rejected": self.rejected, "P": self.P, "Q": self.Q,
                "outlier_ratio": self.ratio, "balance": self.balance}


def bt500_counts(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per subject: P (high outliers), Q (low outliers), number of rated presentations, for one matrix."""
    m = np.asarray(matrix, float)
    rated = ~np.isnan(m)
    n = rated.sum(axis=0)
    with np.errstate(invalid="ignore"):
        mean = np.nansum(m, axis=0) / np.maximum(n, 1)
    dev = m - mean
    m2 = np.nansum(dev ** 2, axis=0) / np.maximum(n, 1)
    m4 = np.nansum(dev ** 4, axis=0) / np.maximum(n, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        beta2 = np.where(m2 > 0, m4 / np.where(m2 > 0, m2 ** 2, 1), 3.0)
        sd = np.sqrt(np.nansum(dev ** 2, axis=0) / np.maximum(n - 1, 1))
    k = np.where((beta2 >= 2) & (beta2 <= 4), 2.0, math.sqrt(20.0))
    usable = n >= 2
    with np.errstate(invalid="ignore"):
        P = ((m >= mean + k * sd) & rated & usable & (sd > 0)).sum(axis=1)
        Q = ((m <= mean - k * sd) & rated & usable & (sd > 0)).sum(axis=1)
    return P, Q, rated.sum(axis=1)


def bt500_screening(table: RatingTable, per_dimension: bool = False, dims=None) -> dict | Screening:
    """Subjects kept and rejected (ITU-R BT.500-13 Annex 2 §2.3.1). A dict per dimension when `per_dimension`."""
    dims = [d for d in (dims or DIMENSIONS) if d in table.matrices]
    if per_dimension:
        return {d: _decide(table.subjects, *bt500_counts(table.matrix(d))) for d in dims}
    totals = [bt500_counts(table.matrix(d)) for d in dims]
    P = sum(t[0] for t in totals)
    Q = sum(t[1] for t in totals)
    N = sum(t[2] for t in totals)
    return _decide(table.subjects, P, Q, N)


def _decide(subjects, P, Q, N) -> Screening:
    kept, rejected, ratio, balance = [], [], {}, {}
    for s, p, q, n in zip(subjects, P, Q, N):
        r = (p + q) / n if n else 0.0
        b = abs(p - q) / (p + q) if p + q else 1.0
        ratio[s], balance[s] = round(float(r), 6), round(float(b), 6)
        (rejected if r > 0.05 and b < 0.3 else kept).append(s)
    return Screening(kept, rejected, dict(zip(subjects, map(int, P))), dict(zip(subjects, map(int, Q))),
                     ratio, balance)


def zscores(matrix: np.ndarray) -> np.ndarray:
    """Eq. 1-2: per-subject z-scores (sample SD, N_i - 1), NaN kept where a subject did not rate."""
    m = np.asarray(matrix, float)
    n = (~np.isnan(m)).sum(axis=1, keepdims=True)
    mu = np.nanmean(m, axis=1, keepdims=True)
    sd = np.sqrt(np.nansum((m - mu) ** 2, axis=1, keepdims=True) / np.maximum(n - 1, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (m - mu) / sd
    z[(sd[:, 0] == 0) | (n[:, 0] < 2)] = np.nan  # a subject who gives one value everywhere carries no z-score
    return z


def mos_from_ratings(table: RatingTable, kept: list[str] | None = None) -> dict[str, np.ndarray]:
    """Eq. 1-3 per dimension: z-scores rescaled to [0, 100] (z' = 100 (z + 3) / 6), averaged over kept subjects."""
    keep = np.array([s in set(kept) for s in table.subjects]) if kept is not None else np.ones(len(table.subjects), bool)
    if not keep.any():
        raise DataError("no subject left after screening: cannot compute MOS")
    out = {}
    for dim, m in table.matrices.items():
        z = zscores(m)[keep]
        zp = 100.0 * (z + 3.0) / 6.0
        with np.errstate(invalid="ignore"):
            out[dim] = np.nanmean(zp, axis=0) if np.isfinite(zp).any() else np.full(m.shape[1], np.nan)
    return out
