"""toRGB y = 1×1 conv(x) (linear, gain 1; StyleGAN2: modulated, not demodulated) and fromRGB.

Karras et al. 2018, ProGAN (tkarras/progressive_growing_of_gans ``networks.py``: toRGB a
linear 1×1 equalized conv with gain 1, fromRGB a 1×1 equalized conv + LeakyReLU 0.2),
kept by StyleGAN (NVlabs/stylegan ``training/networks_stylegan.py``); Karras et al. 2020,
StyleGAN2 (NVlabs/stylegan2 ``training/networks_stylegan2.py``: toRGB is a modulated 1×1
conv without demodulation, then a bias). MSG-GAN emits a toRGB output at every scale.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tfgan_suite.layers.equalized import EqualizedConv2D
from tfgan_suite.layers.modulated_conv import ModulatedConv2D


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ToRGB(keras.layers.Layer):
    """Feature maps → image: a linear 1×1 conv, equalized LR, gain 1.

    Without demodulation the modulated form's output scales with the style s — the
    image's contrast is the style's to choose.

    Args:
        channels: image channels.
        modulated: StyleGAN2's form, called on ``[x, w]``.
        fused: the modulated form's grouped-conv path (see ``ModulatedConv2D``).

    Call arguments:
        inputs: x ``[B, H, W, C]``, or ``[x, w]`` with w ``[B, w_dim]`` when modulated.

    Returns:
        ``[B, H, W, channels]``.
    """

    def __init__(self, channels: int = 3, modulated: bool = False, fused: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        if not isinstance(channels, int) or isinstance(channels, bool) or channels < 1:
            raise ValueError(f"ToRGB channels must be a positive int, got {channels!r}")
        self.channels, self.modulated, self.fused = channels, modulated, fused
        if modulated:
            self.conv = ModulatedConv2D(channels, 1, demodulate=False, fused=fused, name="conv")
        else:
            self.conv = EqualizedConv2D(channels, 1, gain=1.0, name="conv")

    def build(self, input_shape):
        if self.modulated and (len(input_shape) != 2
                               or not isinstance(input_shape[0], (tuple, list))):
            raise ValueError(f"ToRGB(modulated=True) is called on [x, w], "
                             f"got input shape {input_shape}")
        self.conv.build(input_shape)

    def call(self, inputs):
        return self.conv(inputs)

    def compute_output_shape(self, input_shape):
        x_shape = input_shape[0] if self.modulated else input_shape
        return (*x_shape[:-1], self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels,
                "modulated": self.modulated, "fused": self.fused}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class FromRGB(keras.layers.Layer):
    """Image → feature maps: 1×1 equalized conv, then LeakyReLU.

    StyleGAN2's fromRGB (gain-1 weights, bias, LeakyReLU, ×√2) is the same map as gain √2
    here: LeakyReLU is positively homogeneous, so only the bias's parametrisation differs.

    Args:
        filters: output channels.
        gain: equalized-LR gain (√2, the default, before a LeakyReLU).
        negative_slope: LeakyReLU slope (0.2 in ProGAN / StyleGAN / StyleGAN2).

    Call arguments:
        inputs: ``[B, H, W, channels]`` image.

    Returns:
        ``[B, H, W, filters]``.
    """

    def __init__(self, filters: int, gain: float = math.sqrt(2.0), negative_slope: float = 0.2,
                 **kwargs):
        super().__init__(**kwargs)
        self.filters, self.gain, self.negative_slope = filters, gain, negative_slope
        self.conv = EqualizedConv2D(filters, 1, gain=gain, name="conv")

    def build(self, input_shape):
        self.conv.build(input_shape)

    def call(self, inputs):
        return tf.nn.leaky_relu(self.conv(inputs), alpha=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "gain": self.gain,
                "negative_slope": self.negative_slope}
