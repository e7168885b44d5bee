"""Shared parts: the ResNet-50 trunk is torchvision's, crops, normalisation, the losses."""
from tests.deep_iqa._training import torch

import numpy as np
import pytest

from baselines.deep_iqa import losses
from baselines.deep_iqa.common import Normalize, five_boxes, rename_official, short_side_size
from baselines.deep_iqa.resnet import ResNetTrunk, mean_std_pool


def test_trunk_is_torchvision_resnet50_without_its_classifier():
    from torchvision.models import resnet50

    with torch.device("meta"):
        ours, theirs = ResNetTrunk().state_dict(), resnet50(weights=None).state_dict()
    expected = {k: v.shape for k, v in theirs.items() if not k.startswith("fc.")}
    assert {k: v.shape for k, v in ours.items()} == expected


def test_trunk_computes_what_torchvision_computes():
    from torchvision.models.resnet import Bottleneck, ResNet

    theirs = ResNet(Bottleneck, [1, 1, 1, 1]).eval()
    ours = ResNetTrunk(layers=(1, 1, 1, 1)).eval()
    ours.load_state_dict({k: v for k, v in theirs.state_dict().items() if not k.startswith("fc.")})
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = theirs.avgpool(theirs.layer4(theirs.layer3(theirs.layer2(theirs.layer1(
            theirs.maxpool(theirs.relu(theirs.bn1(theirs.conv1(x))))))))).flatten(1)
        assert torch.allclose(ours(x)[-1].mean(dim=(2, 3)), expected, atol=1e-6)


def test_mean_std_pool_is_mean_then_unbiased_std():
    x = torch.arange(8.0).view(1, 2, 2, 2)
    assert torch.allclose(mean_std_pool(x), torch.tensor([[1.5, 5.5, np.std([0, 1, 2, 3], ddof=1),
                                                            np.std([4, 5, 6, 7], ddof=1)]], dtype=torch.float32))


def test_normalize_and_crop_geometry():
    x = torch.full((1, 3, 2, 2), 255, dtype=torch.uint8)
    out = Normalize()(x)
    mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
    assert torch.allclose(out[0, :, 0, 0], (1 - mean) / std)
    assert short_side_size(512, 768, 384) == (384, 576) and short_side_size(600, 400, 384) == (576, 384)
    assert five_boxes(10, 12, 4) == [(0, 0), (0, 8), (6, 0), (6, 8), (3, 4)]


def test_rename_official_prefix_rules_and_drops():
    state = {"a.x": 1, "a.y": 2, "b.z": 3, "c.relative_position_index": 4, "d": 5}
    out = rename_official(state, [("a.x", "p.x"), ("a.", "q."), ("b.", None)], drop_suffixes=("position_index",))
    assert out == {"p.x": 1, "q.y": 2, "d": 5}


def test_soft_rank_hand_examples():
    assert torch.allclose(losses.soft_rank(torch.tensor([3.0, 1.0, 2.0])), torch.tensor([3.0, 1.0, 2.0]))
    # values closer than the regularisation: all pooled, ranks = x - mean(x) + (n + 1) / 2
    assert torch.allclose(losses.soft_rank(torch.tensor([0.1, 0.2, 0.3])), torch.tensor([1.9, 2.0, 2.1]))
    # strength -> 0: the hard ranks
    assert torch.allclose(losses.soft_rank(torch.tensor([0.5, -1.0, 0.2, 7.0]), 1e-3), torch.tensor([3.0, 1, 2, 4]))
    x = torch.tensor([0.3, 0.1, 0.2], requires_grad=True)
    losses.soft_rank(x)[0].backward()  # pooled block: d r_0 / d x = (1 - 1/3, -1/3, -1/3)
    assert torch.allclose(x.grad, torch.tensor([2 / 3, -1 / 3, -1 / 3]))


def test_correlation_losses_vanish_for_perfect_predictions():
    y = torch.tensor([[1.0, 4.0], [2.0, 3.0], [3.0, 2.0], [5.0, 1.0]])
    perfect = 2 * y + 1
    assert losses.plcc_loss(perfect, y) == pytest.approx(0, abs=1e-6)
    assert losses.rank_loss(perfect, y) == pytest.approx(0, abs=1e-6)
    assert losses.plcc_cosine_loss(perfect, y) == pytest.approx(0, abs=1e-6)
    assert losses.soft_srcc_loss(y * 10, y * 10) == pytest.approx(0, abs=1e-6)
    assert losses.plcc_loss(-y, y) > 0.4 and losses.rank_loss(-y, y) > 0


def test_rank_losses_count_only_the_wrongly_ordered_pairs():
    y = torch.tensor([[0.0], [1.0], [2.0]])
    p = torch.tensor([[0.0], [2.0], [1.0]])  # one pair (1, 2) reversed by 1
    # FAST-VQA: the pair's hinge 1 counts in both orders; sum / n / (n - 1) / (1 + max) = 2 / 3 / 2 / 2
    assert losses.rank_loss(p, y).item() == pytest.approx(1 / 6)
    # SimpleVQA: only pairs with label gap < 1.5 count ((0,1), (1,2)): hinge 1 twice over 4 ordered pairs
    assert losses.l1_rank_loss(p, y, hard_threshold=1.5).item() == pytest.approx(2 / 3 + 2 / 4)


def test_per_view_predictions_are_scored_against_their_items_label():
    pred = torch.tensor([[[1.0], [3.0]], [[0.0], [0.0]]])  # 2 items x 2 views
    target = torch.tensor([[2.0], [1.0]])
    assert losses.l1_loss(pred, target).item() == pytest.approx((1 + 1 + 1 + 1) / 4)
    assert losses.mse_loss(pred.mean(1), target).item() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="do not match"):
        losses.l1_loss(torch.zeros(2, 3), target)
