"""Conditional instance normalisation: CIN(x; c, c') = γ(c, c') ⊙ x̂ + β(c, c').

StarGAN-VC2 (Kaneko et al. 2019, "StarGAN-VC2: Rethinking Conditional Methods for
StarGAN-Based Voice Conversion"): x̂ is instance-normalised x (statistics per sample and
channel over time, or over (H, W); no affine of its own) and the modulation depends on
the source code c and the target code c' (γ_{c,c'}, β_{c,c'}; speech.md §2.3). Two forms:

- ``"concat_linear"``: γ = [c; c'] W_γ + b_γ, β = [c; c'] W_β + b_β — an additive
  source term plus a target term, the Linear-on-concat of the reimplementations;
- ``"pair_table"``: free tables γ_{ij}, β_{ij} for every (source i, target j) pair,
  the literal reading of γ_{c,c'}.

Both start as exact IN: W = 0, b_γ = 1, b_β = 0, and the tables are ones / zeros.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfgan_suite.layers.instance_norm import check_instance_norm_input, instance_standardize

MODES = ("concat_linear", "pair_table")


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ConditionalInstanceNormalization(keras.layers.Layer):
    """Instance-normalise x, then scale and shift each channel by γ, β of the code pair.

    Statistics and the modulation are computed in float32 and the result is cast back to
    the compute dtype. A network that conditions on the target only passes zeros as the
    source code: in ``"concat_linear"`` mode that drops the source term exactly. (In
    ``"pair_table"`` mode zeros would give γ = β = 0; pass a fixed one-hot source code
    instead, which reduces the table to one row per target.)

    Args:
        num_domains: N, the length of the one-hot codes.
        mode: ``"concat_linear"`` or ``"pair_table"`` (see the module docstring).
        epsilon: added to the variance.

    Call arguments:
        inputs: ``[x, source_code, target_code]`` — x ``[B, T, C]`` or ``[B, H, W, C]``,
            codes one-hot float ``[B, N]``.

    Returns:
        The shape of x. Each (sample, channel) has mean β and standard deviation ≈ |γ|
        over the normalised axes.
    """

    def __init__(self, num_domains: int, mode: str = "concat_linear", epsilon: float = 1e-5,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(num_domains, bool) or not isinstance(num_domains, int) or num_domains < 1:
            raise ValueError(f"ConditionalInstanceNormalization num_domains must be a positive "
                             f"int, got {num_domains!r}")
        if mode not in MODES:
            raise ValueError(f"ConditionalInstanceNormalization mode must be one of {MODES}, "
                             f"got {mode!r}")
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(f"ConditionalInstanceNormalization epsilon must be a number >= 0, "
                             f"got {epsilon!r}")
        self.num_domains, self.mode, self.epsilon = num_domains, mode, epsilon

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 3:
            raise ValueError("ConditionalInstanceNormalization inputs must be "
                             f"[x, source_code, target_code], got shapes {input_shape}")
        x_shape, *code_shapes = input_shape
        channels = check_instance_norm_input("ConditionalInstanceNormalization x", x_shape)
        for name, shape in zip(("source_code", "target_code"), code_shapes, strict=True):
            if len(shape) != 2 or shape[-1] != self.num_domains:
                raise ValueError(f"ConditionalInstanceNormalization {name} must be [B, N] "
                                 f"with N = num_domains = {self.num_domains}, got shape "
                                 f"{tuple(shape)}")
        self.channels = channels
        n = self.num_domains
        if self.mode == "concat_linear":
            self.gamma_kernel = self.add_weight(shape=(2 * n, channels), initializer="zeros",
                                                name="gamma_kernel")
            self.gamma_bias = self.add_weight(shape=(channels,), initializer="ones",
                                              name="gamma_bias")
            self.beta_kernel = self.add_weight(shape=(2 * n, channels), initializer="zeros",
                                               name="beta_kernel")
            self.beta_bias = self.add_weight(shape=(channels,), initializer="zeros",
                                             name="beta_bias")
        else:
            self.gamma_table = self.add_weight(shape=(n, n, channels), initializer="ones",
                                               name="gamma_table")
            self.beta_table = self.add_weight(shape=(n, n, channels), initializer="zeros",
                                              name="beta_table")

    def modulation(self, source_code, target_code) -> tuple[tf.Tensor, tf.Tensor]:
        """Return float32 (γ, β), each ``[B, C]``, for codes ``[B, N]`` (layer built)."""
        source = tf.cast(source_code, tf.float32)
        target = tf.cast(target_code, tf.float32)
        if self.mode == "concat_linear":
            codes = tf.concat([source, target], axis=-1)
            gamma = codes @ tf.cast(self.gamma_kernel, tf.float32) + tf.cast(self.gamma_bias,
                                                                              tf.float32)
            beta = codes @ tf.cast(self.beta_kernel, tf.float32) + tf.cast(self.beta_bias,
                                                                            tf.float32)
            return gamma, beta
        gamma = tf.einsum("bi,bj,ijc->bc", source, target, tf.cast(self.gamma_table, tf.float32))
        beta = tf.einsum("bi,bj,ijc->bc", source, target, tf.cast(self.beta_table, tf.float32))
        return gamma, beta

    def call(self, inputs):
        x, source_code, target_code = inputs
        x_hat = instance_standardize(x, self.epsilon)
        gamma, beta = self.modulation(source_code, target_code)
        shape = [-1] + [1] * (len(x.shape) - 2) + [self.channels]
        y = tf.reshape(gamma, shape) * x_hat + tf.reshape(beta, shape)
        return tf.cast(y, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "num_domains": self.num_domains, "mode": self.mode,
                "epsilon": self.epsilon}
