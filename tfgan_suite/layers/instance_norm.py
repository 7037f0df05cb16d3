"""Instance normalisation: y = γ ⊙ (x − μ) / √(σ² + ε) + β, statistics per sample and channel.

Ulyanov et al. 2016, "Instance Normalization: The Missing Ingredient for Fast
Stylization". μ and σ² are taken over time for ``[B, T, C]`` and over (H, W) for
``[B, H, W, C]``, always from the current input: there are no running statistics (one
StarGAN-VC2 reimplementation tracks them, a deviation — speech.md §2.2). ε = 1e-5 is the
PyTorch default; leimao's CycleGAN-VC (tf.contrib ``instance_norm``) uses 1e-6.
tensorflow-addons is end-of-life, so this is written on ``tf.nn.moments``.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def instance_standardize(inputs: tf.Tensor, epsilon: float = 1e-5) -> tf.Tensor:
    """Return x̂ = (x − μ) / √(σ² + ε) in float32, μ, σ² over all axes but batch and channel.

    Args:
        inputs: ``[B, T, C]`` or ``[B, H, W, C]``; any float dtype.
        epsilon: added to the variance.

    Returns:
        float32 tensor of the input's shape; each (sample, channel) has mean 0 and
        variance σ²/(σ² + ε) ≈ 1 over the normalised axes.
    """
    x = tf.cast(inputs, tf.float32)
    axes = list(range(1, len(x.shape) - 1))
    mean, variance = tf.nn.moments(x, axes=axes, keepdims=True)
    return (x - mean) * tf.math.rsqrt(variance + epsilon)


def check_instance_norm_input(owner: str, shape) -> int:
    """Raise unless ``shape`` is ``[B, T, C]`` or ``[B, H, W, C]`` with static C; return C."""
    if len(shape) not in (3, 4) or shape[-1] is None:
        raise ValueError(f"{owner} input must be [B, T, C] or [B, H, W, C] with a static "
                         f"channel axis, got shape {tuple(shape)}")
    return int(shape[-1])


@keras.saving.register_keras_serializable(package="tfgan_suite")
class InstanceNormalization(keras.layers.Layer):
    """Normalise each (sample, channel) over its positions, then a learnable per-channel affine.

    Statistics are computed in float32 and the result is cast back to the compute dtype,
    so the layer is safe under mixed precision. The time (or H, W) axes may be None.

    Args:
        epsilon: added to the variance.
        center: learn a per-channel shift β (initialised to zeros).
        scale: learn a per-channel gain γ (initialised to ones).

    Call arguments:
        inputs: ``[B, T, C]`` (normalised over T) or ``[B, H, W, C]`` (over H and W).

    Returns:
        The input shape. With the initial γ = 1, β = 0 each (sample, channel) has mean 0
        and variance ≈ 1; the output is invariant to per-channel a·x + b with a > 0.
    """

    def __init__(self, epsilon: float = 1e-5, center: bool = True, scale: bool = True,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(f"InstanceNormalization epsilon must be a number >= 0, "
                             f"got {epsilon!r}")
        self.epsilon = epsilon
        self.center, self.scale = bool(center), bool(scale)

    def build(self, input_shape):
        channels = check_instance_norm_input("InstanceNormalization", input_shape)
        self.gamma = (self.add_weight(shape=(channels,), initializer="ones", name="gamma")
                      if self.scale else None)
        self.beta = (self.add_weight(shape=(channels,), initializer="zeros", name="beta")
                     if self.center else None)

    def call(self, inputs):
        x_hat = instance_standardize(inputs, self.epsilon)
        if self.scale:
            x_hat = x_hat * tf.cast(self.gamma, tf.float32)
        if self.center:
            x_hat = x_hat + tf.cast(self.beta, tf.float32)
        return tf.cast(x_hat, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale}
