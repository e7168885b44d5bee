"""The LMME3DHF network: Qwen2.5-VL with LoRA, the score regression head and the saliency decoder.

- LoRA (r 8, alpha 32, dropout 0.05, as the authors' ms-swift runs) on the language model's linear layers
  only: q/k/v/o projections and the gate/up/down MLP of every decoder layer. (`all-linear` would also wrap
  the vision tower; the paper freezes it.) Table 5's "LoRA (vision)" adds LoRA to the vision blocks'
  attention and MLP linears (not the merger).
- The score head (`ScoreHead`): the authors' MLP (D -> 1024 -> 256 -> 64 -> 16 -> 1, ReLU) on the language
  model's last-layer hidden state. Which token feeds it: the last token of the prompt followed by the answer
  prefix "The quality of the human face in this video is" (the position whose logits choose the level
  word), so that training and prediction see the same token without teacher-forcing a level. (The authors'
  code takes position -3 of the teacher-forced answer.) One head serves both dimensions, the prompt saying
  which, as the authors train it on both label files.
- The saliency decoder (`lmme3dhf.decoder.SaliencyDecoder`).
"""
from __future__ import annotations

import re

import torch
import torch.nn as nn

from lmme3dhf.decoder import SaliencyDecoder
from lmme3dhf.grids import llm_grid, view_slices, vision_grid, window_index

LLM_LINEAR = r"(.*\.)?language_model\.layers\.\d+\.(self_attn\.(q|k|v|o)_proj|mlp\.(gate|up|down)_proj)"
VISION_LINEAR = r"(.*\.)?visual\.blocks\.\d+\.(attn\.(qkv|proj)|mlp\.(gate|up|down)_proj)"
LORA = {"r": 8, "lora_alpha": 32, "lora_dropout": 0.05}


class ScoreHead(nn.Module):
    def __init__(self, dim: int, widths=(1024, 256, 64, 16)):
        super().__init__()
        layers, prev = [], dim
        for w in widths:
            layers += [nn.Linear(prev, w), nn.ReLU()]
            prev = w
        layers.append(nn.Linear(prev, 1))
        self.mlp = nn.Sequential(*layers)

    def forward(self, x):
        return self.mlp(x.float()).squeeze(-1)


def add_lora(model: nn.Module, llm: bool, vision: bool) -> list[str]:
    """Inject LoRA adapters in place; returns the names of the wrapped modules."""
    from peft import LoraConfig, inject_adapter_in_model

    patterns = [p for p, on in ((LLM_LINEAR, llm), (VISION_LINEAR, vision)) if on]
    if not patterns:
        return []
    target = "|".join(f"(?:{p})" for p in patterns)
    inject_adapter_in_model(LoraConfig(target_modules=f"^(?:{target})$", **LORA), model)
    return [n for n, m in model.named_modules() if hasattr(m, "lora_A") and re.fullmatch(target, n)]


class LMME3DHFNet(nn.Module):
    def __init__(self, base: nn.Module, *, lora_llm: bool = True, lora_vision: bool = False, regression: bool = True,
                 decoder: dict | None = None, head_widths=(1024, 256, 64, 16), vision_layers=(-2, -12, -22),
                 frames: int = 16):
        super().__init__()
        base.requires_grad_(False)  # frozen; LoRA, head and decoder are what trains
        self.base = base
        self.lora_vision = lora_vision
        self.lora_modules = add_lora(base, lora_llm, lora_vision)
        self.vision_cache: dict | None = None
        cfg = base.config
        dim = cfg.text_config.hidden_size
        self.head = ScoreHead(dim, head_widths) if regression else None
        self.vision_layers = tuple(vision_layers)
        vcfg = cfg.vision_config
        t = max(frames // vcfg.temporal_patch_size, 1)
        self.decoder = SaliencyDecoder(dim, vcfg.hidden_size, t, **decoder) if decoder is not None else None

    # -- parts ---------------------------------------------------------------------------------------------------
    @property
    def visual(self):
        return self.base.model.visual

    def encode_video(self, batch: dict, with_layers: bool = False):
        """The vision tower once per video: its output for the language model (`pooler_output`: one tensor
        per video) and, with_layers, the hidden states of `vision_layers` as image grids: a list over layers
        of [(t, h, w, C) per video]. While the tower is frozen (no vision LoRA) each video's result is kept in
        `vision_cache` (set by the owner: fold-independent, so shared by the folds of a run) and reused."""
        from transformers.modeling_outputs import BaseModelOutputWithPooling

        keys = batch.get("video_key")
        cache = self.vision_cache if keys is not None and not self.lora_vision else None
        if cache is not None and all(k in cache and (not with_layers or cache[k][1] is not None) for k in keys):
            device = batch["input_ids"].device
            pooled = tuple(cache[k][0].to(device) for k in keys)
            layers = None if not with_layers else [[cache[k][1][i].to(device) for k in keys]
                                                   for i in range(len(self.vision_layers))]
            return BaseModelOutputWithPooling(pooler_output=pooled), layers
        out, layers = self._run_vision(batch["pixel_values_videos"], batch["video_grid_thw"], with_layers)
        if cache is not None:
            for i, k in enumerate(keys):
                cache[k] = (out.pooler_output[i].detach().cpu(),
                            None if layers is None else [g[i].detach().cpu() for g in layers])
        return out, layers

    def _run_vision(self, pixel_values_videos, video_grid_thw, with_layers: bool):
        out = self.base.model.get_video_features(pixel_values_videos, video_grid_thw, return_dict=True,
                                                 output_hidden_states=with_layers)
        if not with_layers:
            return out, None
        merge = self.visual.spatial_merge_size
        index = window_index(video_grid_thw.cpu(), self.visual.config).to(pixel_values_videos.device)
        sizes = (video_grid_thw.prod(-1)).tolist()
        grids = []
        for layer in self.vision_layers:
            hidden = out.hidden_states[layer]
            per_video, start, gstart = [], 0, 0
            for thw, n in zip(video_grid_thw.tolist(), sizes):
                groups = n // (merge * merge)
                idx = index[gstart:gstart + groups] - gstart
                per_video.append(vision_grid(hidden[start:start + n], thw, merge, idx))
                start, gstart = start + n, gstart + groups
            grids.append(per_video)
        return out, grids

    def language(self, batch: dict, video_outputs, **kwargs):
        return self.base(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                         mm_token_type_ids=batch.get("mm_token_type_ids"), video_grid_thw=batch["video_grid_thw"],
                         second_per_grid_ts=batch.get("second_per_grid_ts"), mm_encoder_outputs={"video": video_outputs},
                         **kwargs)

    # -- the three tasks ---------------------------------------------------------------------------------------------
    def lm_loss(self, batch: dict):
        video, _ = self.encode_video(batch)
        return self.language(batch, video, labels=batch["labels"]).loss

    def score_forward(self, batch: dict):
        """(level logits at the answer position (B, vocab), regression scores (B,) or None)."""
        video, _ = self.encode_video(batch)
        out = self.language(batch, video, output_hidden_states=self.head is not None)
        last = batch["attention_mask"].sum(1) - 1  # right padding: the last real token of each row
        rows = torch.arange(len(last), device=last.device)
        logits = out.logits[rows, last]
        scores = self.head(out.hidden_states[-1][rows, last]) if self.head is not None else None
        return logits, scores

    def saliency_forward(self, batch: dict):
        """Maps (B, h, 3h) in [0, 1] in the 3-view layout, from the saliency prompt's forward."""
        video, layers = self.encode_video(batch, with_layers=self.decoder.use_vision)
        llm = None
        if self.decoder.use_llm:
            out = self.language(batch, video, output_hidden_states=True)
            hidden = out.hidden_states[-1]
            vid = self.base.config.video_token_id
            merge = self.visual.spatial_merge_size
            llm = torch.stack([llm_grid(hidden[b][batch["input_ids"][b] == vid], thw, merge)
                               for b, thw in enumerate(batch["video_grid_thw"].tolist())])
        vision = None
        if self.decoder.use_vision:
            t = int(batch["video_grid_thw"][0, 0])
            picks = view_slices(t)
            vision = [torch.stack([g[picks] for g in per_video]) for per_video in layers]  # (B, V, h, w, C)
        return self.decoder(llm.float() if llm is not None else None,
                            [v.float() for v in vision] if vision is not None else None)
