"""A test model for the Ray executor, loaded as a plugin (`--plugins tests.core.ray_models`)."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from bench.models import Requirements, register_model
from tests.core.fake_models import Oracle


@register_model("t_dies_once")
class DiesOnce(Oracle):
    """The first of its folds to predict in a Ray worker kills that worker (SIGKILL, as the kernel's OOM
    killer would) before anything is written; every later attempt answers normally. The attempt is told
    by a marker file beside the results folder, created atomically."""

    def predict(self, samples):
        if _in_ray_task():  # never the test process itself
            out_dir = Path(self.context.work_dir).parents[1]
            try:
                os.close(os.open(out_dir.parent / f"{out_dir.name}.died", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return super().predict(samples)
            os.kill(os.getpid(), signal.SIGKILL)
        return super().predict(samples)


def _in_ray_task() -> bool:
    ray = sys.modules.get("ray")
    return ray is not None and ray.is_initialized() and ray.get_runtime_context().get_task_id() is not None


@register_model("t_needs_gpu")
class NeedsGPU(Oracle):
    """Requires a CUDA GPU: a task on a cluster without one must not wait for one, but be recorded unavailable."""

    requirements = Requirements(gpu="required")
