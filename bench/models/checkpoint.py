"""Checkpoints that cannot run code when loaded.

A checkpoint is a folder (`<run>/<model>/fold-K.model/` from `bench run --save-models`)::

    checkpoint.json        format, model class and name, the configuration and settings it was
                           trained with, and the learned state as JSON with tagged leaves
    arrays.safetensors     numpy arrays of the state
    tensors.safetensors    torch tensors of the state (a network's learned weights; for a model on a
                           frozen base, only its adapters and heads)
    estimators/*.skops     scikit-learn estimators (skops: loads only allow-listed types)
    objects.pkl            anything else, pickled: loaded only with `trust=True`
                           (`bench predict --trust-checkpoint`), since unpickling can run code

The state is `Model.get_state()`: what `fit` learned, never the configuration, so options given when
loading (`bench predict --set ...`) win over those the checkpoint was trained with.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from bench.errors import DataError
from bench.io import atomic_write_text

FORMAT = "gen3dhf-bench/checkpoint/1"
# Estimator types skops may rebuild: scikit-learn's, numpy's and scipy's own (no arbitrary callables).
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


def _class_path(model) -> str:
    return f"{type(model).__module__}.{type(model).__qualname__}"


class _Encoder:
    def __init__(self):
        self.arrays, self.tensors, self.estimators, self.objects = {}, {}, {}, {}

    def encode(self, v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, np.ndarray):
            if v.dtype == object:
                return self._object(v)
            key = f"a{len(self.arrays)}"
            self.arrays[key] = np.ascontiguousarray(v)
            return {"__array__": key}
        if type(v).__module__.startswith("torch") and type(v).__name__ in ("Tensor", "Parameter"):
            key = f"t{len(self.tensors)}"
            self.tensors[key] = v.detach().cpu().contiguous()
            return {"__tensor__": key}
        if isinstance(v, tuple):
            return {"__tuple__": [self.encode(x) for x in v]}
        if isinstance(v, list):
            return [self.encode(x) for x in v]
        if isinstance(v, dict):
            if all(isinstance(k, str) and not k.startswith("__") for k in v):
                return {k: self.encode(x) for k, x in v.items()}
            return {"__items__": [[self.encode(k), self.encode(x)] for k, x in v.items()]}
        if type(v).__module__.startswith("sklearn."):
            key = f"e{len(self.estimators)}"
            self.estimators[key] = v
            return {"__estimator__": key}
        return self._object(v)

    def _object(self, v):
        key = f"o{len(self.objects)}"
        self.objects[key] = v
        return {"__object__": key}


def save_checkpoint(model, folder) -> Path:
    """Write `model.get_state()` into `folder` (replaced whole: written beside it, then renamed)."""
    folder = Path(folder)
    tmp = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    enc = _Encoder()
    state = enc.encode(model.get_state())
    if enc.arrays:
        from safetensors.numpy import save_file

        save_file(enc.arrays, str(tmp / "arrays.safetensors"))
    if enc.tensors:
        from safetensors.torch import save_file as save_torch

        save_torch(enc.tensors, str(tmp / "tensors.safetensors"))
    if enc.estimators:
        import skops.io as sio

        (tmp / "estimators").mkdir()
        for key, est in enc.estimators.items():
            sio.dump(est, tmp / "estimators" / f"{key}.skops")
    if enc.objects:
        import pickle

        (tmp / "objects.pkl").write_bytes(pickle.dumps(enc.objects))
    settings = getattr(getattr(model, "context", None), "settings", None)
    doc = {"format": FORMAT, "class": _class_path(model), "name": model.name, "config": model.config,
           "profile": getattr(getattr(model, "context", None), "profile", None),
           "settings": settings.to_dict() if settings is not None and model.uses_settings else None,
           "state": state, "pickled": sorted(enc.objects)}
    atomic_write_text(tmp / "checkpoint.json", json.dumps(doc, indent=1, default=str))
    if folder.exists():
        shutil.rmtree(folder)
    tmp.rename(folder)
    return folder


def read_checkpoint_doc(folder) -> dict:
    folder = Path(folder)
    path = folder / "checkpoint.json"
    if folder.is_file():
        raise DataError(f"{folder}: a checkpoint is a folder written by `bench run --save-models` "
                        "(<run>/<model>/fold-K.model/); a single file is an old pickled checkpoint, loadable only "
                        "with --trust-checkpoint")
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"{path}: checkpoint not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable checkpoint ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataError(f"{path}: not a checkpoint (expected \"format\": \"{FORMAT}\")")
    return doc


def load_checkpoint(model, folder, trust: bool = False) -> dict:
    """Restore a checkpoint folder's state into `model`; returns the checkpoint document."""
    folder = Path(folder)
    if folder.is_file():
        if not trust:
            read_checkpoint_doc(folder)  # raises the explanation
        return _load_pickled_file(model, folder)
    doc = read_checkpoint_doc(folder)
    if doc["class"] != _class_path(model):
        raise DataError(f"{folder}: checkpoint of {doc['class']}, not of {_class_path(model)}")
    if doc.get("pickled") and not trust:
        raise DataError(f"{folder}: holds pickled objects ({', '.join(doc['pickled'])}), which can run code when "
                        "loaded; pass --trust-checkpoint only if you made this checkpoint yourself")
    arrays, tensors, objects = {}, {}, {}
    if (folder / "arrays.safetensors").is_file():
        from safetensors.numpy import load_file

        arrays = load_file(str(folder / "arrays.safetensors"))
    if (folder / "tensors.safetensors").is_file():
        from safetensors.torch import load_file as load_torch

        tensors = load_torch(str(folder / "tensors.safetensors"), device="cpu")
    if doc.get("pickled"):
        import pickle

        objects = pickle.loads((folder / "objects.pkl").read_bytes())

    def decode(v):
        if isinstance(v, list):
            return [decode(x) for x in v]
        if not isinstance(v, dict):
            return v
        if "__array__" in v:
            return arrays[v["__array__"]]
        if "__tensor__" in v:
            return tensors[v["__tensor__"]]
        if "__tuple__" in v:
            return tuple(decode(x) for x in v["__tuple__"])
        if "__items__" in v:
            return {_hashable(decode(k)): decode(x) for k, x in v["__items__"]}
        if "__estimator__" in v:
            return _load_estimator(folder / "estimators" / f"{v['__estimator__']}.skops")
        if "__object__" in v:
            return objects[v["__object__"]]
        return {k: decode(x) for k, x in v.items()}

    model.set_state(decode(doc["state"]))
    return doc


def _hashable(v):
    return tuple(_hashable(x) for x in v) if isinstance(v, list) else v


def _load_estimator(path: Path):
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=path)
    foreign = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if foreign:
        raise DataError(f"{path}: refuses to load types outside scikit-learn/numpy/scipy: {', '.join(foreign)}")
    return sio.load(path, trusted=untrusted)


def _load_pickled_file(model, path: Path) -> dict:
    """An old single-file joblib checkpoint (trusted by the caller)."""
    import joblib

    try:
        doc = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's error here
        raise DataError(f"{path}: not a readable checkpoint ({type(exc).__name__}: {exc})") from exc
    if not isinstance(doc, dict) or doc.get("class") != _class_path(model):
        got = doc.get("class") if isinstance(doc, dict) else type(doc).__name__
        raise DataError(f"{path}: checkpoint of {got}, not of {_class_path(model)}")
    state = {k: v for k, v in doc["state"].items() if k != "config" and k in model.get_state()}
    model.set_state(state)
    return doc
