"""The frozen SlowFast motion extractor: pytorchvideo's network, pathway shapes, frozen behaviour."""
from tests.deep_iqa._training import torch

import pytest

from baselines.deep_vqa.slowfast_motion import SlowFastTrunk


def test_trunk_is_pytorchvideos_slowfast_r50_without_pooling_and_classifier():
    import warnings

    with warnings.catch_warnings():  # pytorchvideo's torch.jit.script decorators
        warnings.simplefilter("ignore", FutureWarning)
        from pytorchvideo.models.hub.slowfast import slowfast_r50

    with torch.device("meta"):
        ours = SlowFastTrunk("full").state_dict()
        theirs = slowfast_r50(pretrained=False).state_dict()
    expected = {k: v.shape for k, v in theirs.items() if not k.startswith(("blocks.5.", "blocks.6."))}
    assert {k: v.shape for k, v in ours.items()} == expected


def test_slow_and_fast_feature_shapes():
    net = SlowFastTrunk("tiny").eval()
    with torch.no_grad():
        slow, fast = net(torch.randn(2, 3, 8, 64, 64))
    assert slow.shape == (2, 256, 2, 2, 2) and fast.shape == (2, 32, 8, 2, 2)  # T/4 slow frames, T fast
    assert net.channels == (256, 32)
    with torch.device("meta"):
        full = SlowFastTrunk("full")
        slow, fast = full(torch.empty(1, 3, 32, 224, 224))
    assert slow.shape == (1, 2048, 8, 7, 7) and fast.shape == (1, 256, 32, 7, 7)
    with pytest.raises(ValueError, match="at least 4 frames"):
        net(torch.randn(1, 3, 2, 64, 64))
