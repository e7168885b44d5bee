"""Worker processes that never outlive the run.

`process_pool(n)` is a `concurrent.futures.ProcessPoolExecutor` on fork whose workers ask the kernel
to kill them when the process that made them dies (Linux `PR_SET_PDEATHSIG`; elsewhere they end
when their task queue closes). A `bench run` killed with `kill -9` therefore leaves no worker
behind, unlike a pool whose idle workers linger for minutes (loky's default). Workers also keep
their BLAS to one thread: the parallelism is the pool's.
"""
from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except OSError:
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # noqa: BLE001 - an optimisation only
        pass
    if "torch" in sys.modules:  # never import it here: a fresh torch import costs seconds
        sys.modules["torch"].set_num_threads(1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` fork processes that die with this one."""
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    return ProcessPoolExecutor(max_workers=max(1, int(workers)), mp_context=ctx,
                               initializer=_die_with_parent, initargs=(os.getpid(),))


# Functions handed to fork workers by inheritance, not pickling (a bound method of a model holding a
# lambda or a lock pickles badly; fork copies it as it is). Keyed by a token per call.
_INHERITED: dict = {}


def _call_inherited(token_and_item):
    token, item = token_and_item
    return _INHERITED[token](item)


def map_in_processes(fn, items, workers: int) -> list:
    """`[fn(x) for x in items]` over `workers` processes (in order); serial when workers <= 1.
    With fork, `fn` reaches the workers by inheritance (it need not pickle); the items are pickled."""
    items = list(items)
    if workers <= 1 or len(items) < 2:
        return [fn(x) for x in items]
    token = object().__repr__()
    _INHERITED[token] = fn
    try:
        with process_pool(min(workers, len(items))) as pool:
            chunk = max(1, len(items) // (4 * workers))
            if pool._mp_context.get_start_method() == "fork":
                return list(pool.map(_call_inherited, [(token, x) for x in items], chunksize=chunk))
            return list(pool.map(fn, items, chunksize=chunk))
    finally:
        _INHERITED.pop(token, None)
