"""LMME3DHF, the paper's proposed model: Qwen2.5-VL + LoRA + a score regression head + a distortion-aware
saliency decoder, trained in three stages (`model.py`), with the ablation rows of Tables 4 and 5
(`ablations.py`). Importing this package registers them."""
from . import ablations, model  # noqa: F401
