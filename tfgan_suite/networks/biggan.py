"""BigGAN generator and discriminator (Brock et al. 2019), at 28 / 32 px scale.

Generator (always class-conditional, inputs ``[z, labels]``): a shared class embedding and a
hierarchical latent — z is split into (number of up blocks + 1) equal chunks; the first
feeds the initial dense layer, and both conditional BatchNorms of up block i are linear
maps of concat(chunk i+1, shared embedding). A ``SelfAttention`` block follows the up
block of ``attention_resolution`` pixels. Spectral normalisation, orthogonal
initialisation and orthogonal regularisation (``OrthogonalRegularizer``, added to
``generator.losses``) on the generator's convolution and dense kernels — not on the
embedding, the conditional BatchNorms or the self-attention projections.

Discriminator: the SN ResNet discriminator with self-attention and a projection head
(inputs ``[images, labels]``).

The truncation trick, the hinge loss, TTUR and the EMA of the generator's weights belong to
the recipe / training configuration, not to the networks.
"""

from __future__ import annotations

import keras

from tfgan_suite.layers import OrthogonalRegularizer, SelfAttention
from tfgan_suite.networks.base import Network, register_discriminator, register_generator
from tfgan_suite.networks.resnet import (
    check_attention_resolution,
    conditional_norm,
    dense,
    discriminator_graph,
    generator_resolutions,
    geometry,
    require_num_classes,
    to_image,
    up_block,
)


@register_generator("biggan")
class BigGANGenerator(Network):
    """[z [batch, latent_dim], labels [batch]] → images in [−1, 1].

    Args:
        latent_dim: size of z; must be divisible by the number of up blocks + 1
            (3 for 28 px, 4 for 32 px).
        image_size: 28 or 32.
        channels: output channels.
        width: channels of every residual block.
        num_classes: number of classes (required).
        embed_dim: size of the shared class embedding.
        attention_resolution: feature-map size of the self-attention block (an even
            up-block output size); None: half the image size (16 for 32 px, 14 for 28 px).
        spectral_norm: spectral normalisation on every convolution and dense layer.
        orthogonal_reg: β of the orthogonal regulariser on conv / dense kernels (0: off).
    """

    #: exported SavedModels get a ``sample_truncated`` signature (export/saved_model.py)
    supports_truncation = True

    def __init__(self, latent_dim: int = 120, image_size: int = 32, channels: int = 1,
                 width: int = 96, num_classes: int | None = None, embed_dim: int = 32,
                 attention_resolution: int | None = None, spectral_norm: bool = True,
                 orthogonal_reg: float = 1e-4, name: str = "biggan_generator", **kwargs):
        start, blocks = geometry("generator", image_size)
        require_num_classes("generator", num_classes, "BigGAN (always class-conditional)")
        chunks = blocks + 1
        if latent_dim % chunks:
            raise ValueError(f"generator.latent_dim: {latent_dim} is not divisible by {chunks} "
                             f"(the number of up blocks + 1 at image_size {image_size}), "
                             f"which the hierarchical latent splits z into")
        resolution = check_attention_resolution("generator", attention_resolution, image_size,
                                                generator_resolutions(image_size))
        regularizer = OrthogonalRegularizer(orthogonal_reg) if orthogonal_reg else None
        options = dict(spectral_norm=spectral_norm, regularizer=regularizer,
                       initializer="orthogonal")

        z = keras.Input((latent_dim,), name="z")
        labels = keras.Input((), dtype="int32", name="labels")
        embedding = keras.layers.Embedding(num_classes, embed_dim,
                                           name="shared_embedding")(labels)
        z_chunks = keras.ops.split(z, chunks, axis=-1)
        x = dense(start * start * width, "project", **options)(z_chunks[0])
        x = keras.layers.Reshape((start, start, width), name="reshape")(x)
        for block in range(blocks):
            condition = keras.layers.Concatenate(name=f"up{block}_condition")(
                [z_chunks[block + 1], embedding])
            x = up_block(x, width, conditional_norm(condition), f"up{block}", **options)
            if x.shape[1] == resolution:
                x = SelfAttention(spectral_norm=spectral_norm, name="attention")(x)
        images = to_image(x, channels, **options)
        self.latent_dim = latent_dim
        self._finish([z, labels], images, name,
                     dict(latent_dim=latent_dim, image_size=image_size, channels=channels,
                          width=width, num_classes=num_classes, embed_dim=embed_dim,
                          attention_resolution=attention_resolution,
                          spectral_norm=spectral_norm, orthogonal_reg=orthogonal_reg),
                     **kwargs)


@register_discriminator("biggan")
class BigGANDiscriminator(Network):
    """[images, labels [batch]] → logits [batch, 1] (projection discriminator).

    Args:
        image_size: 28 or 32.
        channels: input channels.
        width: channels of every residual block.
        num_classes: number of classes (required).
        attention_resolution: feature-map size of the self-attention block (an even block
            output size: 16 or 8 for 32 px, 14 for 28 px); None: half the image size.
        spectral_norm: spectral normalisation on every convolution and dense layer.
    """

    def __init__(self, image_size: int = 32, channels: int = 1, width: int = 96,
                 num_classes: int | None = None, attention_resolution: int | None = None,
                 spectral_norm: bool = True, name: str = "biggan_discriminator", **kwargs):
        inputs, outputs = discriminator_graph(image_size, channels, width, num_classes,
                                              "projection", spectral_norm,
                                              attention_resolution, attention=True)
        self._finish(inputs, outputs, name, dict(image_size=image_size, channels=channels,
                                                 width=width, num_classes=num_classes,
                                                 attention_resolution=attention_resolution,
                                                 spectral_norm=spectral_norm), **kwargs)
