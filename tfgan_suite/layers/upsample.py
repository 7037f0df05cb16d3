"""Nearest-neighbour 2× up-sampling that keeps every static dimension.

``keras.layers.UpSampling2D(interpolation="nearest")`` repeats rows and columns with
``ops.repeat``, whose TensorFlow lowering loses the static height, width and channel sizes.
The TFLite converter then cannot lower the next ``Conv2D`` to a builtin kernel (it needs a
static channel count) and asks for Flex ops. Reshape → tile → reshape computes the same
values with static shapes (TFLite builtins RESHAPE and TILE; XLA-friendly too).
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tfgan_suite")
class NearestUpsample2D(keras.layers.Layer):
    """[B, H, W, C] → [B, 2H, 2W, C], each pixel copied into a 2×2 block (static H, W, C)."""

    def call(self, x):
        _, height, width, channels = x.shape
        x = ops.reshape(x, (-1, height, 1, width, 1, channels))
        x = ops.tile(x, (1, 1, 2, 1, 2, 1))
        return ops.reshape(x, (-1, 2 * height, 2 * width, channels))

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, 2 * height, 2 * width, channels)
