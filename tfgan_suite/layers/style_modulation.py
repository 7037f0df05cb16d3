"""AdaIN style modulation: y = IN(x)·(y_s + 1) + y_b, (y_s, y_b) = A(w), A equalized, gain 1.

Karras et al. 2019, "A Style-Based Generator Architecture for GANs" (NVlabs/stylegan
``training/networks_stylegan.py``: ``instance_norm`` then ``style_mod``). IN subtracts each
channel's spatial mean and divides by √(spatial mean square + 1e-8), with no affine terms
of its own; the +1 centres the scale on 1 while A's learned bias starts at 0.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfgan_suite.layers.equalized import EqualizedDense


@keras.saving.register_keras_serializable(package="tfgan_suite")
class AdaIN(keras.layers.Layer):
    """Instance-normalise x, then scale and shift each channel by an affine map of w.

    The first C outputs of A are the scales y_s, the next C the biases y_b (the
    reference's order). Each output channel then has spatial mean y_b and standard
    deviation |y_s + 1|, whatever the input's own statistics. Computed in float32
    (ε = 1e-8 underflows in float16).

    Args:
        epsilon: added to the spatial mean square inside the square root.

    Call arguments:
        inputs: ``[x, w]`` — x ``[B, H, W, C]`` feature maps, w ``[B, w_dim]`` the
            layer's style-slot latent.

    Returns:
        ``[B, H, W, C]``.
    """

    def __init__(self, epsilon: float = 1e-8, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(f"AdaIN epsilon must be a number >= 0, got {epsilon!r}")
        self.epsilon = epsilon

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        if len(x_shape) != 4 or x_shape[-1] is None:
            raise ValueError(f"AdaIN x must be [B, H, W, C] with static C, got {x_shape}")
        self.channels = x_shape[-1]
        self.style = EqualizedDense(2 * self.channels, gain=1.0, name="style")
        self.style.build(w_shape)

    def call(self, inputs):
        x, w = inputs
        x = tf.cast(x, tf.float32)
        x = x - tf.reduce_mean(x, axis=[1, 2], keepdims=True)
        x = x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=[1, 2], keepdims=True)
                              + self.epsilon)
        style = tf.cast(self.style(w), tf.float32)
        scale = tf.reshape(style[:, :self.channels], [-1, 1, 1, self.channels])
        bias = tf.reshape(style[:, self.channels:], [-1, 1, 1, self.channels])
        return tf.cast(x * (scale + 1.0) + bias, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
