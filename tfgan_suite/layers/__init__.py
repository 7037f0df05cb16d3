"""Building blocks, one concept per file."""

from tfgan_suite.layers.maxout import MaxoutDense
from tfgan_suite.layers.patch_conv import PatchConv2D
from tfgan_suite.layers.spectral import maybe_spectral_norm

__all__ = ["MaxoutDense", "PatchConv2D", "maybe_spectral_norm"]
