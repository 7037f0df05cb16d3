"""BigGAN's orthogonal regularisation (Brock et al. 2019, section 3.1).

R(W) = β ‖WᵀW ⊙ (1 − I)‖²_F with W the kernel reshaped to [fan_in, out_channels] (one
column per filter). Unlike the full ‖WᵀW − I‖²_F it leaves the filters' norms free and only
pushes distinct filters towards orthogonality, which BigGAN found makes the generator
amenable to the truncation trick.
"""

from __future__ import annotations

import keras

from tfgan_suite.penalties import orthogonal_regularization


@keras.saving.register_keras_serializable(package="tfgan_suite")
class OrthogonalRegularizer(keras.regularizers.Regularizer):
    """β · squared Frobenius norm of the off-diagonal part of WᵀW.

    Args:
        beta: regularisation strength β (BigGAN uses 1e-4).
    """

    def __init__(self, beta: float = 1e-4):
        self.beta = float(beta)

    def __call__(self, kernel):
        return self.beta * orthogonal_regularization([kernel])

    def get_config(self):
        return {"beta": self.beta}
