"""The four deep saliency rows of Table 3 as harness models: SALICON, Sal-CFS-GAN (GazeGAN),
TranSalNet-ResNet and TranSalNet-Dense, trained per fold on the 3-view images and their ground-truth
maps (task `saliency`). The methods, their papers and what this implementation changes are in the
method modules (`salicon`, `sal_cfs_gan`, `transalnet`); this module is the training protocol.

- **Input**: each sample's 3-view strip and map, per view (`views`); `input_size` is the height of
  the network's 4:3 canvas (width 4/3 of it, rounded to what the method needs): the `paper` profile
  gives each method its published size (SALICON 600x800, GazeGAN 480x640, TranSalNet 288x384).
- **Objective**: each method's own (`loss`); GazeGAN adversarially (generator and discriminator, two
  Adam optimisers with the release's betas, one update of each per batch, through the shared loop's
  own-step mode); its validation loss is the generator's content loss. Every method trains with the
  settings' Adam learning rate (the paper's 1e-4 for all; the releases use 1e-5 for TranSalNet, 2e-4
  for GazeGAN).
- **Validation**: with `early_stopping` (both profiles) a validation part of the TRAINING fold
  (whole videos); the test fold is never seen before prediction.
- **Pretrained encoders** (VGG-16, ResNet-50, DenseNet-161 from torchvision's ImageNet weights)
  through the weights resolver: `paper` needs them (`unavailable` with the fetch command), `quick`
  starts from a seeded random initialisation without them (model card `init`).
- **`freeze_backbone`** (`quick`): the encoder is frozen (TranSalNet: with its randomly initialised
  transformers, most of a step's cost on a CPU); the frozen part's outputs for each sample are computed
  once per run (`context.memo`, shared by the folds' training and test samples) and the rest of the
  network (SALICON's readout; TranSalNet's CNN decoder) trains per fold on them. GazeGAN has no pretrained
  part and trains whole; under `quick` its base width is `QUICK_GAN_WIDTH` instead of the release's 64
  (declared in the model card), since the full generator (190M parameters) takes ~30 s per batch here.
- Training samples without a ground-truth map are left out (`context.train_failures`).
"""
from __future__ import annotations

from dataclasses import replace
from types import ModuleType
from typing import Optional, Sequence

import numpy as np

from baselines.deep_saliency import pretrained, sal_cfs_gan, salicon, transalnet
from baselines.deep_saliency.views import flatten_views, split_views
from bench.errors import DataError, ModelUnavailable
from bench.learn.threads import torch_threads
from bench.learn.torch_model import TorchModel
from bench.models import register_model
from bench.models.base import Prediction, Requirements, RunContext

MEMO_KEY = "encoder_features"  # context.memo[MEMO_KEY][sample id] -> training item (features + targets)
FEATURE = "feature"  # memoised items: "feature0", "feature1", ... (the encoder's outputs) and the targets
QUICK_GAN_WIDTH = 4
ASPECT = 4 / 3  # width / height of every method's canvas


def canvas(height: int, multiple: int) -> tuple[int, int]:
    """(height, width) of a 4:3 canvas `height` high, both sides rounded to `multiple`."""
    h = max(multiple, int(round(height / multiple)) * multiple)
    return h, max(multiple, int(round(h * ASPECT / multiple)) * multiple)


class StripInput:
    """Test-time preparation (picklable): a sample's strip -> the network's inputs + its size."""

    def __init__(self, prepare):
        self.prepare = prepare

    def __call__(self, sample) -> dict:
        import torch

        strip = sample.three_view()
        return {**self.prepare(strip), "strip_size": torch.tensor(strip.shape[:2])}


class TrainingInput:
    """Training preparation (picklable): (sample, rng) -> inputs and targets; with `flip`, each view
    mirrored (image and map) with probability 1/2 from the item's rng."""

    def __init__(self, prepare, flip: bool = False):
        self.prepare, self.flip = prepare, flip

    def __call__(self, sample, rng: np.random.Generator) -> dict:
        strip, smap = sample.three_view(), sample.saliency()
        if self.flip and rng.random() < 0.5:
            strip, smap = (np.concatenate([v[:, ::-1] for v in split_views(a)], axis=1) for a in (strip, smap))
        return self.prepare(strip, smap)


def memo_item(item, rng=None) -> dict:
    """A memoised (features, targets) training item, as it is."""
    return item


def _gan_step(module, batch, optimizers) -> dict:
    return module.training_step(batch, optimizers)


class DeepSaliencyModel(TorchModel):
    family = "deep_saliency"
    tasks = frozenset({"saliency"})
    requirements = Requirements(packages=("torch", "torchvision"))
    batch_size = 4
    method: ModuleType = None  # salicon | sal_cfs_gan | transalnet
    canvas_multiple = 2  # the canvas sides must be multiples of this
    train_flip = False  # the release trains with random horizontal flips
    objective = ""  # what the method optimises, for the model card

    def __init__(self, size: str = "full", threads: Optional[int] = None, **config):
        """`size`: "full" (the published network) or "tiny" (the same code with narrow layers: tests).
        `threads`: torch CPU threads while this model trains and predicts (None: one on the CPU, several
        times faster on a shared 2-core machine; `--set threads=2` on a quiet one)."""
        if size not in ("full", "tiny"):
            raise ValueError(f"size must be 'full' or 'tiny', not {size!r}")
        if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads < 1):
            raise ValueError(f"threads must be None or an integer >= 1, got {threads!r}")
        super().__init__(size=size, **({"threads": threads} if threads is not None else {}), **config)
        self.size, self.threads = size, threads

    # -- the method ---------------------------------------------------------------------------------
    def canvas(self) -> tuple[int, int]:
        return canvas(self.settings.input_size, self.canvas_multiple)

    def preparation(self):
        return self.method.Prepare(self.canvas())

    def build(self):
        return self.method.build(self.size)

    @classmethod
    def pretrained_parts(cls) -> dict:
        """{attribute: torchvision weights id} of the parts an ImageNet checkpoint initialises."""
        return {k: v.split(":", 1)[1] for k, v in cls.method.PRETRAINED.items()}

    @classmethod
    def weight_specs(cls, config: Optional[dict] = None) -> list:
        from torchvision.models import get_weight

        from bench.weights import WeightSpec

        return [WeightSpec(key, "torchvision", wid, url=get_weight(wid).url,
                           description=f"{key}: {wid.split('_Weights')[0]} pretrained on ImageNet-1k")
                for key, wid in cls.pretrained_parts().items()]

    def load_pretrained(self, module, resolved) -> None:
        import torch

        state = torch.load(resolved.path, map_location="cpu", weights_only=True)
        try:
            pretrained.load_pretrained(module, resolved.spec.key, state)
        except ValueError as exc:
            raise ModelUnavailable(f"{resolved.path}: not the weights of {resolved.spec.id}: {exc}") from None

    @property
    def frozen(self) -> bool:
        """Whether the encoder is frozen and only the rest trains (on memoised features)."""
        return bool(self.settings.freeze_backbone and self.pretrained_parts())

    def frozen_parts(self) -> tuple:
        """The parts `freeze_backbone` freezes (default: the pretrained ones)."""
        return tuple(self.pretrained_parts())

    def encode_frozen(self, module, inputs: dict) -> tuple:
        """The frozen parts' outputs for a batch of inputs (per view: (B * V, ...))."""
        return module.encode(**inputs)

    def decode_rest(self, module, features, n_views: int):
        """The trained rest on `encode_frozen`'s outputs -> tiled maps."""
        return module.decode(features, n_views)

    def setup(self, context: RunContext) -> None:
        super().setup(context)
        if self.frozen:
            for key in self.frozen_parts():
                self.module.get_submodule(key).requires_grad_(False)
            from bench.learn.loop import trained_state

            self._clean = trained_state(self.module)

    # -- harness hooks ------------------------------------------------------------------------------
    def input_fn(self):
        return StripInput(self.preparation())

    def train_prepare(self):
        return TrainingInput(self.preparation(), flip=self.train_flip)

    def step_loss(self, module, batch: dict):
        return self.method.loss(module(**batch), batch)

    def head_loss(self, module, batch: dict):
        """The loss of the part after a frozen encoder, on memoised features (`feature0`, ...)."""
        return self.method.loss(self.decode_rest(module, self._features_of(batch), batch[f"{FEATURE}0"].shape[1]),
                                batch)

    def forward_predict(self, module, batch: dict):
        return {"maps": module(**{k: v for k, v in batch.items() if k != "strip_size"}),
                "sizes": batch["strip_size"]}

    def to_predictions(self, outputs, samples: Sequence) -> list[Prediction]:
        prepare = self.preparation()
        return [Prediction(saliency=prepare.restore(m, int(h), int(w)))
                for m, (h, w) in zip(outputs["maps"], outputs["sizes"].tolist())]

    def training_options(self) -> dict:
        """Extra arguments of the shared loop (GazeGAN: its own step and optimisers)."""
        return {}

    # -- training -----------------------------------------------------------------------------------
    def _with_maps(self, samples: Sequence, context: RunContext) -> list:
        out = []
        for s in samples:
            if s.saliency_map is None:
                context.train_failures[s.id] = "no ground-truth saliency map"
            else:
                out.append(s)
        if len(out) < 2:
            raise DataError(f"{self.name}: {len(out)} training sample(s) with a ground-truth saliency map of "
                            f"{len(samples)}; at least 2 are needed")
        return out

    def threads_now(self) -> Optional[int]:
        """Torch CPU threads while this model trains and predicts: `threads`, or one on the CPU."""
        if self.threads is not None:
            return self.threads
        return 1 if str(self.context.device) == "cpu" else None

    def fit(self, samples: Sequence, context: RunContext) -> "DeepSaliencyModel":
        from bench.learn.loop import split_validation, train

        self.context = context
        if self.module is None:
            self.setup(context)
        self.module.load_state_dict(self._clean, strict=False)  # a clean state every fold
        samples = self._with_maps(samples, context)
        train_s, val_s = (split_validation(samples, self.settings.val_fraction, context.seed)
                          if self.settings.early_stopping else (samples, []))
        with torch_threads(self.threads_now()):
            if self.frozen:
                items = self._encoded(samples, targets=True)
                # Items are memoised tensors: worker processes would only add forks.
                result = train(self.module, [items[s.id] for s in train_s], memo_item, self.head_loss,
                               replace(self.settings, workers=0), context, val_items=[items[s.id] for s in val_s],
                               name=self.name)
            else:
                result = train(self.module, train_s, self.train_prepare(), self.step_loss, self.settings, context,
                               val_items=val_s, name=self.name, **self.training_options())
        context.training.update(result.record())
        return self

    def predict(self, samples: Sequence) -> list[Prediction]:
        if not self.frozen or self.module is None:
            with torch_threads(self.threads_now()):
                return super().predict(samples)
        import torch

        from bench.learn.loop import collate_dicts, to_device

        with torch_threads(self.threads_now()):  # the frozen encoder's features: once per run
            items = self._encoded(samples, targets=False)
            batch = to_device(collate_dicts([items[s.id] for s in samples]), torch.device(self.context.device))
            self.module.eval()
            with torch.no_grad():
                maps = self.decode_rest(self.module, self._features_of(batch), batch[f"{FEATURE}0"].shape[1])
        return self.to_predictions({"maps": maps, "sizes": batch["strip_size"]}, samples)

    @staticmethod
    def _features_of(batch: dict) -> list:
        return [flatten_views(batch[f"{FEATURE}{k}"]) for k in range(sum(k.startswith(FEATURE) for k in batch))]

    def _encoded(self, samples: Sequence, targets: bool) -> dict:
        """{sample id: {"feature0", ... (the frozen encoder's outputs for the sample's views, (V, C, h, w)),
        "strip_size", and with `targets` "saliency", "fixations"}}. The encoder runs once per sample and
        run (context.memo, shared by the folds' training and test samples), in batches of `batch_size`,
        on the test-time preparation (no augmentation)."""
        import torch

        from bench.learn.loop import collate_dicts, to_device

        memo = self.context.memo.setdefault(MEMO_KEY, {})
        missing = [s for s in samples if s.id not in memo or (targets and "saliency" not in memo[s.id])]
        todo = list({s.id: s for s in missing}.values())
        prepare, device = self.preparation(), torch.device(self.context.device)
        self.module.eval()
        for i in range(0, len(todo), self.batch_size):
            chunk = todo[i:i + self.batch_size]
            strips = [s.three_view() for s in chunk]
            prepared = [prepare(strip, s.saliency() if targets else None) for s, strip in zip(chunk, strips)]
            fresh = [j for j, s in enumerate(chunk) if s.id not in memo]
            if fresh:
                batch = to_device(collate_dicts([prepared[j] for j in fresh]), device)
                inputs = {k: v for k, v in batch.items() if k not in ("saliency", "fixations")}
                with torch.no_grad():
                    features = self.encode_frozen(self.module, inputs)
                n_views = next(iter(inputs.values())).shape[1]
                for row, j in enumerate(fresh):
                    memo[chunk[j].id] = {f"{FEATURE}{k}": f.unflatten(0, (-1, n_views))[row].float().cpu().clone()
                                         for k, f in enumerate(features)}
                    memo[chunk[j].id]["strip_size"] = torch.tensor(strips[j].shape[:2])
            if targets:
                for s, item in zip(chunk, prepared):
                    memo[s.id].update(saliency=item["saliency"], fixations=item["fixations"])
        return {s.id: memo[s.id] for s in samples}

    def describe(self) -> dict:
        out = super().describe()
        out["protocol"] = {"canvas": list(self.canvas()), "frozen": list(self.frozen_parts()) if self.frozen else [],
                           "objective": self.objective}
        return out


@register_model("salicon")
class SALICON(DeepSaliencyModel):
    """SALICON (Huang et al., ICCV 2015): fine and coarse VGG-16 streams, 1x1 readout; KL divergence."""

    method = salicon
    objective = "KL divergence (the paper's best objective)"
    list_note = "two VGG-16 streams + 1x1 readout; KLD; per view, stretched to 4:3"


class TranSalNetModel(DeepSaliencyModel):
    method = transalnet
    canvas_multiple = transalnet.STRIDE
    variant = ""
    objective = "-2 CC - SIM + 10 KL - NSS (the release's)"

    def build(self):
        return transalnet.build(self.size, variant=self.variant, input_size=self.canvas())

    @classmethod
    def pretrained_parts(cls) -> dict:
        return {k: v.split(":", 1)[1] for k, v in transalnet.PRETRAINED[cls.variant].items()}

    # Frozen (`quick`): the encoder and the transformers, whose ~40M parameters on few tokens are most of a
    # step's cost on a CPU; the CNN decoder trains on their memoised outputs.
    def frozen_parts(self) -> tuple:
        return (*self.pretrained_parts(), "transformer8", "transformer16", "transformer32")

    def encode_frozen(self, module, inputs: dict) -> tuple:
        return module.attend(module.encode(**inputs))

    def decode_rest(self, module, features, n_views: int):
        return module.fuse(features, n_views)


@register_model("transalnet_resnet")
class TranSalNetResNet(TranSalNetModel):
    """TranSalNet (Lou et al., 2022) with a ResNet-50 encoder."""

    variant = "resnet"
    list_note = "ResNet-50 + 3-scale transformers + CNN decoder; per view, letterboxed to 4:3"


@register_model("transalnet_dense")
class TranSalNetDense(TranSalNetModel):
    """TranSalNet (Lou et al., 2022) with a DenseNet-161 encoder."""

    variant = "densenet"
    list_note = "DenseNet-161 + 3-scale transformers + CNN decoder; per view, letterboxed to 4:3"


@register_model("sal_cfs_gan")
class SalCFSGAN(DeepSaliencyModel):
    """Sal-CFS-GAN = GazeGAN (Che et al., TIP 2019): local-global U-Net generator with center-surround
    connections, multi-scale PatchGAN discriminator; LSGAN + L1/CC/KL/NSS content losses."""

    method = sal_cfs_gan
    canvas_multiple = 2
    train_flip = True
    objective = "LSGAN + 1 L1 - 10 CC + 10 KL - 1 NSS (the release's); validation: the content loss"
    list_note = "GazeGAN (the Sal-CFS-GAN repository); from scratch; quick profile: width 4 of 64"

    def __init__(self, width: Optional[int] = None, **config):
        """`width`: base width of generator and discriminator (None: the `size`'s, 64 for "full" as
        the release, but QUICK_GAN_WIDTH for "full" under the quick profile)."""
        if width is not None and (not isinstance(width, int) or isinstance(width, bool) or width < 1):
            raise ValueError(f"width must be None or an integer >= 1, got {width!r}")
        super().__init__(**({"width": width} if width is not None else {}), **config)
        self.width = width

    def canvas(self) -> tuple[int, int]:
        h, w = super().canvas()
        if h < sal_cfs_gan.MIN_SIDE:
            raise ValueError(f"sal_cfs_gan: input_size {self.settings.input_size} is below GazeGAN's minimum "
                             f"{sal_cfs_gan.MIN_SIDE} (six stride-2 stages); --set input_size=128 or more")
        return h, w

    def network_width(self) -> int:
        if self.width is not None:
            return self.width
        if self.size == "full" and getattr(self.context, "profile", "") == "quick":
            return QUICK_GAN_WIDTH
        return sal_cfs_gan.WIDTHS[self.size]["generator"]

    def build(self):
        width = self.network_width()
        return sal_cfs_gan.GazeGAN(width, width)

    def training_options(self) -> dict:
        return {"step": _gan_step, "optimizers": self.module.configure_optimizers(lr=self.settings.lr)}

    def setup(self, context: RunContext) -> None:
        super().setup(context)
        self.init = "from scratch (no pretrained part, as the release)"

    def describe(self) -> dict:
        out = super().describe()
        width = out["protocol"]["width"] = self.network_width()
        if width != sal_cfs_gan.WIDTHS["full"]["generator"]:
            out["notes"] = [f"Sal-CFS-GAN: generator and discriminator of base width {width}, not "
                            f"the release's {sal_cfs_gan.WIDTHS['full']['generator']} (quick profile or --set)"]
        return out
