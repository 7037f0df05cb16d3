"""MLP generator and discriminator for 2-D toy data (PacGAN, Lin et al. 2018, App. D).

PacGAN's networks: G = 4 × 400 units (BatchNorm + ReLU) on a 2-D N(0, I) latent; D = 3
maxout layers of 200 units with 5 pieces, linear output (a logit).
"""

from __future__ import annotations

from typing import Optional, Sequence

import keras

from tfgan_suite.layers import MaxoutDense, maybe_spectral_norm
from tfgan_suite.networks.base import Network, register_discriminator, register_generator

NORMS = ("batch", "layer", "none")


def _check_norm(field: str, norm: str) -> None:
    if norm not in NORMS:
        raise ValueError(f"{field}.norm: unknown value {norm!r}; accepted: {', '.join(NORMS)}")


def _norm_layer(norm: str, name: str) -> Optional[keras.layers.Layer]:
    if norm == "batch":
        return keras.layers.BatchNormalization(name=name)
    if norm == "layer":
        return keras.layers.LayerNormalization(name=name)
    return None


@register_generator("mlp")
class MLPGenerator(Network):
    """z [batch, latent_dim] → x [batch, output_dim] through ``hidden_units`` dense layers.

    Args:
        latent_dim: size of z.
        output_dim: size of x (2 for the toy mixtures).
        hidden_units: width of each hidden layer.
        norm: ``batch`` | ``layer`` | ``none`` after each hidden dense layer.
    """

    def __init__(self, latent_dim: int = 2, output_dim: int = 2,
                 hidden_units: Sequence[int] = (400, 400, 400, 400), norm: str = "batch",
                 name: str = "mlp_generator", **kwargs):
        _check_norm("generator", norm)
        hidden_units = [int(u) for u in hidden_units]
        z = keras.Input((latent_dim,), name="z")
        x = z
        for i, units in enumerate(hidden_units):
            x = keras.layers.Dense(units, use_bias=norm != "batch", name=f"dense_{i}")(x)
            layer = _norm_layer(norm, f"norm_{i}")
            if layer is not None:
                x = layer(x)
            x = keras.layers.ReLU(name=f"relu_{i}")(x)
        x = keras.layers.Dense(output_dim, name="out", dtype="float32")(x)
        self.latent_dim = latent_dim
        self._finish(z, x, name, dict(latent_dim=latent_dim, output_dim=output_dim,
                                      hidden_units=hidden_units, norm=norm), **kwargs)


@register_discriminator("mlp")
class MLPDiscriminator(Network):
    """x [batch, input_dim] → logit [batch, 1]: maxout (``pieces`` > 1) or ReLU dense layers.

    Args:
        input_dim: size of x.
        hidden_units: width of each hidden layer.
        pieces: maxout pieces per unit; 1 means plain ReLU layers (LeakyReLU 0.2).
        spectral_norm: wrap every dense layer in spectral normalisation.
    """

    def __init__(self, input_dim: int = 2, hidden_units: Sequence[int] = (200, 200, 200),
                 pieces: int = 5, spectral_norm: bool = False,
                 name: str = "mlp_discriminator", **kwargs):
        hidden_units = [int(u) for u in hidden_units]
        x_in = keras.Input((input_dim,), name="x")
        x = x_in
        for i, units in enumerate(hidden_units):
            if pieces > 1:
                layer = MaxoutDense(units, pieces=pieces, name=f"maxout_{i}")
                if spectral_norm:
                    raise ValueError("discriminator.spectral_norm: not supported with maxout "
                                     "(pieces > 1); set pieces: 1")
                x = layer(x)
            else:
                dense = keras.layers.Dense(units, name=f"dense_{i}")
                x = maybe_spectral_norm(dense, spectral_norm)(x)
                x = keras.layers.LeakyReLU(0.2, name=f"lrelu_{i}")(x)
        out = maybe_spectral_norm(keras.layers.Dense(1, name="logit"), spectral_norm)
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(out(x))
        self._finish(x_in, logits, name, dict(input_dim=input_dim, hidden_units=hidden_units,
                                              pieces=pieces, spectral_norm=spectral_norm),
                     **kwargs)
