"""HyperIQA: the hyper network generates a target network of the right shapes, crops, learning."""
from tests.deep_iqa._training import (check_learns_and_overfits, check_official_names, check_parameter_counts,
                                      check_prepare_contract, prepared_batch, synthetic_video, targets, torch)

import pytest

from baselines.deep_iqa import hyperiqa


def test_hyper_network_emits_the_target_networks_shapes_at_full_size():
    with torch.device("meta"):
        net = hyperiqa.build("full", outputs=2)
        params = net.hyper(torch.empty(3, 3, 224, 224))
    assert params["target_in"].shape == (3, 224)  # 16 + 16 + 16 + 176 local distortion values
    assert [tuple(w.shape) for w in params["weights"]] == [(3, 112, 224), (3, 56, 112), (3, 28, 56),
                                                           (3, 14, 28), (3, 2, 14)]
    assert [tuple(b.shape) for b in params["biases"]] == [(3, 112), (3, 56), (3, 28), (3, 14), (3, 2)]


def test_every_image_gets_its_own_target_network():
    net = hyperiqa.build("tiny").eval()
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        params = net.hyper(images)
        out = net.target(params)
    assert not torch.allclose(params["weights"][0][0], params["weights"][0][1])
    for i in range(2):  # the target network of image i, layer by layer
        x = params["target_in"][i]
        for k, (w, b) in enumerate(zip(params["weights"], params["biases"])):
            x = torch.nn.functional.linear(x, w[i], b[i])
            x = torch.sigmoid(x) if k < 4 else x
        assert torch.allclose(out[i], x, atol=1e-5)


def test_generated_weights_are_the_convolution_output_reshaped_channels_first():
    net = hyperiqa.build("tiny").eval()
    images = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        feat = net.conv1(net.backbone(images)[-1])
        conv = net.fc1w_conv(feat)  # (1, 16 * 8 / 2^2, 2, 2)
        w = net.hyper(images)["weights"][0]
    assert torch.allclose(w.flatten(), conv.flatten())


def test_prepare_one_flipped_crop_for_training_25_for_testing():
    video = synthetic_video(3, frames=2, height=80, width=90)
    train = check_prepare_contract(hyperiqa, hyperiqa.Prepare(train=True, crop=64), video)["crops"]
    test = hyperiqa.Prepare(crop=64)(video)["crops"]
    assert train.shape == (2, 3, 64, 64) and test.shape == (50, 3, 64, 64)
    assert hyperiqa.Prepare(crop=64, resize=(70, 66))(video[:1])["crops"].shape == (25, 3, 64, 64)
    again = hyperiqa.Prepare(crop=64)(video)["crops"]
    assert torch.equal(test, again)  # evaluation crops are repeatable without an rng
    with pytest.raises(ValueError, match="does not fit"):
        hyperiqa.Prepare(crop=96)(video)


def test_rejects_target_sizes_the_feature_map_cannot_generate():
    with pytest.raises(ValueError, match="not divisible"):
        hyperiqa.build("tiny", target=(16, 8, 8, 5, 3))


def test_learns_and_overfits_8_samples():
    videos = [synthetic_video(s, frames=1) for s in range(8)]
    batch = prepared_batch(hyperiqa.Prepare(train=True, crop=64), videos)
    net = hyperiqa.build("tiny")
    check_learns_and_overfits(hyperiqa, net, batch, targets(), steps=60, lr=2e-3, near_zero=0.05)


def test_parameter_count_matches_the_official_code():
    check_parameter_counts(hyperiqa, second_output=112 * 14 + 14 + 112 + 1)


def test_official_names_map_onto_this_model():
    official = {"res.conv1.weight": (64, 3, 7, 7), "res.layer3.5.bn2.weight": (256,),
                "res.lda1_pool.0.weight": (16, 256, 1, 1), "res.lda3_fc.weight": (16, 256),
                "res.lda4_fc.weight": (176, 2048), "conv1.4.weight": (112, 512, 1, 1),
                "fc1w_conv.weight": (512, 112, 3, 3), "fc4b_fc.bias": (14,), "fc5w_fc.weight": (14, 112),
                "fc5b_fc.weight": (1, 112)}
    renamed = check_official_names(hyperiqa, official)