"""Pixel shuffler (sub-pixel upsampling): trade channels for resolution by a pure reshape.

Shi et al. 2016, "Real-Time Single Image and Video Super-Resolution Using an Efficient
Sub-Pixel Convolutional Neural Network". Used for upsampling in the CycleGAN-VC
generators (speech.md §2.4).

- 1D, NWC, factor r: ``[B, T, C] → [B, rT, C/r]``,
  out[b, r·t + i, k] = in[b, t, i·(C/r) + k] — each time step's channel vector is cut
  into r consecutive chunks that become r consecutive output steps (leimao's reshape).
- 2D, NHWC: ``tf.nn.depth_to_space`` (TF's "DCR" order,
  out[b, r·h + i, r·w + j, k] = in[b, h, w, (r·i + j)·C' + k]). PyTorch's
  ``nn.PixelShuffle`` uses the "CRD" order: weights are not portable without a
  permutation.

Deviation to avoid: a naive NCW ``view(n, c/2, 2w)`` is a reshape too, but it puts even
channels on the first half of the time axis and odd channels on the second half, which
breaks locality; it is not a temporal pixel shuffle.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def _check_factor(owner: str, factor) -> int:
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
        raise ValueError(f"{owner} factor must be a positive int, got {factor!r}")
    return factor


def _static_channels(owner: str, shape, divisor: int, factor: int) -> int:
    if len(shape) < 2 or shape[-1] is None:
        raise ValueError(f"{owner} needs a static channel axis, got shape {tuple(shape)}")
    if shape[-1] % divisor:
        raise ValueError(f"{owner} channels ({shape[-1]}) must be divisible by "
                         f"{'factor' if divisor == factor else 'factor**2'} = {divisor} "
                         f"(factor={factor}), got shape {tuple(shape)}")
    return int(shape[-1])


def pixel_shuffle_1d(x: tf.Tensor, factor: int) -> tf.Tensor:
    """``[B, T, C] → [B, factor·T, C/factor]`` with out[b, r·t + i, k] = in[b, t, i·C/r + k].

    T may be dynamic; C must be static and divisible by ``factor``.
    """
    x = tf.convert_to_tensor(x)
    _check_factor("pixel_shuffle_1d", factor)
    if len(x.shape) != 3:
        raise ValueError(f"pixel_shuffle_1d x must be [B, T, C], got shape {x.shape}")
    channels = _static_channels("pixel_shuffle_1d", x.shape, factor, factor)
    batch, length = tf.shape(x)[0], tf.shape(x)[1]
    return tf.reshape(x, [batch, length * factor, channels // factor])


def pixel_unshuffle_1d(x: tf.Tensor, factor: int) -> tf.Tensor:
    """The exact inverse of ``pixel_shuffle_1d``: ``[B, rT, C] → [B, T, rC]``.

    The length must be divisible by ``factor`` (checked statically when known).
    """
    x = tf.convert_to_tensor(x)
    _check_factor("pixel_unshuffle_1d", factor)
    if len(x.shape) != 3 or x.shape[-1] is None:
        raise ValueError(f"pixel_unshuffle_1d x must be [B, T, C] with static C, "
                         f"got shape {x.shape}")
    if x.shape[1] is not None and x.shape[1] % factor:
        raise ValueError(f"pixel_unshuffle_1d length ({x.shape[1]}) must be divisible by "
                         f"factor = {factor}")
    batch, length = tf.shape(x)[0], tf.shape(x)[1]
    return tf.reshape(x, [batch, length // factor, x.shape[-1] * factor])


@keras.saving.register_keras_serializable(package="tfgan_suite")
class PixelShuffle1D(keras.layers.Layer):
    """Temporal pixel shuffler on NWC: ``[B, T, C] → [B, factor·T, C/factor]``; no weights.

    Args:
        factor: the upsampling factor r; C must be divisible by it.

    Call arguments:
        inputs: ``[B, T, C]``; T may be None.

    Returns:
        ``[B, r·T, C/r]`` with out[b, r·t + i, k] = in[b, t, i·(C/r) + k].
    """

    def __init__(self, factor: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.factor = _check_factor("PixelShuffle1D", factor)

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"PixelShuffle1D input must be [B, T, C], got shape "
                             f"{tuple(input_shape)}")
        _static_channels("PixelShuffle1D", input_shape, self.factor, self.factor)

    def call(self, inputs):
        return pixel_shuffle_1d(inputs, self.factor)

    def compute_output_shape(self, input_shape):
        batch, length, channels = input_shape
        return (batch, None if length is None else length * self.factor,
                channels // self.factor)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class PixelShuffle2D(keras.layers.Layer):
    """Spatial pixel shuffler on NHWC, ``tf.nn.depth_to_space``; no weights.

    Args:
        factor: the upsampling factor r; C must be divisible by r².

    Call arguments:
        inputs: ``[B, H, W, C]``; H and W may be None.

    Returns:
        ``[B, r·H, r·W, C/r²]``; ``tf.nn.space_to_depth(·, r)`` inverts it.
    """

    def __init__(self, factor: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.factor = _check_factor("PixelShuffle2D", factor)

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"PixelShuffle2D input must be [B, H, W, C], got shape "
                             f"{tuple(input_shape)}")
        _static_channels("PixelShuffle2D", input_shape, self.factor ** 2, self.factor)

    def call(self, inputs):
        return tf.nn.depth_to_space(inputs, self.factor)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, None if height is None else height * self.factor,
                None if width is None else width * self.factor, channels // self.factor ** 2)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
