"""Deep IQA family (paper Table 1: CNNIQA, StairIQA, HyperIQA): architectures, input preparation and
losses as plain PyTorch, one module per method. Importing the family registers its models: the backbone rows (`backbones`) and the named methods'
rows (`cnniqa_row`, `stairiqa_row`, `hyperiqa_row`, on `named.MethodRow`).

Every method module (here and in `baselines.deep_vqa`) exposes:
- `build(size="full"|"tiny", outputs=2, **arch_options) -> nn.Module`; `model(**batch)` takes the
  stacked `Prepare` outputs. In evaluation mode it returns (B, outputs). In training mode it returns
  what the method's loss needs, always passed straight to `loss`: (B, outputs) for most, per-view
  scores (B, N, outputs) for the image methods (every patch / crop is trained against its item's
  label), branch scores (B, 2, outputs) for DOVER and TCSVT-BVQA.
- `Prepare(train=False, **options)`, picklable: `(frames uint8 (T, H, W, 3), rng) -> dict of tensors`
  without a batch dimension; pixels stay uint8 and the network normalises them.
- `loss(pred, target (B, outputs)) -> scalar`, the method's own loss.
- `FRAMES` (the `Sample.frames(count=, fps=, size=)` request), `PRETRAINED` (weight identifiers of
  pretrained parts, by attribute), `OFFICIAL` (the authors' checkpoints and the renaming rules for
  `common.rename_official`), `PAPER_PARAMS` (parameter count of the full one-output model, with its
  source).

Shared parts: `common` (frames, crops, normalisation, frozen parts), `resnet` (the ResNet-50 trunk),
`losses`.
"""
from baselines.deep_iqa import backbones, cnniqa_row, hyperiqa_row, stairiqa_row  # noqa: F401
