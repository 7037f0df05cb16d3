"""A strided 'same' convolution computed as one matrix product over its patches.

On CPUs, oneDNN's convolution kernels run far below the matrix-multiply peak when the
output is tiny and the kernel large — the keras-io critic's last layer (5×5, stride 2,
4×4×256 → 2×2×512) is the extreme case: at batch 512 its backward-weights and forward
kernels took 70 % of a gradient-penalty step in bfloat16. Written as a GEMM over the
explicitly sliced patches, the same arithmetic runs on the AMX/AVX-512 matmul path:
measured 2.29 s → 1.30 s per GP step (bf16) and 3.17 s → 2.40 s (fp32), see
``docs/results/train_speed.md``.

The layer owns the same variables as ``keras.layers.Conv2D`` (``kernel`` [k, k, c_in,
c_out], ``bias`` [c_out]), so weights move between the two with ``set_weights`` and the
outputs agree to float round-off. Every op (pad, slice, stack, matmul) has a cheap
gradient, including the gradient of a gradient that a gradient penalty needs. It pays
only when out_height × out_width is small (the patches are materialised); use Conv2D
elsewhere.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_suite")
class PatchConv2D(keras.layers.Layer):
    """``Conv2D(filters, kernel_size, strides, padding="same")`` as patches @ kernel.

    Args:
        filters: output channels.
        kernel_size: square kernel side.
        strides: square stride.
        use_bias: add a bias (as Conv2D).
        kernel_initializer: as Conv2D (default glorot_uniform, Conv2D's default).
        max_positions: refuse inputs whose output has more positions than this (the
            patch tensor grows with them; Conv2D is the right layer there).
    """

    def __init__(self, filters: int, kernel_size: int, strides: int = 1, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", max_positions: int = 64, **kwargs):
        super().__init__(**kwargs)
        for field, value in (("filters", filters), ("kernel_size", kernel_size),
                             ("strides", strides), ("max_positions", max_positions)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"PatchConv2D {field} must be a positive int, got {value!r}")
        self.filters, self.kernel_size, self.strides = filters, kernel_size, strides
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.max_positions = max_positions

    def build(self, input_shape):
        height, width, channels = input_shape[1], input_shape[2], input_shape[3]
        if None in (height, width, channels):
            raise ValueError(f"PatchConv2D needs a static input shape, got {input_shape}")
        k, s = self.kernel_size, self.strides
        self._out = (-(-height // s), -(-width // s))  # 'same': ceil(size / stride)
        if self._out[0] * self._out[1] > self.max_positions:
            raise ValueError(
                f"PatchConv2D: {self._out[0]}×{self._out[1]} output positions exceed "
                f"max_positions={self.max_positions}; use keras.layers.Conv2D for this input")
        pad_h = max((self._out[0] - 1) * s + k - height, 0)
        pad_w = max((self._out[1] - 1) * s + k - width, 0)
        # TensorFlow's 'same' puts the odd pixel of padding at the bottom / right.
        self._paddings = [[0, 0], [pad_h // 2, pad_h - pad_h // 2],
                          [pad_w // 2, pad_w - pad_w // 2], [0, 0]]
        self.kernel = self.add_weight(name="kernel", shape=(k, k, channels, self.filters),
                                      initializer=self.kernel_initializer)
        self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")
                     if self.use_bias else None)

    def call(self, inputs):
        k, s = self.kernel_size, self.strides
        x = tf.pad(inputs, self._paddings)
        patches = [x[:, i * s:i * s + k, j * s:j * s + k, :]
                   for i in range(self._out[0]) for j in range(self._out[1])]
        patches = tf.stack(patches, axis=1)  # [batch, positions, k, k, c_in]
        flat = tf.reshape(patches, [-1, k * k * inputs.shape[-1]])
        kernel = tf.cast(tf.reshape(self.kernel, [-1, self.filters]), flat.dtype)
        outputs = tf.matmul(flat, kernel)
        if self.bias is not None:
            outputs = outputs + tf.cast(self.bias, outputs.dtype)
        return tf.reshape(outputs, [-1, self._out[0], self._out[1], self.filters])

    def compute_output_shape(self, input_shape):
        s = self.strides
        return (input_shape[0], -(-input_shape[1] // s), -(-input_shape[2] // s), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "use_bias": self.use_bias, "max_positions": self.max_positions,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}
