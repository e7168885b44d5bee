"""Deep VQA tests: offline, CPU, one thread (many times faster on this shared machine), tiny inputs."""
import pytest


@pytest.fixture(autouse=True)
def _one_thread_seeded():
    torch = pytest.importorskip("torch", reason="the deep families need torch")
    torch.set_num_threads(1)
    torch.manual_seed(0)
