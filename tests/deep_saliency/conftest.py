"""Deep saliency tests: CPU, one thread, tiny networks and inputs."""
import pytest

torch = pytest.importorskip("torch", reason="the deep saliency family needs torch")
pytest.importorskip("torchvision", reason="the deep saliency family needs torchvision")


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
    yield
