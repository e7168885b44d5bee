"""Five text levels per MOS, paper Eq. 4.

L(s) = l_i  if  m + (i-1)/5 (M-m) < s <= m + i/5 (M-m),  levels bad..excellent,
m and M the minimum and maximum MOS over the whole dataset. The strict lower bound
leaves s == m outside every bin; the authors' labels carry `None` there. We give it
'bad' (the only sensible level) and note it: see `../shared/gen3dhf-official/README.md`.
"""
from __future__ import annotations

import numpy as np

LEVELS = ("bad", "poor", "fair", "good", "excellent")


def mos_to_level(scores, lo: float, hi: float) -> list[str]:
    """Eq. 4 levels for an array of MOS given the dataset's min `lo` and max `hi`."""
    s = np.asarray(scores, dtype=float)
    if not hi > lo:
        raise ValueError(f"level bins need max > min, got min={lo}, max={hi}")
    # Bin edges written as Eq. 4 writes them, so boundary values fall where the authors' do.
    edges = np.array([lo + i / 5 * (hi - lo) for i in range(6)])
    # searchsorted 'left' gives i with edges[i-1] < s <= edges[i]
    idx = np.searchsorted(edges, s, side="left")
    idx = np.clip(idx, 1, 5)  # s == lo (idx 0) -> 'bad'; round-off above hi -> 'excellent'
    return [LEVELS[i - 1] for i in idx]


def level_to_index(level: str) -> int:
    return LEVELS.index(level)
