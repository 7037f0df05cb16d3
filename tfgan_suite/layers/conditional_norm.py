"""Class-conditional BatchNorm (de Vries et al. 2017; BigGAN, Brock et al. 2019).

BatchNorm without its own scale and shift, followed by a per-example scale and shift that
depend on the condition: y = (1 + γ(c)) · BN(x) + β(c). Two forms:

- ``num_classes`` set: γ and β are looked up in per-class tables (initialised to 0, so the
  layer starts as plain BatchNorm) — the cGAN / SN-GAN projection generators' form;
- ``num_classes`` None: γ and β are linear maps of a conditioning vector (BigGAN feeds the
  shared class embedding concatenated with a chunk of z).
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ConditionalBatchNorm(keras.layers.Layer):
    """Call as ``layer([x, condition])``: integer labels [B] or vectors [B, D].

    Args:
        num_classes: per-class gain/bias tables for integer labels; None for a
            linear map of a conditioning vector.
        momentum, epsilon: as ``keras.layers.BatchNormalization``.
    """

    def __init__(self, num_classes: int | None = None, momentum: float = 0.99,
                 epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 1):
            raise ValueError(f"ConditionalBatchNorm num_classes must be a positive int or "
                             f"None, got {num_classes!r}")
        self.num_classes = num_classes
        self.momentum, self.epsilon = momentum, epsilon

    def build(self, input_shape):
        x_shape, condition_shape = input_shape
        channels = x_shape[-1]
        self.norm = keras.layers.BatchNormalization(momentum=self.momentum,
                                                    epsilon=self.epsilon, center=False,
                                                    scale=False, name="bn")
        self.norm.build(x_shape)
        if self.num_classes is not None:
            self.gain = keras.layers.Embedding(self.num_classes, channels,
                                               embeddings_initializer="zeros", name="gain")
            self.bias = keras.layers.Embedding(self.num_classes, channels,
                                               embeddings_initializer="zeros", name="bias")
            self.gain.build((None,))
            self.bias.build((None,))
        else:
            self.gain = keras.layers.Dense(channels, kernel_initializer="zeros", name="gain")
            self.bias = keras.layers.Dense(channels, kernel_initializer="zeros", name="bias")
            self.gain.build(condition_shape)
            self.bias.build(condition_shape)

    def call(self, inputs, training=None):
        x, condition = inputs
        if self.num_classes is not None:
            condition = tf.reshape(tf.cast(condition, tf.int32), [-1])
        normalised = self.norm(x, training=training)
        gain = tf.cast(self.gain(condition), normalised.dtype)
        bias = tf.cast(self.bias(condition), normalised.dtype)
        shape = [-1] + [1] * (len(x.shape) - 2) + [x.shape[-1]]
        return normalised * (1.0 + tf.reshape(gain, shape)) + tf.reshape(bias, shape)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "momentum": self.momentum, "epsilon": self.epsilon}
