"""Deep saliency family (paper Table 3, the learned rows): SALICON, Sal-CFS-GAN (GazeGAN),
TranSalNet-ResNet and TranSalNet-Dense, as plain PyTorch code.

One module per method (`salicon`, `sal_cfs_gan`, `transalnet` with `variant="resnet"|"densenet"`),
each exposing the same parts: `build(size="full"|"tiny", **arch_options)` (random weights),
`Prepare(input_size=INPUT_SIZE["full"], flip=False)` (one 3-view strip and its map -> tensors;
`.restore` maps a prediction back to the strip), `loss(pred, batch)` (the method's objective),
`PRETRAINED` (attribute of the built network -> torchvision weights id), `PAPER_PARAMS` and
`INPUT_SIZE`. Shared parts: `views` (the 3-view layout), `losses` (differentiable saliency
metrics), `pretrained` (loading a torchvision checkpoint into a named part).

The harness models (`models`: `salicon`, `sal_cfs_gan`, `transalnet_resnet`, `transalnet_dense`)
wrap these modules; importing this package registers them.
"""
from . import models  # noqa: F401
