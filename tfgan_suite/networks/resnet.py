"""SN-GAN ResNet generator and discriminator (Miyato et al. 2018, CIFAR-size architecture).

Generator: z → dense to a 4×4 (32 px) or 7×7 (28 px) map of ``width`` channels → 3 (32 px)
or 2 (28 px) up-sampling residual blocks (BN → ReLU → nearest ×2 → conv3×3 → BN → ReLU →
conv3×3, shortcut ×2 → conv1×1) → BN → ReLU → conv3×3 → tanh. With ``conditional=True``
the model takes ``[z, labels]`` and every BatchNorm in the blocks is a class-conditional
BatchNorm (per-class gain/bias tables).

Discriminator: an optimized first block (conv → ReLU → conv → avgpool; shortcut avgpool →
conv1×1), one down-sampling block, two blocks without down-sampling, ReLU and global sum
pooling → features φ, then a linear logit, a projection head (``[images, labels]`` input)
or an AC-GAN class head. Spectral normalisation on every convolution and dense layer.

The NR-GAN reference's ResNets (Kaneko & Harada 2020, takuhirok/NR-GAN ``models/net.py``,
``models/common.py``; the same blocks, as in the ResNets of Mescheder et al. 2018) are
these networks with three options: ``normalization="none"`` (no BatchNorm anywhere in the
generator, its output included), ``residual_scale=0.1`` (every block returns shortcut +
0.1 · residual, in both networks) and the discriminator's ``pooling="mean"`` (global mean
instead of sum pooling), with ``spectral_norm=False``. The reference initialises its
residual convolutions with Xavier-uniform of gain √2; here every layer keeps Keras's
Glorot-uniform (gain 1).

The block builders (``up_block``, ``first_down_block``, ``down_block``, …) and the graph
builders are reused by the SAGAN and BigGAN families.
"""

from __future__ import annotations

from typing import Any, Callable

import keras

from tfgan_suite.layers import (
    ConditionalBatchNorm,
    NearestUpsample2D,
    ProjectionHead,
    SelfAttention,
    maybe_spectral_norm,
)
from tfgan_suite.networks.base import Network, register_discriminator, register_generator

#: image size → (generator start resolution, number of up-sampling blocks)
GEOMETRY = {28: (7, 2), 32: (4, 3)}
#: discriminator conditioning modes
CONDITIONING = ("none", "projection", "auxiliary")
#: generator normalisation: BatchNorm (conditional BatchNorm when conditional) or none
NORMALIZATIONS = ("batch", "none")
#: discriminator global pooling of the last feature map
POOLINGS = ("sum", "mean")

#: ``norm(x, name)`` → normalised x; hides BatchNorm vs. conditional BatchNorm from blocks.
Norm = Callable[[Any, str], Any]


def geometry(field: str, image_size: int) -> tuple[int, int]:
    """(start resolution, number of up blocks) of ``image_size``; ValueError naming ``field``."""
    if image_size not in GEOMETRY:
        raise ValueError(f"{field}.image_size: unsupported value {image_size!r}; accepted: "
                         f"{', '.join(map(str, GEOMETRY))}")
    return GEOMETRY[image_size]


def generator_resolutions(image_size: int) -> list[int]:
    """Output resolution of each generator up block (e.g. [8, 16, 32] for 32 px)."""
    start, blocks = GEOMETRY[image_size]
    return [start * 2 ** (i + 1) for i in range(blocks)]


def discriminator_resolutions(image_size: int) -> list[int]:
    """Output resolution of each discriminator block (e.g. [16, 8, 8, 8] for 32 px)."""
    return [image_size // 2, image_size // 4, image_size // 4, image_size // 4]


def check_attention_resolution(field: str, resolution: int | None, image_size: int,
                               available: list[int]) -> int:
    """Resolve ``None`` to ``image_size // 2`` and check it is an even block resolution.

    Args:
        field: config section for error messages (``generator`` / ``discriminator``).
        resolution: requested feature-map size of the self-attention block, or None.
        image_size: image size of the network.
        available: block output resolutions of the network.
    """
    if resolution is None:
        resolution = image_size // 2
    accepted = sorted({r for r in available if r % 2 == 0})
    if resolution not in accepted:
        raise ValueError(f"{field}.attention_resolution: unsupported value {resolution!r} for "
                         f"image_size {image_size}; accepted: {', '.join(map(str, accepted))}")
    return resolution


def require_num_classes(field: str, num_classes: int | None, why: str) -> int:
    """``num_classes`` as a positive int, else a ValueError naming ``field.num_classes``."""
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
        raise ValueError(f"{field}.num_classes: {why} needs a positive number of classes, "
                         f"got {num_classes!r}")
    return num_classes


def conv(filters: int, kernel_size: int, name: str, spectral_norm: bool,
         regularizer: keras.regularizers.Regularizer | None = None,
         initializer: str = "glorot_uniform") -> keras.layers.Layer:
    """A "same" convolution, optionally spectrally normalised (regularizer on the inner layer).

    Args:
        filters: output channels.
        kernel_size: square kernel size.
        name: layer name (the SN wrapper is named ``sn_<name>``).
        spectral_norm: wrap in ``SpectralNormalization``.
        regularizer: kernel regularizer of the convolution.
        initializer: kernel initializer.
    """
    layer = keras.layers.Conv2D(filters, kernel_size, padding="same", name=name,
                                kernel_initializer=initializer, kernel_regularizer=regularizer)
    return maybe_spectral_norm(layer, spectral_norm)


def dense(units: int, name: str, spectral_norm: bool,
          regularizer: keras.regularizers.Regularizer | None = None,
          initializer: str = "glorot_uniform") -> keras.layers.Layer:
    """A dense layer, optionally spectrally normalised (regularizer on the inner layer)."""
    layer = keras.layers.Dense(units, name=name, kernel_initializer=initializer,
                               kernel_regularizer=regularizer)
    return maybe_spectral_norm(layer, spectral_norm)


def batch_norm() -> Norm:
    """Plain BatchNorm as a ``Norm``."""
    return lambda x, name: keras.layers.BatchNormalization(name=name)(x)


def no_norm() -> Norm:
    """The identity as a ``Norm``: blocks without normalisation (``normalization="none"``)."""
    return lambda x, name: x


def scaled_residual(h, residual_scale: float, name: str):
    """``residual_scale`` · h (the residual branch before the shortcut is added); h itself at
    scale 1, so the default graph has no extra layer."""
    if residual_scale == 1.0:
        return h
    return keras.layers.Rescaling(residual_scale, name=f"{name}_residual_scale")(h)


def choice(field: str, value: str, accepted: tuple[str, ...]) -> str:
    """``value`` if it is one of ``accepted``, else a ValueError naming ``field``."""
    if value not in accepted:
        raise ValueError(f"{field}: unknown value {value!r}; accepted: {', '.join(accepted)}")
    return value


def positive_scale(field: str, value: float) -> float:
    """``value`` as a positive float, else a ValueError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{field}: must be a positive number, got {value!r}")
    return float(value)


def conditional_norm(condition, num_classes: int | None = None) -> Norm:
    """ConditionalBatchNorm on ``condition`` (labels with ``num_classes``, or a vector)."""
    def norm(x, name):
        return ConditionalBatchNorm(num_classes=num_classes, name=name)([x, condition])
    return norm


def up_block(x, filters: int, norm: Norm, name: str, spectral_norm: bool = False,
             regularizer: keras.regularizers.Regularizer | None = None,
             initializer: str = "glorot_uniform", residual_scale: float = 1.0):
    """Generator residual block that doubles the resolution.

    Args:
        x: input feature map.
        filters: output channels.
        norm: normalisation (BatchNorm, conditional BatchNorm or ``no_norm``).
        name: prefix of the block's layer names.
        spectral_norm: spectrally normalise the convolutions.
        regularizer: kernel regularizer of the convolutions.
        initializer: kernel initializer of the convolutions.
        residual_scale: the block returns shortcut + residual_scale · residual.
    """
    options = dict(spectral_norm=spectral_norm, regularizer=regularizer, initializer=initializer)
    h = norm(x, f"{name}_bn1")
    h = keras.layers.ReLU(name=f"{name}_relu1")(h)
    h = NearestUpsample2D(name=f"{name}_up")(h)
    h = conv(filters, 3, f"{name}_conv1", **options)(h)
    h = norm(h, f"{name}_bn2")
    h = keras.layers.ReLU(name=f"{name}_relu2")(h)
    h = conv(filters, 3, f"{name}_conv2", **options)(h)
    h = scaled_residual(h, residual_scale, name)
    shortcut = NearestUpsample2D(name=f"{name}_skip_up")(x)
    shortcut = conv(filters, 1, f"{name}_skip_conv", **options)(shortcut)
    return keras.layers.Add(name=f"{name}_add")([h, shortcut])


def first_down_block(x, filters: int, name: str, spectral_norm: bool,
                     residual_scale: float = 1.0):
    """The discriminator's optimized first block (no ReLU before the first convolution);
    shortcut + ``residual_scale`` · residual."""
    h = conv(filters, 3, f"{name}_conv1", spectral_norm)(x)
    h = keras.layers.ReLU(name=f"{name}_relu1")(h)
    h = conv(filters, 3, f"{name}_conv2", spectral_norm)(h)
    h = keras.layers.AveragePooling2D(2, name=f"{name}_pool")(h)
    h = scaled_residual(h, residual_scale, name)
    shortcut = keras.layers.AveragePooling2D(2, name=f"{name}_skip_pool")(x)
    shortcut = conv(filters, 1, f"{name}_skip_conv", spectral_norm)(shortcut)
    return keras.layers.Add(name=f"{name}_add")([h, shortcut])


def down_block(x, filters: int, name: str, spectral_norm: bool, downsample: bool,
               residual_scale: float = 1.0):
    """Discriminator residual block; 1×1 shortcut when channels change or it down-samples.

    Args:
        x: input feature map.
        filters: output channels.
        name: prefix of the block's layer names.
        spectral_norm: spectrally normalise the convolutions.
        downsample: average-pool 2×2 at the end of both paths.
        residual_scale: the block returns shortcut + residual_scale · residual.
    """
    h = keras.layers.ReLU(name=f"{name}_relu1")(x)
    h = conv(filters, 3, f"{name}_conv1", spectral_norm)(h)
    h = keras.layers.ReLU(name=f"{name}_relu2")(h)
    h = conv(filters, 3, f"{name}_conv2", spectral_norm)(h)
    shortcut = x
    if downsample or x.shape[-1] != filters:
        shortcut = conv(filters, 1, f"{name}_skip_conv", spectral_norm)(shortcut)
    if downsample:
        h = keras.layers.AveragePooling2D(2, name=f"{name}_pool")(h)
        shortcut = keras.layers.AveragePooling2D(2, name=f"{name}_skip_pool")(shortcut)
    h = scaled_residual(h, residual_scale, name)
    return keras.layers.Add(name=f"{name}_add")([h, shortcut])


def to_image(x, channels: int, spectral_norm: bool,
             regularizer: keras.regularizers.Regularizer | None = None,
             initializer: str = "glorot_uniform", batch_norm: bool = True):
    """Generator output: BN (unless ``batch_norm=False``) → ReLU → conv3×3 → tanh (float32
    ``images``)."""
    if batch_norm:
        x = keras.layers.BatchNormalization(name="out_bn")(x)
    x = keras.layers.ReLU(name="out_relu")(x)
    x = conv(channels, 3, "to_image", spectral_norm, regularizer, initializer)(x)
    return keras.layers.Activation("tanh", dtype="float32", name="images")(x)


def generator_graph(latent_dim: int, image_size: int, channels: int, width: int,
                    num_classes: int | None, conditional: bool, spectral_norm: bool,
                    attention_resolution: int | None = None, attention: bool = False,
                    normalization: str = "batch", residual_scale: float = 1.0):
    """Inputs and output of the ResNet generator (with self-attention when ``attention``).

    Args:
        latent_dim, image_size, channels, width, num_classes, conditional, spectral_norm,
            normalization, residual_scale: as ``ResNetGenerator``.
        attention_resolution: feature-map size of the self-attention block (None: half the
            image size); only used when ``attention``.
        attention: insert a ``SelfAttention`` block after the block of that resolution.
    """
    start, blocks = geometry("generator", image_size)
    choice("generator.normalization", normalization, NORMALIZATIONS)
    residual_scale = positive_scale("generator.residual_scale", residual_scale)
    if conditional and normalization == "none":
        raise ValueError("generator.normalization: none leaves a conditional generator no "
                         "path for its labels (they enter through conditional BatchNorm); "
                         "use batch, or conditional: false")
    if attention:
        attention_resolution = check_attention_resolution(
            "generator", attention_resolution, image_size, generator_resolutions(image_size))
    z = keras.Input((latent_dim,), name="z")
    if conditional:
        require_num_classes("generator", num_classes, "conditional=True")
        labels = keras.Input((), dtype="int32", name="labels")
        inputs = [z, labels]
        norm = conditional_norm(labels, num_classes)
    else:
        inputs = z
        norm = batch_norm() if normalization == "batch" else no_norm()
    x = dense(start * start * width, "project", spectral_norm)(z)
    x = keras.layers.Reshape((start, start, width), name="reshape")(x)
    for block in range(blocks):
        x = up_block(x, width, norm, f"up{block}", spectral_norm,
                     residual_scale=residual_scale)
        if attention and x.shape[1] == attention_resolution:
            x = SelfAttention(spectral_norm=spectral_norm, name="attention")(x)
    return inputs, to_image(x, channels, spectral_norm,
                            batch_norm=normalization == "batch")


def discriminator_features(images, width: int, spectral_norm: bool,
                           attention_resolution: int | None = None,
                           residual_scale: float = 1.0, pooling: str = "sum"):
    """φ(images): the four residual blocks, ReLU and global pooling → [batch, width].

    Args:
        images: image input.
        width: channels of every block.
        spectral_norm: spectrally normalise every convolution.
        attention_resolution: insert ``SelfAttention`` after the first block of that
            resolution (None: no attention).
        residual_scale: every block returns shortcut + residual_scale · residual.
        pooling: ``sum`` or ``mean`` over the last feature map's positions.
    """
    x = first_down_block(images, width, "block0", spectral_norm, residual_scale)
    attended = False

    def maybe_attend(x):
        nonlocal attended
        if attention_resolution is not None and not attended \
                and x.shape[1] == attention_resolution:
            attended = True
            return SelfAttention(spectral_norm=spectral_norm, name="attention")(x)
        return x

    x = maybe_attend(x)
    for block, downsample in ((1, True), (2, False), (3, False)):
        x = down_block(x, width, f"block{block}", spectral_norm, downsample, residual_scale)
        x = maybe_attend(x)
    x = keras.layers.ReLU(name="features_relu")(x)
    if pooling == "mean":
        return keras.ops.mean(x, axis=(1, 2))
    return keras.ops.sum(x, axis=(1, 2))  # global sum pooling


def discriminator_graph(image_size: int, channels: int, width: int, num_classes: int | None,
                        conditioning: str, spectral_norm: bool,
                        attention_resolution: int | None = None, attention: bool = False,
                        residual_scale: float = 1.0, pooling: str = "sum"):
    """Inputs and outputs of the ResNet discriminator (with self-attention when ``attention``).

    Args:
        image_size, channels, width, num_classes, conditioning, spectral_norm,
            residual_scale, pooling: as ``ResNetDiscriminator``.
        attention_resolution: feature-map size of the self-attention block (None: half the
            image size); only used when ``attention``.
        attention: insert a ``SelfAttention`` block.
    """
    geometry("discriminator", image_size)
    if conditioning not in CONDITIONING:
        raise ValueError(f"discriminator.conditioning: unknown value {conditioning!r}; "
                         f"accepted: {', '.join(CONDITIONING)}")
    if conditioning != "none":
        require_num_classes("discriminator", num_classes, f"conditioning={conditioning!r}")
    choice("discriminator.pooling", pooling, POOLINGS)
    residual_scale = positive_scale("discriminator.residual_scale", residual_scale)
    if attention:
        attention_resolution = check_attention_resolution(
            "discriminator", attention_resolution, image_size,
            discriminator_resolutions(image_size))
    else:
        attention_resolution = None
    images = keras.Input((image_size, image_size, channels), name="images")
    features = discriminator_features(images, width, spectral_norm, attention_resolution,
                                      residual_scale, pooling)
    if conditioning == "projection":
        labels = keras.Input((), dtype="int32", name="labels")
        head = ProjectionHead(num_classes, spectral_norm=spectral_norm, name="projection")
        logits = keras.layers.Activation("linear", dtype="float32",
                                         name="logits")(head([features, labels]))
        return [images, labels], logits
    logits = dense(1, "logit", spectral_norm)(features)
    logits = keras.layers.Activation("linear", dtype="float32", name="logits")(logits)
    if conditioning == "auxiliary":
        class_logits = dense(num_classes, "class_logit", spectral_norm)(features)
        class_logits = keras.layers.Activation("linear", dtype="float32",
                                               name="class_logits")(class_logits)
        return images, [logits, class_logits]
    return images, logits


@register_generator("resnet")
class ResNetGenerator(Network):
    """z [batch, latent_dim] (and labels [batch]) → images in [−1, 1].

    Args:
        latent_dim: size of z.
        image_size: 28 or 32.
        channels: output channels.
        width: channels of every residual block.
        num_classes: number of classes (required when ``conditional``).
        conditional: take ``[z, labels]`` and use class-conditional BatchNorm in the blocks.
        spectral_norm: spectral normalisation on every convolution and dense layer.
        normalization: ``batch`` (BatchNorm in the blocks and before the output) or ``none``
            (no normalisation: the NR-GAN reference's generator; unconditional only).
        residual_scale: every block returns shortcut + residual_scale · residual (the NR-GAN
            reference: 0.1).
    """

    def __init__(self, latent_dim: int = 128, image_size: int = 32, channels: int = 1,
                 width: int = 128, num_classes: int | None = None, conditional: bool = False,
                 spectral_norm: bool = False, normalization: str = "batch",
                 residual_scale: float = 1.0, name: str = "resnet_generator", **kwargs):
        inputs, images = generator_graph(latent_dim, image_size, channels, width, num_classes,
                                         conditional, spectral_norm,
                                         normalization=normalization,
                                         residual_scale=residual_scale)
        self.latent_dim = latent_dim
        self._finish(inputs, images, name, dict(latent_dim=latent_dim, image_size=image_size,
                                                channels=channels, width=width,
                                                num_classes=num_classes,
                                                conditional=conditional,
                                                spectral_norm=spectral_norm,
                                                normalization=normalization,
                                                residual_scale=residual_scale), **kwargs)


@register_discriminator("resnet")
class ResNetDiscriminator(Network):
    """images [batch, image_size, image_size, channels] (and labels) → logits [batch, 1].

    Args:
        image_size: 28 or 32.
        channels: input channels.
        width: channels of every residual block.
        num_classes: number of classes (required unless ``conditioning`` is ``none``).
        conditioning: ``none``; ``projection`` (inputs ``[images, labels]``, projection
            head); ``auxiliary`` (AC-GAN: outputs ``[logits, class_logits]``).
        spectral_norm: spectral normalisation on every convolution and dense layer.
        residual_scale: every block returns shortcut + residual_scale · residual (the NR-GAN
            reference: 0.1).
        pooling: global ``sum`` (SN-GAN) or ``mean`` (the NR-GAN reference) pooling of the
            last feature map.
    """

    def __init__(self, image_size: int = 32, channels: int = 1, width: int = 128,
                 num_classes: int | None = None, conditioning: str = "none",
                 spectral_norm: bool = True, residual_scale: float = 1.0,
                 pooling: str = "sum", name: str = "resnet_discriminator", **kwargs):
        inputs, outputs = discriminator_graph(image_size, channels, width, num_classes,
                                              conditioning, spectral_norm,
                                              residual_scale=residual_scale, pooling=pooling)
        self._finish(inputs, outputs, name, dict(image_size=image_size, channels=channels,
                                                 width=width, num_classes=num_classes,
                                                 conditioning=conditioning,
                                                 spectral_norm=spectral_norm,
                                                 residual_scale=residual_scale,
                                                 pooling=pooling), **kwargs)
