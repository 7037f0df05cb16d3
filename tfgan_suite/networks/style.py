"""What StyleGAN and StyleGAN2 generators share: the mapping network z → w, the style
slots w → [w, …, w] with the tracked average w̄, truncation in W, and the generator
pattern z → mapping → slots → synthesis.

Karras et al. 2019, "A Style-Based Generator Architecture for GANs" (NVlabs/stylegan
``training/networks_stylegan.py``: ``G_mapping``, ``G_style``) and Karras et al. 2020,
StyleGAN2 (NVlabs/stylegan2 ``training/networks_stylegan2.py``); constants in
../shared/families.md §15.1 / §16.1.

- Mapping: z normalised by its second moment (ε 1e-8, ``PixelNorm``), then ``depth``
  equalized dense layers of width ``w_dim`` with LReLU 0.2 and gain √2, every weight and
  bias with the learning-rate multiplier (0.01: the stored kernel ~ N(0, 100²)).
- Slots: w is broadcast to one slot per synthesis layer that takes a style. The slots layer
  keeps w̄ (a non-trainable weight, zeros at init) which training moves towards the batch
  mean of w: w̄ ← 0.995·w̄ + 0.005·mean(w) (``StyleGAN.track_w_avg``).
- Truncation in W: w′ = w̄ + ψ·(w − w̄) on the slots before ``cutoff`` (all slots when None);
  ψ = 1 is the identity, ψ = 0 gives w̄'s image for every z.
- The generator called on z (``generator(z)``) uses each synthesis layer's stored noise
  image (the reference's ``randomize_noise=False``), so it is a deterministic function of z
  — what sampling, evaluation and the exports see. Training calls ``mapping`` and
  ``synthesis`` itself with fresh stateless noise (``gans/stylegan.py``).
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import keras
import tensorflow as tf

from tfgan_suite.layers import EqualizedDense, PixelNorm
from tfgan_suite.layers.tracked_lists import ListTracking
from tfgan_suite.networks import pyramid
from tfgan_suite.networks.base import Network

_SLOPE = 0.2


def filters_by_resolution(filters: Sequence[int], image_size: int, field: str
                          ) -> dict[int, int]:
    """resolution → width for 4, 8, …, image_size (a power of two ≥ 8)."""
    return pyramid.widths(filters, image_size, field, minimum=8, family="style")


def num_slots(image_size: int) -> int:
    """Style slots of a synthesis network: 2·log2(image_size) − 2 (8 at 32 px)."""
    return 2 * int(math.log2(image_size)) - 2


@keras.saving.register_keras_serializable(package="tfgan_suite")
class MappingNetwork(ListTracking, keras.layers.Layer):
    """z → w: second-moment normalisation, then ``depth`` × (equalized dense, LReLU 0.2).

    Args:
        w_dim: width of every layer and of w.
        depth: dense layers (8 in the paper; 4 in the 2-core recipes).
        lr_multiplier: learning-rate multiplier of every weight and bias (0.01).
    """

    def __init__(self, w_dim: int = 128, depth: int = 4, lr_multiplier: float = 0.01,
                 **kwargs):
        super().__init__(**kwargs)
        for field, value in (("w_dim", w_dim), ("depth", depth)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"generator.{'mapping_layers' if field == 'depth' else field}:"
                                 f" a positive integer, got {value!r}")
        self.w_dim, self.depth, self.lr_multiplier = w_dim, depth, lr_multiplier
        self.normalize = PixelNorm(name="normalize")
        self.dense = [EqualizedDense(w_dim, lr_multiplier=lr_multiplier, name=f"dense{i}")
                      for i in range(depth)]

    def build(self, input_shape):
        shape = tuple(input_shape)
        self.normalize.build(shape)
        for layer in self.dense:
            layer.build(shape)
            shape = (*shape[:-1], self.w_dim)

    def call(self, z):
        x = self.normalize(z)
        for layer in self.dense:
            x = tf.nn.leaky_relu(layer(x), _SLOPE)
        return x

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.w_dim)

    def get_config(self):
        return {**super().get_config(), "w_dim": self.w_dim, "depth": self.depth,
                "lr_multiplier": self.lr_multiplier}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class StyleSlots(keras.layers.Layer):
    """w ``[B, w_dim]`` → ``[B, slots, w_dim]``, one copy per style slot; holds w̄.

    Args:
        slots: the synthesis network's style slots.
    """

    def __init__(self, slots: int, **kwargs):
        super().__init__(**kwargs)
        self.slots = int(slots)

    def build(self, input_shape):
        # Every replica computes the same w̄ (from the global batch): keep the first's.
        self.w_avg = self.add_weight(name="w_avg", shape=(input_shape[-1],),
                                     initializer="zeros", trainable=False,
                                     aggregation="only_first_replica")

    def call(self, w):
        return tf.tile(w[:, None, :], [1, self.slots, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.slots, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "slots": self.slots}


def check_psi(psi) -> None:
    """ψ of truncation in W must lie in [0, 1] (a Python number; tensors are not checked)."""
    if isinstance(psi, (int, float)) and not 0.0 <= float(psi) <= 1.0:
        raise ValueError(f"truncation: ψ must be in [0, 1], got {psi!r}")


def check_cutoff(cutoff: Optional[int], slots: int, field: str) -> None:
    if cutoff is None:
        return
    if not isinstance(cutoff, int) or isinstance(cutoff, bool) or not 1 <= cutoff <= slots:
        raise ValueError(f"{field}: an integer in [1, {slots}] (the generator's style slots) "
                         f"or null for all, got {cutoff!r}")


def truncate(ws: tf.Tensor, w_avg: tf.Tensor, psi, cutoff: Optional[int] = None) -> tf.Tensor:
    """w̄ + ψ·(w − w̄) on the slots before ``cutoff`` (all when None), w elsewhere.

    Args:
        ws: ``[B, slots, w_dim]``.
        w_avg: ``[w_dim]``.
        psi: a number, or ``[B]`` (one ψ per row).
    """
    check_psi(psi)
    psi = tf.cast(psi, ws.dtype)
    if psi.shape.rank == 1:
        psi = psi[:, None, None]
    w_avg = tf.cast(w_avg, ws.dtype)
    truncated = w_avg + psi * (ws - w_avg)
    if cutoff is None:
        return truncated
    keep = tf.range(ws.shape[1])[None, :, None] < cutoff
    return tf.where(keep, truncated, ws)


def mix(first: tf.Tensor, second: tf.Tensor, crossover) -> tf.Tensor:
    """Style mixing: slots before ``crossover`` from ``first``, the rest from ``second``
    (both ``[B, slots, w_dim]``; ``crossover`` a scalar, or ``[B]``)."""
    crossover = tf.convert_to_tensor(crossover, tf.int32)
    if crossover.shape.rank == 1:
        crossover = crossover[:, None, None]
    index = tf.range(first.shape[1])[None, :, None]
    return tf.where(index < crossover, first, second)


class StyleGenerator(Network):
    """z → ``mapping`` → ``slots`` → ``synthesis`` → image; subclasses name the synthesis
    layer class (``synthesis_class``) and their ``default_name``, and register themselves.

    Args:
        latent_dim: size of z.
        w_dim: size of w.
        mapping_layers: depth of the mapping network.
        mapping_lr_multiplier: its learning-rate multiplier.
        image_size, channels: the image.
        filters: synthesis widths per resolution 4, 8, …, image_size.
    """

    synthesis_class: type = None
    default_name = "style_generator"

    def __init__(self, latent_dim: int = 128, w_dim: int = 128, mapping_layers: int = 4,
                 mapping_lr_multiplier: float = 0.01, image_size: int = 32,
                 channels: int = 1, filters: Sequence[int] = (64, 64, 64, 32),
                 name: Optional[str] = None, **kwargs):
        name = name or self.default_name
        widths = filters_by_resolution(filters, image_size, "generator")
        z = keras.Input((latent_dim,), name="z")
        w = MappingNetwork(w_dim, mapping_layers, mapping_lr_multiplier, name="mapping")(z)
        ws = StyleSlots(num_slots(image_size), name="slots")(w)
        image = self.synthesis_class(image_size, channels, list(widths.values()),
                                     name="synthesis")(ws)
        self._finish(z, image, name, {"latent_dim": latent_dim, "w_dim": w_dim,
                                      "mapping_layers": mapping_layers,
                                      "mapping_lr_multiplier": mapping_lr_multiplier,
                                      "image_size": image_size, "channels": channels,
                                      "filters": list(filters)}, **kwargs)

    @property
    def mapping(self) -> MappingNetwork:
        return self.get_layer("mapping")

    @property
    def slots(self) -> StyleSlots:
        return self.get_layer("slots")

    @property
    def synthesis(self):
        return self.get_layer("synthesis")

    @property
    def num_slots(self) -> int:
        return self.slots.slots

    def styles(self, z: tf.Tensor, training: bool = False) -> tf.Tensor:
        """``[B, slots, w_dim]``: mapping(z) in every slot."""
        return self.slots(self.mapping(z, training=training))

    def truncated(self, z: tf.Tensor, psi, cutoff: Optional[int] = None) -> tf.Tensor:
        """Images of z with truncation in W (ψ a number or ``[B]``; stored noise)."""
        check_cutoff(cutoff, self.num_slots, "truncation cutoff")
        ws = truncate(self.styles(z), self.slots.w_avg, psi, cutoff)
        return self.synthesis(ws, training=False)

    def lerped(self, z_from: tf.Tensor, z_to: tf.Tensor, t: tf.Tensor) -> tf.Tensor:
        """Images of the styles (1 − t)·w(z_from) + t·w(z_to), t ``[B]`` (stored noise, no
        truncation): interpolation in W, where StyleGAN's paths are smoother than in z."""
        t = tf.reshape(tf.cast(t, tf.float32), [-1, 1, 1])
        first, second = self.styles(z_from), self.styles(z_to)
        return self.synthesis(first + t * (second - first), training=False)

    def mixed(self, z_first: tf.Tensor, z_second: tf.Tensor, crossover: int) -> tf.Tensor:
        """Images whose slots before ``crossover`` come from ``z_first`` (the coarse
        styles), the rest from ``z_second`` (stored noise)."""
        check_cutoff(crossover, self.num_slots, "--mix")
        return self.synthesis(mix(self.styles(z_first), self.styles(z_second), crossover),
                              training=False)


def stored_noise(layer: keras.layers.Layer, shapes: Sequence[tuple[int, int]]) -> list:
    """One non-trainable [1, H, W, 1] N(0, 1) noise image per entry of ``shapes`` (the
    synthesis network's fixed noise when it is called without noise)."""
    return [layer.add_weight(name=f"noise{i}", shape=(1, height, width, 1), trainable=False,
                             initializer=keras.initializers.RandomNormal(stddev=1.0, seed=i))
            for i, (height, width) in enumerate(shapes)]


def noise_inputs(stored: list, noise: Optional[Sequence[tf.Tensor]], batch,
                 dtype) -> list[tf.Tensor]:
    """The noise images of one synthesis call: ``noise`` as given, or the stored ones
    broadcast over the batch."""
    if noise is not None:
        if len(noise) != len(stored):
            raise ValueError(f"noise: {len(stored)} noise images expected, got {len(noise)}")
        return [tf.cast(n, dtype) for n in noise]
    return [tf.tile(tf.cast(n, dtype), [batch, 1, 1, 1]) for n in stored]
