"""The embedded default dataset: the synthetic stand-in, generated on first use into a cache folder.

Location: `$GEN3DHF_BENCH_HOME/standin-v1/` when GEN3DHF_BENCH_HOME is set, else
`~/.cache/gen3dhf-bench/standin-v1/`. Generation is atomic (a temporary folder renamed at
the end), so an interrupted first run leaves nothing half-written, and two processes racing
to create it both end up with one complete copy.
"""
from __future__ import annotations

from pathlib import Path

from bench.errors import ConfigError
from bench.paths import bench_home
from bench.synth.build import STANDIN_VERSION, SynthConfig, build_standin, read_synth_stamp

DEFAULT_CONFIG = SynthConfig()


def default_dataset_path() -> Path:
    return bench_home() / STANDIN_VERSION


def _complete(path: Path) -> bool:
    stamp = read_synth_stamp(path)
    return bool((path / "manifest.json").is_file() and stamp and stamp.get("version") == STANDIN_VERSION)


def ensure_default_dataset(progress: bool = True) -> Path:
    """Path of the default stand-in, generating it first (1-4 minutes on 2 cores) when absent."""
    path = default_dataset_path()
    if _complete(path):
        return path
    if progress:
        import sys
        print(f"First use: generating the synthetic stand-in dataset into {path} "
              f"(once; set GEN3DHF_BENCH_HOME to move it)", file=sys.stderr, flush=True)
    try:
        build_standin(path, DEFAULT_CONFIG, progress=progress, force=path.exists())
    except (OSError, ConfigError):
        if _complete(path):  # another process finished first: use its copy
            return path
        raise
    return path
