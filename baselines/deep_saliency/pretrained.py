"""Loading an ImageNet checkpoint into the pretrained part of a deep saliency network.

Each method module names its pretrained parts in `PRETRAINED`: attribute path in the built
network -> weights id "torchvision:<WeightsEnum>.<member>" (e.g. "torchvision:ResNet50_Weights.
IMAGENET1K_V1"). The part at that attribute is a torchvision architecture whose state-dict keys
are torchvision's, minus the layers the saliency network drops (the classifier head, DenseNet's
final norm); it lists their key prefixes in `dropped_keys`. Finding the checkpoint (TORCH_HOME) is
the harness's resolver's job; `load_pretrained` puts its state dict in place and refuses anything
but an exact fit.
"""
from __future__ import annotations

import re

# torchvision's published DenseNet checkpoints keep the layer names of old torchvision
# ("denselayer1.norm.1.weight" for "denselayer1.norm1.weight"); torchvision renames them on load.
_LEGACY_DENSENET_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


def _current_key(key: str) -> str:
    match = _LEGACY_DENSENET_KEY.match(key)
    return match.group(1) + match.group(2) if match else key


def load_pretrained(network, attribute: str, state_dict: dict) -> None:
    """Copy a torchvision checkpoint's `state_dict` into `network.<attribute>`.

    Keys of the layers the part drops (its `dropped_keys` prefixes) are ignored; any other key
    that does not fit, a missing key or a shape mismatch raises ValueError naming them."""
    try:
        part = network.get_submodule(attribute)
    except AttributeError:
        raise ValueError(f"{type(network).__name__} has no pretrained part {attribute!r}") from None
    dropped = tuple(getattr(part, "dropped_keys", ()))
    state = {_current_key(k): v for k, v in state_dict.items() if not _current_key(k).startswith(dropped)}
    try:
        missing, unexpected = part.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shape mismatches
        raise ValueError(f"checkpoint does not fit {attribute!r}: {exc}") from None
    if missing or unexpected:
        raise ValueError(f"checkpoint does not fit {attribute!r}: missing keys {sorted(missing)[:5]}, "
                         f"unexpected keys {sorted(unexpected)[:5]}")
