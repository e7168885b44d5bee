"""LMME3DHF, the paper's proposed model (Qwen2.5-VL + LoRA + score head + saliency decoder).

Not implemented yet in this repository: it arrives with its own issue. Importing this package
registers nothing.
"""
