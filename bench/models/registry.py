"""Model registry, in the style of timm's `register_model` / `create_model`.

Inside this repo a family module decorates its classes::

    @register_model("brisque")
    class Brisque(Model): ...

    register_model("bpri_pss", variant="pss")(BPRI)   # a variant: same class, other defaults

Outside packages add models without touching this repo through the entry-point group
``bench.models``: each entry point names a module (or a callable) that registers its
models when loaded::

    [project.entry-points."bench.models"]
    my_family = "my_package.models"

A researcher's local module needs no packaging: `bench run --plugins my_models` (an import path,
or a path to a .py file) or the environment variable `BENCH_PLUGINS` (comma-separated) imports it.

A model's `paper_row` defaults to the label `bench/tables/layout.py` gives its registry name, so
each row label is written once.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Callable, Optional

from bench.errors import ConfigError

ENTRY_POINT_GROUP = "bench.models"

# The families shipped in this repository (imported on first use).
BUILTIN_MODULES = (
    "baselines.handcrafted_iqa",
    "baselines.deep_iqa",
    "baselines.deep_vqa",
    "baselines.classic_saliency",
    "baselines.deep_saliency",
    "baselines.lmm",
    "lmme3dhf",
)

log = logging.getLogger(__name__)


@dataclass
class Entry:
    name: str
    cls: type
    defaults: dict = field(default_factory=dict)
    source: str = "builtin"  # "builtin", or the entry point / plugin that registered it
    paper_row: Optional[str] = None


_REGISTRY: dict[str, Entry] = {}
_LOAD_ERRORS: dict[str, str] = {}
_loaded = False


def register_model(name: Optional[str] = None, **defaults) -> Callable:
    """Class decorator: register `cls` under `name` (default: lower-cased class name)."""

    def deco(cls):
        key = (name or cls.__name__).lower()
        if key in _REGISTRY and _REGISTRY[key].cls is not cls:
            raise ConfigError(f"model name {key!r} is registered twice "
                              f"({_REGISTRY[key].cls.__module__} and {cls.__module__})")
        _REGISTRY[key] = Entry(key, cls, dict(defaults), _current_source, _paper_row(cls, key))
        return cls

    return deco


_current_source = "builtin"


def _paper_row(cls, key: str) -> Optional[str]:
    """The class's own `paper_row` when it states one (None: no paper row), else the paper's label."""
    if "paper_row" in vars(cls):
        return vars(cls)["paper_row"]
    from bench.tables.layout import paper_label

    return paper_label(key)


def load_plugins(spec: Optional[str] = None) -> None:
    """Import researcher modules that register models: `spec` (comma-separated import paths or .py
    files) and the environment variable BENCH_PLUGINS. A module that fails to import is a ConfigError."""
    import os
    import sys

    global _current_source
    names = [p.strip() for p in f"{spec or ''},{os.environ.get('BENCH_PLUGINS', '')}".split(",") if p.strip()]
    for name in names:
        if name in _LOADED_PLUGINS:
            continue
        _current_source = f"plugin {name}"
        try:
            if name.endswith(".py") or os.sep in name:
                from importlib import util  # not `import importlib.util`: that makes `importlib` local here

                path = os.path.abspath(name)
                if not os.path.isfile(path):
                    raise ConfigError(f"--plugins {name}: no such file")
                mod_name = "bench_plugin_" + os.path.splitext(os.path.basename(path))[0]
                spec_ = util.spec_from_file_location(mod_name, path)
                module = util.module_from_spec(spec_)
                sys.modules[mod_name] = module
                spec_.loader.exec_module(module)
            else:
                if os.getcwd() not in sys.path and "" not in sys.path:
                    sys.path.insert(0, os.getcwd())
                importlib.import_module(name)
        except ConfigError:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's module: one line, naming it
            raise ConfigError(f"plugin {name!r} failed to import: {type(exc).__name__}: {exc}") from exc
        finally:
            _current_source = "builtin"
        _LOADED_PLUGINS.add(name)


_LOADED_PLUGINS: set = set()


def load_all() -> None:
    """Import the built-in families and every `bench.models` entry point, once.

    A family that fails to import is recorded (see `load_errors`) and skipped: one broken
    plugin must not take the harness down.
    """
    global _loaded, _current_source
    if _loaded:
        return
    _loaded = True
    for mod in BUILTIN_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name and mod.startswith(exc.name):  # family not present in this install
                continue
            _LOAD_ERRORS[mod] = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 - recorded and shown by `bench list`
            _LOAD_ERRORS[mod] = f"{type(exc).__name__}: {exc}"
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        _current_source = f"entry point {ep.name} ({ep.value})"
        try:
            obj = ep.load()
            if callable(obj) and not isinstance(obj, type):
                obj()
        except Exception as exc:  # noqa: BLE001
            _LOAD_ERRORS[ep.value] = f"{type(exc).__name__}: {exc}"
            log.warning("model plugin %s failed to load: %s", ep.value, exc)
        finally:
            _current_source = "builtin"


def load_errors() -> dict[str, str]:
    load_all()
    return dict(_LOAD_ERRORS)


def list_models(family: Optional[str] = None) -> list[str]:
    load_all()
    names = sorted(_REGISTRY)
    if family:
        names = [n for n in names if _REGISTRY[n].cls.family == family]
    return names


def get_entry(name: str) -> Entry:
    load_all()
    key = name.lower()
    if key not in _REGISTRY:
        import difflib

        close = difflib.get_close_matches(key, _REGISTRY, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `bench list` shows every model"
        raise ConfigError(f"unknown model {name!r}{hint}")
    return _REGISTRY[key]


def create_model(name: str, **overrides):
    """Instantiate a registered model with its registered defaults updated by `overrides`."""
    entry = get_entry(name)
    config = {**entry.defaults, **overrides}
    try:
        model = entry.cls(**config)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"model {name!r}: bad configuration {config}: {exc}") from exc
    model.name = entry.name
    model.paper_row = entry.paper_row
    return model


def resolve_models(spec: str) -> list[str]:
    """'all' | a family | an alias | 'name1,name2' -> registered names, in table order.

    'all' is every model that fills a row of Tables 1-3 (and any plugin); the ablation rows of Tables 4-5
    are 'ablations' (or named one by one). A word that is both a model and a family (`lmme3dhf`) means
    the model."""
    from bench.models.families import FAMILIES

    load_all()
    out: list[str] = []
    for part in [p.strip() for p in spec.split(",") if p.strip()]:
        if part == "all":
            out += [n for f in FAMILIES for n in list_models(f) if not _is_ablation(n)]
            out += [n for n in list_models() if _REGISTRY[n].cls.family not in FAMILIES]
        elif part in _REGISTRY:
            out.append(part)
        elif part in ("ablations", "lmme3dhf_ablations"):
            out += [n for n in list_models() if _is_ablation(n)]
        elif part in FAMILIES:
            out += list_models(part)
        elif part in FAMILY_ALIASES:
            out += [n for f in FAMILY_ALIASES[part] for n in list_models(f)]
        else:
            out.append(get_entry(part).name)
    seen = set()
    return [n for n in out if not (n in seen or seen.add(n))]


def _is_ablation(name: str) -> bool:
    return getattr(_REGISTRY[name].cls, "ablation", None) is not None


# Short words users type: `--model handcrafted`, `--model saliency`.
FAMILY_ALIASES = {
    "handcrafted": ("handcrafted_iqa",),
    "saliency": ("classic_saliency", "deep_saliency"),
    "lmms": ("lmm",),
    "iqa": ("handcrafted_iqa", "deep_iqa"),
    "vqa": ("deep_vqa",),
}


def names_models_only(spec: str) -> bool:
    """True when `spec` names models one by one (no 'all', no family): then a model that cannot
    run here is the user's error, not something to skip."""
    from bench.models.families import FAMILIES

    load_all()
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    return all(p in _REGISTRY or (p != "all" and p not in FAMILIES and p not in FAMILY_ALIASES
                                  and p not in ("ablations", "lmme3dhf_ablations")) for p in parts)
