"""TranSalNet: the release's loss, the letterboxed 288x384 geometry, the encoder checkpoints."""
import re

import numpy as np
import pytest
import torch
import torchvision

from baselines.deep_saliency import transalnet
from baselines.deep_saliency.pretrained import load_pretrained
from bench.metrics import saliency as reference

pytestmark = pytest.mark.filterwarnings("ignore:.*copying from a non-meta parameter:UserWarning")


def test_loss_is_the_release_combination_of_metrics():
    rng = np.random.default_rng(1)
    pred = rng.uniform(0.01, 1.0, (3, 1, 16, 48))
    smap = rng.random((3, 1, 16, 48)) ** 4
    fix = rng.random((3, 1, 16, 48)) > 0.95
    p, s, f = pred[:, 0], smap[:, 0], fix[:, 0]
    expected = np.mean(-2 * reference.cc(p, s, resize=None) - reference.sim(p, s, resize=None)
                       + 10 * reference.kld(p, s, resize=None) - reference.nss(p, f, resize=None))
    batch = {"saliency": torch.from_numpy(smap), "fixations": torch.from_numpy(fix)}
    assert transalnet.loss(torch.from_numpy(pred), batch).item() == pytest.approx(expected, rel=1e-9)


def test_views_are_letterboxed_onto_the_288x384_canvas():
    prepare = transalnet.Prepare()
    image = np.full((512, 1536, 3), 255, np.uint8)
    out = prepare(image, np.zeros((512, 1536), np.float32))
    assert out["image"].shape == (3, 3, 288, 384) and out["saliency"].shape == (1, 288, 1152)
    view = out["image"][1]
    assert view[:, :, :48].max() == 0 and view[:, :, 336:].max() == 0 and view[:, :, 48:336].min() == 1.0
    with pytest.raises(ValueError, match="multiple of 32"):
        transalnet.Prepare(input_size=(300, 400))


def test_the_network_refuses_an_input_size_it_was_not_built_for():
    net = transalnet.build("tiny")
    with pytest.raises(ValueError, match="pass the same input_size"):
        net(torch.zeros(1, 3, 3, 64, 128))
    with pytest.raises(ValueError, match="variant"):
        transalnet.build("tiny", variant="vgg")


def test_encoders_read_the_release_scales():
    with torch.device("meta"):
        assert transalnet.build("full", "resnet").encoder.channels == (512, 1024, 2048)
        assert transalnet.build("full", "densenet").encoder.channels == (768, 2112, 2208)


def _legacy_densenet_keys(state: dict) -> dict:
    """Key names of torchvision's published DenseNet checkpoints ("norm.1" for "norm1"), which
    predate batch norm's num_batches_tracked."""
    return {re.sub(r"(denselayer\d+\.(?:norm|relu|conv))([12])\.", r"\1.\2.", k): v
            for k, v in state.items() if not k.endswith("num_batches_tracked")}


@pytest.mark.parametrize("variant, builder, legacy", [("resnet", torchvision.models.resnet50, False),
                                                      ("densenet", torchvision.models.densenet161, True)])
def test_imagenet_checkpoints_fit_the_encoder(variant, builder, legacy):
    (attribute, weights), = transalnet.PRETRAINED[variant].items()
    assert weights.startswith("torchvision:") and attribute == "encoder"
    with torch.device("meta"):
        net, source = transalnet.build("full", variant), builder()
    state = _legacy_densenet_keys(source.state_dict()) if legacy else source.state_dict()
    load_pretrained(net, attribute, state)
    del state[next(iter(state))]  # the first convolution
    with pytest.raises(ValueError, match="missing keys"):
        load_pretrained(net, attribute, state)


def test_densenet_checkpoint_values_are_copied_under_legacy_names():
    net, source = transalnet.build("tiny", "densenet"), transalnet.build("tiny", "densenet")
    load_pretrained(net, "encoder", _legacy_densenet_keys(source.encoder.state_dict()))
    assert all(torch.equal(a, b) for a, b in zip(net.encoder.parameters(), source.encoder.parameters()))
