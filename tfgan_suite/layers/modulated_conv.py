"""Modulated convolution: w″ = s_i·c·w[k,k,i,o] / √(Σ_{k,k,i} (s_i·c·w)² + 1e-8), s = A(w) + 1.

Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN" (NVlabs/stylegan2
``training/networks_stylegan2.py``, ``modulated_conv2d_layer``). It replaces StyleGAN's
AdaIN: the style scales the kernel's input channels (modulation) and, with
``demodulate``, each output channel is rescaled so unit-variance inputs give unit-variance
outputs — the statistics AdaIN imposed, now expected rather than measured, which removes
the droplet artefacts. c = gain/√(k·k·C_in) is the equalized-LR constant (gain 1).

Two equal computations:

- non-fused (default): scale the activations by s, convolve with the shared kernel, scale
  the output by the demodulation factor — one ordinary convolution, fastest on CPU;
- fused: build each sample's kernel and run one grouped convolution with the batch folded
  into the groups (input [1, H, W, B·C_in], kernel [k, k, C_in, B·C_out]).

Both use TensorFlow built-in ops only (the TFLite converter needs no custom ops).
Training the fused form needs the gradient of a grouped convolution, which TensorFlow's CPU
kernels have only through oneDNN: on a CPU without its AVX-512 features (oneDNN off, e.g. an
AVX2-only AMD EPYC) the backward pass raises "Gradients for grouped convolutions are not
supported on CPU" — train non-fused there (the two hold the same weights).
There is no up-sampling inside the layer: the reference's up-conv (stride-2 transposed
conv, then the FIR filter) is, away from the borders, FIR up-sampling followed by a stride-1
conv (zero insertion, the kernel and the filter are linear and shift-invariant, so they
commute; the learned kernel is flipped). Callers write ``FIRUpsample2D()`` then this layer.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tfgan_suite.layers.equalized import EqualizedDense

_EPSILON = 1e-8


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ModulatedConv2D(keras.layers.Layer):
    """Style-modulated (and by default demodulated) stride-1 'same' convolution.

    Args:
        filters: output channels C_out.
        kernel_size: odd square kernel side (padding (k − 1)/2 per side, as the reference).
        demodulate: divide each sample's output channel by the norm of its modulated
            kernel (StyleGAN2 convs); False for toRGB.
        fused: grouped convolution with per-sample kernels instead of scaling activations.
        use_bias: add a zero-initialised bias after the convolution. Noise added by a
            following ``NoiseInput`` commutes with it, so the reference order (conv, noise,
            bias, activation) is kept.
        gain: equalized-LR gain of the conv kernel (StyleGAN2: 1; the √2 lives in the
            activation).

    Call arguments:
        inputs: ``[x, w]`` — x ``[B, H, W, C_in]``, w ``[B, w_dim]``.

    Returns:
        ``[B, H, W, filters]``.
    """

    def __init__(self, filters: int, kernel_size: int, demodulate: bool = True,
                 fused: bool = False, use_bias: bool = True, gain: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        for field, value in (("filters", filters), ("kernel_size", kernel_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ModulatedConv2D {field} must be a positive int, "
                                 f"got {value!r}")
        if kernel_size % 2 == 0:
            raise ValueError(f"ModulatedConv2D kernel_size must be odd (symmetric 'same' "
                             f"padding), got {kernel_size}")
        if not isinstance(gain, (int, float)) or gain <= 0:
            raise ValueError(f"ModulatedConv2D gain must be a positive number, got {gain!r}")
        self.filters, self.kernel_size = filters, kernel_size
        self.demodulate, self.fused, self.use_bias, self.gain = demodulate, fused, use_bias, gain

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        if len(x_shape) != 4 or x_shape[-1] is None:
            raise ValueError(f"ModulatedConv2D x must be [B, H, W, C] with static C, "
                             f"got {x_shape}")
        channels, k = x_shape[-1], self.kernel_size
        self.weight_scale = self.gain / math.sqrt(k * k * channels)
        self.kernel = self.add_weight(name="kernel", shape=(k, k, channels, self.filters),
                                      initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")
                     if self.use_bias else None)
        self.style = EqualizedDense(channels, gain=1.0, name="style")
        self.style.build(w_shape)

    def styles(self, w: tf.Tensor) -> tf.Tensor:
        """s = A(w) + 1, float32 ``[B, C_in]``."""
        return tf.cast(self.style(w), tf.float32) + 1.0

    def modulated_kernels(self, w: tf.Tensor) -> tf.Tensor:
        """Each sample's kernel w″ (w′ without ``demodulate``): float32 [B, k, k, C_in, C_out]."""
        kernel = tf.cast(self.kernel, tf.float32) * self.weight_scale
        kernels = kernel[None] * self.styles(w)[:, None, None, :, None]
        if self.demodulate:
            kernels *= tf.math.rsqrt(
                tf.reduce_sum(tf.square(kernels), axis=[1, 2, 3], keepdims=True) + _EPSILON)
        return kernels

    def call(self, inputs):
        x, w = inputs
        outputs = self._fused(x, w) if self.fused else self._non_fused(x, w)
        if self.bias is not None:
            outputs = outputs + tf.cast(self.bias, outputs.dtype)
        return outputs

    def _non_fused(self, x, w):
        styles = self.styles(w)  # [B, C_in]
        kernel = tf.cast(self.kernel, tf.float32) * self.weight_scale
        outputs = tf.nn.conv2d(x * tf.cast(styles[:, None, None, :], x.dtype),
                               tf.cast(kernel, x.dtype), 1, "SAME")
        if not self.demodulate:
            return outputs
        # Σ_{k,k,i} (s_i·w[k,k,i,o])² = Σ_i s_i²·Σ_{k,k} w[k,k,i,o]²: [B, C_in] @ [C_in, C_out].
        squared_norms = tf.matmul(tf.square(styles), tf.reduce_sum(tf.square(kernel), [0, 1]))
        demodulation = tf.math.rsqrt(squared_norms + _EPSILON)  # [B, C_out]
        return outputs * tf.cast(demodulation[:, None, None, :], outputs.dtype)

    def _fused(self, x, w):
        kernels = tf.cast(self.modulated_kernels(w), x.dtype)  # [B, k, k, I, O]
        batch = tf.shape(x)[0]
        _, height, width, channels = x.shape
        if height is None or width is None:
            height, width = tf.shape(x)[1], tf.shape(x)[2]
        k, filters = self.kernel_size, self.filters
        # Batch into channels: sample b owns input channels b·I … (b+1)·I − 1 and output
        # channels b·O … (b+1)·O − 1; TensorFlow infers B groups from the channel counts.
        grouped = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, height, width, -1])
        kernels = tf.reshape(tf.transpose(kernels, [1, 2, 3, 0, 4]), [k, k, channels, -1])
        outputs = tf.nn.conv2d(grouped, kernels, 1, "SAME")  # [1, H, W, B·O]
        outputs = tf.reshape(outputs, [height, width, batch, filters])
        return tf.transpose(outputs, [2, 0, 1, 3])

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "demodulate": self.demodulate,
                "fused": self.fused, "use_bias": self.use_bias, "gain": self.gain}
