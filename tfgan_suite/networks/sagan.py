"""SAGAN generator and discriminator (Zhang et al. 2019, "Self-Attention GANs").

The ResNet families of ``resnet.py`` with spectral normalisation in both networks (on by
default) and a ``SelfAttention`` block (γ = 0 at initialisation) after the residual block
whose output has ``attention_resolution`` × ``attention_resolution`` pixels — by default
half the image size: 16 for 32 px, 14 for 28 px. The conditional options are those of the
ResNet networks (G: class-conditional BatchNorm; D: none / projection / auxiliary).

Only the networks live here: SAGAN's hinge loss and two-timescale learning rates
(1e-4 for G, 4e-4 for D) belong to the recipe / training configuration.
"""

from __future__ import annotations

from tfgan_suite.networks.base import Network, register_discriminator, register_generator
from tfgan_suite.networks.resnet import discriminator_graph, generator_graph


@register_generator("sagan")
class SAGANGenerator(Network):
    """z [batch, latent_dim] (and labels [batch]) → images in [−1, 1].

    Args:
        latent_dim: size of z.
        image_size: 28 or 32.
        channels: output channels.
        width: channels of every residual block.
        num_classes: number of classes (required when ``conditional``).
        conditional: take ``[z, labels]`` and use class-conditional BatchNorm in the blocks.
        attention_resolution: feature-map size of the self-attention block (an even
            up-block output size, e.g. 8, 16 or 32 for 32 px); None: half the image size.
        spectral_norm: spectral normalisation on every convolution and dense layer.
    """

    def __init__(self, latent_dim: int = 128, image_size: int = 32, channels: int = 1,
                 width: int = 128, num_classes: int | None = None, conditional: bool = False,
                 attention_resolution: int | None = None, spectral_norm: bool = True,
                 name: str = "sagan_generator", **kwargs):
        inputs, images = generator_graph(latent_dim, image_size, channels, width, num_classes,
                                         conditional, spectral_norm, attention_resolution,
                                         attention=True)
        self.latent_dim = latent_dim
        self._finish(inputs, images, name, dict(latent_dim=latent_dim, image_size=image_size,
                                                channels=channels, width=width,
                                                num_classes=num_classes,
                                                conditional=conditional,
                                                attention_resolution=attention_resolution,
                                                spectral_norm=spectral_norm), **kwargs)


@register_discriminator("sagan")
class SAGANDiscriminator(Network):
    """images (and labels) → logits [batch, 1] (auxiliary: ``[logits, class_logits]``).

    Args:
        image_size: 28 or 32.
        channels: input channels.
        width: channels of every residual block.
        num_classes: number of classes (required unless ``conditioning`` is ``none``).
        conditioning: ``none``; ``projection`` (inputs ``[images, labels]``); ``auxiliary``
            (AC-GAN class head).
        attention_resolution: feature-map size of the self-attention block (an even block
            output size: 16 or 8 for 32 px, 14 for 28 px); None: half the image size.
        spectral_norm: spectral normalisation on every convolution and dense layer.
    """

    def __init__(self, image_size: int = 32, channels: int = 1, width: int = 128,
                 num_classes: int | None = None, conditioning: str = "none",
                 attention_resolution: int | None = None, spectral_norm: bool = True,
                 name: str = "sagan_discriminator", **kwargs):
        inputs, outputs = discriminator_graph(image_size, channels, width, num_classes,
                                              conditioning, spectral_norm,
                                              attention_resolution, attention=True)
        self._finish(inputs, outputs, name, dict(image_size=image_size, channels=channels,
                                                 width=width, num_classes=num_classes,
                                                 conditioning=conditioning,
                                                 attention_resolution=attention_resolution,
                                                 spectral_norm=spectral_norm), **kwargs)
