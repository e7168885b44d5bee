"""LMME3DHF (paper section 4) as a harness model: trained per fold in three stages, answering every task.

Stages (Fig. 7), each an ordinary run of the shared training loop (`bench.learn.loop.train`: seeded,
resumable per epoch in the fold's work folder):

1. instruction tuning: LoRA on the language model, language-model loss on the text-defined levels (Eq. 4) of
   both dimensions and on the distortion categories (where a sample has them);
2. score regression: LoRA and the score head, L1 loss against MOS (standardised by the training fold's MOS
   mean and standard deviation: the same L1 objective up to a constant factor, which keeps the head's
   output near 0 instead of near 50 at the start);
3. the saliency decoder, from scratch, Eq. 5's loss; LoRA and head frozen.

`settings.epochs` is the number of epochs of each stage (the authors' recipe: one). Prediction gives, per
video: both scores (the head; without a head, the expected level 1-5 from the level-token probabilities),
both levels (the most probable level word), the distortion categories (the generated answer, parsed), the
saliency map (3-view layout) and the generated text; the level probabilities go to `extras`.

Configuration (`--set`): `base` ("auto": the paper's Qwen/Qwen2.5-VL-7B-Instruct under the `paper` profile and the
tiny offline base under `quick`; or "tiny", a Hugging Face repo id, a local snapshot folder),
`lora_llm`, `lora_vision`, `regression`, `decoder` ("full", "no_llm", "no_vision" or "none"), `empty_prompt`.
The ablation rows of Tables 4 and 5 are these switches (`lmme3dhf/ablations.py`).
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from bench.learn.torch_model import TorchModel
from bench.models.base import Prediction, RunContext
from bench.models.registry import register_model
from lmme3dhf.base import HF_ID, load_base
from lmme3dhf.conversations import Conversation, answer, collate, frame_spec

DECODERS = {"full": {}, "no_llm": {"use_llm": False}, "no_vision": {"use_vision": False}, "none": None}
LEVEL_WORDS = ("bad", "poor", "fair", "good", "excellent")


@register_model("lmme3dhf")
class LMME3DHF(TorchModel):
    family = "lmme3dhf"
    tasks = frozenset({"quality", "authenticity", "level", "distortion", "saliency"})
    batch_size = 4
    default_settings = {"batch_size": 1, "precision": "bf16"}

    def __init__(self, base: str = "auto", lora_llm: bool = True, lora_vision: bool = False, regression: bool = True,
                 decoder: str = "full", empty_prompt: bool = False, max_new_tokens: int = 48,
                 threads: Optional[int] = None, **config):
        """`threads`: torch CPU threads while training and predicting (restored afterwards). None: one for the tiny
        base on a CPU (its small matrices gain nothing from a second thread, and lose much on a busy machine),
        torch's own setting otherwise."""
        if decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {', '.join(DECODERS)}, got {decoder!r}")
        if not isinstance(base, str) or not base:
            raise ValueError(f"base must be 'auto', 'tiny', a Hugging Face repo id or a local folder, got {base!r}")
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise ValueError(f"threads must be None or an integer >= 1, got {threads!r}")
        super().__init__(base=base, lora_llm=lora_llm, lora_vision=lora_vision, regression=regression,
                         decoder=decoder, empty_prompt=empty_prompt, max_new_tokens=max_new_tokens,
                         **({"threads": threads} if threads is not None else {}), **config)
        self.threads = threads
        self.base_name, self.lora_llm, self.lora_vision = base, lora_llm, lora_vision
        self.regression, self.decoder_kind, self.empty_prompt = regression, decoder, empty_prompt
        self.max_new_tokens = max_new_tokens
        self.processor = None
        self.mos_mean_, self.mos_std_ = 50.0, 10.0
        if decoder == "none":
            self.tasks = frozenset(self.tasks - {"saliency"})

    # -- weights: the base from the Hugging Face cache or a folder (tiny: nothing to load) -------------------------
    @classmethod
    def weight_specs(cls, config=None):
        from bench.weights import WeightSpec

        base = (config or {}).get("base", "auto")
        if base == "tiny":
            return []
        if base == "auto":
            base = HF_ID
        from pathlib import Path

        if Path(base).expanduser().is_dir():
            return [WeightSpec("base", "file", base, description="a local Qwen2.5-VL snapshot folder")]
        return [WeightSpec("base", "hf", base, description="LMME3DHF's base model (Qwen2.5-VL-7B-Instruct in the paper)")]

    def setup(self, context: RunContext) -> None:
        if self.config.get("base", "auto") == "auto":  # the paper's base for the paper's protocol
            self.base_name = HF_ID if context.profile == "paper" else "tiny"
        if self.base_name != "tiny" and context.settings.pretrained == "none":
            from bench.errors import ConfigError

            raise ConfigError(f"base={self.base_name}: a real base cannot run with pretrained=none (use base=tiny)")
        super().setup(context)


    def build(self):
        import torch

        from lmme3dhf.network import LMME3DHFNet

        if self.base_name == "tiny":
            self.weights = []  # nothing to load: the tiny base is built here, seeded
        present = [w for w in self.weights if w.present]
        if self.base_name != "tiny" and not present:
            from bench.errors import ModelUnavailable

            raise ModelUnavailable(f"LMME3DHF needs its base model {self.base_name}: "
                                   f"{self.weights[0].why_missing() if self.weights else 'not found'}")
        dtype = torch.bfloat16 if self.settings.precision == "bf16" and self.base_name != "tiny" else None
        base, self.processor = load_base(self.base_name, seed=int(self.context.seed), dtype=dtype,
                                         snapshot=present[0].path if present else None)
        self._level_ids = _level_token_ids(self.processor.tokenizer)
        depth = base.config.vision_config.depth
        layers = tuple(round(depth * f) for f in (31 / 32, 21 / 32, 11 / 32))  # the authors' -2, -12, -22 of 32
        decoder = DECODERS[self.decoder_kind]
        return LMME3DHFNet(base, lora_llm=self.lora_llm, lora_vision=self.lora_vision, regression=self.regression,
                           decoder=None if decoder is None else dict(decoder), vision_layers=layers,
                           frames=self.settings.frames)

    def load_pretrained(self, module, resolved) -> None:
        """The base was loaded whole by `build` (from_pretrained on the resolved snapshot)."""

    # -- inputs ---------------------------------------------------------------------------------------------------
    def map_size(self) -> tuple:
        patch = self.module.visual.config.patch_size if self.module is not None else 14
        side = (self.settings.input_size // (patch * 2)) * 2 * 8  # patch grid x 8 (three PixelShuffle x2)
        return (side, 3 * side)

    def conversation(self, mode: str) -> Conversation:
        return Conversation(self.processor, self.settings.frames, self.settings.input_size, mode,
                            empty_prompt=self.empty_prompt, mos_mean=self.mos_mean_, mos_std=self.mos_std_,
                            map_size=self.map_size() if self.decoder_kind != "none" else None)

    def input_fn(self):
        return _PredictInputs(self.conversation("ask"), self.decoder_kind != "none")

    def frame_specs(self) -> list:
        return [frame_spec(self.settings.frames, self.settings.input_size)]

    collate = staticmethod(collate)

    # -- training: three stages -------------------------------------------------------------------------------------
    def _threads(self, context: RunContext):
        from bench.learn.threads import torch_threads

        tiny_on_cpu = self.base_name == "tiny" and str(context.device) == "cpu"
        return torch_threads(self.threads if self.threads is not None else 1 if tiny_on_cpu else None)

    def fit(self, samples: Sequence, context: RunContext) -> "LMME3DHF":
        with self._threads(context):
            return self._fit(samples, context)

    def predict(self, samples: Sequence) -> list[Prediction]:
        with self._threads(self.context):
            return self._predict(samples)

    def _fit(self, samples: Sequence, context: RunContext) -> "LMME3DHF":
        from bench.learn.loop import train

        self.context = context
        if self.module is None:
            self.setup(context)
        self.module.load_state_dict(self._clean, strict=False)  # a clean state every fold
        self._share_vision_cache(context)
        samples = list(samples)
        mos = np.array([s.mos[d] for s in samples for d in ("quality", "authenticity") if d in s.mos])
        self.mos_mean_, self.mos_std_ = (float(mos.mean()), float(mos.std()) or 1.0) if mos.size else (50.0, 10.0)
        net, stages = self.module, {}
        lora = [p for n, p in net.named_parameters() if "lora_" in n]

        def run(name, items, prepare, step, params):
            ctx = RunContext(**{**vars(context), "work_dir": context.work_dir / name if context.work_dir else None,
                                "training": {}})
            for p in net.parameters():
                p.requires_grad_(False)
            for p in params:
                p.requires_grad_(True)
            result = train(net, items, prepare, step, self.settings, ctx, params=params, collate=collate,
                           name=f"{self.name} {name}")
            stages[name] = result.record()

        if lora:
            teach = [(s, k) for s in samples for k in ("quality", "authenticity", "distortion") if answer(k, s)]
            run("stage1_instruction", teach, self.conversation("teach"), lambda m, b: m.lm_loss(b), lora)
        if net.head is not None:
            scored = [(s, k) for s in samples for k in ("quality", "authenticity") if k in s.mos]
            run("stage2_regression", scored, self.conversation("ask"), _regression_loss,
                lora + list(net.head.parameters()))
        if net.decoder is not None:
            from bench.metrics.fold import saliency_scorable

            mapped = [(s, "saliency") for s in samples if s.saliency_map is not None and saliency_scorable(s.saliency())]
            run("stage3_saliency", mapped, self.conversation("ask"), _saliency_loss, list(net.decoder.parameters()))
        for p in net.parameters():
            p.requires_grad_(False)
        context.training.update({"stages": stages, "mos_mean": self.mos_mean_, "mos_std": self.mos_std_})
        return self

    # -- prediction ---------------------------------------------------------------------------------------------------
    def _predict(self, samples: Sequence) -> list[Prediction]:
        import torch

        from bench.data.prompts import DISTORTION_PREFIX, parse_distortions
        from bench.learn.loop import autocast, to_device

        net = self.module
        net.eval()
        self._share_vision_cache(self.context)
        device = torch.device(self.context.device)
        out = []
        scores_wanted = bool(self.tasks & {"quality", "authenticity", "level"})
        for s in samples:
            inputs = self.prepared(s)
            pred = Prediction()
            with torch.no_grad(), autocast(self.settings, self.context.device):
                if scores_wanted:
                    logits, scores = net.score_forward(to_device(collate(inputs["score"]), device))
                    probs = torch.softmax(logits[:, self._level_ids].float(), dim=-1).cpu().numpy()
                    expected = probs @ np.arange(1, 6)
                    dims = ("quality", "authenticity")
                    values = (scores.float().cpu().numpy() * self.mos_std_ + self.mos_mean_
                              if scores is not None else expected)
                    pred.scores = {d: float(v) for d, v in zip(dims, values)}
                    pred.levels = {d: LEVEL_WORDS[int(np.argmax(p))] for d, p in zip(dims, probs)}
                    pred.extras = {"level_probs": {d: [round(float(x), 6) for x in p] for d, p in zip(dims, probs)},
                                   "expected_level": {d: float(e) for d, e in zip(dims, expected)}}
                if "distortion" in self.tasks:
                    generated = self._generate(to_device(collate([inputs["distortion"]]), device))
                    pred.distortions, pred.text = parse_distortions(generated), DISTORTION_PREFIX + generated
                if "saliency" in self.tasks:
                    pred.saliency = net.saliency_forward(
                        to_device(collate([inputs["saliency"]]), device))[0].float().cpu().numpy()
            out.append(pred)
        return out

    def _share_vision_cache(self, context: RunContext) -> None:
        """The frozen vision tower's outputs, kept per video for the whole run (all folds) when they fit in
        memory: the tiny base's do, the 7B's (about 50 MB a video) are recomputed instead."""
        small = sum(p.numel() for p in self.module.visual.parameters()) < 50_000_000
        self.module.vision_cache = context.memo.setdefault("vision", {}) if small and not self.lora_vision else None

    def _generate(self, batch: dict) -> str:
        gen = self.module.base.generate(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
            pixel_values_videos=batch["pixel_values_videos"], video_grid_thw=batch["video_grid_thw"],
            second_per_grid_ts=batch["second_per_grid_ts"], mm_token_type_ids=batch.get("mm_token_type_ids"),
            max_new_tokens=self.max_new_tokens, do_sample=False,
            pad_token_id=self.processor.tokenizer.pad_token_id)
        return self.processor.tokenizer.decode(gen[0, batch["input_ids"].shape[1]:], skip_special_tokens=True)

    # -- state: adapters, head, decoder (the base comes from its cache or its seed) -------------------------------------
    def get_state(self) -> dict:
        trained = {n: p.detach().cpu() for n, p in self.module.named_parameters()
                   if "lora_" in n or n.startswith(("head.", "decoder."))}
        return {"trained": trained, "mos": (self.mos_mean_, self.mos_std_), "base": self.base_name,
                "weights": [w.record() for w in self.weights]}

    def set_state(self, state: dict) -> None:
        from bench.errors import DataError

        if state.get("base") != self.base_name:
            raise DataError(f"{self.name}: checkpoint trained on base {state.get('base')!r}, not {self.base_name!r}")
        missing = set(state["trained"]) - set(dict(self.module.named_parameters()))
        if missing:
            raise DataError(f"{self.name}: checkpoint holds parts this configuration lacks: {sorted(missing)[:3]}")
        self.module.load_state_dict(state["trained"], strict=False)
        self.mos_mean_, self.mos_std_ = (float(x) for x in state["mos"])

    def describe(self) -> dict:
        out = super().describe()
        out["base"] = self.base_name
        if self.module is not None:
            out["lora_modules"] = len(self.module.lora_modules)
        return out


class _PredictInputs:
    """Picklable: the prepared forwards of one sample (scores of both dimensions, distortion question, saliency)."""

    def __init__(self, conversation: Conversation, saliency: bool):
        self.conversation, self.saliency = conversation, saliency

    def __call__(self, sample) -> dict:
        c = self.conversation
        out = {"score": [c((sample, "quality")), c((sample, "authenticity"))], "distortion": c((sample, "distortion"))}
        if self.saliency:
            out["saliency"] = c((sample, "saliency"))
        return out


def _regression_loss(net, batch):
    import torch.nn.functional as F

    _, scores = net.score_forward(batch)
    return F.l1_loss(scores, batch["target"].float())


def _saliency_loss(net, batch):
    from lmme3dhf.decoder import saliency_loss

    return saliency_loss(net.saliency_forward(batch), batch["target"])[0]


def _level_token_ids(tokenizer) -> list[int]:
    """Token ids of " bad" ... " excellent" (with their leading space); each must be ONE token."""
    ids = []
    for word in LEVEL_WORDS:
        toks = tokenizer(" " + word, add_special_tokens=False)["input_ids"]
        if len(toks) != 1:
            raise ValueError(f"the level word ' {word}' is {len(toks)} tokens in this tokenizer, not one: "
                             "level-token scoring needs single tokens")
        ids.append(toks[0])
    return ids
