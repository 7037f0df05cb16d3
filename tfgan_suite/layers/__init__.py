"""Building blocks, one concept per file."""

from tfgan_suite.layers.maxout import MaxoutDense
from tfgan_suite.layers.spectral import maybe_spectral_norm

__all__ = ["MaxoutDense", "maybe_spectral_norm"]
