"""CycleGAN-VC and CycleGAN-VC2 networks: gated CNNs on mel-cepstral feature sequences.

Sources (the math and the tables of ../shared/speech.md §2, §7, §8, §11.6, §12; nothing
copied): Kaneko & Kameoka, "CycleGAN-VC: Non-parallel Voice Conversion Using
Cycle-Consistent Adversarial Networks", EUSIPCO 2018, arXiv:1711.11293; Kaneko, Kameoka,
Tanaka & Hojo, "CycleGAN-VC2: Improved CycleGAN-based Non-parallel Voice Conversion",
ICASSP 2019, arXiv:1904.04631. The papers' full text could not be read when the sheet was
written: the layer tables are the ones the sheet read in leimao/Voice-Converter-CycleGAN
``module.py`` (CycleGAN-VC) and jackaduma/CycleGAN-VC2 ``model_tf.py`` /
GANtastic3/MaskCycleGAN-VC ``model.py`` (CycleGAN-VC2), which the sheet says match the
papers' figures as remembered (``[recall]``, unconfirmed).

Every network takes features ``[B, T, D]`` float32: T frames × D coefficients (``dims``,
default 24 = c1..c24, normalised per speaker). 1-D networks convolve over T with D as
channels. 2-D networks transpose to NHWC ``[B, D, T, 1]`` (H = coefficient, W = time), pad H
with zeros at the end to a multiple of 4 (``padded_height``) and, in a generator, crop it
back at the output. Generators are built with T = None and are length-preserving for any T
divisible by 4. Discriminators take ``frames`` (default 64, the training crop) as their
input length; ``vc_full``'s dense head needs it, ``vc_patchgan`` accepts None (any length).

- ``vc_gated_1d`` (CycleGAN-VC's G, §7): h1 Conv1D k15 → GLU (no norm); d1, d2 Conv1D k5 s2
  → IN → GLU; ``blocks`` residual blocks [Conv1D k3 → IN → GLU (2·4C) → Conv1D k3 4C → IN]
  + skip; u1, u2 Conv1D k5 → PixelShuffle1D ×2 → IN → GLU; out Conv1D k15 → D, linear.
  Widths after the GLU: C, 2C, 4C, residual 8C/4C, 4C, 2C (paper C = 128, 6 blocks).
- ``vc_gated_212d`` (CycleGAN-VC2's 2-1-2D G, §8): c1 Conv2D 5×15 → GLU (no norm, C);
  ds1, ds2 Conv2D 5×5 s2 → IN → GLU (2C, 2C); 2D→1D: Flatten2DTo1D → Conv1D 1×1 →
  IN (``bridge_channels`` B); ``blocks`` 1-D residual blocks [k3 → IN → GLU (2B) → k3 B →
  IN] + skip; 1D→2D: Conv1D 1×1 ((H/4)·2C) → IN → Unflatten1DTo2D; us1, us2 Conv2D 5×5 →
  PixelShuffle2D ×2 → IN → GLU (2C, C); out Conv2D 5×15 → 1, linear. Paper C = 128,
  B = 256, 6 blocks.
- ``vc_full`` (CycleGAN-VC's D, §7): h1 Conv2D 3×3 s(1,2) → GLU (no norm, C); d1, d2 3×3
  s(2,2) → IN → GLU (2C, 4C); d3 6×3 s(1,2) → IN → GLU (8C); Flatten → Dense(1) → logits
  ``[B, 1]``, linear (the objective applies the sigmoid or the least-squares loss). The
  paper's head is "fully connected" [recall]; leimao's ``dense`` acts per position and so
  emits a 6×8 map for 24×128 input — that per-position head is the deviation not taken.
- ``vc_patchgan`` (CycleGAN-VC2's D, §8): c1 3×3 s1 GLU (no norm, C); ds1..ds3 3×3 s2 IN
  GLU (2C, 4C, 8C); ds4 1×5 s1 IN GLU (8C); out Conv2D 1×3 → 1, linear: a logit map
  ``[B, ⌈H/8⌉, ⌈T/8⌉, 1]``. ds4 is defined but never called in both reference codes the
  sheet read (1×5 in jackaduma, 1×10 in GANtastic3); 1×5 is the sheet's ``[design]``
  choice (§8, §12.5). Both apply a sigmoid before the LSGAN loss; the output here is linear.

Layout: every gated block "data conv + gate conv of the same shape, each normalised" is one
conv with twice the outputs → (PixelShuffle) → (IN) → ``GatedLinearUnit`` (first half data,
second half gates; equivalent with per-channel IN, tests/layers). The channel counts in the
§7/§8 tables are after the GLU, so the conv has 2× (4× before a 1-D shuffle, 8× before a
2-D one). The residual blocks' inner width is the tables' "1024" (§7) / "512" (§8) after the
GLU: that is the reading that gives the sheet's ≈ 38.0 M parameters for the paper-size
CycleGAN-VC G at D = 24 (38,035,736 here; the other reading, 1024 before the GLU, gives
23.9 M). IN (``layers.InstanceNormalization``, ε 1e-5, per-channel affine) never keeps
running statistics. A conv followed by IN has no bias (the norm removes it; see
``translation.py``), the output convs are linear with a bias. Initialisers: Keras defaults
(Glorot-uniform kernels, zero biases), as leimao's ``tf.layers``. Convs pad "same"; for a
stride-2 conv on an even length TF pads one more sample at the end than the PyTorch
references' symmetric padding — the same shapes, the kernel's frame one sample apart.

Sizes (``size``): ``"paper"`` = the §7/§8 tables; ``"cpu"`` = §11.6's CPU preset
(``[design]``: 1-D base 16 → 32 → 64 with residual 128/64 and 3 blocks; 2-1-2D 2-D channels
16/32 with a 64-wide 1-D bridge, 3 blocks; discriminators base 16). ``channels``, ``blocks``,
``bridge_channels`` override the table when not None. Parameters at D = 24 (``frames`` 64):

| network | paper | cpu |
|---|---|---|
| vc_gated_1d | 38,035,736 | 395,448 |
| vc_gated_212d | 32,491,905 | 636,273 |
| vc_full (``frames`` 64; its head has (D'/4)·⌈frames/16⌉·8C + 1) | 21,857,793 | 345,281 |
| vc_patchgan (``frames`` any) | 22,888,961 | 359,489 |
"""

from __future__ import annotations

from typing import Any, Optional

import keras

from tfgan_suite.layers import (
    Flatten2DTo1D,
    GatedLinearUnit,
    InstanceNormalization,
    PixelShuffle1D,
    PixelShuffle2D,
    Unflatten1DTo2D,
)
from tfgan_suite.networks.base import Network, register_discriminator, register_generator
from tfgan_suite.networks.translation import _positive

SIZES = ("paper", "cpu")
GATED_1D_SIZES = {"paper": {"channels": 128, "blocks": 6}, "cpu": {"channels": 16, "blocks": 3}}
GATED_212D_SIZES = {"paper": {"channels": 128, "bridge_channels": 256, "blocks": 6},
                    "cpu": {"channels": 16, "bridge_channels": 64, "blocks": 3}}
FULL_SIZES = {"paper": {"channels": 128}, "cpu": {"channels": 16}}
PATCHGAN_SIZES = {"paper": {"channels": 128}, "cpu": {"channels": 16}}


# --- options ---------------------------------------------------------------------------

def sized(role: str, size: str, table: dict[str, dict[str, int]], **explicit) -> dict[str, int]:
    """The ``size`` row of ``table``, with every explicit option that is not None on top."""
    if size not in table:
        raise ValueError(f"{role}.size: unknown value {size!r}; accepted: {', '.join(table)}")
    values = dict(table[size])
    for key, value in explicit.items():
        if value is not None:
            values[key] = _positive(f"{role}.{key}", value)
    return values


def check_frames(role: str, frames: Optional[int], required: bool = False) -> Optional[int]:
    """The training crop length: a positive multiple of 4 (None = any length, unless the
    network's head needs a fixed one)."""
    if frames is None and not required:
        return None
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 4 or frames % 4:
        accepted = "a positive multiple of 4" + ("" if required else " or null")
        raise ValueError(f"{role}.frames: must be {accepted}, got {frames!r}")
    return frames


def check_choice(field: str, value: Any, accepted: tuple[str, ...]) -> str:
    if value not in accepted:
        raise ValueError(f"{field}: unknown value {value!r}; accepted: {', '.join(accepted)}")
    return value


def padded_height(dims: int) -> int:
    """D rounded up to a multiple of 4: the 2-D networks' H after zero padding."""
    return -(-dims // 4) * 4


def features_input(dims: int, frames: Optional[int] = None, name: str = "features"):
    return keras.Input((frames, dims), name=name)


# --- layout ----------------------------------------------------------------------------

def to_image(features, dims: int):
    """``[B, T, D]`` → ``[B, D', T, 1]``: H = coefficient, W = time, D' = ``padded_height``
    (zeros appended to the coefficient axis)."""
    x = keras.layers.Reshape((-1, dims, 1), name="time_major")(features)
    x = keras.layers.Permute((2, 1, 3), name="coefficient_major")(x)
    pad = padded_height(dims) - dims
    if pad:
        x = keras.layers.ZeroPadding2D(((0, pad), (0, 0)), name="pad_coefficients")(x)
    return x


def to_features(image, dims: int):
    """``[B, D', T, 1]`` → ``[B, T, D]``: crop the padded coefficients, back to time-major."""
    pad = image.shape[1] - dims
    if pad:
        image = keras.layers.Cropping2D(((0, pad), (0, 0)), name="crop_coefficients")(image)
    x = keras.layers.Permute((2, 1, 3), name="back_to_time_major")(image)
    return keras.layers.Reshape((-1, dims), name="to_features")(x)


# --- blocks ----------------------------------------------------------------------------

def normalise(x, norm: str, name: str):
    """``instance`` (IN), ``batch`` (synchronised BN: the global batch's statistics under a
    distribution strategy) or ``none``."""
    if norm == "instance":
        return InstanceNormalization(name=f"{name}_in")(x)
    if norm == "batch":
        return keras.layers.BatchNormalization(synchronized=True, name=f"{name}_bn")(x)
    return x


def gated(x, width: int, kernel, strides=1, *, name: str, norm: str = "instance",
          shuffle: bool = False, transpose: bool = False):
    """A gated block: one conv (1-D or 2-D by the input's rank) with the data and the gate
    halves → (pixel shuffle ×2) → (norm) → GLU → ``width`` channels."""
    rank = len(x.shape) - 2
    grow = 2 ** rank if shuffle else 1  # the shuffler folds 2 (1-D) or 4 (2-D) into positions
    if rank == 1:
        conv = keras.layers.Conv1D
    else:
        conv = keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D
    x = conv(2 * width * grow, kernel, strides=strides, padding="same",
             use_bias=norm == "none", name=f"{name}_conv")(x)
    if shuffle:
        x = (PixelShuffle1D if rank == 1 else PixelShuffle2D)(2, name=f"{name}_shuffle")(x)
    x = normalise(x, norm, name)
    return GatedLinearUnit(name=f"{name}_glu")(x)


def conv_in(x, width: int, kernel, *, name: str):
    """A bias-free conv (1-D or 2-D by the input's rank) → IN."""
    conv = keras.layers.Conv1D if len(x.shape) == 3 else keras.layers.Conv2D
    x = conv(width, kernel, padding="same", use_bias=False, name=f"{name}_conv")(x)
    return InstanceNormalization(name=f"{name}_in")(x)


def residual_1d(x, width: int, *, name: str):
    """[Conv1D k3 → IN → GLU (2·width)] → Conv1D k3 → IN (width), + the input."""
    y = gated(x, 2 * width, 3, name=f"{name}_a")
    y = conv_in(y, width, 3, name=f"{name}_b")
    return keras.layers.Add(name=f"{name}_add")([x, y])


def encode_212d(features, dims: int, widths: tuple[int, int, int]):
    """The 2-D front of a 2-1-2D generator: c1 5×15 GLU (no norm), ds1, ds2 5×5 s2 IN GLU →
    ``[B, D'/4, T/4, widths[2]]``."""
    x = to_image(features, dims)
    x = gated(x, widths[0], (5, 15), name="c1", norm="none")
    x = gated(x, widths[1], 5, 2, name="ds1")
    return gated(x, widths[2], 5, 2, name="ds2")


def flatten_to_1d(x, bridge_channels: int):
    """2D→1D: ``[B, h, w, c]`` → Flatten2DTo1D ``[B, w, h·c]`` → Conv1D 1×1 → IN."""
    x = Flatten2DTo1D(name="to_1d")(x)
    return conv_in(x, bridge_channels, 1, name="bridge_in")


def unflatten_to_2d(x, height: int, channels: int, norm: bool = True):
    """1D→2D: Conv1D 1×1 to height·channels → (IN) → Unflatten1DTo2D ``[B, height, w, c]``."""
    if norm:
        x = conv_in(x, height * channels, 1, name="bridge_out")
    else:
        x = keras.layers.Conv1D(height * channels, 1, name="bridge_out_conv")(x)
    return Unflatten1DTo2D(height, channels, name="to_2d")(x)


def decode_212d(x, dims: int, widths: tuple[int, int], norm: str = "instance"):
    """us1, us2 Conv2D 5×5 → PixelShuffle2D ×2 → (IN) → GLU; out Conv2D 5×15 → 1, linear;
    crop back to ``[B, T, D]``."""
    x = gated(x, widths[0], 5, name="us1", norm=norm, shuffle=True)
    x = gated(x, widths[1], 5, name="us2", norm=norm, shuffle=True)
    x = keras.layers.Conv2D(1, (5, 15), padding="same", name="out_conv")(x)
    x = to_features(x, dims)
    return keras.layers.Activation("linear", dtype="float32", name="converted")(x)


def patchgan_trunk(image, channels: int):
    """CycleGAN-VC2's PatchGAN without its output conv: c1 3×3 GLU (no norm), ds1..ds3 3×3
    s2 IN GLU, ds4 1×5 IN GLU; widths C, 2C, 4C, 8C, 8C."""
    x = gated(image, channels, 3, name="c1", norm="none")
    for index, width in enumerate((2 * channels, 4 * channels, 8 * channels)):
        x = gated(x, width, 3, 2, name=f"ds{index + 1}")
    return gated(x, 8 * channels, (1, 5), name="ds4")


# --- networks --------------------------------------------------------------------------

@register_generator("vc_gated_1d")
class GatedCNN1DGenerator(Network):
    """CycleGAN-VC's 1-D gated CNN: features [B, T, D] → converted [B, T, D], T % 4 == 0
    (module docstring). ``channels`` = h1's width C, ``blocks`` residual blocks."""

    def __init__(self, dims: int = 24, size: str = "cpu", channels: Optional[int] = None,
                 blocks: Optional[int] = None, name: str = "vc_gated_1d", **kwargs):
        _positive("generator.dims", dims)
        widths = sized("generator", size, GATED_1D_SIZES, channels=channels, blocks=blocks)
        base = widths["channels"]
        features = features_input(dims)
        x = gated(features, base, 15, name="h1", norm="none")
        x = gated(x, 2 * base, 5, 2, name="d1")
        x = gated(x, 4 * base, 5, 2, name="d2")
        for block in range(widths["blocks"]):
            x = residual_1d(x, 4 * base, name=f"r{block + 1}")
        x = gated(x, 4 * base, 5, name="u1", shuffle=True)
        x = gated(x, 2 * base, 5, name="u2", shuffle=True)
        x = keras.layers.Conv1D(dims, 15, padding="same", name="out_conv")(x)
        out = keras.layers.Activation("linear", dtype="float32", name="converted")(x)
        self._finish(features, out, name, {"dims": dims, "size": size, "channels": channels,
                                           "blocks": blocks}, **kwargs)


@register_generator("vc_gated_212d")
class GatedCNN212DGenerator(Network):
    """CycleGAN-VC2's 2-1-2D generator: features [B, T, D] → [B, T, D], T % 4 == 0 (module
    docstring). ``channels`` = c1's width C (ds1/ds2/us1 2C), ``bridge_channels`` the 1-D
    width, ``blocks`` 1-D residual blocks."""

    def __init__(self, dims: int = 24, size: str = "cpu", channels: Optional[int] = None,
                 bridge_channels: Optional[int] = None, blocks: Optional[int] = None,
                 name: str = "vc_gated_212d", **kwargs):
        _positive("generator.dims", dims)
        widths = sized("generator", size, GATED_212D_SIZES, channels=channels,
                       bridge_channels=bridge_channels, blocks=blocks)
        base, bridge = widths["channels"], widths["bridge_channels"]
        features = features_input(dims)
        x = encode_212d(features, dims, (base, 2 * base, 2 * base))
        x = flatten_to_1d(x, bridge)
        for block in range(widths["blocks"]):
            x = residual_1d(x, bridge, name=f"r{block + 1}")
        x = unflatten_to_2d(x, padded_height(dims) // 4, 2 * base)
        out = decode_212d(x, dims, (2 * base, base))
        self._finish(features, out, name, {
            "dims": dims, "size": size, "channels": channels,
            "bridge_channels": bridge_channels, "blocks": blocks}, **kwargs)


@register_discriminator("vc_full")
class FullDiscriminator(Network):
    """CycleGAN-VC's 2-D gated discriminator with a fully connected head: features
    [B, frames, D] → logits [B, 1] (module docstring). Needs a fixed ``frames``."""

    def __init__(self, dims: int = 24, frames: int = 64, size: str = "cpu",
                 channels: Optional[int] = None, name: str = "vc_full", **kwargs):
        _positive("discriminator.dims", dims)
        check_frames("discriminator", frames, required=True)
        base = sized("discriminator", size, FULL_SIZES, channels=channels)["channels"]
        features = features_input(dims, frames)
        x = to_image(features, dims)
        x = gated(x, base, 3, (1, 2), name="h1", norm="none")
        x = gated(x, 2 * base, 3, 2, name="d1")
        x = gated(x, 4 * base, 3, 2, name="d2")
        x = gated(x, 8 * base, (6, 3), (1, 2), name="d3")
        x = keras.layers.Flatten(name="flatten")(x)
        x = keras.layers.Dense(1, name="fc")(x)
        out = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
        self._finish(features, out, name, {"dims": dims, "frames": frames, "size": size,
                                           "channels": channels}, **kwargs)


@register_discriminator("vc_patchgan")
class GatedPatchGANDiscriminator(Network):
    """CycleGAN-VC2's gated PatchGAN: features [B, frames, D] → a logit map
    [B, ⌈D'/8⌉, ⌈T/8⌉, 1] (module docstring); ``frames`` None accepts any length."""

    def __init__(self, dims: int = 24, frames: Optional[int] = 64, size: str = "cpu",
                 channels: Optional[int] = None, name: str = "vc_patchgan", **kwargs):
        _positive("discriminator.dims", dims)
        check_frames("discriminator", frames)
        base = sized("discriminator", size, PATCHGAN_SIZES, channels=channels)["channels"]
        features = features_input(dims, frames)
        x = patchgan_trunk(to_image(features, dims), base)
        x = keras.layers.Conv2D(1, (1, 3), padding="same", name="out_conv")(x)
        out = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
        self._finish(features, out, name, {"dims": dims, "frames": frames, "size": size,
                                           "channels": channels}, **kwargs)
