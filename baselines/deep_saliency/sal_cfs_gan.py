"""Sal-CFS-GAN = GazeGAN (Che, Borji, Zhai, Min, Guo, Le Callet, "How is gaze influenced by image
transformations? Dataset and model", IEEE TIP 29, 2019, 2287-2300; LMME3DHF reference [5]);
LMME3DHF Table 3, row "Sal-CFS-GAN".

The name: LMME3DHF cites this paper for "Sal-CFS-GAN". The paper calls its model GazeGAN; its
code is the GitHub repository CZHQuality/Sal-CFS-GAN ("GazeGAN: A New Saliency Prediction Model",
citing this TIP paper). The row is therefore GazeGAN, named after the repository; no published
method is called Sal-CFS-GAN.

The method: a conditional GAN (pix2pixHD framework). The generator is a "local-global" modified
U-Net: a global U-Net sees the image at half resolution and its decoder features at 1/4 of the
input join the local U-Net's encoder; both U-Nets use skip connections, residual blocks at the
bottleneck and "center-surround connections" (CSC: a deep decoder feature, 1x1-convolved and
upsampled 4x, added to a shallower decoder feature and fed to the next decoder stage); instance
norm without affine parameters; tanh output. The discriminator is pix2pixHD's multi-scale PatchGAN
(2 scales of 4 convolutions plus a 1-channel readout, instance norm, LeakyReLU 0.2) on the image
concatenated with a saliency map. Losses: least-squares GAN (pix2pixHD's default) for D and G;
for G also content losses: L1 (weight 1), CC (10), KL (10) and NSS (1).

Built from the authors' PyTorch release (GazeGAN_using_CSC: models/networks.py GlobalUNet,
MultiscaleDiscriminator, losses; models/pix2pixHD_model.py; options/*; data/aligned_dataset.py),
which its README calls consistent with the final paper, with these differences:
- the release computes modules whose results never reach its output or loss: two residual blocks
  of the local bottleneck (it applies block 1 once and block 2 three times), the global U-Net's
  last decoder stage and second CSC (their map is computed and discarded), and four "spatial
  attention" 1x1 convolutions whose softmax runs over a single channel, i.e. multiplies by 1.
  They are left out (37,837,703 parameters, `RELEASE_UNUSED_GENERATOR_PARAMS`): the output and
  every gradient are unchanged. The weight sharing the release does use is kept (local block 2
  three times, the global block four times);
- one output channel (the release trains 3 identical RGB channels, pix2pixHD's default;
  `out_channels=3` rebuilds that); the discriminator sees image + map (4 channels; 6 there);
- transposed convolutions are sized to their skip connection, so any even input size works (the
  release hard-codes an output padding for 480x640, which this reproduces there);
- content losses as the paper names them: CC and NSS with exact gradients and the plain NSS (the
  release detaches the mean and std, and averages NSS only over fixated pixels whose z-score
  exceeds 0.1); KL on min-max normalised maps as the release (eps 1e-8); L1 as the release, on
  the min-max normalised products of the [-1, 1] image with the [-1, 1] map ("conditional" L1);
  terms undefined for an empty Gen3DHF map are averaged over the samples that define them;
- the paper's histogram loss (ACS HistLoss) is not in the PyTorch release (the TensorFlow
  prototype computes it with a non-differentiable histogram), so it is not used;
- the release's data augmentation of the paper (transformed images) is not part of the model;
  its loader's random horizontal flips are `Prepare(flip=True)`.
Inputs: views stretched to 480x640 (the release resizes every image to 640x480), scaled to
[-1, 1]; maps as [-1, 1] for the discriminator; the generator's tanh output mapped to [0, 1].
Training (release): Adam lr 2e-4, betas (0.5, 0.999) for both networks, batch 1, 30 epochs at a
constant rate; G and D updated once per batch (`GazeGAN.configure_optimizers`, `training_step`).

Full size (release, 3 output channels): generator 230,480,094 parameters, discriminator 5,535,618,
counted from the release's module definitions (ngf 64, ndf 64, n_layers_D 3, num_D 2). Licence:
the repository states none; its code derives from NVIDIA's pix2pixHD (CC BY-NC-SA 4.0,
non-commercial). No pretrained weights are needed (the release trains from scratch; its VGG-19
is loaded but never used).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from baselines.deep_saliency.losses import correlation, kl_divergence, mean_defined, nss
from baselines.deep_saliency.views import ViewPreparation, flatten_views, tile_views, untile_views

PRETRAINED: dict[str, str] = {}
PAPER_PARAMS = {"generator": 230_480_094, "discriminator": 5_535_618}
RELEASE_UNUSED_GENERATOR_PARAMS = 37_837_703  # 2 residual blocks, 1 decoder stage, 1 CSC, 4 attention convs
INPUT_SIZE = {"full": (480, 640), "tiny": (128, 128)}
WIDTHS = {"full": {"generator": 64, "discriminator": 64}, "tiny": {"generator": 4, "discriminator": 4}}
MIN_SIDE = 128  # six stride-2 stages must leave at least 2x2 for instance norm
LAMBDA = {"l1": 1.0, "cc": 10.0, "kl": 10.0, "nss": 1.0}  # release: lambda_feat, lambda_CC, lambda_KL, lambda_NSS
KL_EPS = 1e-8  # the release's KLLoss


def _norm(channels: int) -> nn.InstanceNorm2d:
    return nn.InstanceNorm2d(channels, affine=False)


def _down(c_in: int, c_out: int) -> nn.Sequential:
    """Encoder stage: 4x4 convolution, stride 2, instance norm, LeakyReLU 0.2 (encoderconv_2)."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), _norm(c_out), nn.LeakyReLU(0.2))


def _run(stages: nn.ModuleList, x: torch.Tensor) -> list[torch.Tensor]:
    """Each stage's output, in order (the skip connections of an encoder)."""
    out = []
    for stage in stages:
        x = stage(x)
        out.append(x)
    return out


class Up(nn.Module):
    """Decoder stage: 4x4 transposed convolution, stride 2, to the skip connection's size; instance
    norm, ReLU (decoderconv_2 / _3)."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv = nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1)
        self.norm = _norm(c_out)

    def forward(self, x: torch.Tensor, size) -> torch.Tensor:
        return F.relu(self.norm(self.conv(x, output_size=list(size))))


class ResnetBlock(nn.Module):
    """pix2pixHD residual block: reflection pad, 3x3 conv, norm, ReLU, pad, 3x3 conv, norm; + x."""

    def __init__(self, channels: int):
        super().__init__()
        self.block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), _norm(channels),
                                   nn.ReLU(True), nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3),
                                   _norm(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class CenterSurround(nn.Module):
    """Center-surround connection: a deep decoder feature, 1x1-convolved and upsampled bilinearly
    (4x in the release) to a shallower decoder feature's size, added to it, ReLU."""

    def __init__(self, c_deep: int, c_out: int):
        super().__init__()
        self.conv = nn.Conv2d(c_deep, c_out, 1)

    def forward(self, deep: torch.Tensor, shallow: torch.Tensor) -> torch.Tensor:
        up = F.interpolate(self.conv(deep), size=shallow.shape[-2:], mode="bilinear", align_corners=False)
        return F.relu(up + shallow)


class GlobalUNet(nn.Module):
    """The global U-Net on the half-resolution image; returns its decoder features at 1/4 of the
    full input (2w channels), which join the local encoder. w = generator width (64)."""

    def __init__(self, w: int):
        super().__init__()
        self.down = nn.ModuleList([_down(3, 2 * w), _down(2 * w, 4 * w), _down(4 * w, 8 * w),
                                   _down(8 * w, 16 * w), _down(16 * w, 16 * w)])
        self.res = ResnetBlock(16 * w)  # applied four times, as in the release
        self.up1, self.up2, self.up3 = Up(16 * w, 16 * w), Up(32 * w, 8 * w), Up(16 * w, 4 * w)
        self.csc = CenterSurround(16 * w, 4 * w)
        self.up4 = Up(12 * w, 2 * w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = _run(self.down, x)
        r = e[4]
        for _ in range(4):
            r = self.res(r)
        d1 = self.up1(r, e[3].shape[-2:])
        d2 = self.up2(torch.cat([d1, e[3]], 1), e[2].shape[-2:])
        d3 = self.up3(torch.cat([d2, e[2]], 1), e[1].shape[-2:])
        return self.up4(torch.cat([d3, e[1], self.csc(d1, d3)], 1), e[0].shape[-2:])


class Generator(nn.Module):
    """The local U-Net on the full image with the global U-Net's features; tanh map (B, out, h, w)."""

    def __init__(self, w: int, out_channels: int):
        super().__init__()
        self.global_unet = GlobalUNet(w)
        self.halve = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.down1, self.down2 = _down(3, w), _down(w, 2 * w)
        self.down = nn.ModuleList([_down(4 * w, 4 * w), _down(4 * w, 8 * w), _down(8 * w, 16 * w), _down(16 * w, 16 * w)])
        self.res1, self.res2 = ResnetBlock(16 * w), ResnetBlock(16 * w)  # res2 applied three times
        self.up1, self.up2, self.up3 = Up(16 * w, 16 * w), Up(32 * w, 8 * w), Up(16 * w, 4 * w)
        self.csc1, self.csc2 = CenterSurround(16 * w, 4 * w), CenterSurround(8 * w, 2 * w)
        self.up4, self.up5, self.up6 = Up(12 * w, 2 * w), Up(8 * w, w), Up(2 * w, out_channels)
        self.readout = nn.Conv2d(out_channels, out_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        if h % 2 or w % 2 or min(h, w) < MIN_SIDE:
            raise ValueError(f"GazeGAN needs an even input size of at least {MIN_SIDE} pixels; got {(h, w)}")
        e1 = self.down1(x)
        e2 = torch.cat([self.down2(e1), self.global_unet(self.halve(x))], 1)
        e3, e4, e5, e6 = _run(self.down, e2)
        r = self.res1(e6)
        for _ in range(3):
            r = self.res2(r)
        d1 = self.up1(r, e5.shape[-2:])
        d2 = self.up2(torch.cat([d1, e5], 1), e4.shape[-2:])
        d3 = self.up3(torch.cat([d2, e4], 1), e3.shape[-2:])
        d4 = self.up4(torch.cat([d3, e3, self.csc1(d1, d3)], 1), e2.shape[-2:])
        d5 = self.up5(torch.cat([d4, e2, self.csc2(d2, d4)], 1), e1.shape[-2:])
        d6 = self.up6(torch.cat([d5, e1], 1), x.shape[-2:])
        return torch.tanh(self.readout(d6))


def _patch_discriminator(c_in: int, w: int) -> nn.Sequential:
    """pix2pixHD's NLayerDiscriminator with n_layers 3: 4x4 convolutions (padding 2), strides 2, 2,
    2, 1, widths w, 2w, 4w, 8w, instance norm after all but the first, LeakyReLU 0.2, 1-channel
    readout."""
    layers = [nn.Conv2d(c_in, w, 4, stride=2, padding=2), nn.LeakyReLU(0.2, True)]
    for c_prev, c, stride in ((w, 2 * w, 2), (2 * w, 4 * w, 2), (4 * w, 8 * w, 1)):
        layers += [nn.Conv2d(c_prev, c, 4, stride=stride, padding=2), _norm(c), nn.LeakyReLU(0.2, True)]
    return nn.Sequential(*layers, nn.Conv2d(8 * w, 1, 4, stride=1, padding=2))


class MultiscaleDiscriminator(nn.Module):
    """Two PatchGANs, on the pair at full and at half resolution; returns their score maps."""

    def __init__(self, c_in: int, w: int, scales: int = 2):
        super().__init__()
        self.scales = nn.ModuleList([_patch_discriminator(c_in, w) for _ in range(scales)])
        self.halve = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, net in enumerate(self.scales):
            out.append(net(x))
            if i + 1 < len(self.scales):
                x = self.halve(x)
        return out


def _lsgan(scores: list[torch.Tensor], real: bool) -> torch.Tensor:
    """Least-squares GAN loss summed over the discriminator's scales (pix2pixHD's GANLoss)."""
    return sum(F.mse_loss(s, torch.full_like(s, 1.0 if real else 0.0)) for s in scores)


class GazeGAN(nn.Module):
    """Generator and discriminator in one module.

    - `forward(image)`: (B, V, 3, h, w) in [-1, 1] -> the generator's tiled map (B, 1, h, V * w)
      in [0, 1]; target entries of a batch are accepted and ignored. Inference and validation
      use this with the module-level `loss` (the generator's content loss).
    - Training is adversarial, so one loss and one optimizer do not fit: a training loop asks
      `configure_optimizers()` once for {"generator": ..., "discriminator": ...} (each updates
      only its network's parameters) and calls `training_step(batch, optimizers)` for each batch
      instead of its own backward and step; it returns the batch's losses as floats.
    """

    def __init__(self, generator_width: int, discriminator_width: int, out_channels: int = 1):
        super().__init__()
        if out_channels < 1:
            raise ValueError(f"out_channels must be positive; got {out_channels}")
        self.generator = Generator(generator_width, out_channels)
        self.discriminator = MultiscaleDiscriminator(3 + out_channels, discriminator_width)
        for m in self.modules():  # pix2pixHD's weights_init: N(0, 0.02) for every convolution
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)

    def forward(self, image: torch.Tensor, saliency=None, fixations=None) -> torch.Tensor:
        return _as_map(self.generator(flatten_views(image)), image.shape[1])

    def configure_optimizers(self, lr: float = 2e-4, betas=(0.5, 0.999)) -> dict[str, torch.optim.Optimizer]:
        """Adam for each network, the release's settings by default."""
        return {"generator": torch.optim.Adam(self.generator.parameters(), lr=lr, betas=betas),
                "discriminator": torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=betas)}

    def training_step(self, batch: dict, optimizers: dict) -> dict[str, float]:
        """One update of G then D on a prepared batch, in the release's order: the discriminator
        loss (0.5 (LSGAN(D(x, G(x)), fake) + LSGAN(D(x, y), real))) and the generator loss
        (LSGAN(D(x, G(x)), real) + content `loss`) are computed first, then G steps, then D."""
        n_views = batch["image"].shape[1]
        views = flatten_views(batch["image"])
        fake = self.generator(views)
        real = (untile_views(batch["saliency"], n_views).to(fake.dtype) * 2 - 1).expand_as(fake)
        loss_d = 0.5 * (_lsgan(self.discriminator(torch.cat([views, fake.detach()], 1)), real=False)
                        + _lsgan(self.discriminator(torch.cat([views, real], 1)), real=True))
        adversarial = _lsgan(self.discriminator(torch.cat([views, fake], 1)), real=True)
        content = loss(_as_map(fake, n_views), batch)
        loss_g = adversarial + content
        for name, value in (("generator", loss_g), ("discriminator", loss_d)):
            optimizers[name].zero_grad(set_to_none=True)
            value.backward()
            optimizers[name].step()
        return {"generator": loss_g.item(), "discriminator": loss_d.item(),
                "adversarial": adversarial.item(), "content": content.item()}


def _as_map(generated: torch.Tensor, n_views: int) -> torch.Tensor:
    """Generator output (B * V, C, h, w) on [-1, 1] -> tiled map (B, 1, h, V * w) on [0, 1]; the
    channels of a multi-channel output (the release's RGB copies) are averaged."""
    return tile_views((generated.mean(1, keepdim=True) + 1) / 2, n_views)


def build(size: str = "full", out_channels: int = 1) -> GazeGAN:
    """GazeGAN with random weights (pix2pixHD's N(0, 0.02) init): "full" the release's widths
    (64 for both networks), "tiny" the same code with width 4."""
    if size not in WIDTHS:
        raise ValueError(f"size must be one of {sorted(WIDTHS)}; got {size!r}")
    return GazeGAN(WIDTHS[size]["generator"], WIDTHS[size]["discriminator"], out_channels)


class Prepare(ViewPreparation):
    """Views stretched to the input size (default 480x640), scaled to [-1, 1]; targets at the input
    size. `flip=True` for training reproduces the release's random horizontal flips."""

    MEAN = (0.5, 0.5, 0.5)
    STD = (0.5, 0.5, 0.5)

    def __init__(self, input_size=INPUT_SIZE["full"], flip: bool = False):
        super().__init__(input_size, flip)
        h, w = self.input_size
        if h % 2 or w % 2 or min(h, w) < MIN_SIDE:
            raise ValueError(f"GazeGAN input_size must be even and at least {MIN_SIDE}; got {self.input_size}")


def _minmax(x: torch.Tensor) -> torch.Tensor:
    """Per-sample min-max normalisation over all of a sample's values (the release's eps 1e-8)."""
    flat = x.reshape(x.shape[0], -1)
    low, high = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
    return (flat - low) / (high - low + 1e-8)


def loss(pred: torch.Tensor, batch: dict) -> torch.Tensor:
    """GazeGAN's content loss for a tiled map in [0, 1] (the generator's non-adversarial part and
    the validation loss): 1 L1 + 10 (-CC) + 10 KL + 1 (-NSS), weights of the release.

    L1: mean |minmax(x * m) - minmax(x * y)|, x the tiled [-1, 1] image, m and y the map and the
    target on [-1, 1]; KL on min-max normalised maps with eps 1e-8; CC and NSS as `losses`."""
    smap, fix = batch["saliency"].to(pred.dtype), batch["fixations"]
    image = tile_views(flatten_views(batch["image"]), batch["image"].shape[1]).to(pred.dtype)
    l1 = (_minmax(image * (2 * pred - 1)) - _minmax(image * (2 * smap - 1))).abs().mean()
    kl = kl_divergence(_minmax(pred), _minmax(smap), eps=KL_EPS)
    return (LAMBDA["l1"] * l1 - LAMBDA["cc"] * mean_defined(correlation(pred, smap))
            + LAMBDA["kl"] * mean_defined(kl) - LAMBDA["nss"] * mean_defined(nss(pred, fix)))
