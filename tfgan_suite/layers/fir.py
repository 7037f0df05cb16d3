"""FIR resampling: up = filter(zeros inserted ×2, 4·k), down = filter(x, k)[::2, ::2], k = f⊗f/Σ.

Karras et al. 2020, StyleGAN2 (NVlabs/stylegan2 ``dnnlib/tflib/ops/upfirdn_2d.py``,
``upsample_2d`` / ``downsample_2d``, f = [1, 3, 3, 1]) and Karras et al. 2019, StyleGAN
(NVlabs/stylegan ``training/networks_stylegan.py``, ``blur2d``, f = [1, 2, 1], same size).

The reference pads the zero-inserted image by ((p+1)//2 + 1, p//2), p = taps − 2, before
a valid filter, and filters-then-subsamples with pads ((p+1)//2, p//2). Inserting each zero
*before* its sample and filtering with TensorFlow's 'same' padding gives exactly those
outputs, for any number of taps; so does a 'same' filter followed by keeping the even
pixels. The filter is flipped (upfirdn is a true convolution; a no-op for symmetric taps).

Built from reshape, pad, depthwise convolution and strided slicing only — plain ops whose
gradients are themselves differentiable, so R1, gradient penalties and path-length
regularisation can take second-order gradients through them (the reference's nested
custom gradients would fail silently in TF 2.x). Computed in float32.
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.data.image_corruptions import depthwise_blur


def fir_kernel(taps: Sequence[float]) -> np.ndarray:
    """The separable 2-D filter taps ⊗ taps, normalised to sum 1."""
    taps = np.asarray(taps, np.float64)
    kernel = np.outer(taps, taps)
    return kernel / kernel.sum()


class _FIRLayer(keras.layers.Layer):
    """Holds the 1-D taps (config) and the normalised 2-D kernel (``self.kernel``)."""

    default_taps: tuple = ()

    def __init__(self, taps: Sequence[float] | None = None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        taps = list(self.default_taps if taps is None else taps)
        if len(taps) < 1 or not all(isinstance(t, (int, float)) for t in taps) \
                or sum(taps) == 0:
            raise ValueError(f"{name} taps must be a non-empty list of numbers with a "
                             f"non-zero sum, got {taps!r}")
        self.taps = [float(t) for t in taps]
        #: The normalised 2-D filter (sums to 1).
        self.kernel = fir_kernel(self.taps)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} expects [B, H, W, C] with static C, "
                             f"got {input_shape}")

    def get_config(self):
        return {**super().get_config(), "taps": self.taps}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class FIRUpsample2D(_FIRLayer):
    """[B, H, W, C] → [B, 2H, 2W, C]: insert zeros, then filter depthwise with 4·k.

    The gain 4 = factor² makes up for the three zeros in every 2×2 block, so a constant
    image stays constant away from the borders.

    Args:
        taps: 1-D filter taps f (default StyleGAN2's [1, 3, 3, 1]); k = f⊗f / Σ.

    Call arguments:
        inputs: ``[B, H, W, C]``, static H, W and C.
    """

    default_taps = (1.0, 3.0, 3.0, 1.0)

    def build(self, input_shape):
        super().build(input_shape)
        if None in tuple(input_shape[1:3]):
            raise ValueError(f"FIRUpsample2D needs a static height and width, got {input_shape}")

    def call(self, inputs):
        _, height, width, channels = inputs.shape
        x = tf.cast(inputs, tf.float32)
        # Zero before each row, then before each column (4-D reshapes and pads only).
        x = tf.pad(tf.reshape(x, [-1, height, 1, width * channels]),
                   [[0, 0], [0, 0], [1, 0], [0, 0]])
        x = tf.pad(tf.reshape(x, [-1, width, 1, channels]), [[0, 0], [0, 0], [1, 0], [0, 0]])
        x = tf.reshape(x, [-1, 2 * height, 2 * width, channels])
        x = depthwise_blur(x, np.flip(self.kernel) * 4.0)
        return tf.cast(x, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, 2 * height, 2 * width, channels)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class FIRDownsample2D(_FIRLayer):
    """[B, H, W, C] → [B, H/2, W/2, C]: filter depthwise with k, keep every second pixel.

    Args:
        taps: 1-D filter taps f (default StyleGAN2's [1, 3, 3, 1]); k = f⊗f / Σ.

    Call arguments:
        inputs: ``[B, H, W, C]``, static C, even H and W.
    """

    default_taps = (1.0, 3.0, 3.0, 1.0)

    def build(self, input_shape):
        super().build(input_shape)
        if any(size is not None and size % 2 for size in input_shape[1:3]):
            raise ValueError(f"FIRDownsample2D needs an even height and width, "
                             f"got {input_shape}")

    def call(self, inputs):
        x = depthwise_blur(tf.cast(inputs, tf.float32), np.flip(self.kernel))
        return tf.cast(x[:, ::2, ::2, :], self.compute_dtype)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        def half(size):
            return None if size is None else size // 2

        return (batch, half(height), half(width), channels)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class Blur2D(_FIRLayer):
    """[B, H, W, C] → [B, H, W, C]: depthwise filter with k, zero border ('same').

    StyleGAN blurs after the generator's up-sampling conv and before the discriminator's
    down-sampling conv.

    Args:
        taps: odd-length 1-D filter taps f (default StyleGAN's [1, 2, 1]); k = f⊗f / Σ.

    Call arguments:
        inputs: ``[B, H, W, C]``, static C.
    """

    default_taps = (1.0, 2.0, 1.0)

    def __init__(self, taps: Sequence[float] | None = None, **kwargs):
        super().__init__(taps, **kwargs)
        if len(self.taps) % 2 == 0:
            raise ValueError(f"Blur2D taps must have odd length (a centred 'same' filter), "
                             f"got {self.taps}")

    def call(self, inputs):
        x = depthwise_blur(tf.cast(inputs, tf.float32), np.flip(self.kernel))
        return tf.cast(x, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape



@keras.saving.register_keras_serializable(package="tfgan_suite")
class FIRFilter2D(_FIRLayer):
    """[B, H, W, C] → [B, H + p₀ + p₁ − taps + 1, …, C]: zero-pad (p₀, p₁), then filter
    depthwise with k ('valid').

    StyleGAN2's down-sampling conv is this filter with pads (2, 2) (p = taps − 2 + conv − 1
    = 4 for a 3×3 conv, split ((p + 1)//2, p//2)) followed by a stride-2 'valid' conv
    (``upfirdn_2d.conv_downsample_2d``).

    Args:
        taps: 1-D filter taps f (default StyleGAN2's [1, 3, 3, 1]); k = f⊗f / Σ.
        padding: ``[before, after]`` zeros on each spatial side.
    """

    default_taps = (1.0, 3.0, 3.0, 1.0)

    def __init__(self, taps: Sequence[float] | None = None, padding: Sequence[int] = (2, 2),
                 **kwargs):
        super().__init__(taps, **kwargs)
        padding = list(padding)
        if len(padding) != 2 or not all(isinstance(p, int) and p >= 0 for p in padding):
            raise ValueError(f"FIRFilter2D padding must be [before, after], two integers "
                             f">= 0, got {padding!r}")
        self.padding = padding

    def call(self, inputs):
        before, after = self.padding
        x = tf.pad(tf.cast(inputs, tf.float32), [[0, 0], [before, after], [before, after],
                                                  [0, 0]])
        channels = x.shape[-1]
        weights = tf.constant(np.tile(np.flip(self.kernel)[:, :, None, None],
                                      [1, 1, channels, 1]), tf.float32)
        x = tf.nn.depthwise_conv2d(x, weights, [1, 1, 1, 1], "VALID")
        return tf.cast(x, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = sum(self.padding) - len(self.taps) + 1

        def side(size):
            return None if size is None else size + grow

        return (batch, side(height), side(width), channels)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
