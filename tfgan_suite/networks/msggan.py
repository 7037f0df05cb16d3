"""MSG-GAN's generator and discriminator: multi-scale gradients without growing (Karnewar &
Wang, "MSG-GAN: Multi-Scale Gradients for Generative Adversarial Networks", CVPR 2020;
akanimax/BMSG-GAN ``sourcecode/MSG_GAN/GAN.py``, akanimax/msg-stylegan-tf
``training/networks_stylegan.py``; ../shared/families.md §11).

Generator: ProGAN's blocks (equalized LR, pixel norm, nearest ×2), with a 1×1 toRGB after
**every** block, so it emits o₄, o₈, …, o_R; called on z it returns o_R (the other outputs
stay in the graph, so their weights are trained, averaged, saved and exported with it), and
``pyramid(z)`` returns the list.

Discriminator: mirrored, fromRGB at the top resolution only; after each block's 2×2 average
pool to resolution r, the main path a_r is combined with that scale's image x_r by φ:
``simple`` = concat(a_r, x_r); ``lin`` = concat(a_r, 1×1 conv(x_r)) (a linear projection, as
BMSG-GAN's fromRGB without activation); ``cat`` = 1×1 conv(concat(a_r, x_r)) (msg-stylegan-tf's
"combine"). At 4×4: minibatch stddev → conv3×3 → dense → dense to 1.

The scales travel as **one** tensor, so the suite's step, penalties and distribution see an
ordinary batch: ``pack`` nearest-up-samples every scale to R and concatenates the channels
([B, R, R, C·n], scales ascending); the discriminator ``unpack``s it by 2×2…(R/r)×(R/r)
average pooling, which inverts nearest up-sampling exactly. Reals are packed from their
average-pooled pyramid (BMSG-GAN's). The discriminator's input is the packed tensor; it
declares ``image_shape`` (R, R, C) for the factory's shape check. No fade-in, no α: every
scale trains from step 0.
"""

from __future__ import annotations

import math
from typing import Sequence

import keras
import tensorflow as tf

from tfgan_suite.layers import (
    EqualizedConv2D,
    EqualizedDense,
    FromRGB,
    NearestUpsample2D,
    PixelNorm,
    ToRGB,
)
from tfgan_suite.networks import pyramid
from tfgan_suite.networks.base import Network, register_discriminator, register_generator

_SLOPE = 0.2
COMBINES = ("simple", "lin", "cat")


def scales(image_size: int) -> list[int]:
    """4, 8, …, image_size (a power of two ≥ 8): log2(image_size / 2) scales."""
    return pyramid.resolutions(image_size, minimum=8, family="MSG-GAN")


def _widths(filters: Sequence[int], image_size: int, field: str) -> dict[int, int]:
    return pyramid.widths(filters, image_size, field, minimum=8, family="MSG-GAN")


def pack(images: Sequence[tf.Tensor]) -> tf.Tensor:
    """Scales ascending [o₄, …, o_R] → ``[B, R, R, C·n]``: each nearest-up-sampled to R."""
    size = images[-1].shape[1]
    return tf.concat([pyramid.nearest(x, size // x.shape[1]) for x in images], axis=-1)


def unpack(packed: tf.Tensor, channels: int) -> list[tf.Tensor]:
    """``pack``'s inverse: channel group i average-pooled to scale 4·2^i."""
    size = packed.shape[1]
    groups = packed.shape[-1] // channels
    return [pyramid.pool(packed[..., i * channels:(i + 1) * channels], size // (4 * 2 ** i))
            for i in range(groups)]


def real_pyramid(images: tf.Tensor) -> list[tf.Tensor]:
    """The reals at every scale, ascending: 2×2…(R/4)×(R/4) average pools of the image."""
    size = images.shape[1]
    return [pyramid.pool(images, size // side) for side in scales(size)]


@keras.saving.register_keras_serializable(package="tfgan_suite")
class MultiScaleOutput(keras.layers.Layer):
    """[o₄, …, o_R] → o_R: keeps every scale's toRGB in the generator's graph."""

    def call(self, images):
        return images[-1]

    def compute_output_shape(self, input_shape):
        return input_shape[-1]


@register_generator("msggan")
class MSGGANGenerator(Network):
    """MSG-GAN's generator (see the module docstring).

    Args:
        latent_dim: size of z (pixel-normalised first).
        image_size: final side, a power of two ≥ 8.
        channels: image channels.
        filters: width per resolution 4, 8, …, image_size.
    """

    def __init__(self, latent_dim: int = 128, image_size: int = 32, channels: int = 1,
                 filters: Sequence[int] = (64, 64, 64, 32), name: str = "msggan_generator",
                 **kwargs):
        widths = _widths(filters, image_size, "generator")
        z = keras.Input((latent_dim,), name="z")
        x = PixelNorm(name="z_norm")(z)
        x = EqualizedDense(16 * widths[4], gain=math.sqrt(2.0) / 4, name="dense_4x4")(x)
        x = keras.layers.Reshape((4, 4, widths[4]), name="reshape_4x4")(x)
        x = PixelNorm(name="norm_4x4_dense")(keras.layers.LeakyReLU(_SLOPE)(x))
        x = EqualizedConv2D(widths[4], 3, name="conv_4x4")(x)
        x = PixelNorm(name="norm_4x4")(keras.layers.LeakyReLU(_SLOPE)(x))
        outputs = [ToRGB(channels, name="to_rgb_4")(x)]
        for resolution in list(widths)[1:]:
            x = NearestUpsample2D(name=f"up_{resolution}")(x)
            for i in range(2):
                x = EqualizedConv2D(widths[resolution], 3, name=f"conv{resolution}_{i}")(x)
                x = PixelNorm(name=f"norm{resolution}_{i}")(keras.layers.LeakyReLU(_SLOPE)(x))
            outputs.append(ToRGB(channels, name=f"to_rgb_{resolution}")(x))
        image = MultiScaleOutput(name="output")(outputs)
        self._finish(z, image, name, {"latent_dim": latent_dim, "image_size": image_size,
                                      "channels": channels, "filters": list(filters)},
                     **kwargs)

    @property
    def num_scales(self) -> int:
        return len(self.get_layer("output").input)

    def pyramid(self, z: tf.Tensor, training: bool = False) -> list[tf.Tensor]:
        """[o₄, …, o_R] of z (shares the generator's weights)."""
        view = self.__dict__.get("_pyramid_view")
        if view is None:  # kept out of Keras' tracking: the layers are the generator's own
            view = keras.Model(self.inputs, self.get_layer("output").input)
            self.__dict__["_pyramid_view"] = view
        return view(z, training=training)


@register_discriminator("msggan")
class MSGGANDiscriminator(Network):
    """MSG-GAN's discriminator on ``pack``ed scales (see the module docstring).

    Args:
        image_size: final side, a power of two ≥ 8.
        channels: image channels (the packed input has channels × scales).
        filters: width per resolution 4, 8, …, image_size.
        combine: φ — ``simple``, ``lin`` or ``cat``.
        group_size: minibatch-stddev group.
    """

    def __init__(self, image_size: int = 32, channels: int = 1,
                 filters: Sequence[int] = (64, 64, 64, 32), combine: str = "simple",
                 group_size: int = 4, name: str = "msggan_discriminator", **kwargs):
        widths = _widths(filters, image_size, "discriminator")
        if combine not in COMBINES:
            raise ValueError(f"discriminator.combine: unknown value {combine!r}; accepted: "
                             f"{', '.join(COMBINES)}")
        packed = keras.Input((image_size, image_size, channels * len(widths)), name="scales")
        images = Unpack(channels, name="unpack")(packed)
        x = FromRGB(widths[image_size], name="from_rgb")(images[-1])
        sides = sorted(widths, reverse=True)
        for index, resolution in enumerate(sides[:-1]):
            half = resolution // 2
            x = EqualizedConv2D(widths[resolution], 3, name=f"conv{resolution}_0")(x)
            x = keras.layers.LeakyReLU(_SLOPE, name=f"lrelu{resolution}_0")(x)
            x = EqualizedConv2D(widths[half], 3, name=f"conv{resolution}_1")(x)
            x = keras.layers.LeakyReLU(_SLOPE, name=f"lrelu{resolution}_1")(x)
            x = keras.layers.AveragePooling2D(2, name=f"down{resolution}")(x)
            image = images[len(sides) - 2 - index]
            if combine == "lin":
                image = EqualizedConv2D(widths[half], 1, gain=1.0, name=f"project{half}")(image)
            x = keras.layers.Concatenate(name=f"combine{half}")([x, image])
            if combine == "cat":
                x = EqualizedConv2D(widths[half], 1, gain=1.0, name=f"mix{half}")(x)
        logits = pyramid.discriminator_head(x, widths[4], group_size)
        self._finish(packed, logits, name, {"image_size": image_size, "channels": channels,
                                            "filters": list(filters), "combine": combine,
                                            "group_size": group_size}, **kwargs)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """The image the packed input stands for (the factory's shape check)."""
        config = self.get_config()
        return (config["image_size"], config["image_size"], config["channels"])


@keras.saving.register_keras_serializable(package="tfgan_suite")
class Unpack(keras.layers.Layer):
    """``unpack`` as a layer: ``[B, R, R, C·n]`` → [x₄, …, x_R]."""

    def __init__(self, channels: int, **kwargs):
        super().__init__(**kwargs)
        self.channels = int(channels)

    def call(self, packed):
        return unpack(packed, self.channels)

    def compute_output_shape(self, input_shape):
        groups = input_shape[-1] // self.channels
        return [(input_shape[0], 4 * 2 ** i, 4 * 2 ** i, self.channels) for i in range(groups)]

    def get_config(self):
        return {**super().get_config(), "channels": self.channels}
