"""StyleGAN2's skip generator and residual discriminator (Karras et al., "Analyzing and
Improving the Image Quality of StyleGAN", CVPR 2020; NVlabs/stylegan2
``training/networks_stylegan2.py``, configs E/F; constants in ../shared/families.md §16.1).

Synthesis (``StyleGAN2Synthesis``, "skip"): a learned 4×4 constant (N(0, 1)); every layer
is a modulated 3×3 conv with demodulation (``ModulatedConv2D``: s = A(w) + 1, then
w″ = s·w / ‖s·w‖), noise scaled by one learned scalar (0 at init), bias, √2·LReLU 0.2.
4×4: conv (slot 0), toRGB (slot 1); each later resolution r: FIR up-sampling [1, 3, 3, 1]
→ conv (slot 2k − 1) → conv (slot 2k) → toRGB (slot 2k + 1) with k = log2(r) − 2, and
the image so far, FIR-up-sampled, plus this resolution's toRGB output. toRGB is a
modulated 1×1 conv without demodulation, plus bias. No instance norm, no growing.

Discriminator (``StyleGAN2Discriminator``, "resnet"): fromRGB at the top resolution
only; per resolution r: conv3×3 → act → [FIR pads (2, 2) → conv3×3 stride 2] → act, plus
a skip FIR-down-sample → 1×1 conv (no bias, no activation); the sum × 1/√2. At 4×4:
minibatch stddev (group 4) → conv3×3 → act → dense → act → dense to 1. Equalized weights
have gain 1 and the activation carries the √2 (``ScaledLeakyReLU``).
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import keras
import tensorflow as tf

from tfgan_suite.layers import (
    EqualizedConv2D,
    FIRDownsample2D,
    FIRFilter2D,
    FIRUpsample2D,
    FromRGB,
    ModulatedConv2D,
    NoiseInput,
    ScaledLeakyReLU,
    ToRGB,
)
from tfgan_suite.layers.tracked_lists import ListTracking
from tfgan_suite.networks import pyramid, style
from tfgan_suite.networks.base import Network, register_discriminator, register_generator


@keras.saving.register_keras_serializable(package="tfgan_suite")
class StyleGAN2Synthesis(ListTracking, keras.layers.Layer):
    """``[B, slots, w_dim]`` styles → ``[B, image_size, image_size, channels]`` image.

    Conv layer i takes slot i (i = 0 … slots − 2), the toRGB of resolution r the slot after
    its resolution's last conv. ``noise_shapes`` lists each conv's noise image size;
    ``call(ws, noise=[…])`` takes them as ``[B, H, W, 1]`` (the stored ones when None).

    Args:
        image_size: final side (power of two ≥ 8).
        channels: image channels.
        filters: width per resolution 4, 8, …, image_size.
        fused: ``ModulatedConv2D``'s grouped-conv path instead of scaling activations.
    """

    def __init__(self, image_size: int, channels: int, filters: Sequence[int],
                 fused: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.widths = style.filters_by_resolution(filters, image_size, "generator")
        self.image_size, self.channels, self.filters = image_size, channels, list(filters)
        self.fused = bool(fused)
        #: (resolution, width, up-samples first) of each conv, in slot order.
        self.specs = [(4, self.widths[4], False)]
        for resolution in list(self.widths)[1:]:
            self.specs += [(resolution, self.widths[resolution], True),
                           (resolution, self.widths[resolution], False)]
        self.convs = [ModulatedConv2D(width, 3, fused=self.fused, name=f"conv{i}")
                      for i, (_, width, _) in enumerate(self.specs)]
        self.noise_shapes = [(r, r) for r, _, _ in self.specs]
        self.noise = [NoiseInput(per_channel=False, name=f"noise{i}")
                      for i in range(len(self.specs))]
        self.act = ScaledLeakyReLU(name="act")
        self.up = FIRUpsample2D(name="up")
        self.image_up = FIRUpsample2D(name="image_up")
        self.to_rgb = [ToRGB(channels, modulated=True, fused=self.fused, name=f"to_rgb{r}")
                       for r in self.widths]

    @property
    def num_slots(self) -> int:
        return len(self.specs) + 1

    def _rgb_slot(self, index: int) -> Optional[int]:
        """The toRGB slot after conv ``index``, or None when a conv of the same
        resolution follows."""
        resolution = self.specs[index][0]
        last = index + 1 == len(self.specs) or self.specs[index + 1][0] != resolution
        return index + 1 if last else None

    def build(self, input_shape):
        batch, slots, w_dim = input_shape
        if slots != self.num_slots:
            raise ValueError(f"StyleGAN2Synthesis: {self.num_slots} style slots expected, "
                             f"got {slots}")
        self.const = self.add_weight(name="const", shape=(1, 4, 4, self.widths[4]),
                                     initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.noise_images = style.stored_noise(self, self.noise_shapes)
        previous = self.widths[4]
        for (side, width, up), conv, noise in zip(self.specs, self.convs, self.noise,
                                                         strict=True):
            if up:
                self.up.build((batch, side // 2, side // 2, previous))
                self.image_up.build((batch, side // 2, side // 2, self.channels))
            conv.build(((batch, side, side, previous), (batch, w_dim)))
            noise.build((batch, side, side, width))
            self.act.build((batch, side, side, width))
            previous = width
        for (resolution, width), rgb in zip(self.widths.items(), self.to_rgb, strict=True):
            rgb.build(((batch, resolution, resolution, width), (batch, w_dim)))

    def call(self, ws, noise: Optional[Sequence[tf.Tensor]] = None):
        batch = tf.shape(ws)[0]
        noises = style.noise_inputs(self.noise_images, noise, batch, self.compute_dtype)
        x = tf.tile(tf.cast(self.const, self.compute_dtype), [batch, 1, 1, 1])
        image = None
        for i, (resolution, _, up) in enumerate(self.specs):
            if up:
                x = self.up(x)
            x = self.convs[i]([x, ws[:, i]])
            x = self.act(self.noise[i](x, noise=noises[i]))
            slot = self._rgb_slot(i)
            if slot is not None:
                rgb = self.to_rgb[list(self.widths).index(resolution)]([x, ws[:, slot]])
                image = rgb if image is None else self.image_up(image) + rgb
        return image

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.image_size, self.image_size, self.channels)

    def get_config(self):
        return {**super().get_config(), "image_size": self.image_size,
                "channels": self.channels, "filters": self.filters, "fused": self.fused}


@register_generator("stylegan2")
class StyleGAN2Generator(style.StyleGenerator):
    """StyleGAN2's generator: mapping, slots, ``StyleGAN2Synthesis`` (``networks/style.py``)."""

    synthesis_class = StyleGAN2Synthesis
    default_name = "stylegan2_generator"


@register_discriminator("stylegan2")
class StyleGAN2Discriminator(Network):
    """StyleGAN2's residual discriminator (see the module docstring).

    Args:
        image_size, channels: the image.
        filters: width per resolution 4, 8, …, image_size.
        group_size: minibatch-stddev group (the batch must be divisible by it).
    """

    def __init__(self, image_size: int = 32, channels: int = 1,
                 filters: Sequence[int] = (64, 64, 64, 32), group_size: int = 4,
                 name: str = "stylegan2_discriminator", **kwargs):
        widths = style.filters_by_resolution(filters, image_size, "discriminator")
        image = keras.Input((image_size, image_size, channels), name="image")
        x = FromRGB(widths[image_size], name="from_rgb")(image)
        for resolution in sorted(widths, reverse=True)[:-1]:
            half = widths[resolution // 2]
            skip = FIRDownsample2D(name=f"skip_down{resolution}")(x)
            skip = EqualizedConv2D(half, 1, gain=1.0, use_bias=False,
                                   name=f"skip{resolution}")(skip)
            x = EqualizedConv2D(widths[resolution], 3, gain=1.0, name=f"conv{resolution}_0")(x)
            x = ScaledLeakyReLU(name=f"act{resolution}_0")(x)
            x = FIRFilter2D(padding=(2, 2), name=f"blur{resolution}")(x)
            x = EqualizedConv2D(half, 3, strides=2, padding="valid", gain=1.0,
                                name=f"conv{resolution}_down")(x)
            x = ScaledLeakyReLU(name=f"act{resolution}_1")(x)
            x = keras.layers.Add(name=f"sum{resolution}")([x, skip])
            x = keras.layers.Rescaling(1.0 / math.sqrt(2.0), name=f"scale{resolution}")(x)
        logits = pyramid.discriminator_head(x, widths[4], group_size, scaled_activation=True)
        self._finish(image, logits, name, {"image_size": image_size, "channels": channels,
                                           "filters": list(filters),
                                           "group_size": group_size}, **kwargs)
