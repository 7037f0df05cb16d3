"""BigGAN's orthogonal regularisation (Brock et al. 2019, section 3.1).

R(W) = β ‖WᵀW ⊙ (1 − I)‖²_F with W the kernel reshaped to [fan_in, out_channels] (one
column per filter). Unlike the full ‖WᵀW − I‖²_F it leaves the filters' norms free and only
pushes distinct filters towards orthogonality, which BigGAN found makes the generator
amenable to the truncation trick.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_suite")
class OrthogonalRegularizer(keras.regularizers.Regularizer):
    """β · squared Frobenius norm of the off-diagonal part of WᵀW.

    Args:
        beta: regularisation strength β (BigGAN uses 1e-4).
    """

    def __init__(self, beta: float = 1e-4):
        self.beta = float(beta)

    def __call__(self, kernel):
        kernel = tf.cast(kernel, tf.float32)
        matrix = tf.reshape(kernel, [-1, kernel.shape[-1]])
        gram = tf.matmul(matrix, matrix, transpose_a=True)  # [out, out]
        off_diagonal = gram * (1.0 - tf.eye(tf.shape(gram)[0], dtype=gram.dtype))
        return self.beta * tf.reduce_sum(tf.square(off_diagonal))

    def get_config(self):
        return {"beta": self.beta}
