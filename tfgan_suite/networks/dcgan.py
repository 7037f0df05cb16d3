"""DCGAN generator and discriminator (Radford et al. 2016) for 28, 32 and 64 px images.

Generator: z → dense to a 7×7 (28 px) or 4×4 (32, 64 px) map → stride-2 transposed
convolutions (BatchNorm + ReLU) that halve the width each time → tanh image.
Discriminator: stride-2 convolutions (LeakyReLU 0.2) that double the width each time,
optional BatchNorm / LayerNorm, optional spectral normalisation on every layer → logit.
"""

from __future__ import annotations

import keras

from tfgan_suite.layers import maybe_spectral_norm
from tfgan_suite.networks.base import Network, register_discriminator, register_generator

#: image size → (start resolution, number of stride-2 stages)
GEOMETRY = {28: (7, 2), 32: (4, 3), 64: (4, 4)}


def _geometry(field: str, image_size: int) -> tuple[int, int]:
    if image_size not in GEOMETRY:
        raise ValueError(f"{field}.image_size: unsupported value {image_size!r}; accepted: "
                         f"{', '.join(map(str, GEOMETRY))}")
    return GEOMETRY[image_size]


@register_generator("dcgan")
class DCGANGenerator(Network):
    """z [batch, latent_dim] → images [batch, image_size, image_size, channels] in [−1, 1].

    Args:
        latent_dim: size of z.
        image_size: 28, 32 or 64.
        channels: output channels (1 for Fashion-MNIST, 3 for RGB).
        base_filters: width of the last hidden stage; earlier stages double it.
        kernel_size: transposed-convolution kernel size.
    """

    def __init__(self, latent_dim: int = 64, image_size: int = 32, channels: int = 1,
                 base_filters: int = 64, kernel_size: int = 4,
                 name: str = "dcgan_generator", **kwargs):
        start, stages = _geometry("generator", image_size)
        z = keras.Input((latent_dim,), name="z")
        width = base_filters * 2 ** (stages - 1)
        x = keras.layers.Dense(start * start * width, use_bias=False, name="project")(z)
        x = keras.layers.Reshape((start, start, width), name="reshape")(x)
        x = keras.layers.BatchNormalization(name="project_bn")(x)
        x = keras.layers.ReLU(name="project_relu")(x)
        for stage in range(stages - 1):
            width //= 2
            x = keras.layers.Conv2DTranspose(width, kernel_size, strides=2, padding="same",
                                             use_bias=False, name=f"up_{stage}")(x)
            x = keras.layers.BatchNormalization(name=f"bn_{stage}")(x)
            x = keras.layers.ReLU(name=f"relu_{stage}")(x)
        x = keras.layers.Conv2DTranspose(channels, kernel_size, strides=2, padding="same",
                                         name="to_image")(x)
        images = keras.layers.Activation("tanh", dtype="float32", name="images")(x)
        self.latent_dim = latent_dim
        self._finish(z, images, name, dict(latent_dim=latent_dim, image_size=image_size,
                                           channels=channels, base_filters=base_filters,
                                           kernel_size=kernel_size), **kwargs)


@register_discriminator("dcgan")
class DCGANDiscriminator(Network):
    """images [batch, image_size, image_size, channels] → logit [batch, 1].

    Args:
        image_size: 28, 32 or 64.
        channels: input channels.
        base_filters: width of the first convolution; each stage doubles it.
        kernel_size: convolution kernel size.
        norm: ``none`` | ``batch`` | ``layer`` after every convolution but the first.
        spectral_norm: spectral normalisation on every convolution and the output layer.
        dropout: dropout rate after each activation (0 disables it).
    """

    def __init__(self, image_size: int = 32, channels: int = 1, base_filters: int = 64,
                 kernel_size: int = 4, norm: str = "none", spectral_norm: bool = False,
                 dropout: float = 0.0, name: str = "dcgan_discriminator", **kwargs):
        _, stages = _geometry("discriminator", image_size)
        if norm not in ("none", "batch", "layer"):
            raise ValueError(f"discriminator.norm: unknown value {norm!r}; accepted: "
                             "none, batch, layer")
        images = keras.Input((image_size, image_size, channels), name="images")
        x = images
        width = base_filters
        for stage in range(stages):
            conv = keras.layers.Conv2D(width, kernel_size, strides=2, padding="same",
                                       name=f"conv_{stage}")
            x = maybe_spectral_norm(conv, spectral_norm)(x)
            if stage > 0 and norm == "batch":
                x = keras.layers.BatchNormalization(name=f"bn_{stage}")(x)
            elif stage > 0 and norm == "layer":
                x = keras.layers.LayerNormalization(name=f"ln_{stage}")(x)
            x = keras.layers.LeakyReLU(0.2, name=f"lrelu_{stage}")(x)
            if dropout:
                x = keras.layers.Dropout(dropout, name=f"dropout_{stage}")(x)
            width *= 2
        x = keras.layers.Flatten(name="flatten")(x)
        out = maybe_spectral_norm(keras.layers.Dense(1, name="logit"), spectral_norm)
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(out(x))
        self._finish(images, logits, name, dict(image_size=image_size, channels=channels,
                                                base_filters=base_filters,
                                                kernel_size=kernel_size, norm=norm,
                                                spectral_norm=spectral_norm, dropout=dropout),
                     **kwargs)
