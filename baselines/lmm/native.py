"""LMMs with a native transformers class: loading from a local snapshot, prompts through the chat template.

An `Architecture` says how a transformers model family takes a clip (one video entry, or one image
entry per frame) and is keyed by the checkpoint's `model_type` (config.json), so any checkpoint of a
registered family loads, not only a row's default (`--set checkpoint=ORG/NAME`). Adding a native LMM is
one module: it declares its `Row`, registers its `Architecture` if the family is new, and registers a
`NativeRow` subclass.

Loading is offline: the snapshot folder the weights resolver found (`bench.weights`: the Hugging Face
cache, or `--set weights_path=DIR`), never the network, so a missing checkpoint is `unavailable` at once
with the download command. Downloaded code is never run: native classes need none.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from baselines.lmm.base import LMM
from baselines.lmm.model import LMMRow
from baselines.lmm.server.lmm_protocol import level_token_ids, revision_of
from bench.data.prompts import DIMENSIONS, answer_prefix, level_words
from bench.errors import ConfigError
from bench.models.base import Requirements


@dataclass(frozen=True)
class Architecture:
    model_type: str  # config.json "model_type"
    model_class: str  # the transformers class that loads it
    frames_as: str = "video"  # "video": one video entry; "images": the frames as that many images
    processor_kwargs: dict = field(default_factory=dict)  # extra arguments of every processor call


ARCHITECTURES: dict[str, Architecture] = {}


def register_architecture(arch: Architecture) -> Architecture:
    if arch.frames_as not in ("video", "images"):
        raise ValueError(f"{arch.model_type}: frames_as must be 'video' or 'images', got {arch.frames_as!r}")
    ARCHITECTURES[arch.model_type] = arch
    return arch


def architecture_of(folder: Path) -> Architecture:
    try:
        model_type = json.loads((folder / "config.json").read_text())["model_type"]
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"{folder / 'config.json'}: unreadable or without model_type ({exc})") from exc
    if model_type not in ARCHITECTURES:
        raise ConfigError(f"{folder}: model_type {model_type!r} has no native LMM architecture here "
                          f"(known: {', '.join(sorted(ARCHITECTURES))}); checkpoints that need their authors' "
                          "code run through the external adapter")
    return ARCHITECTURES[model_type]


def torch_dtype(dtype: str, device: str):
    import torch

    if dtype == "auto":
        return torch.bfloat16 if str(device).startswith("cuda") else torch.float32
    if dtype not in ("float32", "bfloat16", "float16"):
        raise ConfigError(f"dtype must be auto, float32, bfloat16 or float16, got {dtype!r}")
    return getattr(torch, dtype)


def load_native(folder, *, device: str = "cpu", dtype: str = "auto") -> tuple:
    """(model, processor, architecture, identity) from a local checkpoint folder (a snapshot of the Hugging Face
    cache, or any folder `save_pretrained` wrote), offline and without downloaded code (native classes need
    none). The identity's revision is the snapshot hash when the folder lies in the cache layout."""
    import transformers

    folder = Path(folder)
    dt = torch_dtype(dtype, device)
    arch = architecture_of(folder)
    place = {} if device == "cpu" else {"device_map": device}
    model = getattr(transformers, arch.model_class).from_pretrained(
        folder, dtype=dt, local_files_only=True, trust_remote_code=False, **place).eval()
    processor = transformers.AutoProcessor.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
    identity = {"revision": revision_of(str(folder)), "path": str(folder), "class": arch.model_class,
                "dtype": str(dt).replace("torch.", ""), "device": str(device)}
    return model, processor, arch, identity


class NativeLMM(LMM):
    """An LMM held in this process: a transformers model, its processor, and its architecture."""

    def __init__(self, model, processor, architecture: Architecture | None = None, *, identity: dict | None = None,
                 **settings):
        super().__init__(**settings)
        model_type = model.config.model_type
        if architecture is None and model_type not in ARCHITECTURES:
            raise ConfigError(f"no native LMM architecture for model_type {model_type!r}")
        self.model, self.processor = model, processor
        self.architecture = architecture or ARCHITECTURES[model_type]
        self._identity = dict(identity or {"checkpoint": None, "revision": None, "class": type(model).__name__})
        self._level_ids: dict[str, list] = {}

    def identity(self) -> dict:
        return dict(self._identity)

    def close(self) -> None:
        """Drop the weights; on a GPU, give the memory back."""
        import gc

        import torch

        self.model = self.processor = None
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    # -- prompts --------------------------------------------------------------------------------------------------
    def render(self, prompt: str, n_frames: int, prefix: str | None = None) -> str:
        """The prompt text the chat template makes (placeholders not yet expanded by the processor).

        With `prefix`, the assistant's turn is open and already holds it (the template's own
        `continue_final_message` rendering); without, the turn is opened for generation.
        """
        visual = ([{"type": "video"}] if self.architecture.frames_as == "video"
                  else [{"type": "image"}] * n_frames)
        messages = [{"role": "user", "content": visual + [{"type": "text", "text": prompt}]}]
        if prefix is not None:
            messages.append({"role": "assistant", "content": [{"type": "text", "text": prefix}]})
        return self.processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=prefix is None,
                                                  continue_final_message=prefix is not None)

    def inputs(self, frames, fps: float, prompt: str, prefix: str | None = None):
        """The model's inputs (on its device) for a clip and a prompt."""
        text = self.render(prompt, len(frames), prefix)
        if self.architecture.frames_as == "video":
            meta = {"fps": fps, "total_num_frames": len(frames), "frames_indices": list(range(len(frames)))}
            visual = {"videos": [frames], "video_metadata": [meta]}
        else:
            visual = {"images": list(frames)}
        bos = self.processor.tokenizer.bos_token
        # a template that writes BOS itself must not get a second one from the tokenizer
        batch = self.processor(text=[text], return_tensors="pt",
                               add_special_tokens=not (bos and text.startswith(bos)), **visual,
                               **self.architecture.processor_kwargs)
        return batch.to(self.model.device).to(self.model.dtype)  # a dtype casts the floating tensors only

    def level_token_ids(self, prefix: str) -> list:
        if prefix not in self._level_ids:
            tok = self.processor.tokenizer
            self._level_ids[prefix] = level_token_ids(lambda s: tok(s, add_special_tokens=False)["input_ids"],
                                                      prefix, level_words())
        return self._level_ids[prefix]

    # -- hooks ----------------------------------------------------------------------------------------------------
    def _level_logits(self, frames, fps, prompt, prefix):
        import torch

        ids = self.level_token_ids(prefix)
        batch = self.inputs(frames, fps, prompt, prefix)
        with torch.inference_mode():
            logits = self.model(**batch, logits_to_keep=1).logits
        return logits[0, -1, ids].float().cpu().numpy()

    def _generate(self, frames, fps, prompt, max_new_tokens) -> str:
        import torch

        batch = self.inputs(frames, fps, prompt)
        with torch.inference_mode():
            out = self.model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                                      temperature=None, top_p=None, top_k=None)
        new = out[0, batch["input_ids"].shape[1]:]
        return self.processor.tokenizer.decode(new, skip_special_tokens=True).strip()


class NativeRow(LMMRow):
    """A row whose checkpoint loads with a native transformers class, in this process."""

    requirements = Requirements(gpu="optional", packages=("torch", "transformers"))

    def _load(self, weights, device: str, dtype: str) -> NativeLMM:
        model, processor, arch, identity = load_native(weights.path, device=device, dtype=dtype)
        lmm = NativeLMM(model, processor, arch, identity=identity, **self.engine_settings)
        if self.mode == "logits":  # a tokenizer whose level words are not single tokens fails here, once
            for dim in DIMENSIONS:
                lmm.level_token_ids(answer_prefix(dim))
        return lmm
