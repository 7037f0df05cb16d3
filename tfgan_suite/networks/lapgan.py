"""LAPGAN's generator and discriminator: one small GAN per level of a Laplacian pyramid
(Denton, Chintala, Szlam & Fergus, NIPS 2015, arXiv:1506.05751; facebookarchive/eyescream
``cifar/scripts/train_cifar_coarse_to_fine{,_classcond}.lua``, ``cifar/train/
conditional_adversarial.lua``; ../shared/families.md §9). The pyramid: ``layers/laplacian.py``.

Levels run fine → coarse, k = 0 … K (K = levels − 1), sides s_k = image_size / 2^k.

Generator. The coarsest level is an ordinary generator, Ĩ_K = G_K(z_K); every finer level
generates a band-pass residual conditioned on the up-sampled coarser image,

    l_k = u(Ĩ_{k+1}),    Ĩ_k = l_k + G_k(l_k, n_k),

where n_k is a noise plane of side s_k stacked as an extra channel (eyescream: one noise
plane at the fine size). Calling the generator on z runs that chain and returns Ĩ₀, so
sampling, the EMA, export and TFLite see one ordinary ``z → image`` network; z packs
[z_K, n_{K−1}, …, n₀] (``latent_dim + Σ_{k<K} s_k²`` entries, all N(0, 1) — eyescream
draws the planes from U(−1, 1)). In training every level is instead conditioned on the
**real** image's low-pass, ``levels(z, lows)``: no gradient crosses levels.

Discriminator. D_k judges the level's image I_k = l_k + h_k together with its condition
l_k (eyescream feeds D the sum h + l, the full image of the level); D_K judges Ĩ_K alone.
The levels travel as **one** tensor (as MSG-GAN's scales): ``pack`` nearest-up-samples
[I_k, l_k] of every level to the final side and concatenates the channels; the
discriminator ``unpack``s by average pooling (exact inverse of nearest up-sampling). It
returns one logit per level, ``[B, levels]``; the objectives average over them, so each
level's loss reaches only its own D_k and G_k.

Class-conditional variant (``conditional: true``): the one-hot class → dense → a plane of
side s_k, stacked as one more channel in every G_k and D_k, and concatenated to z_K at the
coarsest generator level (eyescream's class-conditional CIFAR model [R]).
"""

from __future__ import annotations

from typing import Optional, Sequence

import keras
import tensorflow as tf

from tfgan_suite.layers import NearestUpsample2D, laplacian
from tfgan_suite.networks import pyramid
from tfgan_suite.networks.base import Network, register_discriminator, register_generator
from tfgan_suite.networks.dcgan import check_num_classes, label_input_layer, one_hot

NORMS = ("batch", "none")


def _level_widths(filters: Sequence[int], levels: int, field: str) -> list[int]:
    filters = list(filters)
    if len(filters) != levels or not all(isinstance(f, int) and f > 0 for f in filters):
        raise ValueError(f"{field}.filters: one positive width per level, fine → coarse "
                         f"({levels} for levels={levels}), got {filters!r}")
    return filters


def pack(images: Sequence[tf.Tensor], lows: Sequence[tf.Tensor]) -> tf.Tensor:
    """[I₀, …, I_K] and [l₀, …, l_{K−1}] → ``[B, s₀, s₀, C·(2K + 1)]``: level k's [I_k, l_k]
    nearest-up-sampled by 2^k, levels fine → coarse along the channels."""
    parts = [pyramid.nearest(tf.concat([image, low], axis=-1), 2 ** k)
             for k, (image, low) in enumerate(zip(images[:-1], lows, strict=True))]
    parts.append(pyramid.nearest(images[-1], 2 ** (len(images) - 1)))
    return tf.concat(parts, axis=-1)


def unpack(packed: tf.Tensor, channels: int, levels: int
           ) -> tuple[list[tf.Tensor], list[tf.Tensor]]:
    """``pack``'s inverse: ([I₀, …, I_K], [l₀, …, l_{K−1}]) by average pooling."""
    images, lows = [], []
    for k in range(levels):
        start = 2 * channels * k
        width = 2 * channels if k < levels - 1 else channels
        level = pyramid.pool(packed[..., start:start + width], 2 ** k)
        images.append(level[..., :channels])
        if k < levels - 1:
            lows.append(level[..., channels:])
    return images, lows


def _norm(x, norm: str, name: str):
    if norm == "batch":
        # Synchronised: under a distribution strategy the statistics are the global batch's.
        return keras.layers.BatchNormalization(synchronized=True, name=name)(x)
    return x


def _class_plane(condition, side: int, name: str):
    plane = keras.layers.Dense(side * side, name=f"{name}_dense")(condition)
    return keras.layers.Reshape((side, side, 1), name=f"{name}_reshape")(plane)


def _coarse_generator(latent_dim, side, channels, width, norm, num_classes, name):
    """G_K: z_K (and the one-hot class) → the coarsest image, tanh."""
    z = keras.Input((latent_dim,), name=f"{name}_z")
    inputs, x = [z], z
    if num_classes:
        condition = keras.Input((num_classes,), name=f"{name}_class")
        inputs.append(condition)
        x = keras.layers.Concatenate(name=f"{name}_z_and_class")([z, condition])
    start = side
    while start > 8 and start % 2 == 0:
        start //= 2
    x = keras.layers.Dense(start * start * width, use_bias=norm != "batch",
                           name=f"{name}_project")(x)
    x = keras.layers.Reshape((start, start, width), name=f"{name}_reshape")(x)
    x = keras.layers.ReLU(name=f"{name}_project_relu")(_norm(x, norm, f"{name}_project_bn"))
    index = 0
    while start < side:
        start *= 2
        x = NearestUpsample2D(name=f"{name}_up_{index}")(x)
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=norm != "batch",
                                name=f"{name}_up_conv_{index}")(x)
        x = _norm(x, norm, f"{name}_up_bn_{index}")
        x = keras.layers.ReLU(name=f"{name}_up_relu_{index}")(x)
        index += 1
    x = keras.layers.Conv2D(width, 3, padding="same", use_bias=norm != "batch",
                            name=f"{name}_conv")(x)
    x = keras.layers.ReLU(name=f"{name}_relu")(_norm(x, norm, f"{name}_bn"))
    image = keras.layers.Conv2D(channels, 3, padding="same", activation="tanh",
                                dtype="float32", name=f"{name}_to_image")(x)
    return keras.Model(inputs, image, name=name)


def _residual_generator(side, channels, width, norm, num_classes, name):
    """G_k (k < K): [l_k, n_k (, class)] → the band-pass residual h̃_k, linear."""
    low = keras.Input((side, side, channels), name=f"{name}_low")
    noise = keras.Input((side, side, 1), name=f"{name}_noise")
    inputs, planes = [low, noise], [low, noise]
    if num_classes:
        condition = keras.Input((num_classes,), name=f"{name}_class")
        inputs.append(condition)
        planes.append(_class_plane(condition, side, f"{name}_class_plane"))
    x = keras.layers.Concatenate(name=f"{name}_stack")(planes)
    for index in range(2):
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=norm != "batch",
                                name=f"{name}_conv_{index}")(x)
        x = keras.layers.ReLU(name=f"{name}_relu_{index}")(_norm(x, norm, f"{name}_bn_{index}"))
    residual = keras.layers.Conv2D(channels, 3, padding="same", dtype="float32",
                                   name=f"{name}_to_residual")(x)
    return keras.Model(inputs, residual, name=name)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class LatentSplit(keras.layers.Layer):
    """z → [z_K, n₀, …, n_{K−1}]: the coarse latent, then one noise plane per finer level
    (side s_k, one channel), as the generator packs them."""

    def __init__(self, latent_dim: int, sides: Sequence[int], **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.sides = [int(side) for side in sides]

    def call(self, z):
        parts, start = [z[:, :self.latent_dim]], self.latent_dim
        for side in self.sides:
            parts.append(tf.reshape(z[:, start:start + side * side], (-1, side, side, 1)))
            start += side * side
        return parts

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        return [(batch, self.latent_dim)] + [(batch, side, side, 1) for side in self.sides]

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "sides": self.sides}


@register_generator("lapgan")
class LAPGANGenerator(Network):
    """LAPGAN's generator (module docstring): ``z`` (or ``[z, labels]``) → Ĩ₀.

    Args:
        latent_dim: size of z_K, the coarsest level's latent; z itself has
            ``latent_dim + Σ_{k<K} s_k²`` entries (``input_dim``).
        image_size: final side; must halve exactly ``levels − 1`` times.
        channels: image channels.
        levels: pyramid levels (3 on Fashion-MNIST: 28 → 14 → 7).
        filters: width of each level's generator, fine → coarse.
        norm: ``batch`` (synchronised BatchNorm, the DCGAN generator's) or ``none``.
        conditional, num_classes: the class-conditional variant (labels are class ids).
    """

    def __init__(self, latent_dim: int = 100, image_size: int = 28, channels: int = 1,
                 levels: int = 3, filters: Sequence[int] = (64, 64, 128), norm: str = "batch",
                 conditional: bool = False, num_classes: Optional[int] = None,
                 name: str = "lapgan_generator", **kwargs):
        sides = laplacian.level_sizes(image_size, levels, field="generator.image_size")
        widths = _level_widths(filters, levels, "generator")
        if norm not in NORMS:
            raise ValueError(f"generator.norm: unknown value {norm!r}; accepted: "
                             f"{', '.join(NORMS)}")
        check_num_classes("generator", num_classes, conditional)
        classes = num_classes if conditional else None
        fine = sides[:-1]
        z = keras.Input((latent_dim + sum(s * s for s in fine),), name="z")
        inputs, condition = z, []
        if conditional:
            labels = label_input_layer()
            inputs = [z, labels]
            condition = [one_hot(labels, num_classes, "label_one_hot")]
        coarse_z, *noises = LatentSplit(latent_dim, fine, name="latent_split")(z)
        coarse = _coarse_generator(latent_dim, sides[-1], channels, widths[-1], norm, classes,
                                   name=f"level{levels - 1}")
        image = coarse([coarse_z, *condition])
        for k in reversed(range(levels - 1)):
            low = laplacian.PyramidUpsample(name=f"up{k}")(image)
            level = _residual_generator(sides[k], channels, widths[k], norm, classes,
                                        name=f"level{k}")
            image = keras.layers.Add(name=f"image{k}")([low, level([low, noises[k],
                                                                    *condition])])
        self._finish(inputs, image, name, {
            "latent_dim": latent_dim, "image_size": image_size, "channels": channels,
            "levels": levels, "filters": widths, "norm": norm, "conditional": conditional,
            "num_classes": num_classes}, **kwargs)

    @property
    def num_levels(self) -> int:
        return int(self.get_config()["levels"])

    def level_network(self, k: int) -> keras.Model:
        """G_k (k = 0 fine … K coarse)."""
        return self.get_layer(f"level{k}")

    def chain_levels(self, inputs, training: bool = False) -> list[tf.Tensor]:
        """[Ĩ₀, …, Ĩ_K] of the sampling chain on ``inputs`` (z, or [z, labels]): every
        level's image as the generator draws it, coarse to fine (Ĩ₀ is ``self(inputs)``)."""
        view = self.__dict__.get("_chain_view")
        if view is None:  # kept out of Keras' tracking: the layers are the generator's own
            levels = self.num_levels
            outputs = [self.get_layer(f"image{k}").output for k in range(levels - 1)]
            outputs.append(self.get_layer(f"up{levels - 2}").input)
            view = keras.Model(self.inputs, outputs)
            self.__dict__["_chain_view"] = view
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        return [tf.cast(x, tf.float32) for x in view(inputs, training=training)]

    def levels(self, z: tf.Tensor, lows: Sequence[tf.Tensor], labels=None,
               training: bool = False) -> list[tf.Tensor]:
        """[Ĩ₀, …, Ĩ_K] with every finer level conditioned on the given low-passes
        ``lows`` = [l₀, …, l_{K−1}] (in training: the real image's) instead of the chain's:
        Ĩ_K = G_K(z_K), Ĩ_k = l_k + G_k(l_k, n_k). ``labels``: class ids (conditional)."""
        coarse_z, *noises = self.get_layer("latent_split")(z)
        condition = []
        if self.get_config()["conditional"]:
            condition = [self.get_layer("label_one_hot")(labels)]
        images = [tf.cast(self.level_network(k)([low, noises[k], *condition],
                                                training=training), tf.float32) + low
                  for k, low in enumerate(lows)]
        coarse = self.level_network(len(lows))([coarse_z, *condition], training=training)
        return images + [tf.cast(coarse, tf.float32)]


def _level_discriminator(side, channels, width, dropout, num_classes, has_low, name):
    """D_k: [I_k (, l_k) (, class)] → one logit: DCGAN's 4×4 stride-2 convolutions (width,
    then twice the width) while the side exceeds 4, LReLU 0.2, dense to the logit."""
    image = keras.Input((side, side, channels), name=f"{name}_image")
    inputs, planes = [image], [image]
    if has_low:
        low = keras.Input((side, side, channels), name=f"{name}_low")
        inputs.append(low)
        planes.append(low)
    if num_classes:
        condition = keras.Input((num_classes,), name=f"{name}_class")
        inputs.append(condition)
        planes.append(_class_plane(condition, side, f"{name}_class_plane"))
    x = (planes[0] if len(planes) == 1
         else keras.layers.Concatenate(name=f"{name}_stack")(planes))
    current, index = side, 0
    while current > 4 and index < 2:
        x = keras.layers.Conv2D(width * 2 ** index, 4, strides=2, padding="same",
                                name=f"{name}_down_{index}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"{name}_down_lrelu_{index}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"{name}_dropout_{index}")(x)
        current, index = (current + 1) // 2, index + 1
    x = keras.layers.Flatten(name=f"{name}_flatten")(x)
    logit = keras.layers.Dense(1, dtype="float32", name=f"{name}_logit")(x)
    return keras.Model(inputs, logit, name=name)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class UnpackLevels(keras.layers.Layer):
    """``unpack`` as a layer: packed → [I₀, l₀, I₁, l₁, …, I_K]."""

    def __init__(self, channels: int, levels: int, **kwargs):
        super().__init__(**kwargs)
        self.channels, self.num_levels = int(channels), int(levels)

    def call(self, packed):
        images, lows = unpack(packed, self.channels, self.num_levels)
        out = []
        for k, image in enumerate(images):
            out += [image, lows[k]] if k < len(lows) else [image]
        return out

    def compute_output_shape(self, input_shape):
        batch, side = input_shape[0], input_shape[1]
        shapes = []
        for k in range(self.num_levels):
            level = (batch, side // 2 ** k, side // 2 ** k, self.channels)
            shapes += [level, level] if k < self.num_levels - 1 else [level]
        return shapes

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "levels": self.num_levels}


@register_discriminator("lapgan")
class LAPGANDiscriminator(Network):
    """LAPGAN's discriminators, one per level, on ``pack``ed levels (module docstring):
    ``packed`` (or ``[packed, labels]``) → ``[B, levels]`` logits, fine → coarse.

    Args:
        image_size, channels, levels: as the generator's.
        filters: first width of each level's discriminator, fine → coarse.
        dropout: after each stride-2 convolution (eyescream's D uses dropout).
        conditional, num_classes: the class-conditional variant.
    """

    def __init__(self, image_size: int = 28, channels: int = 1, levels: int = 3,
                 filters: Sequence[int] = (32, 32, 32), dropout: float = 0.0,
                 conditional: bool = False, num_classes: Optional[int] = None,
                 name: str = "lapgan_discriminator", **kwargs):
        sides = laplacian.level_sizes(image_size, levels, field="discriminator.image_size")
        widths = _level_widths(filters, levels, "discriminator")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"discriminator.dropout: must be in [0, 1), got {dropout!r}")
        check_num_classes("discriminator", num_classes, conditional)
        classes = num_classes if conditional else None
        packed = keras.Input((image_size, image_size, channels * (2 * levels - 1)),
                             name="levels")
        inputs, condition = packed, []
        if conditional:
            labels = label_input_layer()
            inputs = [packed, labels]
            condition = [one_hot(labels, num_classes, "label_one_hot")]
        parts = UnpackLevels(channels, levels, name="unpack")(packed)
        logits = []
        for k, side in enumerate(sides):
            has_low = k < levels - 1
            level_inputs = parts[2 * k:2 * k + 2] if has_low else parts[2 * k:2 * k + 1]
            network = _level_discriminator(side, channels, widths[k], float(dropout), classes,
                                           has_low, name=f"level{k}")
            logits.append(network([*level_inputs, *condition]))
        outputs = keras.layers.Concatenate(name="logits", dtype="float32")(logits)
        self._finish(inputs, outputs, name, {
            "image_size": image_size, "channels": channels, "levels": levels,
            "filters": widths, "dropout": float(dropout), "conditional": conditional,
            "num_classes": num_classes}, **kwargs)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """The image the packed input stands for (the factory's shape check)."""
        config = self.get_config()
        return (config["image_size"], config["image_size"], config["channels"])
