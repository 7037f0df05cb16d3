"""Equalized learning rate: y = (c·lrmul·W) x + lrmul·b, W ~ N(0, 1/lrmul²), c = gain/√fan_in.

Karras et al. 2018, "Progressive Growing of GANs" (tkarras/progressive_growing_of_gans
``networks.py``); the learning-rate multiplier is StyleGAN's (Karras et al. 2019,
NVlabs/stylegan ``training/networks_stylegan.py``), 0.01 in the mapping network.

The stored variable has unit variance (1/lrmul² with a multiplier) and the He constant
is applied in **every** forward pass, not folded into the initialiser: both give the same
outputs at step 0, but only the run-time multiply gives Adam's updates the same relative
size in every layer — the point of the method. Keep weight decay and kernel constraints
off these variables (they would act on the stored, not the effective, weight).
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

_PADDINGS = ("same", "valid")


def _check_positive(layer: str, field: str, value) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer} {field} must be a positive number, got {value!r}")


class _Equalized(keras.layers.Layer):
    """Shared state of the dense and conv forms: stored kernel, run-time scale, bias."""

    def __init__(self, gain: float = math.sqrt(2.0), lr_multiplier: float = 1.0,
                 use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _check_positive(name, "gain", gain)
        _check_positive(name, "lr_multiplier", lr_multiplier)
        self.gain, self.lr_multiplier, self.use_bias = gain, lr_multiplier, use_bias

    def _add_kernel_and_bias(self, kernel_shape: tuple, fan_in: int, units: int) -> None:
        #: c·lrmul: stored kernel × weight_scale is the kernel the layer applies.
        self.weight_scale = self.gain / math.sqrt(fan_in) * self.lr_multiplier
        self.kernel = self.add_weight(
            name="kernel", shape=kernel_shape,
            initializer=keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier))
        self.bias = (self.add_weight(name="bias", shape=(units,), initializer="zeros")
                     if self.use_bias else None)

    @property
    def effective_kernel(self) -> tf.Tensor:
        """The kernel the forward pass applies: stored kernel × gain/√fan_in × lrmul."""
        return self.kernel * self.weight_scale

    def _add_bias(self, outputs: tf.Tensor) -> tf.Tensor:
        if self.bias is None:
            return outputs
        return outputs + tf.cast(self.bias, outputs.dtype) * self.lr_multiplier

    def get_config(self):
        return {**super().get_config(), "gain": self.gain,
                "lr_multiplier": self.lr_multiplier, "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class EqualizedDense(_Equalized):
    """Dense layer with equalized learning rate (linear: add the activation after).

    Args:
        units: output width.
        gain: c = gain/√fan_in with fan_in the input width; √2 (default) before a
            (leaky) ReLU, 1 for linear outputs (ProGAN's last dense, StyleGAN's style
            affine maps), √2/4 for ProGAN G's latent → 4×4 dense.
        lr_multiplier: stored kernel ~ N(0, 1/lrmul²), kernel and bias multiplied by lrmul
            at run time (StyleGAN mapping network: 0.01).
        use_bias: add a zero-initialised bias.

    Call arguments:
        inputs: ``[..., in_features]``.

    Returns:
        ``[..., units]``.
    """

    def __init__(self, units: int, gain: float = math.sqrt(2.0), lr_multiplier: float = 1.0,
                 use_bias: bool = True, **kwargs):
        super().__init__(gain=gain, lr_multiplier=lr_multiplier, use_bias=use_bias, **kwargs)
        if not isinstance(units, int) or units < 1:
            raise ValueError(f"EqualizedDense units must be a positive int, got {units!r}")
        self.units = units

    def build(self, input_shape):
        fan_in = input_shape[-1]
        if fan_in is None:
            raise ValueError(f"EqualizedDense needs a static input width, got {input_shape}")
        self._add_kernel_and_bias((fan_in, self.units), fan_in, self.units)

    def call(self, inputs):
        kernel = tf.cast(self.kernel, inputs.dtype) * self.weight_scale
        return self._add_bias(keras.ops.matmul(inputs, kernel))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class EqualizedConv2D(_Equalized):
    """2-D convolution (NHWC) with equalized learning rate (linear: add the activation after).

    ``padding="same"`` with an odd kernel and stride 1 pads (k − 1)/2 on every side, as the
    reference; with stride 2 or an even kernel TensorFlow's 'same' pads asymmetrically —
    pad explicitly and use 'valid' where that matters.

    Args:
        filters: output channels.
        kernel_size: square kernel side k; fan_in = k·k·C_in.
        strides: square stride.
        padding: "same" or "valid".
        gain, lr_multiplier, use_bias: as ``EqualizedDense``.

    Call arguments:
        inputs: ``[B, H, W, C_in]``.

    Returns:
        ``[B, H', W', filters]`` (H' = ⌈H/strides⌉ for "same").
    """

    def __init__(self, filters: int, kernel_size: int, strides: int = 1, padding: str = "same",
                 gain: float = math.sqrt(2.0), lr_multiplier: float = 1.0,
                 use_bias: bool = True, **kwargs):
        super().__init__(gain=gain, lr_multiplier=lr_multiplier, use_bias=use_bias, **kwargs)
        for field, value in (("filters", filters), ("kernel_size", kernel_size),
                             ("strides", strides)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"EqualizedConv2D {field} must be a positive int, "
                                 f"got {value!r}")
        if padding not in _PADDINGS:
            raise ValueError(f"EqualizedConv2D padding must be one of {_PADDINGS}, "
                             f"got {padding!r}")
        self.filters, self.kernel_size = filters, kernel_size
        self.strides, self.padding = strides, padding

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"EqualizedConv2D needs a static channel count, got {input_shape}")
        k = self.kernel_size
        self._add_kernel_and_bias((k, k, channels, self.filters), k * k * channels,
                                  self.filters)

    def call(self, inputs):
        kernel = tf.cast(self.kernel, inputs.dtype) * self.weight_scale
        outputs = tf.nn.conv2d(inputs, kernel, self.strides, self.padding.upper())
        return self._add_bias(outputs)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        k, s = self.kernel_size, self.strides

        def side(size):
            if size is None:
                return None
            return -(-size // s) if self.padding == "same" else (size - k) // s + 1

        return (batch, side(height), side(width), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding}
