"""Vertical and horizontal [1, 2, 1]/4 blurs of an image, concatenated ("blurvh").

NR-GAN (Kaneko & Harada, CVPR 2020; reference code takuhirok/NR-GAN ``trainers/util.py``
``blurvh``) shows the discriminator both blurs of every real and fake image on
Poisson-noised data (noises M–P): 2C channels whose slight smoothing narrows the gap between
the discrete Poisson counts of the data and the Gaussian noise a generator can model. Zero
padding at the border, as the reference; a fixed linear map, so gradients pass through.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.data.image_corruptions import depthwise_blur

_TAPS = np.array([1.0, 2.0, 1.0]) / 4.0


@keras.saving.register_keras_serializable(package="tfgan_suite")
class BlurVH(keras.layers.Layer):
    """[B, H, W, C] → [B, H, W, 2C]: the vertical blur's channels, then the horizontal's."""

    def call(self, inputs):
        x = tf.cast(inputs, tf.float32)
        vertical = depthwise_blur(x, _TAPS[:, None])
        horizontal = depthwise_blur(x, _TAPS[None, :])
        return tf.cast(tf.concat([vertical, horizontal], axis=-1), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 2 * input_shape[-1])
