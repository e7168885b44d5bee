"""Where the harness keeps what it makes outside a run folder: `$GEN3DHF_BENCH_HOME`, else
`~/.cache/gen3dhf-bench/` (the default stand-in, the frame store, validation stamps)."""
from __future__ import annotations

import os
from pathlib import Path


def bench_home() -> Path:
    home = os.environ.get("GEN3DHF_BENCH_HOME")
    return Path(home).expanduser() if home else Path("~/.cache/gen3dhf-bench").expanduser()
