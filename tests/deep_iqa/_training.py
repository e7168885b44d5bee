"""Shared pieces of the deep IQA / VQA tests: synthetic videos, batching, short training runs.

Importing this module skips the importing test module when torch is missing (the deep families are
an optional part of the harness).
"""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the deep families need torch")
import numpy as np  # noqa: E402


def synthetic_video(seed: int, frames: int = 8, height: int = 64, width: int = 64) -> np.ndarray:
    """uint8 (T, H, W, 3): a moving colour ramp and a disc, plus noise whose strength grows with the
    seed, so items differ in content and in 'quality'."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:height, :width]
    out = []
    for t in range(frames):
        ramp = (xx + 3 * t + 5 * seed) % width / width
        disc = ((xx - width / 2 - 4 * np.sin(t + seed)) ** 2 + (yy - height / 2) ** 2) < (height / 4) ** 2
        img = np.stack([ramp, 1 - ramp, disc.astype(float)], -1) * 200 + 20
        img += rng.normal(0, 4 * (seed % 8 + 1), img.shape)
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return np.stack(out)


def stack(items: list[dict]) -> dict:
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}


def prepared_batch(prepare, videos, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return stack([prepare(v, rng) for v in videos])


def targets(n: int = 8, outputs: int = 2) -> torch.Tensor:
    """(n, outputs) labels in [0.1, 0.9], the columns in different orders (two different MOS)."""
    base = torch.linspace(0.1, 0.9, n)
    return torch.stack([base[torch.randperm(n, generator=torch.Generator().manual_seed(k))]
                        for k in range(outputs)], dim=1)


def fit(module, net, batch: dict, target: torch.Tensor, steps: int, lr: float) -> list[float]:
    """`steps` Adam steps on one batch with the method's loss, the learning rate decaying linearly to a
    tenth (the settling the methods' step schedules give); the training losses."""
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    schedule = torch.optim.lr_scheduler.LinearLR(opt, 1.0, 0.1, total_iters=steps)
    net.train()
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = module.loss(net(**batch), target)
        loss.backward()
        opt.step()
        schedule.step()
        losses.append(loss.item())
    return losses


def eval_loss(module, net, batch: dict, target: torch.Tensor) -> float:
    net.eval()
    with torch.no_grad():
        pred = net(**batch)
    assert torch.isfinite(pred).all()
    return module.loss(pred, target).item()


def check_learns_and_overfits(module, net, batch, target, steps: int, lr: float, near_zero: float) -> None:
    """A few steps lower the loss; the whole run fits the 8 items (evaluation-mode loss near zero)."""
    before = eval_loss(module, net, batch, target)
    losses = fit(module, net, batch, target, steps, lr)
    assert all(np.isfinite(losses))
    k = max(steps // 5, 1)
    assert np.mean(losses[-k:]) < np.mean(losses[:k]), losses
    after = eval_loss(module, net, batch, target)
    assert after < near_zero < before, (before, after)


def check_prepare_contract(module, prepare, video: np.ndarray) -> dict:
    """Picklable, returns a dict of tensors without a batch dimension, rejects bad frames clearly."""
    import pickle

    prepare = pickle.loads(pickle.dumps(prepare))
    item = prepare(video, np.random.default_rng(0))
    assert isinstance(item, dict) and all(isinstance(v, torch.Tensor) for v in item.values())
    with pytest.raises(ValueError, match="uint8"):
        prepare(video.astype(np.float32), None)
    with pytest.raises(ValueError, match="shape"):
        prepare(video[..., 0], None)
    for key in ("count", "fps", "size"):
        assert key in module.FRAMES
    return item


def parameter_count(module, outputs: int = 1) -> int:
    """Parameters of the full-size model, built on the meta device (no memory, no time)."""
    from baselines.deep_iqa.common import count_parameters

    with torch.device("meta"):
        return count_parameters(module.build("full", outputs=outputs))


def check_parameter_counts(module, second_output: int) -> None:
    """The one-output full model has `PAPER_PARAMS` (the paper's or the official code's count) less
    what the official code builds but never uses (`UNBUILT_PARAMS`); a second output adds
    `second_output` parameters (the wider last layer)."""
    expected = module.PAPER_PARAMS - getattr(module, "UNBUILT_PARAMS", 0)
    assert parameter_count(module) == expected
    assert parameter_count(module, outputs=2) == expected + second_output


def check_official_names(module, official: dict) -> dict:
    """The official checkpoint names (with their shapes, read from the authors' code) land, after
    `module.OFFICIAL`'s renaming, on parameters of the same shapes in the one-output full model."""
    from baselines.deep_iqa.common import rename_official

    with torch.device("meta"):
        state = module.build("full", outputs=1).state_dict()
        renamed = rename_official({k: torch.empty(s) for k, s in official.items()}, module.OFFICIAL["key_rules"],
                                  module.OFFICIAL.get("drop_suffixes", ()))
    wrong = {k: tuple(v.shape) for k, v in renamed.items() if k not in state or state[k].shape != v.shape}
    assert not wrong, wrong
    return renamed
