"""The eight named methods of Table 1 as harness rows (CNNIQA, StairIQA, HyperIQA; SimpleVQA, FAST-VQA, DOVER,
TCSVT-BVQA, VSFA): what their registered models share, `MethodRow`.

A method module (`baselines.deep_iqa.cnniqa`, ...) holds the network (`build`), its preparation (`Prepare`), its loss
and its facts (`PRETRAINED`, `OFFICIAL`, `PAPER_PARAMS`); a row module (`cnniqa_row`, ...) registers it on the
families' protocol (`protocol.DeepQualityModel`): trained per fold with the shared loop, on MOS standardised with the
training fold's statistics, one network scoring both dimensions.

What a row does under each profile (recorded with every result as `model_card.protocol`):

- `paper`: the method as published: its own frame sampling and preparation at the video's native resolution
  (`Prepare`'s defaults), its own loss, trained end to end from its pretrained parts (ImageNet / Kinetics-400 from
  the standard caches; a missing one makes the row `unavailable`, with the fetch command). Parts the method keeps
  fixed stay fixed; VSFA's and TCSVT-BVQA's fixed extractors encode each video once per run, as their authors do.
- `quick` (any other profile): a compact preparation sized by the settings (`input_size`, `frames`); the row's
  `frozen_part` (its pretrained extractors, or its whole feature trunk) encodes each video once per run (memoised,
  shared by the folds) and the rest trains per fold with the method's loss; from random initialisation when the
  weights are absent (`init` in the model card, footnoted in tables).

`--set official=true` also loads the authors' trained checkpoint (the method module's `OFFICIAL`, renamed into this
implementation; one-output last layers do not fit the two-output rows and keep their initialisation): from the torch
hub cache when it is published at a URL, else from `--set weights_path='{"official": "FILE"}'`.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Optional

import numpy as np

from baselines.deep_iqa.inputs import DIMENSIONS, read_frames, target
from bench.data.video import FrameSpec
from bench.errors import ModelUnavailable

TV = "https://download.pytorch.org/models/"
RESNET50_V1 = ("ResNet50_Weights.IMAGENET1K_V1", TV + "resnet50-0676ba61.pth")
RESNET50_V2 = ("ResNet50_Weights.IMAGENET1K_V2", TV + "resnet50-11ad3fa6.pth")
SLOWFAST_R50 = "https://dl.fbaipublicfiles.com/pytorchvideo/model_zoo/kinetics/SLOWFAST_8x8_R50.pyth"
SWIN_T_K400 = ("https://github.com/SwinTransformer/storage/releases/download/v1.0.4/"
               "swin_tiny_patch244_window877_kinetics400_1k.pth")
CONVNEXT_T = "https://dl.fbaipublicfiles.com/convnext/convnext_tiny_1k_224_ema.pth"


def resnet50_spec(key: str, weights: tuple = RESNET50_V1):
    from bench.weights import WeightSpec

    return WeightSpec(key, "torchvision", weights[0], url=weights[1], description="ResNet-50 pretrained on ImageNet-1K")


def url_spec(key: str, url: str, description: str):
    from bench.weights import WeightSpec

    return WeightSpec(key, "url", url.rsplit("/", 1)[1], url=url, description=description)


class MethodInput:
    """Picklable preparation: a sample (prediction) or a training item ((sample, frame index) for the image methods,
    a sample for the video methods) with an rng -> the method's `Prepare` output (+ "target" when training)."""

    def __init__(self, spec: FrameSpec, prepare):
        self.spec, self.prepare = spec, prepare

    def __call__(self, item, rng: Optional[np.random.Generator] = None) -> dict:
        sample, index = item if isinstance(item, tuple) else (item, None)
        frames = read_frames(sample, self.spec)
        if index is not None:
            frames = frames[index:index + 1]
        out = dict(self.prepare(np.asarray(frames), rng))
        if rng is not None:
            out["target"] = target(sample)
        return out


def with_valid(features, length):
    """(B, L, C) features of which the first `length` (B,) steps are valid -> (B, L, C + 1), the last channel 1 on
    valid steps: memoised per video, the lengths travel with the features."""
    import torch

    valid = (torch.arange(features.shape[1], device=features.device)[None] < length[:, None]).to(features.dtype)
    return torch.cat([features, valid[..., None]], dim=-1)


def split_valid(features):
    """The inverse of `with_valid`: ((B, L, C) features, (B,) lengths)."""
    return features[..., :-1], features[..., -1].sum(1).round().long()


class TemporalRow:
    """For VSFA and TCSVT-BVQA (mixed in before `MethodRow`): memoised per-step features with their valid steps
    (`with_valid`) into the method's GRU head; the features of randomly initialised extractors are standardised
    with the training fold's statistics (they saturate the GRU otherwise: every video the same score), pretrained
    ones go in raw, as the methods use them."""

    def fit_input_scaling(self, samples, features: dict) -> None:
        import torch

        if self.init == "pretrained":
            return
        x, length = split_valid(torch.stack([features[s.id] for s in samples]))
        valid = torch.arange(x.shape[1])[None] < length[:, None]
        self.module.head.fit_input_scaling(x[valid])

    def protocol(self) -> dict:
        out = super().protocol()
        if self.settings.freeze_backbone and self.init != "pretrained":
            out["training"] += "; random-init features standardised with the training fold's statistics"
        return out


class MethodRow:
    """A named method on the family protocol; mixed in before the family base (`FrameQualityModel` for the image
    methods, `ClipQualityModel` for the video methods). A row sets `method_module`, `frozen_what` (what the quick
    path freezes, in words) and implements `pretrained_specs`, `prepare_options` (the quick preparation),
    `frozen_part`, `features` and `score` (the quick path: memoised features -> standardised scores, the training
    output in training mode), optionally `arch_options`, `adapt_pretrained`, `frame_spec`."""

    method_module: str = ""
    frozen_what: str = "the feature trunk"
    pairwise = False  # the loss correlates the items of a batch: a batch of one item contributes nothing
    own_losses = ("method",)
    default_loss = "method"

    def __init__(self, official: bool = False, size: str = "full", **config):
        """`official`: also load the authors' trained checkpoint (see the module docstring). `size`: "full" (the
        published architecture) or "tiny" (the method module's narrow variant, for CPU tests; no weights fit it)."""
        if not isinstance(official, bool):
            raise ValueError(f"official must be true or false, got {official!r}")
        if size not in ("full", "tiny"):
            raise ValueError(f"size must be 'full' or 'tiny', got {size!r}")
        super().__init__(**({"official": True} if official else {}), **({"size": size} if size != "full" else {}),
                         **config)
        self.official, self.size = official, size

    @property
    def method(self):
        return importlib.import_module(self.method_module)

    def published(self) -> bool:
        """The method's own preparation (the `paper` profile) rather than the compact one."""
        return self.context.profile == "paper"

    # -- network and weights -------------------------------------------------------------------------
    def build_network(self):
        return self.method.build(self.size, outputs=len(DIMENSIONS), **self.arch_options())

    def arch_options(self) -> dict:
        return {}

    @classmethod
    def pretrained_specs(cls) -> list:
        return []

    @classmethod
    def weight_specs(cls, config: Optional[dict] = None) -> list:
        specs = cls.pretrained_specs()
        if (config or {}).get("official"):
            from bench.weights import WeightSpec

            official = importlib.import_module(cls.method_module).OFFICIAL
            name, where = next(iter(official["files"].items()))
            what = f"the authors' trained checkpoint ({official['note']})"
            specs.append(url_spec("official", where, what) if where.startswith("https://github.com/")
                         else WeightSpec("official", "file", name, url=where, description=what))
        return specs

    def adapt_pretrained(self, key: str, state: dict, module) -> dict:
        """A pretrained state dict in the names and layout of `module.<key>` (default: without the classifier:
        torchvision's `fc`, pytorchvideo's pooling and head blocks 5-6)."""
        return {k: v for k, v in state.items() if not k.startswith(("fc.", "blocks.5.", "blocks.6."))}

    def load_pretrained(self, module, resolved) -> None:
        """A pretrained part strictly (every tensor of it, nothing else); the official checkpoint by its renaming
        rules, leaving out only tensors of another shape (the one-output last layers)."""
        key, state = resolved.spec.key, read_checkpoint(Path(resolved.path))
        if key == "official":
            rules = self.method.OFFICIAL
            from baselines.deep_iqa.common import rename_official

            renamed = rename_official(state, rules["key_rules"], rules.get("drop_suffixes", ()))
            own = module.state_dict()
            fits = {k: v for k, v in renamed.items() if k in own and own[k].shape == v.shape}
            if len(fits) < 0.9 * len(renamed):
                raise ModelUnavailable(f"{resolved.path}: only {len(fits)} of its {len(renamed)} tensors fit "
                                       f"{self.name} (is it {resolved.spec.id}?)")
            module.load_state_dict(fits, strict=False)
            self.load_report = {"official_loaded": len(fits), "official_left_out": sorted(set(renamed) - set(fits))}
            return
        try:
            module.get_submodule(key).load_state_dict(self.adapt_pretrained(key, state, module), strict=True)
        except RuntimeError as exc:
            raise ModelUnavailable(f"{resolved.path}: not the weights of {resolved.spec.id}: "
                                   f"{' '.join(str(exc).split())[:400]}") from None

    def parameter_counts(self) -> dict:
        """The configured network's counts, plus `published`: the method's full-size network with one output, as
        its authors built it, and `published_reference`: the count from its paper / official code (the method
        module's PAPER_PARAMS; the two differ by what the official code builds but never uses, UNBUILT_PARAMS)."""
        import torch

        from baselines.deep_iqa.common import count_parameters

        out = super().parameter_counts()
        with torch.device("meta"):
            out["published"] = count_parameters(self.method.build("full", outputs=1))
        out["published_reference"] = self.method.PAPER_PARAMS
        return out

    # -- inputs --------------------------------------------------------------------------------------
    def prepare_options(self) -> dict:
        """`Prepare` options of the compact (quick) preparation."""
        return {}

    def frame_spec(self) -> FrameSpec:
        """The frames a video is prepared from: the method's own (`FRAMES`) when published (an image method's K
        frames: `frames`, the family's frame rule), else `frames` frames spread over the video at `input_size`."""
        if self.published():
            frames = dict(self.method.FRAMES)
            if frames["count"]:
                frames["count"] = self.settings.frames
            return FrameSpec(**frames)
        size = self.settings.input_size
        return FrameSpec(count=self.settings.frames, size=(size, size))

    def frame_specs(self) -> list:
        return [self.frame_spec()]

    def _prepare(self, train: bool):
        return self.method.Prepare(train=train, **({} if self.published() else self.prepare_options()))

    def input_fn(self):
        return MethodInput(self.frame_spec(), self._prepare(False))

    def train_prepare(self):
        return MethodInput(self.frame_spec(), self._prepare(True))

    # -- training and prediction ---------------------------------------------------------------------
    def step_loss(self, module, batch: dict):
        tgt = self._standardised(batch["target"])
        pred = (self.score(module, batch["features"]) if "features" in batch
                else module(**{k: v for k, v in batch.items() if k != "target"})).float()
        if self.pairwise and pred.shape[0] < 2:
            return pred.sum() * 0.0
        if self.loss != "method":
            from baselines.deep_iqa.losses import quality_loss

            return quality_loss(self.loss, pred, tgt)
        return self.method_loss(pred, tgt)

    def method_loss(self, pred, tgt):
        return self.method.loss(pred, tgt)

    def forward_predict(self, module, batch: dict):
        return module(**{k: v for k, v in batch.items() if k != "target"})

    def protocol(self) -> dict:
        out = super().protocol()
        out.pop("clip", None)
        doc = (self.method.loss.__doc__ or "").strip().split("\n")[0]
        out["loss"] = f"the method's: {doc}" if self.loss == "method" else self.loss
        out["preparation"] = ("the method's own, at native resolution" if self.published()
                              else f"compact: {self.frame_spec()}, Prepare{self.prepare_options()}")
        out["training"] = (f"{self.frozen_what} frozen (each video encoded once per run, shared by the folds); "
                           "the rest trains per fold" if self.settings.freeze_backbone
                           else "end to end (parts the method keeps fixed stay fixed)")
        return out


def read_checkpoint(path: Path) -> dict:
    """A state dict from a checkpoint file or folder, unwrapped from the containers the methods' releases use
    ({"state_dict": ...}, {"model_state": ...}, {"model": ...}); read without unpickling code."""
    from baselines.deep_iqa.backbones import read_state_dict

    try:
        state = read_state_dict(path)
    except Exception as exc:  # noqa: BLE001 - a bad file: one line naming it
        raise ModelUnavailable(f"{path}: cannot be read as a state dict ({type(exc).__name__}: {exc})") from None
    for box in ("state_dict", "model_state"):
        if isinstance(state.get(box), dict):
            state = state[box]
    return state
