"""The networks of the keras-io example "WGAN-GP overriding ``Model.train_step``".

Reproduced layer for layer (our code) so the suite can be measured against that baseline
(benchmarks.md §3):

- critic: 28×28×1 → zero-pad to 32×32 → four 5×5 stride-2 convolutions of 64, 128, 256,
  512 filters with LeakyReLU(0.2) (dropout 0.3 after the 2nd and 3rd) → flatten →
  dropout 0.2 → dense logit.
- generator: z (128) → dense 4·4·256 (no bias) → BatchNorm → LeakyReLU(0.2) → reshape →
  three blocks {upsample ×2, 3×3 convolution (no bias), BatchNorm, activation} with 128,
  64 and 1 filters (LeakyReLU, LeakyReLU, tanh) → crop 2 px each side → 28×28×1.
"""

from __future__ import annotations

import keras

from tfgan_suite.layers.patch_conv import PatchConv2D
from tfgan_suite.networks.base import Network, register_discriminator, register_generator


@register_generator("kerasio_wgan_gp")
class KerasIOWGANGenerator(Network):
    """z [batch, latent_dim] → images [batch, 28, 28, channels] in [−1, 1]."""

    def __init__(self, latent_dim: int = 128, channels: int = 1,
                 name: str = "kerasio_wgan_generator", **kwargs):
        z = keras.Input((latent_dim,), name="z")
        x = keras.layers.Dense(4 * 4 * 256, use_bias=False, name="project")(z)
        x = keras.layers.BatchNormalization(name="project_bn")(x)
        x = keras.layers.LeakyReLU(0.2, name="project_lrelu")(x)
        x = keras.layers.Reshape((4, 4, 256), name="reshape")(x)
        for index, filters in enumerate((128, 64, channels)):
            x = keras.layers.UpSampling2D(2, name=f"up_{index}")(x)
            x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False,
                                    name=f"conv_{index}")(x)
            x = keras.layers.BatchNormalization(name=f"bn_{index}")(x)
            if index < 2:
                x = keras.layers.LeakyReLU(0.2, name=f"lrelu_{index}")(x)
        x = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
        images = keras.layers.Cropping2D(2, name="images")(x)
        self.latent_dim = latent_dim
        self._finish(z, images, name, dict(latent_dim=latent_dim, channels=channels), **kwargs)


@register_discriminator("kerasio_wgan_gp")
class KerasIOWGANCritic(Network):
    """images [batch, 28, 28, channels] → logit [batch, 1].

    Args:
        channels: image channels.
        last_conv_as_matmul: compute the last convolution (4×4 → 2×2) with ``PatchConv2D``,
            the same variables and arithmetic on the matrix-multiply path (faster on CPU,
            see ``tfgan_suite/layers/patch_conv.py``). False reproduces keras-io exactly.
    """

    def __init__(self, channels: int = 1, last_conv_as_matmul: bool = False,
                 name: str = "kerasio_wgan_critic", **kwargs):
        images = keras.Input((28, 28, channels), name="images")
        x = keras.layers.ZeroPadding2D(2, name="pad")(images)
        for index, (filters, dropout) in enumerate(((64, False), (128, True), (256, True),
                                                    (512, False))):
            if index == 3 and last_conv_as_matmul:
                x = PatchConv2D(filters, 5, strides=2, name=f"conv_{index}")(x)
            else:
                x = keras.layers.Conv2D(filters, 5, strides=2, padding="same",
                                        name=f"conv_{index}")(x)
            x = keras.layers.LeakyReLU(0.2, name=f"lrelu_{index}")(x)
            if dropout:
                x = keras.layers.Dropout(0.3, name=f"dropout_{index}")(x)
        x = keras.layers.Flatten(name="flatten")(x)
        x = keras.layers.Dropout(0.2, name="dropout_out")(x)
        x = keras.layers.Dense(1, name="logit")(x)
        logits = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
        self._finish(images, logits, name,
                     dict(channels=channels, last_conv_as_matmul=last_conv_as_matmul), **kwargs)
