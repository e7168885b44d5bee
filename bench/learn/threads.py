"""`torch_threads(n)`: torch's CPU threads set to `n` for a block, restored afterwards (None: unchanged).

On this project's shared 2-core machines one thread trains and predicts the small CPU workloads of the
`quick` profile several times faster than torch's default (OpenMP threads waiting for busy cores)."""
from __future__ import annotations

import contextlib
from typing import Optional


@contextlib.contextmanager
def torch_threads(n: Optional[int]):
    if n is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)
