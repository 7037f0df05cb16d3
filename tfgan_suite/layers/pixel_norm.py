"""Pixelwise feature normalisation: y = x / √(mean_c(x²) + ε), ε = 1e-8.

Karras et al. 2018, "Progressive Growing of GANs" (tkarras/progressive_growing_of_gans
``networks.py``, ``pixel_norm``): applied in the generator to the latent and after every
conv + activation, never in the discriminator. StyleGAN's mapping network normalises z the
same way (NVlabs/stylegan ``training/networks_stylegan.py``).
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_suite")
class PixelNorm(keras.layers.Layer):
    """Divide each position's channel vector by its root mean square.

    Computed in float32 (ε = 1e-8 underflows in float16) and cast back; the ProGAN fp16
    preset raised ε to 1e-4 instead.

    Args:
        epsilon: added to the mean square inside the square root.

    Call arguments:
        inputs: ``[..., C]`` — ``[B, latent]`` or ``[B, H, W, C]``; the mean is over the
            last axis.

    Returns:
        The same shape, with mean over channels of y² = m/(m + ε) ≈ 1 at every position.
    """

    def __init__(self, epsilon: float = 1e-8, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(f"PixelNorm epsilon must be a number >= 0, got {epsilon!r}")
        self.epsilon = epsilon

    def call(self, inputs):
        x = tf.cast(inputs, tf.float32)
        mean_square = tf.reduce_mean(tf.square(x), axis=-1, keepdims=True)
        return tf.cast(x * tf.math.rsqrt(mean_square + self.epsilon), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
