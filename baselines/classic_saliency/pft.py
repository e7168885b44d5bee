"""PFT: phase spectrum of the Fourier transform (Guo, Ma & Zhang, CVPR 2008) [17].

The paper's single-channel case of PQFT (Eqs. 1-3 with the amplitude set to one): with f = F(I) and
p = P(f) the phase spectrum, the saliency map is sM = g * ||F^-1[e^{i p}]||^2, g a 2-D Gaussian. The
paper labels the row "PFT": the grey-level version, computed as in the `PFT.m` called by calTraSal.m
(Gen3DHF co-author H. Duan's baseline_saliency_models): grey image resized to 64x64 (MATLAB's imresize,
bicubic, antialiased), 8x8 Gaussian of sigma 3 (zero padding), resized back to the input size; the
family's base class min-max normalises (PFT.m's mat2gray).
"""
from __future__ import annotations

import numpy as np

from bench.models.registry import register_model

from ._matlab_filters import gaussian_kernel, gray01, imfilter_zero, imresize
from .base import SaliencyModel


def phase_spectrum_saliency(image_rgb: np.ndarray, size: int = 64, blur_size: int = 8,
                            blur_sigma: float = 3.0) -> np.ndarray:
    gray = gray01(image_rgb)
    small = imresize(gray, size=(size, size))
    phase = np.angle(np.fft.fft2(small))
    sal = np.abs(np.fft.ifft2(np.exp(1j * phase))) ** 2
    sal = imfilter_zero(sal, gaussian_kernel(blur_size, blur_sigma))
    return imresize(sal, size=gray.shape)


@register_model("pft")
class PFT(SaliencyModel):

    def __init__(self, size: int = 64, **config):
        super().__init__(size=size, **config)
        self.size = size

    def native_map(self, image: np.ndarray) -> np.ndarray:
        return phase_spectrum_saliency(image, self.size)
