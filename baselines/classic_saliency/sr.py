"""SR: spectral residual saliency (Hou & Zhang, CVPR 2007) [21].

On the log amplitude spectrum L(f) of a small grey image, the "spectral residual" is R(f) = L(f) -
h_3 * L(f) (h_3: 3x3 average filter, paper Eq. 4); the saliency map is S(x) = g * |F^-1[exp(R(f) + i
P(f))]|^2 with P the phase spectrum and g a Gaussian (Eq. 5). The image is first resized to 64 px
wide (the paper's scale). Parameters as in the authors' code (`SR.m` called by calTraSal.m of
Gen3DHF co-author H. Duan's baseline_saliency_models): MATLAB's imresize (bicubic, antialiased) to
64 px wide, 3x3 average with replicated edges, 10x10 Gaussian of sigma 2.5 (zero padding), then
bicubic resize to the input size; the family's base class min-max normalises (SR.m's mat2gray).
"""
from __future__ import annotations

import numpy as np

from bench.models.registry import register_model

from ._matlab_filters import gaussian_kernel, gray01, imfilter_zero, imresize
from .base import SaliencyModel


def spectral_residual(image_rgb: np.ndarray, width: int = 64, avg_size: int = 3,
                      blur_size: int = 10, blur_sigma: float = 2.5) -> np.ndarray:
    import cv2

    gray = gray01(image_rgb)
    small = imresize(gray, scale=width / gray.shape[1])
    spectrum = np.fft.fft2(small)
    log_amp = np.log(np.abs(spectrum) + 1e-12)  # + tiny: a flat image has zero-amplitude bins
    phase = np.angle(spectrum)
    residual = log_amp - cv2.blur(log_amp, (avg_size, avg_size), borderType=cv2.BORDER_REPLICATE)
    sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * phase))) ** 2
    sal = imfilter_zero(sal, gaussian_kernel(blur_size, blur_sigma))
    return imresize(sal, size=gray.shape)  # SR.m then applies mat2gray: the base class's min-max


@register_model("sr")
class SpectralResidual(SaliencyModel):

    def __init__(self, width: int = 64, **config):
        super().__init__(width=width, **config)
        self.width = width

    def native_map(self, image: np.ndarray) -> np.ndarray:
        return spectral_residual(image, self.width)
