"""Toy 3-view samples and tiny training loops shared by the deep saliency tests."""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np
import torch

from baselines.deep_saliency import sal_cfs_gan, salicon, transalnet
from bench.data.saliency_maps import fixation_map, saliency_from_points
from bench.metrics.saliency import nss

HEIGHT, WIDTH = 64, 192  # a 3-view strip of 64x64 views


@dataclass(frozen=True)
class Method:
    name: str
    module: ModuleType
    options: dict

    def build(self, size: str = "tiny"):
        return self.module.build(size, **self.options)

    def prepare(self, **options):
        return self.module.Prepare(self.module.INPUT_SIZE["tiny"], **options)

    @property
    def adversarial(self) -> bool:
        return self.module is sal_cfs_gan


METHODS = [Method("salicon", salicon, {}), Method("sal_cfs_gan", sal_cfs_gan, {}),
           Method("transalnet_resnet", transalnet, {"variant": "resnet"}),
           Method("transalnet_dense", transalnet, {"variant": "densenet"})]


def toy_samples(n: int = 4, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Strips of dark noise with 1-3 bright discs; the ground truth has a blob on each disc."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:HEIGHT, :WIDTH]
    samples = []
    for _ in range(n):
        k = int(rng.integers(1, 4))
        points = np.column_stack([rng.uniform(8, WIDTH - 8, k), rng.uniform(8, HEIGHT - 8, k)])
        image = rng.normal(40, 12, (HEIGHT, WIDTH, 3))
        for x, y in points:
            image[(xx - x) ** 2 + (yy - y) ** 2 < 36] = (230, 220, 200)
        smap = saliency_from_points(points, (HEIGHT, WIDTH), sigma=3, out_size=(HEIGHT, WIDTH))
        samples.append((np.clip(image, 0, 255).astype(np.uint8), smap))
    return samples


def collate(prepare, samples) -> dict:
    items = [prepare(image, smap) for image, smap in samples]
    return {key: torch.stack([item[key] for item in items]) for key in items[0]}


def train(method: Method, net, batch: dict, steps: int, lr: float) -> list[float]:
    """A plain loop on one batch; the objective's value (the content loss for the GAN) per step."""
    net.train()
    if method.adversarial:
        optimizers = net.configure_optimizers(lr=lr)
        return [net.training_step(batch, optimizers)["content"] for _ in range(steps)]
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    history = []
    for _ in range(steps):
        value = method.module.loss(net(**batch), batch)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        history.append(value.item())
    return history


def recompute_batch_norm(net, batch: dict) -> None:
    """Batch-norm running statistics recomputed on `batch` (as torch.optim.swa_utils.update_bn
    does): a few fast steps leave the running averages far behind the weights."""
    norms = [m for m in net.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    net.train()
    with torch.no_grad():
        net(**batch)
    for m in norms:
        m.momentum = 0.1


def mean_nss(net, prepare, batch: dict, samples) -> float:
    """NSS of the restored maps (evaluation mode) against each sample's fixations, as the
    benchmark scores them."""
    recompute_batch_norm(net, batch)
    net.eval()
    with torch.no_grad():
        pred = net(**batch)
    maps = np.stack([prepare.restore(p, HEIGHT, WIDTH) for p in pred])
    fixations = np.stack([fixation_map(smap) for _, smap in samples])
    return float(np.mean(nss(maps, fixations)))
