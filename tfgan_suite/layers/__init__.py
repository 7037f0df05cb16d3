"""Building blocks, one concept per file."""

from tfgan_suite.layers.attention import SelfAttention
from tfgan_suite.layers.bands import BandMerge, BandSplit
from tfgan_suite.layers.blur import BlurVH
from tfgan_suite.layers.bridge import Flatten2DTo1D, Unflatten1DTo2D
from tfgan_suite.layers.conditional_instance_norm import ConditionalInstanceNormalization
from tfgan_suite.layers.conditional_norm import ConditionalBatchNorm
from tfgan_suite.layers.conditioning import ConditioningAugmentation, TextEmbedding
from tfgan_suite.layers.equalized import EqualizedConv2D, EqualizedDense
from tfgan_suite.layers.fir import Blur2D, FIRDownsample2D, FIRFilter2D, FIRUpsample2D
from tfgan_suite.layers.glu import GatedLinearUnit, gated_linear_unit
from tfgan_suite.layers.instance_norm import InstanceNormalization, instance_standardize
from tfgan_suite.layers.laplacian import PyramidDownsample, PyramidUpsample
from tfgan_suite.layers.maxout import MaxoutDense
from tfgan_suite.layers.minibatch_stddev import MinibatchStddev
from tfgan_suite.layers.modulated_conv import ModulatedConv2D
from tfgan_suite.layers.noise_input import NoiseInput
from tfgan_suite.layers.orthogonal import OrthogonalRegularizer
from tfgan_suite.layers.patch_conv import PatchConv2D
from tfgan_suite.layers.pixel_norm import PixelNorm
from tfgan_suite.layers.pixel_shuffle import (
    PixelShuffle1D,
    PixelShuffle2D,
    pixel_shuffle_1d,
    pixel_unshuffle_1d,
)
from tfgan_suite.layers.predicted_labels import PredictedLabels
from tfgan_suite.layers.projection import ProjectionHead
from tfgan_suite.layers.rgb import FromRGB, ToRGB
from tfgan_suite.layers.scaled_lrelu import ScaledLeakyReLU
from tfgan_suite.layers.spectral import maybe_spectral_norm
from tfgan_suite.layers.style_modulation import AdaIN
from tfgan_suite.layers.upsample import NearestUpsample2D

__all__ = ["AdaIN", "BandMerge", "BandSplit", "Blur2D", "BlurVH", "ConditionalBatchNorm",
           "EqualizedConv2D",
           "EqualizedDense", "FIRDownsample2D", "FIRFilter2D", "FIRUpsample2D",
           "FromRGB", "MaxoutDense", "MinibatchStddev", "ModulatedConv2D",
           "NearestUpsample2D", "NoiseInput", "OrthogonalRegularizer", "PatchConv2D",
           "PixelNorm", "PredictedLabels", "ProjectionHead", "PyramidDownsample",
           "PyramidUpsample", "ScaledLeakyReLU",
           "SelfAttention", "TextEmbedding", "ToRGB", "maybe_spectral_norm",
           "ConditioningAugmentation",
           "ConditionalInstanceNormalization", "Flatten2DTo1D", "GatedLinearUnit",
           "InstanceNormalization", "PixelShuffle1D", "PixelShuffle2D", "Unflatten1DTo2D",
           "gated_linear_unit", "instance_standardize", "pixel_shuffle_1d",
           "pixel_unshuffle_1d"]
