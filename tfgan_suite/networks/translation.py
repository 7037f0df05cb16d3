"""Image-to-image translators and the PatchGAN discriminator (issue #18).

Sources (read for the math, nothing copied): Zhu et al., "Unpaired Image-to-Image Translation
using Cycle-Consistent Adversarial Networks", ICCV 2017, arXiv:1703.10593; Isola et al.,
"Image-to-Image Translation with Conditional Adversarial Networks", CVPR 2017,
arXiv:1611.07004; junyanz/pytorch-CycleGAN-and-pix2pix ``models/networks.py``
(``ResnetGenerator``, ``UnetGenerator``, ``NLayerDiscriminator``); ../shared/families.md §17.

- ``resnet_translator`` (CycleGAN's G, paper notation c7s1-f, d2f, d4f, R4f × blocks, u2f,
  uf, c7s1-C): reflection pad 3 → 7×7 conv → IN → ReLU; two stride-2 3×3 convs (zero pad 1)
  doubling the width, each → IN → ReLU; ``blocks`` residual blocks [reflect pad 1, 3×3 conv,
  IN, ReLU, reflect pad 1, 3×3 conv, IN] + identity, nothing after the sum; two stride-2 3×3
  transposed convs halving the width, each → IN → ReLU; reflect pad 3 → 7×7 conv → tanh.
  The transposed convs use Keras' ``same`` alignment (the reference crops its one extra
  row at the other end: same shapes, a one-pixel shift of the learned kernel's frame).
- ``unet_translator`` (pix2pix's G): a 4×4 stride-2 encoder C f, 2f, 4f, 8f, 8f, … down to
  1×1 (LReLU 0.2 before each conv but the first; no norm on the first and on the innermost
  conv), a decoder of 4×4 stride-2 transposed convs (ReLU before, norm after) with the
  mirror encoder level concatenated (skip), dropout 0.5 after the 8f decoder convs between
  the innermost one and the 4f level (pix2pix's num_downs − 5 blocks), tanh at the end.
- ``patchgan`` (the 70×70 PatchGAN for ``strided_layers`` 3): C f (4×4 s2, no norm,
  LReLU 0.2) → C 2f, C 4f (s2, norm, LReLU) → C min(2ⁿ, 8)·f (4×4 **s1**, norm, LReLU) → 4×4 s1
  conv to one logit per patch; every conv zero-pads 1 as the reference. Its receptive field
  (``receptive_field``) is 70 for 3 strided layers, 34 for 2, 16 for 1; a 256² input gives a
  30×30 map, 64² gives 6×6. With ``condition_channels`` > 0 (pix2pix) it judges the pair:
  inputs [images, condition] concatenated along channels.

Normalisation: instance norm = ``GroupNormalization(groups=-1)`` without affine parameters
(CycleGAN's), ε 1e-5; ``norm: batch`` is pix2pix's batch norm, ``none`` disables it (the
receptive-field test: instance statistics see the whole image). Conv weights N(0, 0.02),
biases 0. A conv followed by a norm has **no bias**, where the reference keeps one: the norm
subtracts it again, so its true gradient is 0 and Adam turns the float round-off of that 0
into steps of up to the learning rate — drift that changes no output but makes a run's
weights depend on how the batch was split (measured: 6e-4 between 1 and 2 replicas after
two steps at lr 1e-3). Channels: any; sides: multiples of 4
(ResNet), powers of two ≥ 8 (U-Net), ≥ 8 (PatchGAN's map must keep one cell).
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tfgan_suite.networks.base import Network, register_discriminator, register_generator

NORMS = ("instance", "batch", "none")
_SLOPE = 0.2


def _init():
    return keras.initializers.RandomNormal(stddev=0.02)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ReflectionPad2D(keras.layers.Layer):
    """Pads H and W by ``pad`` on each side with their reflection (edge not repeated, as
    ``torch.nn.ReflectionPad2d``); TFLite's MIRROR_PAD built-in."""

    def __init__(self, pad: int, **kwargs):
        super().__init__(**kwargs)
        self.pad = int(pad)

    def call(self, images):
        p = self.pad
        return tf.pad(images, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        height, width = (None if side is None else side + 2 * self.pad
                         for side in (height, width))
        return (batch, height, width, channels)

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}


def _check_norm(field: str, norm: str) -> str:
    if norm not in NORMS:
        raise ValueError(f"{field}.norm: unknown value {norm!r}; accepted: {', '.join(NORMS)}")
    return norm


def _normalise(x, norm: str, name: str):
    if norm == "instance":
        return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, center=False,
                                               scale=False, name=f"{name}_in")(x)
    if norm == "batch":
        return keras.layers.BatchNormalization(synchronized=True, epsilon=1e-5,
                                               name=f"{name}_bn")(x)
    return x


def _conv(x, filters: int, kernel: int, stride: int, name: str, pad: str = "zero",
          pad_width: int = 1, bias: bool = True):
    """A conv with the reference's explicit padding: ``zero`` / ``reflect`` by
    ``pad_width`` then a valid conv (``none``: no padding); ``bias`` False in front of a
    normalisation (module docstring)."""
    if pad == "reflect":
        x = ReflectionPad2D(pad_width, name=f"{name}_reflect")(x)
    elif pad == "zero":
        x = keras.layers.ZeroPadding2D(pad_width, name=f"{name}_zero")(x)
    return keras.layers.Conv2D(filters, kernel, strides=stride, padding="valid",
                               use_bias=bias, kernel_initializer=_init(), name=name)(x)


def _up(x, filters: int, kernel: int, name: str, bias: bool = True):
    return keras.layers.Conv2DTranspose(filters, kernel, strides=2, padding="same",
                                        use_bias=bias, kernel_initializer=_init(), name=name)(x)


def _positive(field: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{field}: must be a positive integer, got {value!r}")
    return value


@register_generator("resnet_translator")
class ResNetTranslator(Network):
    """CycleGAN's ResNet generator: images [B, S, S, C] → translated [B, S, S, C] (module
    docstring). ``filters`` = ngf (64 in the paper), ``blocks`` 6 (128 px) or 9 (≥ 256 px)."""

    def __init__(self, image_size: int = 32, channels: int = 1, filters: int = 32,
                 blocks: int = 6, norm: str = "instance", name: str = "resnet_translator",
                 **kwargs):
        _positive("generator.filters", filters)
        _positive("generator.blocks", blocks)
        _check_norm("generator", norm)
        if image_size % 4:
            raise ValueError(f"generator.image_size: the ResNet translator halves the side "
                             f"twice; needs a multiple of 4, got {image_size!r}")
        images = keras.Input((image_size, image_size, channels), name="images")
        biased = norm == "none"  # a bias in front of a norm is removed by it
        x = _conv(images, filters, 7, 1, "c7s1", pad="reflect", pad_width=3, bias=biased)
        x = keras.layers.ReLU(name="c7s1_relu")(_normalise(x, norm, "c7s1"))
        width = filters
        for index in range(2):
            width *= 2
            x = _conv(x, width, 3, 2, f"down{index}", bias=biased)
            x = keras.layers.ReLU(name=f"down{index}_relu")(_normalise(x, norm, f"down{index}"))
        for block in range(blocks):
            skip = x
            y = _conv(x, width, 3, 1, f"res{block}_a", pad="reflect", bias=biased)
            y = keras.layers.ReLU(name=f"res{block}_relu")(_normalise(y, norm, f"res{block}_a"))
            y = _conv(y, width, 3, 1, f"res{block}_b", pad="reflect", bias=biased)
            y = _normalise(y, norm, f"res{block}_b")
            x = keras.layers.Add(name=f"res{block}_add")([skip, y])
        for index in range(2):
            width //= 2
            x = _up(x, width, 3, f"up{index}", bias=biased)
            x = keras.layers.ReLU(name=f"up{index}_relu")(_normalise(x, norm, f"up{index}"))
        x = _conv(x, channels, 7, 1, "to_image", pad="reflect", pad_width=3)
        out = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
        self._finish(images, out, name, {"image_size": image_size, "channels": channels,
                                         "filters": filters, "blocks": blocks, "norm": norm},
                     **kwargs)


@register_generator("unet_translator")
class UNetTranslator(Network):
    """pix2pix's U-Net generator: images [B, S, S, C] → [B, S, S, C] through a 1×1
    bottleneck with skips (module docstring). ``filters`` = ngf (64 in pix2pix)."""

    def __init__(self, image_size: int = 32, channels: int = 1, filters: int = 32,
                 norm: str = "batch", dropout: float = 0.5, name: str = "unet_translator",
                 **kwargs):
        _positive("generator.filters", filters)
        _check_norm("generator", norm)
        if image_size < 8 or image_size & (image_size - 1):
            raise ValueError(f"generator.image_size: the U-Net halves the side down to 1; "
                             f"needs a power of two ≥ 8, got {image_size!r}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"generator.dropout: must be in [0, 1), got {dropout!r}")
        depth = int(math.log2(image_size))
        widths = [filters * min(2 ** level, 8) for level in range(depth)]
        images = keras.Input((image_size, image_size, channels), name="images")
        x, skips = images, []
        for level, width in enumerate(widths):
            if level:
                x = keras.layers.LeakyReLU(_SLOPE, name=f"enc{level}_lrelu")(x)
            normalised = 0 < level < depth - 1  # neither the outermost nor the innermost
            x = keras.layers.Conv2D(width, 4, strides=2, padding="same",
                                    use_bias=not normalised or norm == "none",
                                    kernel_initializer=_init(), name=f"enc{level}")(x)
            if normalised:
                x = _normalise(x, norm, f"enc{level}")
            skips.append(x)
        for level in reversed(range(depth - 1)):
            x = keras.layers.ReLU(name=f"dec{level}_relu")(x)
            x = _up(x, widths[level], 4, f"dec{level}", bias=norm == "none")
            x = _normalise(x, norm, f"dec{level}")
            # pix2pix: dropout on the 8f decoder convs between the innermost one and the 4f
            # level (its num_downs − 5 blocks: none at 32 px, one at 64, three at 256).
            if dropout and depth - 5 <= level <= depth - 3 and widths[level] == filters * 8:
                x = keras.layers.Dropout(float(dropout), name=f"dec{level}_dropout")(x)
            x = keras.layers.Concatenate(name=f"dec{level}_skip")([x, skips[level]])
        x = keras.layers.ReLU(name="out_relu")(x)
        x = _up(x, channels, 4, "to_image")
        out = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
        self._finish(images, out, name, {"image_size": image_size, "channels": channels,
                                         "filters": filters, "norm": norm,
                                         "dropout": float(dropout)}, **kwargs)


def receptive_field(strided_layers: int) -> int:
    """The PatchGAN's receptive field in input pixels: kernels 4 throughout, strides 2 for
    the ``strided_layers`` first convs and 1 for the last two; rf = 1 + Σ (k − 1)·Π strides
    before the layer."""
    _positive("discriminator.strided_layers", strided_layers)
    strides = [2] * strided_layers + [1, 1]
    field, jump = 1, 1
    for stride in strides:
        field += (4 - 1) * jump
        jump *= stride
    return field


def output_side(image_size: int, strided_layers: int) -> int:
    """The PatchGAN's map side: each conv pads 1, kernel 4 (s2: ⌊(s − 2)/2⌋ + 1; s1: s − 1)."""
    side = image_size
    for _ in range(strided_layers):
        side = (side + 2 - 4) // 2 + 1
    return side - 2


@register_discriminator("patchgan")
class PatchGANDiscriminator(Network):
    """The N-layer PatchGAN: images [B, S, S, C] (pix2pix: [images, condition]) → logits
    [B, s, s, 1], one per patch of ``receptive_field(strided_layers)`` pixels."""

    def __init__(self, image_size: int = 32, channels: int = 1, filters: int = 32,
                 strided_layers: int = 3, norm: str = "instance", condition_channels: int = 0,
                 name: str = "patchgan", **kwargs):
        _positive("discriminator.filters", filters)
        _positive("discriminator.strided_layers", strided_layers)
        _check_norm("discriminator", norm)
        if output_side(image_size, strided_layers) < 1:
            raise ValueError(f"discriminator.image_size: {image_size} px leaves no patch after "
                             f"{strided_layers} strided layers; use fewer strided_layers or a "
                             f"larger side")
        images = keras.Input((image_size, image_size, channels), name="images")
        inputs, x = images, images
        if condition_channels:
            condition = keras.Input((image_size, image_size, int(condition_channels)),
                                    name="condition")
            inputs = [images, condition]
            x = keras.layers.Concatenate(name="pair")([condition, images])
        for index in range(strided_layers + 1):
            stride = 2 if index < strided_layers else 1
            width = filters * min(2 ** index, 8)
            x = _conv(x, width, 4, stride, f"c{index}", bias=not index or norm == "none")
            if index:
                x = _normalise(x, norm, f"c{index}")
            x = keras.layers.LeakyReLU(_SLOPE, name=f"c{index}_lrelu")(x)
        x = _conv(x, 1, 4, 1, "patch_logits")
        out = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
        self._finish(inputs, out, name, {
            "image_size": image_size, "channels": channels, "filters": filters,
            "strided_layers": strided_layers, "norm": norm,
            "condition_channels": int(condition_channels)}, **kwargs)

    @property
    def receptive_field(self) -> int:
        return receptive_field(self.get_config()["strided_layers"])
