"""StyleGAN2's activation: y = √2 · LReLU_0.2(x) (the "fused bias + act" with its gain).

Karras et al. 2020 (NVlabs/stylegan2 ``dnnlib/tflib/ops/fused_bias_act.py``: gain √2 for
lrelu). StyleGAN2 moved the √2 of He initialisation from the equalized weights (gain 1
there) into the activation; the bias is added before, by the preceding layer. For
unit-variance Gaussian input the output's second moment is 2·(1 + 0.2²)/2 = 1.04.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ScaledLeakyReLU(keras.layers.Layer):
    """``gain · leaky_relu(x, negative_slope)`` (defaults √2 and 0.2)."""

    def __init__(self, negative_slope: float = 0.2, gain: float = math.sqrt(2.0), **kwargs):
        super().__init__(**kwargs)
        self.negative_slope, self.gain = float(negative_slope), float(gain)

    def call(self, inputs):
        return tf.nn.leaky_relu(inputs, self.negative_slope) * tf.cast(self.gain, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope,
                "gain": self.gain}
