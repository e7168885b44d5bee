"""Inputs prepared ahead of the model: a model's per-sample preparation (decode, sample frames, resize,
normalise), run in worker processes while the model works on the previous batch.

`prepared_batches(samples, fn, batch_size, workers)` yields, in order, lists of
`(sample with .inputs set, None)` or `(sample, "why it failed")`. At most a few batches are in
flight, so memory stays bounded. Workers are `bench.parallel` processes: they die with the run.
"""
from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Callable, Iterator, Optional, Sequence


def _prepare_one(fn: Callable, sample) -> tuple:
    try:
        return fn(sample), None
    except Exception as exc:  # noqa: BLE001 - a bad sample is recorded, the others go on
        return None, f"{type(exc).__name__}: {exc}"


def prepared_batches(samples: Sequence, fn: Optional[Callable], batch_size: int,
                     workers: int = 0) -> Iterator[list[tuple]]:
    samples = list(samples)
    batch_size = max(1, int(batch_size))
    if fn is None:
        for i in range(0, len(samples), batch_size):
            yield [(s, None) for s in samples[i:i + batch_size]]
        return
    if workers <= 0 or len(samples) < 2:
        for i in range(0, len(samples), batch_size):
            yield [_attach(s, *_prepare_one(fn, s)) for s in samples[i:i + batch_size]]
        return
    from bench.parallel import process_pool

    window = max(2 * batch_size, 4 * workers)  # samples in flight
    with process_pool(workers) as pool:
        pending: deque = deque()
        it = iter(samples)
        for s in it:
            pending.append((s, pool.submit(_prepare_one, fn, s)))
            if len(pending) >= window:
                break
        batch = []
        while pending:
            s, fut = pending.popleft()
            batch.append(_attach(s, *fut.result()))
            nxt = next(it, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(_prepare_one, fn, nxt)))
            if len(batch) == batch_size:
                yield batch
                batch = []
        if batch:
            yield batch


def _attach(sample, inputs, error) -> tuple:
    return (sample, error) if error else (replace(sample, inputs=inputs), None)
