"""Gated linear unit: GLU(A, B) = A ⊙ σ(B), with [A, B] = x split in halves along one axis.

Dauphin et al. 2017, "Language Modeling with Gated Convolutional Networks". The voice
conversion generators (CycleGAN-VC, CycleGAN-VC2, StarGAN-VC2) use it after every conv +
normalisation. Two layouts are equivalent: two conv + norm branches ("data" and "gates"),
or one conv with twice the channels split in halves (this layer); with per-channel
normalisation the second equals the first once the kernels are concatenated along the
output axis.

Deviation to avoid: some CycleGAN-VC2 reimplementations define a class named "GLU" that
returns x · σ(x) — that is SiLU / Swish, with no separate gate — and use it in their
blocks (speech.md §2.1). This module implements the real gate.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def gated_linear_unit(data: tf.Tensor, gates: tf.Tensor) -> tf.Tensor:
    """Return ``data * sigmoid(gates)`` elementwise (the two-branch GLU layout).

    Args:
        data: the linear path A.
        gates: the gate pre-activations B, broadcastable to ``data``.

    Returns:
        A ⊙ σ(B): A/2 where B = 0, → A as B → +∞, → 0 as B → −∞.
    """
    return data * tf.sigmoid(gates)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class GatedLinearUnit(keras.layers.Layer):
    """Split the input in halves A (first) and B (second) along ``axis``; return A ⊙ σ(B).

    The first half is the data and the second half the gates, the order of
    ``torch.nn.GLU`` and of a conv with ``2C`` outputs whose kernel is
    ``concat([data_kernel, gate_kernel], axis=-1)``.

    Args:
        axis: the axis to split; its size must be even. Default: the channel axis.

    Call arguments:
        inputs: any rank >= 2, e.g. ``[B, T, 2C]`` or ``[B, H, W, 2C]``.

    Returns:
        The input shape with ``axis`` halved, e.g. ``[B, T, C]``.
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"GatedLinearUnit axis must be an int, got {axis!r}")
        self.axis = axis

    def _resolved_axis(self, input_shape) -> int:
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(f"GatedLinearUnit axis={self.axis} must name a non-batch axis "
                             f"of the rank-{rank} input {tuple(input_shape)}")
        return self.axis % rank

    def build(self, input_shape):
        size = input_shape[self._resolved_axis(input_shape)]
        if size is not None and size % 2:
            raise ValueError(f"GatedLinearUnit axis={self.axis} must have an even size to "
                             f"split into data and gate halves, got size {size} in input "
                             f"{tuple(input_shape)}")

    def call(self, inputs):
        data, gates = tf.split(inputs, 2, axis=self.axis)
        return gated_linear_unit(data, gates)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axis = self._resolved_axis(input_shape)
        shape[axis] = None if shape[axis] is None else shape[axis] // 2
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
