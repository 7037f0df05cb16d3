"""The Laplacian pyramid of LAPGAN (Denton, Chintala, Szlam & Fergus, NIPS 2015,
arXiv:1506.05751; facebookarchive/eyescream ``cifar/datasets/coarse_to_fine_cifar10.lua``).

With d a ½ down-sampling and u a ×2 up-sampling, the Gaussian pyramid is I₀ = I,
I_{k+1} = d(I_k) for k < K, and the Laplacian pyramid its band-pass differences

    h_k = I_k − u(I_{k+1})   (k < K),     h_K = I_K.

Collapsing it, I_K = h_K and I_k = h_k + u(I_{k+1}), returns I: the round trip is exact
whatever d and u are (up to float rounding), since each h_k was defined with the very
u(I_{k+1}) the collapse adds back. Here d is 2×2 average pooling and u bilinear ×2
(half-pixel centres, ``tf.image.resize``), both TFLite built-ins; eyescream rescales
with ``image.scale``. Lists run fine → coarse: index 0 is the full-resolution image.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def level_sizes(image_size: int, levels: int, field: str = "data.image_size") -> list[int]:
    """Sides of the pyramid's levels, fine → coarse: image_size, image_size/2, …

    Raises a one-line ``ValueError`` unless the side halves exactly ``levels − 1`` times.
    """
    if not isinstance(levels, int) or isinstance(levels, bool) or levels < 1:
        raise ValueError(f"levels: must be a positive integer, got {levels!r}")
    if (not isinstance(image_size, int) or isinstance(image_size, bool) or image_size < 1
            or image_size % 2 ** (levels - 1)):
        accepted = f"a multiple of {2 ** (levels - 1)}" if levels > 1 else "a positive integer"
        raise ValueError(f"{field}: a {levels}-level Laplacian pyramid needs a side that "
                         f"halves exactly {levels - 1} time(s) ({accepted}), got {image_size!r}")
    return [image_size // 2 ** k for k in range(levels)]


def downsample(images: tf.Tensor) -> tf.Tensor:
    """d: [B, H, W, C] → [B, H/2, W/2, C], the mean of each 2×2 block."""
    return tf.nn.avg_pool2d(images, 2, 2, "VALID")


def upsample(images: tf.Tensor) -> tf.Tensor:
    """u: [B, H, W, C] → [B, 2H, 2W, C], bilinear with half-pixel centres."""
    height, width = images.shape[1], images.shape[2]
    if height is None or width is None:
        height, width = tf.shape(images)[1], tf.shape(images)[2]
    return tf.image.resize(images, [2 * height, 2 * width], method="bilinear")


def gaussian_pyramid(images: tf.Tensor, levels: int) -> list[tf.Tensor]:
    """[I₀, …, I_K]: the image and its ``levels − 1`` successive down-samplings."""
    level_sizes(images.shape[1], levels, field="images")
    pyramid = [images]
    for _ in range(levels - 1):
        pyramid.append(downsample(pyramid[-1]))
    return pyramid


def laplacian_pyramid(images: tf.Tensor, levels: int) -> list[tf.Tensor]:
    """[h₀, …, h_K]: band-pass residuals h_k = I_k − u(I_{k+1}) and the coarse h_K = I_K."""
    gaussian = gaussian_pyramid(images, levels)
    bands = [fine - upsample(coarse)
             for fine, coarse in zip(gaussian[:-1], gaussian[1:], strict=True)]
    return bands + [gaussian[-1]]


def collapse(bands: list[tf.Tensor]) -> tf.Tensor:
    """``laplacian_pyramid``'s inverse: I_K = h_K, then I_k = h_k + u(I_{k+1})."""
    image = bands[-1]
    for band in reversed(bands[:-1]):
        image = band + upsample(image)
    return image


@keras.saving.register_keras_serializable(package="tfgan_suite")
class PyramidUpsample(keras.layers.Layer):
    """``upsample`` as a layer (u of the pyramid): [B, H, W, C] → [B, 2H, 2W, C]."""

    def call(self, images):
        return upsample(images)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, None if height is None else 2 * height,
                None if width is None else 2 * width, channels)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class PyramidDownsample(keras.layers.Layer):
    """``downsample`` as a layer (d of the pyramid): [B, H, W, C] → [B, H/2, W/2, C]."""

    def call(self, images):
        return downsample(images)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, None if height is None else height // 2,
                None if width is None else width // 2, channels)
