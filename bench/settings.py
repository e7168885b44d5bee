"""Training and inference settings of learned models: one typed record, one precedence rule.

    Settings() defaults  <  the model's `default_settings`  <  the profile  <  `--set key=value`

where the profile itself is layered: its global values, then the values it gives the model's
family, then the model by name. The resolved values (and where each came from) go into every
result record and into the table captions.

Profiles:
- `paper`: section 5.1 of the paper. Adam, lr 1e-4, batch 8 (the paper also says 4; 8 is taken and
  recorded), 50 epochs, 224x224 frames, 5 folds 4:1, pretrained backbones fine-tuned end to end;
  the deep saliency models 30 epochs with early stopping; LMME3DHF one epoch per stage, batch 1,
  bf16, 16 frames at 364x364 (the authors' ms-swift recipe, `../shared/gen3dhf-official/README.md`); the
  zero-shot LMMs bf16 (each row sees its own frames, `bench list`).
- `quick`: a declared, lighter protocol for a CPU: the same folds and data, smaller inputs, fewer
  frames and epochs, frozen backbones (features computed once per video and shared by the folds)
  and pretrained weights only where the user has them (random initialisation otherwise, marked in
  results and tables).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Optional

from bench.errors import ConfigError

PRECISIONS = ("fp32", "bf16", "fp16")
PRETRAINED = ("required", "if_available", "none")


@dataclass(frozen=True)
class Settings:
    epochs: int = 1  # passes over the training fold (LMME3DHF: per stage)
    lr: float = 1e-4  # Adam's learning rate
    weight_decay: float = 0.0
    batch_size: int = 8
    input_size: int = 224  # side of the square frames/images a network sees, in pixels
    frames: int = 8  # frames per video
    early_stopping: bool = False  # stop when the validation loss stops improving (`patience` epochs)
    patience: int = 5
    val_fraction: float = 0.1  # part of the training fold held out when early stopping is on
    precision: str = "fp32"  # fp32 | bf16 | fp16 (autocast; fp16 with loss scaling, CUDA only)
    workers: int = 2  # input-preparation worker processes
    pretrained: str = "if_available"  # required | if_available | none
    freeze_backbone: bool = False  # train the head on frozen (pretrained or random) backbone features

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, _check(f.name, getattr(self, f.name)))

    def to_dict(self) -> dict:
        return asdict(self)


_RULES = {
    "epochs": (int, lambda v: v >= 0, ">= 0"),
    "lr": (float, lambda v: v > 0, "> 0"),
    "weight_decay": (float, lambda v: v >= 0, ">= 0"),
    "batch_size": (int, lambda v: v >= 1, ">= 1"),
    "input_size": (int, lambda v: v >= 8, ">= 8"),
    "frames": (int, lambda v: v >= 1, ">= 1"),
    "early_stopping": (bool, lambda v: True, ""),
    "patience": (int, lambda v: v >= 1, ">= 1"),
    "val_fraction": (float, lambda v: 0 <= v <= 0.5, "in [0, 0.5]"),
    "precision": (str, lambda v: v in PRECISIONS, f"one of {', '.join(PRECISIONS)}"),
    "workers": (int, lambda v: v >= 0, ">= 0"),
    "pretrained": (str, lambda v: v in PRETRAINED, f"one of {', '.join(PRETRAINED)}"),
    "freeze_backbone": (bool, lambda v: True, ""),
}
SETTING_NAMES = tuple(_RULES)


def _check(name: str, value):
    kind, ok, want = _RULES[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is bool and isinstance(value, str) and value.lower() in ("true", "false"):
        value = value.lower() == "true"
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ConfigError(f"setting {name}={value!r}: must be {kind.__name__}" + (f" {want}" if want else ""))
    if not ok(value):
        raise ConfigError(f"setting {name}={value!r}: must be {want}")
    return value


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    values: dict
    families: dict = field(default_factory=dict)  # family -> values
    models: dict = field(default_factory=dict)  # registry name -> values
    folds: int = 5


PROFILES = {
    "paper": Profile(
        "paper", "the paper's protocol (section 5.1)",
        {"epochs": 50, "lr": 1e-4, "batch_size": 8, "input_size": 224, "frames": 8, "early_stopping": False,
         "pretrained": "required", "freeze_backbone": False},
        families={"deep_saliency": {"epochs": 30, "early_stopping": True},
                  "deep_vqa": {"frames": 16},  # the clip length of torchvision's Kinetics-400 video ResNets
                  "lmme3dhf": {"epochs": 1, "batch_size": 1, "frames": 16, "input_size": 364,
                               "precision": "bf16"},
                  "lmm": {"precision": "bf16"}},  # the zero-shot LMMs' published dtype (their frames: each row's)
        # VSFA's and TCSVT-BVQA's extractors are fixed by the methods: encoded once per run, heads trained per fold.
        # The deep saliency networks' published input heights (4:3 canvases): 600x800, 480x640, 288x384.
        models={"vsfa": {"freeze_backbone": True}, "tcsvt_bvqa": {"freeze_backbone": True},
                "salicon": {"input_size": 600}, "sal_cfs_gan": {"input_size": 480},
                "transalnet_resnet": {"input_size": 288}, "transalnet_dense": {"input_size": 288}}),
    "quick": Profile(
        "quick", "a lighter CPU protocol: smaller inputs, fewer frames and epochs, frozen backbones",
        {"epochs": 5, "lr": 1e-4, "batch_size": 8, "input_size": 112, "frames": 4, "early_stopping": False,
         "pretrained": "if_available", "freeze_backbone": True},
        # Deep saliency: frozen encoders (features once per run on 64-px-high canvases), heads per fold at a
        # head's rate; GazeGAN (no encoder) whole at its minimum input, narrowed (see the README's deep
        # saliency section for the measurements).
        families={"deep_saliency": {"epochs": 5, "early_stopping": True, "patience": 2, "input_size": 64,
                                    "lr": 1e-3},
                  # Frozen backbones: features of each video once per run at 64 px, a head per fold (10 epochs
                  # at a head's rate). Sized so that the 15 backbone rows fit ~5 min of a 2-core CPU; see the
                  # README's deep IQA/VQA section for the measurements.
                  "deep_iqa": {"input_size": 64, "frames": 3, "epochs": 10, "lr": 1e-3},
                  "deep_vqa": {"input_size": 64, "frames": 4, "epochs": 10, "lr": 1e-3},
                  # The tiny random-init base (base=auto under quick): 8 frames (4 temporal patches, so the 3 views
                  # fall in 3 of them) at 56 px, 3 epochs per stage at 10x the paper's rate, in fp32 (the model's
                  # bf16 default is the paper's GPU dtype: on a CPU it is slower, and its 8-bit mantissa rounds the
                  # tiny base's small differences between videos away); about 1 min per fold on a 2-core CPU.
                  "lmme3dhf": {"epochs": 3, "lr": 1e-3, "batch_size": 4, "frames": 8, "input_size": 56,
                               "precision": "fp32"}},
        # The named deep IQA/VQA methods (README; sized so that the eight fit ~5 min of a 2-core CPU): CNNIQA sees 9
        # patches per frame, 5 epochs; HyperIQA's hyper network costs ~60 ms per item and step here (it generates
        # 33k target weights per crop), so it trains on the middle frame, 2 epochs, batches of 16; VSFA sees 6 time
        # steps, TCSVT-BVQA 8 (SlowFast's fast pathway needs a multiple of 4), FAST-VQA and DOVER an 8-frame clip
        # (2x2 fragments).
        models={"cnniqa": {"input_size": 96, "epochs": 5}, "hyperiqa": {"frames": 1, "epochs": 2, "batch_size": 16},
                "fastvqa": {"frames": 8}, "dover": {"frames": 8}, "vsfa": {"frames": 6}, "tcsvt_bvqa": {"frames": 8},
                # the deep saliency rows (README: Deep saliency; sized so that the four fit ~5 min of a 2-core CPU)
                "salicon": {"epochs": 20, "patience": 3}, "sal_cfs_gan": {"input_size": 128, "epochs": 1},
                "transalnet_resnet": {"input_size": 32, "epochs": 2}, "transalnet_dense": {"input_size": 32, "epochs": 2}}),
}


def get_profile(name: str) -> Profile:
    if name not in PROFILES:
        raise ConfigError(f"unknown profile {name!r}: choose from {', '.join(PROFILES)}")
    return PROFILES[name]


def default_profile(device: str) -> str:
    return "paper" if device == "cuda" else "quick"


def split_overrides(overrides: dict) -> tuple[dict, dict]:
    """`--set` values -> (the settings among them, validated; all of them as model configuration, which
    each model takes where its `__init__` accepts the key: `frames` is a handcrafted metric's option and
    a learned model's setting, with one meaning)."""
    settings = {k: _check(k, v) for k, v in overrides.items() if k in _RULES}
    return settings, dict(overrides)


def resolve_settings(profile: str, *, family: str = "", model: str = "", model_defaults: Optional[dict] = None,
                     overrides: Optional[dict] = None) -> tuple[Settings, dict]:
    """The settings a model runs with, and for each key where its value came from."""
    prof = get_profile(profile)
    layers = [("model default", model_defaults or {}), (f"profile {prof.name}", prof.values),
              (f"profile {prof.name} ({family})", prof.families.get(family, {})),
              (f"profile {prof.name} ({model})", prof.models.get(model, {})), ("--set", overrides or {})]
    values, source = {}, {}
    for where, layer in layers:
        for k, v in layer.items():
            if k not in _RULES:
                raise ConfigError(f"{where}: unknown setting {k!r} (settings: {', '.join(SETTING_NAMES)})")
            values[k], source[k] = v, where
    settings = replace(Settings(), **values)
    return settings, {f.name: source.get(f.name, "default") for f in fields(Settings)}
