"""The 2-1-2D bridge reshapes of CycleGAN-VC2 / StarGAN-VC2 (Kaneko et al. 2019).

The generators downsample a 2D feature map, switch to 1D for the residual blocks, and
switch back (speech.md §2.5). With NHWC, H = frequency (coefficients) and W = time:

- 2D→1D: ``[B, H, W, C]`` → transpose ``[B, W, H, C]`` → reshape ``[B, W, H·C]``, so
  time stays the convolution length axis and each time step carries its own
  (frequency, channel) values, frequency-major: out[b, w, h·C + c] = in[b, h, w, c];
- 1D→2D: the exact inverse.

The networks put a 1×1 Conv1D + IN after the flatten and before the unflatten; these
layers are only the reshapes. Any fixed (frequency, channel) order works as long as both
directions use the same one.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_suite")
class Flatten2DTo1D(keras.layers.Layer):
    """``[B, H, W, C] → [B, W, H·C]``: fold frequency into channels, keep time as length.

    Call arguments:
        inputs: ``[B, H, W, C]`` with static H and C; W (time) may be None.

    Returns:
        ``[B, W, H·C]`` with out[b, w, h·C + c] = in[b, h, w, c].
    """

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[1] is None or input_shape[3] is None:
            raise ValueError(f"Flatten2DTo1D input must be [B, H, W, C] with static height H "
                             f"and channels C, got shape {tuple(input_shape)}")

    def call(self, inputs):
        height, channels = inputs.shape[1], inputs.shape[3]
        time_major = tf.transpose(inputs, [0, 2, 1, 3])
        batch, width = tf.shape(inputs)[0], tf.shape(inputs)[2]
        return tf.reshape(time_major, [batch, width, height * channels])

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, width, height * channels)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class Unflatten1DTo2D(keras.layers.Layer):
    """``[B, W, H·C] → [B, H, W, C]``: the exact inverse of ``Flatten2DTo1D``.

    Args:
        height: H, the frequency size of the 2D map.
        channels: C, the channels of the 2D map.

    Call arguments:
        inputs: ``[B, W, height·channels]``; W (time) may be None.

    Returns:
        ``[B, height, W, channels]`` with out[b, h, w, c] = in[b, w, h·channels + c].
    """

    def __init__(self, height: int, channels: int, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("height", height), ("channels", channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Unflatten1DTo2D {name} must be a positive int, "
                                 f"got {value!r}")
        self.height, self.channels = height, channels

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] != self.height * self.channels:
            raise ValueError(f"Unflatten1DTo2D input must be [B, W, height*channels] = "
                             f"[B, W, {self.height}*{self.channels}], got shape "
                             f"{tuple(input_shape)}")

    def call(self, inputs):
        batch, width = tf.shape(inputs)[0], tf.shape(inputs)[1]
        time_major = tf.reshape(inputs, [batch, width, self.height, self.channels])
        return tf.transpose(time_major, [0, 2, 1, 3])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.height, input_shape[1], self.channels)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "channels": self.channels}
