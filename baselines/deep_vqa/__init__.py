"""Deep VQA family (paper Table 1: SimpleVQA, FAST-VQA, DOVER, TCSVT-BVQA, VSFA): architectures,
input preparation and losses as plain PyTorch, one module per method. Importing the family registers its models:
the backbone rows (`backbones`) and the named methods' rows (`simplevqa_row`, `fastvqa_row`, `dover_row`,
`tcsvt_bvqa_row`, `vsfa_row`, on `baselines.deep_iqa.named.MethodRow`).

SimpleVQA, TCSVT-BVQA and VSFA hold fixed feature extractors (frozen SlowFast / ResNet-50, run once
offline by their authors): their `frozen_features(**{k: batch[k] for k in FROZEN_INPUTS})` returns
entries that replace those batch keys, so a harness may compute them once per video and train on them.

Shared parts: `fragments` (grid mini-patch and temporal sampling of FAST-VQA and DOVER),
`swin3d_gated` (the fragment attention network), `slowfast_motion` (the frozen SlowFast of SimpleVQA
and TCSVT-BVQA), `temporal` (VSFA's GRU head and temporal pooling, also TCSVT-BVQA's); the deep IQA
family's `common`, `resnet` and `losses`.
"""
from baselines.deep_vqa import backbones, dover_row, fastvqa_row, simplevqa_row, tcsvt_bvqa_row, vsfa_row  # noqa: F401
