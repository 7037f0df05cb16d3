"""What the resolution-pyramid networks share (ProGAN, StyleGAN, StyleGAN2, MSG-GAN): the
resolutions 4, 8, …, image_size with one width each, nearest up-sampling and average
pooling by a factor, and ProGAN's discriminator head.

The head (Karras et al. 2018, kept by StyleGAN and StyleGAN2): minibatch standard
deviation (group ``group_size``) → conv3×3 → act → dense(width) → act → dense to 1 (gain 1),
float32 logits. ProGAN / StyleGAN / MSG-GAN: equalized weights with gain √2 and LReLU 0.2;
StyleGAN2 (``scaled_activation``): gain 1 and √2·LReLU 0.2 (``ScaledLeakyReLU``).
"""

from __future__ import annotations

import math
from typing import Sequence

import keras
import tensorflow as tf

from tfgan_suite.layers import EqualizedConv2D, EqualizedDense, MinibatchStddev, ScaledLeakyReLU

_SLOPE = 0.2


def nearest(x: tf.Tensor, factor: int) -> tf.Tensor:
    """Nearest-neighbour ×factor with static shapes (reshape → tile → reshape, as
    ``NearestUpsample2D``: TFLite builtins)."""
    if factor == 1:
        return x
    _, height, width, channels = x.shape
    x = tf.reshape(x, (-1, height, 1, width, 1, channels))
    x = tf.tile(x, (1, 1, factor, 1, factor, 1))
    return tf.reshape(x, (-1, factor * height, factor * width, channels))


def pool(image: tf.Tensor, factor: int) -> tf.Tensor:
    if factor == 1:
        return image
    return tf.nn.avg_pool2d(image, factor, factor, "VALID")


def resolutions(image_size, minimum: int, family: str) -> list[int]:
    """4, 8, …, image_size; ``image_size`` must be a power of two ≥ ``minimum``."""
    if (not isinstance(image_size, int) or isinstance(image_size, bool)
            or image_size < minimum or image_size & (image_size - 1)):
        raise ValueError(f"image_size: {family} networks need a power of two ≥ {minimum}, "
                         f"got {image_size!r}")
    return [4 * 2 ** k for k in range(int(math.log2(image_size)) - 1)]


def widths(filters: Sequence[int], image_size, field: str, minimum: int, family: str
           ) -> dict[int, int]:
    """resolution → width, from ``filters`` (one positive width per resolution)."""
    sides = resolutions(image_size, minimum, family)
    if len(filters) != len(sides) or any(int(f) < 1 for f in filters):
        raise ValueError(f"{field}.filters: one positive width per resolution {sides}, "
                         f"got {list(filters)}")
    return dict(zip(sides, (int(f) for f in filters), strict=True))


def discriminator_head(x, width: int, group_size: int, scaled_activation: bool = False):
    """The 4×4 head on features ``x`` → float32 logits ``[B, 1]`` (module docstring)."""
    gain = 1.0 if scaled_activation else math.sqrt(2.0)

    def act(name):
        if scaled_activation:
            return ScaledLeakyReLU(name=name)
        return keras.layers.LeakyReLU(_SLOPE, name=name)

    x = MinibatchStddev(group_size, name="minibatch_stddev")(x)
    x = act("act_4x4")(EqualizedConv2D(width, 3, gain=gain, name="conv_4x4")(x))
    x = keras.layers.Flatten(name="flatten")(x)
    x = act("act_dense")(EqualizedDense(width, gain=gain, name="dense_4x4")(x))
    logits = EqualizedDense(1, gain=1.0, name="logits")(x)
    return keras.layers.Activation("linear", dtype="float32", name="logits_f32")(logits)
