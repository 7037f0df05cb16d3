"""StyleGAN's generator and discriminator (Karras et al., "A Style-Based Generator
Architecture for Generative Adversarial Networks", CVPR 2019; NVlabs/stylegan
``training/networks_stylegan.py``, constants in ../shared/families.md §15.1).

Synthesis (``StyleGANSynthesis``): a learned 4×4 constant (ones); every layer ends with the
epilogue — add noise (one N(0, 1) image per sample, a learned weight per channel, 0 at
init) → add bias → LReLU 0.2 → AdaIN with its own style slot (instance norm, then
x·(y_s + 1) + y_b). 4×4: const → epilogue → conv3×3 → epilogue; each later resolution:
nearest ×2 → conv3×3 → blur [1, 2, 1] → epilogue → conv3×3 → epilogue. toRGB (1×1, gain 1)
at the final resolution. Equalized LR everywhere, gain √2 (1 for toRGB and the styles).

Discriminator (``StyleGANDiscriminator``): ProGAN's with a blur before every down-sampling
conv: fromRGB (1×1, LReLU) → per resolution conv3×3 → LReLU → blur → conv3×3 → 2×2 average
pool → LReLU (the reference's ``conv2d_downscale2d`` pools before the bias and activation)
→ at 4×4 minibatch stddev (group 4) → conv3×3 → dense → dense to 1.

Deviation (2-core budget, stated in docs/guides/progressive-style.md): no progressive
growing — the networks train at their final resolution from step 0, as StyleGAN2's configs
E/F do. The reference grows from 8×8 (ProGAN's machinery, ``gans/progan.py``, is this
suite's growing model).
"""

from __future__ import annotations

from typing import Optional, Sequence

import keras
import tensorflow as tf

from tfgan_suite.layers import (
    AdaIN,
    Blur2D,
    EqualizedConv2D,
    FromRGB,
    NearestUpsample2D,
    NoiseInput,
    ToRGB,
)
from tfgan_suite.layers.tracked_lists import ListTracking
from tfgan_suite.networks import pyramid, style
from tfgan_suite.networks.base import Network, register_discriminator, register_generator

_SLOPE = 0.2


@keras.saving.register_keras_serializable(package="tfgan_suite")
class StyleGANSynthesis(ListTracking, keras.layers.Layer):
    """``[B, slots, w_dim]`` styles → ``[B, image_size, image_size, channels]`` image.

    Layer i (0 = the constant's epilogue) takes slot i; ``noise_shapes`` lists its noise
    images' sizes, which ``call(ws, noise=[…])`` takes as ``[B, H, W, 1]`` each (the
    stored ones when None).

    Args:
        image_size: final side (power of two ≥ 8).
        channels: image channels.
        filters: width per resolution 4, 8, …, image_size.
    """

    def __init__(self, image_size: int, channels: int, filters: Sequence[int], **kwargs):
        super().__init__(**kwargs)
        self.widths = style.filters_by_resolution(filters, image_size, "generator")
        self.image_size, self.channels, self.filters = image_size, channels, list(filters)
        #: (resolution, width, up-samples first) of each conv layer after the constant.
        self.specs = [(4, self.widths[4], False)]
        for resolution in list(self.widths)[1:]:
            self.specs += [(resolution, self.widths[resolution], True),
                           (resolution, self.widths[resolution], False)]
        self.convs = [EqualizedConv2D(width, 3, use_bias=False, name=f"conv{i + 1}")
                      for i, (_, width, _) in enumerate(self.specs)]
        layers = [(4, self.widths[4])] + [(r, w) for r, w, _ in self.specs]
        self.noise_shapes = [(r, r) for r, _ in layers]
        self.noise = [NoiseInput(per_channel=True, name=f"noise{i}") for i in range(len(layers))]
        self.adain = [AdaIN(name=f"adain{i}") for i in range(len(layers))]
        self.up = NearestUpsample2D(name="up")
        self.blur = Blur2D(name="blur")
        self.rgb = ToRGB(channels, name="to_rgb")
        self._layer_widths = [w for _, w in layers]

    @property
    def num_slots(self) -> int:
        return len(self.noise_shapes)

    def build(self, input_shape):
        batch, slots, w_dim = input_shape
        if slots != self.num_slots:
            raise ValueError(f"StyleGANSynthesis: {self.num_slots} style slots expected, "
                             f"got {slots}")
        self.const = self.add_weight(name="const", shape=(1, 4, 4, self.widths[4]),
                                     initializer="ones")
        self.biases = [self.add_weight(name=f"bias{i}", shape=(width,), initializer="zeros")
                       for i, width in enumerate(self._layer_widths)]
        self.noise_images = style.stored_noise(self, self.noise_shapes)
        previous = self.widths[4]
        for (side, width, up), conv in zip(self.specs, self.convs, strict=True):
            if up:
                self.up.build((batch, side // 2, side // 2, previous))
                self.blur.build((batch, side, side, width))
            conv.build((batch, side, side, previous))
            previous = width
        for (side, _), width, noise, adain in zip(self.noise_shapes, self._layer_widths,
                                                  self.noise, self.adain, strict=True):
            noise.build((batch, side, side, width))
            adain.build(((batch, side, side, width), (batch, w_dim)))
        self.rgb.build((batch, self.image_size, self.image_size, previous))

    def call(self, ws, noise: Optional[Sequence[tf.Tensor]] = None):
        batch = tf.shape(ws)[0]
        noises = style.noise_inputs(self.noise_images, noise, batch, self.compute_dtype)
        x = tf.tile(tf.cast(self.const, self.compute_dtype), [batch, 1, 1, 1])
        for i in range(self.num_slots):
            if i > 0:
                _, _, up = self.specs[i - 1]
                if up:
                    x = self.up(x)
                x = self.convs[i - 1](x)
                if up:
                    x = self.blur(x)
            x = self.noise[i](x, noise=noises[i]) + tf.cast(self.biases[i], x.dtype)
            x = self.adain[i]([tf.nn.leaky_relu(x, _SLOPE), ws[:, i]])
        return self.rgb(x)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.image_size, self.image_size, self.channels)

    def get_config(self):
        return {**super().get_config(), "image_size": self.image_size,
                "channels": self.channels, "filters": self.filters}


@register_generator("stylegan")
class StyleGANGenerator(style.StyleGenerator):
    """StyleGAN's generator: mapping, slots, ``StyleGANSynthesis`` (``networks/style.py``)."""

    synthesis_class = StyleGANSynthesis
    default_name = "stylegan_generator"


@register_discriminator("stylegan")
class StyleGANDiscriminator(Network):
    """StyleGAN's discriminator (see the module docstring).

    Args:
        image_size, channels: the image.
        filters: width per resolution 4, 8, …, image_size.
        group_size: minibatch-stddev group (the batch must be divisible by it).
    """

    def __init__(self, image_size: int = 32, channels: int = 1,
                 filters: Sequence[int] = (64, 64, 64, 32), group_size: int = 4,
                 name: str = "stylegan_discriminator", **kwargs):
        widths = style.filters_by_resolution(filters, image_size, "discriminator")
        image = keras.Input((image_size, image_size, channels), name="image")
        x = FromRGB(widths[image_size], name="from_rgb")(image)
        for resolution in sorted(widths, reverse=True)[:-1]:
            x = EqualizedConv2D(widths[resolution], 3, name=f"conv{resolution}_0")(x)
            x = keras.layers.LeakyReLU(_SLOPE, name=f"lrelu{resolution}_0")(x)
            x = Blur2D(name=f"blur{resolution}")(x)
            # conv2d_downscale2d: convolve, pool 2×2, then bias (inside the conv here: a
            # constant commutes with the pool) and activation.
            x = EqualizedConv2D(widths[resolution // 2], 3, name=f"conv{resolution}_1")(x)
            x = keras.layers.AveragePooling2D(2, name=f"down{resolution}")(x)
            x = keras.layers.LeakyReLU(_SLOPE, name=f"lrelu{resolution}_1")(x)
        logits = pyramid.discriminator_head(x, widths[4], group_size)
        self._finish(image, logits, name, {"image_size": image_size, "channels": channels,
                                           "filters": list(filters),
                                           "group_size": group_size}, **kwargs)
