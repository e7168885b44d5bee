"""The ablation rows of Tables 4 and 5, each a configuration of LMME3DHF that a run can produce.

Table 4 (the saliency decoder; stages 1-2 as the full model):
  (1) w/o LLM                 the decoder without the language model's features (vision features only)
  (2) Empty Prompt            the saliency forward without its instruction (only the video)
  (3) Only multimodal features the decoder without the vision tower's skip features
  (4) LMME3DHF (Ours)         the full decoder

Table 5 (score prediction and distortion questions; no decoder):
  (n)  LoRA (vision)  LoRA (LLM)  Quality regression
  (1)       ✓
  (2)                     ✓
  (3)                                     ✓
  (4)       ✓             ✓
  (5)                     ✓               ✓          (the paper's default)
  (6)       ✓             ✓               ✓

The paper prints "~" in three cells (row (4) LLM; row (6) vision and LLM). They are read as ticks: the text
says (4) "performs comparably to Experiment (2), suggesting that the vision encoder is less critical" (so (4)
is (2) plus the vision LoRA) and (6) is (5) plus the vision LoRA, the costlier of the two best rows. Without a
regression module a row's scores are the expected level (1-5) from the level-token probabilities.
"""
from __future__ import annotations

from bench.models.registry import register_model
from lmme3dhf.model import LMME3DHF

SCORES = frozenset({"quality", "authenticity", "level", "distortion"})

TABLE4 = (("(1)", "w/o LLM", {"decoder": "no_llm"}), ("(2)", "Empty Prompt", {"empty_prompt": True}),
          ("(3)", "Only multimodal features", {"decoder": "no_vision"}), ("(4)", "LMME3DHF (Ours)", {}))
TABLE5 = (("(1)", (True, False, False)), ("(2)", (False, True, False)), ("(3)", (False, False, True)),
          ("(4)", (True, True, False)), ("(5)", (False, True, True)), ("(6)", (True, True, True)))


def _register(table: int, index: int, row: str, label: str, tasks, config: dict, settings: dict | None = None):
    name = f"lmme3dhf_ablation_t{table}_{index}"
    block = {"table": table, "row": row, "label": label}
    if settings is not None:
        block["settings"] = settings
    doc = f"LMME3DHF ablation, Table {table} row {row} {label}: " + ", ".join(f"{k}={v}" for k, v in config.items())
    cls = type(f"LMME3DHFAblationT{table}R{index}", (LMME3DHF,),
               {"ablation": block, "tasks": tasks, "__doc__": doc, "__module__": __name__})
    register_model(name, **config)(cls)


for i, (row, label, config) in enumerate(TABLE4, start=1):
    _register(4, i, row, label, frozenset({"saliency"}), config)

for i, (row, (vision, llm, regression)) in enumerate(TABLE5, start=1):
    _register(5, i, row, "", SCORES, {"lora_vision": vision, "lora_llm": llm, "regression": regression,
                                      "decoder": "none"},
              {"lora_vision": vision, "lora_llm": llm, "quality_regression": regression})
