"""Building blocks, one concept per file."""

from tfgan_suite.layers.attention import SelfAttention
from tfgan_suite.layers.blur import BlurVH
from tfgan_suite.layers.conditional_norm import ConditionalBatchNorm
from tfgan_suite.layers.maxout import MaxoutDense
from tfgan_suite.layers.orthogonal import OrthogonalRegularizer
from tfgan_suite.layers.patch_conv import PatchConv2D
from tfgan_suite.layers.predicted_labels import PredictedLabels
from tfgan_suite.layers.projection import ProjectionHead
from tfgan_suite.layers.spectral import maybe_spectral_norm
from tfgan_suite.layers.upsample import NearestUpsample2D

__all__ = ["BlurVH", "ConditionalBatchNorm", "MaxoutDense", "NearestUpsample2D",
           "OrthogonalRegularizer", "PatchConv2D", "PredictedLabels", "ProjectionHead",
           "SelfAttention", "maybe_spectral_norm"]
