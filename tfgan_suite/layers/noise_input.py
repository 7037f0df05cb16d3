"""Per-layer noise input: y = x + strength · n, n ~ N(0, 1) one [H, W, 1] image per sample.

Karras et al. 2019, "A Style-Based Generator Architecture for GANs" (NVlabs/stylegan
``training/networks_stylegan.py``, ``apply_noise``: one learned weight per channel) and
Karras et al. 2020, StyleGAN2 (NVlabs/stylegan2 ``training/networks_stylegan2.py``: one
scalar per layer). The single-channel noise image is broadcast over the channels; the
strength starts at 0, so an untrained generator ignores its noise.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_suite")
class NoiseInput(keras.layers.Layer):
    """Add scaled single-channel Gaussian noise, broadcast over channels.

    Args:
        per_channel: a strength per channel (StyleGAN, default) or one scalar for the
            layer (StyleGAN2). Initialised to 0 either way.

    Call arguments:
        inputs: ``[B, H, W, C]``.
        noise: optional ``[B, H, W, 1]`` noise image, used exactly as given (fixed-noise
            sampling, tests, reproducible exports: draw it with
            ``tf.random.stateless_normal`` outside the layer). When None a fresh image is
            drawn with ``tf.random.normal`` — the global-seed stateful generator, so not
            reproducible call by call; the draw happens in training and inference alike,
            as in the reference.

    Returns:
        ``[B, H, W, C]``: ``inputs + noise · strength``.
    """

    def __init__(self, per_channel: bool = True, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(per_channel, bool):
            raise TypeError(f"NoiseInput per_channel must be a bool, got {per_channel!r}")
        self.per_channel = per_channel

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"NoiseInput expects [B, H, W, C], got {input_shape}")
        if self.per_channel and input_shape[-1] is None:
            raise ValueError(f"NoiseInput(per_channel=True) needs a static channel count, "
                             f"got {input_shape}")
        shape = (input_shape[-1],) if self.per_channel else ()
        self.strength = self.add_weight(name="strength", shape=shape, initializer="zeros")

    def call(self, inputs, noise=None):
        if noise is None:
            noise = tf.random.normal(tf.concat([tf.shape(inputs)[:-1], [1]], axis=0),
                                     dtype=inputs.dtype)
        else:
            noise = tf.cast(noise, inputs.dtype)
            expected = inputs.shape[:-1].concatenate([1])
            if not noise.shape.is_compatible_with(expected):
                raise ValueError(f"NoiseInput noise must have shape [B, H, W, 1] = "
                                 f"{expected.as_list()}, got {noise.shape.as_list()}")
        return inputs + noise * tf.cast(self.strength, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "per_channel": self.per_channel}
