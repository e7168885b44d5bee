"""`check_model`: the contract every registered model must keep, checked in one call (in the spirit of
scikit-learn's `check_estimator`). Every family's tests call it instead of writing their own copy.

It runs the model through the runner's lifecycle on a small dataset (the first fold of a seeded
2-fold split) and asserts:

- one valid `Prediction` per sample, in order, for a batch and one by one (finite scores for the
  score tasks, a finite 2-D map for saliency);
- determinism: a second instance with the same seed predicts the same;
- a clean state each fold: fitting the same instance again gives the first fit's predictions
  (no training carried over);
- the checkpoint round trip: saved, loaded into a fresh instance after its `setup`, it predicts the same.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Optional

import numpy as np

from bench.models.base import Prediction, RunContext


def check_model(name: str, dataset, *, config: Optional[dict] = None, settings_overrides: Optional[dict] = None,
                profile: str = "quick", seed: int = 0, max_test: int = 4, rtol: float = 1e-5,
                checkpoint: bool = True) -> dict:
    """Check registered model `name` on `dataset` (a folder or a loaded Dataset). Returns a small report;
    raises AssertionError naming the broken promise."""
    from bench.data.dataset import Dataset, load_dataset
    from bench.data.frame_store import FrameStore
    from bench.data.splits import make_split
    from bench.models.registry import create_model, get_entry
    from bench.runner import invalid_reason
    from bench.settings import resolve_settings

    entry = get_entry(name)
    with tempfile.TemporaryDirectory(prefix="check-model-") as tmp:
        tmp = Path(tmp)
        ds = dataset if isinstance(dataset, Dataset) else load_dataset(dataset, store=FrameStore(tmp / "frames"))
        fold = make_split(ds, "kfold", 2, seed=seed)["folds"][0]
        by_id = ds.by_id()
        train = [by_id[i] for i in fold["train"]]
        test = [by_id[i] for i in fold["test"]][:max_test]
        settings, source = resolve_settings(profile, family=entry.cls.family, model=name,
                                            model_defaults=entry.cls.default_settings,
                                            overrides=settings_overrides or {})

        def fresh(work: str):
            model = create_model(name, **(config or {}))
            ctx = RunContext(profile=profile, seed=seed, settings=settings, settings_source=source,
                             progress=False, work_dir=tmp / work, fold=0)
            model.setup(ctx)
            return model, ctx

        trainable = entry.cls.is_trainable({**entry.defaults, **(config or {})})
        first, ctx = fresh("a")
        if trainable:
            first.fit(train, ctx)
        batch = _checked(first.predict(test), test, first, invalid_reason, "a batch")
        single = [p for s in test for p in _checked(first.predict([s]), [s], first, invalid_reason, "one sample")]
        _assert_same(batch, single, rtol, "batch and one-by-one predictions differ")
        report = {"n_test": len(test), "predictions": len(batch), "trainable": trainable}

        second, ctx2 = fresh("b")
        if trainable:
            second.fit(train, ctx2)
        _assert_same(batch, second.predict(test), rtol, "two instances with the same seed predict differently")
        report["deterministic"] = True

        if trainable:
            ctx.work_dir = tmp / "a2"
            first.fit(train, ctx)
            _assert_same(batch, first.predict(test), rtol,
                         "fitting again changed the predictions: fit() must start from a clean state")
        report["clean_state"] = True

        if checkpoint and trainable:
            first.save_checkpoint(tmp / "ckpt")
            third, _ = fresh("c")
            third.load_checkpoint(tmp / "ckpt")
            _assert_same(batch, third.predict(test), rtol, "a saved and reloaded checkpoint predicts differently")
            report["checkpoint_round_trip"] = True
        for m in (first, second):
            m.teardown()
    return report


def _checked(preds, samples, model, invalid_reason, what: str) -> list[Prediction]:
    preds = list(preds)
    assert len(preds) == len(samples), (f"{model.name}: predict() returned {len(preds)} predictions for "
                                        f"{len(samples)} sample(s) ({what})")
    for s, p in zip(samples, preds):
        why = invalid_reason(p, model)
        assert why is None, f"{model.name}: sample {s.id}: {why}"
    return preds


def _assert_same(a: list, b: list, rtol: float, message: str) -> None:
    assert len(a) == len(b), message
    for p, q in zip(a, b):
        assert p.scores.keys() == q.scores.keys(), message
        for k in p.scores:
            assert np.isclose(p.scores[k], q.scores[k], rtol=rtol, atol=1e-8), f"{message} ({k})"
        assert p.levels == q.levels and p.distortions == q.distortions, message
        if p.saliency is not None or q.saliency is not None:
            assert p.saliency is not None and q.saliency is not None, message
            assert np.allclose(np.asarray(p.saliency), np.asarray(q.saliency), rtol=rtol, atol=1e-6), message
