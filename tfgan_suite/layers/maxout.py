"""Maxout dense layer (Goodfellow et al. 2013), used by the PacGAN toy discriminator."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tfgan_suite")
class MaxoutDense(keras.layers.Layer):
    """y_j = max_k (x W_{jk} + b_{jk}) over ``pieces`` affine pieces.

    Args:
        units: output width.
        pieces: number of affine pieces per unit (PacGAN uses 5).

    Call arguments:
        inputs: ``[batch, features]``.

    Returns:
        ``[batch, units]``.

    Example:
        >>> MaxoutDense(200, pieces=5)(keras.ops.ones((3, 2))).shape
        (3, 200)
    """

    def __init__(self, units: int, pieces: int = 5, kernel_initializer="glorot_uniform",
                 **kwargs):
        super().__init__(**kwargs)
        if units < 1 or pieces < 1:
            raise ValueError(f"MaxoutDense: units and pieces must be >= 1, got {units}, {pieces}")
        self.units = units
        self.pieces = pieces
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        self.dense = keras.layers.Dense(self.units * self.pieces,
                                        kernel_initializer=self.kernel_initializer, name="dense")
        self.dense.build(input_shape)

    def call(self, inputs):
        pre = self.dense(inputs)
        pre = ops.reshape(pre, (-1, self.units, self.pieces))
        return ops.max(pre, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, pieces=self.pieces,
                      kernel_initializer=keras.initializers.serialize(self.kernel_initializer))
        return config
