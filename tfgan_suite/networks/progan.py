"""ProGAN's generator and discriminator (Karras et al., "Progressive Growing of GANs", ICLR
2018; tkarras/progressive_growing_of_gans ``networks.py``), built once at the final
resolution and *staged*: every block knows its resolution, and ``set_stage(network,
resolution, fading)`` says which blocks the current phase uses.

Generator: z → pixel norm → equalized dense to 4×4 (gain √2/4) → LReLU → PN → conv3×3 →
LReLU → PN; each later resolution: nearest ×2 → [conv3×3 → LReLU → PN] × 2; a linear 1×1
toRGB (gain 1) per resolution. At stage (R, fading) the image is toRGB_R of the R-block,
during a fade lerp(nearest-up(toRGB_{R/2}), toRGB_R, α), nearest-upsampled to the final
size (so data, discriminator and sampling always see the final shape).

Discriminator, mirrored: a 1×1 fromRGB + LReLU per resolution; each block conv3×3 →
LReLU → conv3×3 → LReLU → 2×2 average pool; a 4×4 head: minibatch stddev (group 4) →
conv3×3 → LReLU → dense → LReLU → dense to 1 (gain 1). At stage R the image is average-
pooled to R and enters through fromRGB_R; during a fade the R/2 entry is
lerp(fromRGB_{R/2}(pool(image)), block_R(…), α).

Blocks above the stage return zeros without touching their weights (cheap, and their
variables get no gradient; ``active_variables`` lists the ones that do). The stage is a
trace-time choice: after ``set_stage`` a ``tf.function`` must be traced again (the ProGAN
model's growth callback does it). α is a non-trainable weight of the fading layers
(``set_alpha``). A fresh network is at its final stage with α = 1: the whole network,
which is what export sees.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import keras
import tensorflow as tf

from tfgan_suite.layers import (
    EqualizedConv2D,
    EqualizedDense,
    FromRGB,
    PixelNorm,
    ToRGB,
)
from tfgan_suite.layers.tracked_lists import ListTracking
from tfgan_suite.networks import pyramid
from tfgan_suite.networks.base import Network, register_discriminator, register_generator

_SLOPE = 0.2


def _filters_by_resolution(filters: Sequence[int], image_size: int, field: str
                           ) -> dict[int, int]:
    return pyramid.widths(filters, image_size, field, minimum=4, family="ProGAN")


class _Staged(ListTracking, keras.layers.Layer):
    """A layer whose work depends on the stage (active resolution, fading)."""

    def __init__(self, resolution: int, final: int, **kwargs):
        super().__init__(**kwargs)
        self.resolution, self.final = int(resolution), int(final)
        self.active_resolution, self.fading = self.final, False

    @property
    def above_stage(self) -> bool:
        """Beyond the stage's resolution: the layer returns zeros."""
        return self.resolution > self.active_resolution

    @property
    def at_image_end(self) -> bool:
        """The layer's resolution meets the image: the stage's, or during a fade the one
        below it (toRGB runs, D's entry takes the pooled image)."""
        return self.resolution == self.active_resolution or (
            self.fading and 2 * self.resolution == self.active_resolution)

    def get_config(self):
        return {**super().get_config(), "resolution": self.resolution, "final": self.final}


class _Fading(_Staged):
    """A staged layer with the fade-in weight α (non-trainable, 1 = new block fully in)."""

    def build(self, input_shape):
        # Every replica computes the same α: the first one's assignment is kept.
        self.alpha = self.add_weight(name="alpha", shape=(), initializer="ones",
                                     trainable=False, aggregation="only_first_replica")

    def _alpha(self, dtype):
        return tf.cast(self.alpha, dtype)


def _zeros(like: tf.Tensor, side: int, channels: int) -> tf.Tensor:
    return tf.zeros([tf.shape(like)[0], side, side, channels], like.dtype)


# ProGAN fades with these (gans/progan.py uses them through this module).
nearest = pyramid.nearest
pool = pyramid.pool


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ProGANUpBlock(_Staged):
    """Resolution r of G: nearest ×2 → [conv3×3 → LReLU → pixel norm] × 2, [B, r, r, f]."""

    def __init__(self, resolution: int, final: int, filters: int, **kwargs):
        super().__init__(resolution, final, **kwargs)
        self.filters = int(filters)
        self.convs = [EqualizedConv2D(self.filters, 3, name=f"conv{i}") for i in range(2)]
        self.norm = PixelNorm()

    def build(self, input_shape):
        shape = (input_shape[0], 2 * input_shape[1], 2 * input_shape[2], input_shape[3])
        for conv in self.convs:
            conv.build(shape)
            shape = (*shape[:3], self.filters)
        self.norm.build(shape)  # Keras infers the block's output shape without calling it

    def call(self, x):
        if self.above_stage:
            return _zeros(x, self.resolution, self.filters)
        x = nearest(x, 2)
        for conv in self.convs:
            x = self.norm(tf.nn.leaky_relu(conv(x), _SLOPE))
        return x

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.resolution, self.resolution, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ProGANToRGB(_Staged):
    """toRGB of resolution r (1×1, gain 1, linear), run when r is the stage's resolution
    or, during a fade, the one below it."""

    def __init__(self, resolution: int, final: int, channels: int, **kwargs):
        super().__init__(resolution, final, **kwargs)
        self.channels = int(channels)
        self.rgb = ToRGB(self.channels, name="to_rgb")

    def build(self, input_shape):
        self.rgb.build(input_shape)

    def call(self, x):
        return self.rgb(x) if self.at_image_end else _zeros(x, self.resolution, self.channels)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ProgressiveOutput(_Fading):
    """The stage's image from every resolution's toRGB output, at the final size:
    toRGB_R (fading: (1 − α)·up(toRGB_{R/2}) + α·toRGB_R), nearest-upsampled."""

    def __init__(self, final: int, **kwargs):
        kwargs.pop("resolution", None)
        super().__init__(final, final, **kwargs)

    def call(self, images):
        by_resolution = {4 * 2 ** k: image for k, image in enumerate(images)}
        out = by_resolution[self.active_resolution]
        if self.fading:
            low = nearest(by_resolution[self.active_resolution // 2], 2)
            alpha = self._alpha(out.dtype)
            out = (1.0 - alpha) * low + alpha * out
        return nearest(out, self.final // self.active_resolution)

    def compute_output_shape(self, input_shape):
        return input_shape[-1]

    def get_config(self):
        config = super().get_config()
        config.pop("resolution")
        return config


@register_generator("progan")
class ProGANGenerator(Network):
    """ProGAN's generator (see the module docstring).

    Args:
        latent_dim: size of z (N(0, I)); pixel-normalised first.
        image_size: final side, a power of two ≥ 4.
        channels: image channels.
        filters: width per resolution 4, 8, …, image_size (the 2-core adaptation of
            families.md §14.6 for 32 px: 64, 64, 64, 32).
        stage: ``[resolution, fading]`` to start at (default the final stage); what a saved
            network records, so it loads at the stage it was trained to. ProGAN training
            sets the stage itself.
    """

    def __init__(self, latent_dim: int = 128, image_size: int = 32, channels: int = 1,
                 filters: Sequence[int] = (64, 64, 64, 32), stage: Optional[list] = None,
                 name: str = "progan_generator", **kwargs):
        widths = _filters_by_resolution(filters, image_size, "generator")
        z = keras.Input((latent_dim,), name="z")
        x = PixelNorm(name="z_norm")(z)
        x = EqualizedDense(16 * widths[4], gain=math.sqrt(2.0) / 4, name="dense_4x4")(x)
        x = keras.layers.Reshape((4, 4, widths[4]), name="reshape_4x4")(x)
        x = keras.layers.LeakyReLU(_SLOPE, name="lrelu_4x4_dense")(x)
        x = PixelNorm(name="norm_4x4_dense")(x)
        x = EqualizedConv2D(widths[4], 3, name="conv_4x4")(x)
        x = keras.layers.LeakyReLU(_SLOPE, name="lrelu_4x4")(x)
        x = PixelNorm(name="norm_4x4")(x)
        images = [ProGANToRGB(4, image_size, channels, name="to_rgb_4")(x)]
        for resolution in list(widths)[1:]:
            x = ProGANUpBlock(resolution, image_size, widths[resolution],
                              name=f"block_{resolution}")(x)
            images.append(ProGANToRGB(resolution, image_size, channels,
                                      name=f"to_rgb_{resolution}")(x))
        image = ProgressiveOutput(image_size, name="output")(images)
        self._finish(z, image, name, {"latent_dim": latent_dim, "image_size": image_size,
                                      "channels": channels, "filters": list(filters)}, **kwargs)
        _restore_stage(self, stage)

    def get_config(self):
        return _with_stage(self, super().get_config())


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ProGANEntry(_Fading):
    """Where the image enters D at resolution r: fromRGB_r(pool(image)) at the stage's
    resolution; during a fade, at r = R/2, (1 − α)·fromRGB_r(pool(image)) + α·(the R
    block's output); below the stage, the block above's output; above it, zeros."""

    def __init__(self, resolution: int, final: int, filters: int, **kwargs):
        super().__init__(resolution, final, **kwargs)
        self.filters = int(filters)
        self.from_rgb = FromRGB(self.filters, name="from_rgb")

    def build(self, input_shape):
        super().build(input_shape)
        image_shape = input_shape[0] if isinstance(input_shape[0], (tuple, list)) \
            else input_shape
        self.from_rgb.build((image_shape[0], self.resolution, self.resolution,
                             image_shape[-1]))

    def call(self, inputs):
        image, above = (inputs[0], inputs[1]) if isinstance(inputs, (tuple, list)) \
            else (inputs, None)
        if not self.at_image_end:
            if above is None or self.above_stage:
                return _zeros(image, self.resolution, self.filters)
            return above
        features = self.from_rgb(pool(image, self.final // self.resolution))
        if self.resolution == self.active_resolution:
            return features
        alpha = self._alpha(features.dtype)
        return (1.0 - alpha) * features + alpha * above

    def compute_output_shape(self, input_shape):
        image_shape = input_shape[0] if isinstance(input_shape[0], (tuple, list)) \
            else input_shape
        return (image_shape[0], self.resolution, self.resolution, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ProGANDownBlock(_Staged):
    """Resolution r of D: conv3×3 → LReLU → conv3×3 (to the r/2 width) → LReLU → 2×2
    average pool, [B, r/2, r/2, f_out]; zeros above the stage."""

    def __init__(self, resolution: int, final: int, filters: int, filters_out: int,
                 **kwargs):
        super().__init__(resolution, final, **kwargs)
        self.filters, self.filters_out = int(filters), int(filters_out)
        self.convs = [EqualizedConv2D(self.filters, 3, name="conv0"),
                      EqualizedConv2D(self.filters_out, 3, name="conv1")]

    def build(self, input_shape):
        self.convs[0].build(input_shape)
        self.convs[1].build((*input_shape[:3], self.filters))

    def call(self, x):
        half = self.resolution // 2
        if self.above_stage:
            return _zeros(x, half, self.filters_out)
        for conv in self.convs:
            x = tf.nn.leaky_relu(conv(x), _SLOPE)
        return pool(x, 2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.resolution // 2, self.resolution // 2, self.filters_out)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "filters_out": self.filters_out}


@register_discriminator("progan")
class ProGANDiscriminator(Network):
    """ProGAN's discriminator (see the module docstring).

    Args:
        image_size: final side, a power of two ≥ 4.
        channels: image channels.
        filters: width per resolution 4, 8, …, image_size.
        group_size: minibatch-stddev group (the batch must be divisible by it).
        stage: as ``ProGANGenerator``'s.
    """

    def __init__(self, image_size: int = 32, channels: int = 1,
                 filters: Sequence[int] = (64, 64, 64, 32), group_size: int = 4,
                 stage: Optional[list] = None, name: str = "progan_discriminator",
                 **kwargs):
        widths = _filters_by_resolution(filters, image_size, "discriminator")
        image = keras.Input((image_size, image_size, channels), name="image")
        x = None
        for resolution in sorted(widths, reverse=True):
            inputs = image if x is None else [image, x]
            x = ProGANEntry(resolution, image_size, widths[resolution],
                            name=f"entry_{resolution}")(inputs)
            if resolution > 4:
                x = ProGANDownBlock(resolution, image_size, widths[resolution],
                                    widths[resolution // 2], name=f"block_{resolution}")(x)
        logits = pyramid.discriminator_head(x, widths[4], group_size)
        self._finish(image, logits, name, {"image_size": image_size, "channels": channels,
                                           "filters": list(filters),
                                           "group_size": group_size}, **kwargs)
        _restore_stage(self, stage)

    def get_config(self):
        return _with_stage(self, super().get_config())


def _with_stage(network: keras.Model, config: dict) -> dict:
    """A staged network's config records its stage, so a network saved mid-growth (e.g.
    a run's ``generator.keras``) loads at the stage it was trained to; α is a weight."""
    layer = staged_layers(network)[0]
    return dict(config, stage=[layer.active_resolution, layer.fading])


def _restore_stage(network: keras.Model, stage) -> None:
    if stage is not None:
        resolution, fading = stage
        set_stage(network, int(resolution), bool(fading))


def staged_layers(network: keras.Model) -> list[_Staged]:
    return [layer for layer in network.layers if isinstance(layer, _Staged)]


def set_stage(network: keras.Model, resolution: int, fading: bool) -> None:
    """Bring ``network``'s blocks to stage (``resolution``, ``fading``); functions traced
    before must be traced again."""
    for layer in staged_layers(network):
        if resolution > layer.final or (fading and resolution <= 4):
            raise ValueError(f"stage: resolution {resolution} (fading {fading}) does not fit "
                             f"a network of final resolution {layer.final}")
        layer.active_resolution, layer.fading = int(resolution), bool(fading)


def set_alpha(network: keras.Model, alpha) -> None:
    """Assign the fade-in weight α of every fading layer of ``network``."""
    for layer in staged_layers(network):
        if isinstance(layer, _Fading):
            layer.alpha.assign(tf.cast(alpha, layer.alpha.dtype))


def active_variables(network: keras.Model) -> list[tf.Variable]:
    """The trainable variables the current stage uses (blocks above it return zeros)."""
    result = []
    for layer in network.layers:
        if isinstance(layer, (ProGANUpBlock, ProGANDownBlock)) and layer.above_stage:
            continue
        if isinstance(layer, (ProGANToRGB, ProGANEntry)) and not layer.at_image_end:
            continue
        result += layer.trainable_variables
    return result
