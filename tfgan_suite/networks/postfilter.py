"""GAN-PF networks: a residual 2-D CNN postfilter for mel-cepstra / spectrograms and its D.

Sources (the sheet ../shared/speech.md §4, §5, §12.1–2; nothing copied): Kaneko, Kameoka,
Hojo, Ijima, Hiramatsu & Kashino, "Generative Adversarial Network-Based Postfilter for
Statistical Parametric Speech Synthesis", ICASSP 2017; Kaneko, Takaki, Kameoka &
Yamagishi, "Generative Adversarial Network-Based Postfilter for STFT Spectrograms",
Interspeech 2017. The papers' full text could not be read: the layer tables are the
third-party nnsvs ``Conv2dPostFilter`` (nnsvs/postfilters.py, "the model proposed in
kaneko2017generative") and ``Conv2dD`` (nnsvs/discriminators.py, "follows the
discriminator of the GAN-based post-filters in Kaneko2017Interspeech") as read by the
sheet and re-read here. Layer sizes, BN, the noise form and the residual output are
unconfirmed for the papers (§12.1).

Features ``[B, T, D]`` float32 (``dims`` D, default 25 = c0..c24). The first ``offset``
coefficients (default 1: c0, the energy) pass through; the postfiltered range
``offset..D−1`` is treated as an image ``[B, T, W, 1]`` (H = time, W = coefficient, as
nnsvs). With ``bands`` K > 1 that range is cut into K overlapping bands
(``layers.band_edges(D − offset, K, overlap)``), every band has its own weights, and
``layers.BandMerge`` cross-fades the K outputs back together (§5).

- ``ganpf`` generator, inputs ``[features, noise]`` both ``[B, T, D]`` (T any ≥ 1; noise
  per bin, only its postfiltered part is read): per band, h1 = ReLU(norm(conv([x, z]))),
  h2 = ReLU(norm(conv([x, h1]))) (2C), h3 = ReLU(norm(conv([x, h2]))) (C), r = conv([x,
  h3]) (1, linear), y = x + r. Every conv k×k (``kernel`` 5), stride 1, "same" padding.
  The last conv's kernel and bias start at zero, so the untrained postfilter is the
  identity bit for bit (§4 ``[design]``). Output ``postfiltered`` ``[B, T, D]``.
- ``ganpf`` discriminator, input ``[B, frames, D]`` (``frames`` 64, None = any): per band,
  image → conv C → LReLU 0.2 → conv 2C s(2, 1) → LReLU → conv 4C s(2, 1) → LReLU → conv
  2C s(2, 1) → LReLU → conv 1, linear: a patch logit map ``[B, ⌈T/8⌉, W, 1]``; the K maps
  are concatenated along the coefficient axis → ``logits`` ``[B, ⌈T/8⌉, K·W, 1]``. It sees
  only ``offset..D−1`` (nnsvs masks c0/c1 out of the adversarial loss). The LeakyReLU
  outputs are layers ``band{b}_h{i}`` (b = 0..K−1, i = 1..4; ``feature_layers()``) for a
  feature-matching loss.

``[design]`` choices (deviations from nnsvs in parentheses):

- G noise is per bin, concatenated as a second input channel (nnsvs "bin_wise"); it is
  an input, not drawn inside the model, so a fixed z gives a fixed output.
- ``norm`` (none | batch = synchronised BN | instance) follows each of conv1..3, and a
  normalised conv has no bias (nnsvs has no norm; zh794390558 has BN on conv1..3).
- The last conv is zero-initialised (nnsvs: Kaiming-normal); the hidden convs use the
  Keras defaults, Glorot-uniform kernels and zero biases (nnsvs: Kaiming-normal).
- D kernel (5, 3) (time 5 × coefficient 3) in all five convs and channels 64 (paper)
  as nnsvs's current ``Conv2dD`` defaults; "same" padding (nnsvs pads 0, which needs
  long crops: 64 frames would shrink to nothing), so any T ≥ 1 and any band width work.
  An older nnsvs ``Conv2dD`` used 5×5/5×5/3×3/3×3/3×3 kernels with stride (2, 2).
- Sizes: ``"paper"`` G C = 128 (nnsvs default), D C = 64; ``"cpu"`` G C = 32, D C = 16.
  ``channels`` overrides C.
- Outputs are linear; the objective applies the sigmoid (cross-entropy) or least squares.

Parameters (``kernel`` 5, ``norm`` none, D ``frames`` any):

| network | paper | cpu |
|---|---|---|
| ganpf G, D 25, K 1 | 1,658,138 | 107,354 |
| ganpf D, D 25, K 1 | 1,109,377 | 69,985 |
| ganpf G, D 257, K 4, overlap 16 (W 77) | 6,632,552 | 429,416 |
| ganpf D, D 257, K 4, overlap 16 (W 77) | 4,437,508 | 279,940 |

The parameter count does not depend on D or on the band width (all convs), only on K.
"""

from __future__ import annotations

from typing import Optional

import keras

from tfgan_suite.layers.bands import BandMerge, BandSplit, band_edges
from tfgan_suite.networks.base import Network, register_discriminator, register_generator
from tfgan_suite.networks.translation import _positive
from tfgan_suite.networks.voice import check_choice, features_input, normalise, sized

GENERATOR_SIZES = {"paper": {"channels": 128}, "cpu": {"channels": 32}}
DISCRIMINATOR_SIZES = {"paper": {"channels": 64}, "cpu": {"channels": 16}}
NORMS = ("none", "batch", "instance")
D_KERNEL = (5, 3)   # (time, coefficient), nnsvs Conv2dD
D_WIDTHS = (1, 2, 4, 2)  # hidden widths in units of C
D_STRIDES = ((1, 1), (2, 1), (2, 1), (2, 1))  # time stride 2 on layers 2–4
LEAKY_SLOPE = 0.2


# --- options ---------------------------------------------------------------------------

def check_offset(role: str, offset: int, dims: int) -> int:
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset < dims:
        raise ValueError(f"{role}.offset: must be an integer in [0, dims) = [0, {dims}), "
                         f"got {offset!r}")
    return offset


def postfiltered_bands(role: str, dims: int, offset: int, bands: int,
                       overlap: int) -> list[tuple[int, int]]:
    """``band_edges`` of the postfiltered range ``offset..dims−1`` (0-based in that
    range); its one-line error gains the role prefix, e.g. ``generator.bands: …``."""
    try:
        return band_edges(dims - offset, bands, overlap)
    except ValueError as error:
        raise ValueError(f"{role}.{error}") from None


def split_bands(features, offset: int, edges: list[tuple[int, int]], name: str) -> list:
    """``[B, T, D]`` → K bands ``[B, T, W]`` of the coefficients ``offset + edges``."""
    shifted = [(start + offset, end + offset) for start, end in edges]
    return BandSplit(shifted, name=name)(features)


def to_image(band, width: int, name: str):
    """``[B, T, W]`` → ``[B, T, W, 1]``: H = time, W = coefficient."""
    return keras.layers.Reshape((-1, width, 1), name=name)(band)


# --- blocks ----------------------------------------------------------------------------

def postfilter_band(x, z, width: int, channels: int, kernel: int, norm: str, name: str):
    """One band of the generator: ``[B, T, W]`` x, z → x + r ``[B, T, W]`` (module
    docstring); x is concatenated to the input of every conv."""
    image = to_image(x, width, f"{name}_x_image")
    h = to_image(z, width, f"{name}_z_image")
    for index, multiple in enumerate((1, 2, 1)):
        h = keras.layers.Concatenate(name=f"{name}_in{index + 1}")([image, h])
        h = keras.layers.Conv2D(multiple * channels, kernel, padding="same",
                                use_bias=norm == "none", name=f"{name}_conv{index + 1}")(h)
        h = normalise(h, norm, f"{name}_conv{index + 1}")
        h = keras.layers.ReLU(name=f"{name}_h{index + 1}")(h)
    h = keras.layers.Concatenate(name=f"{name}_in4")([image, h])
    residual = keras.layers.Conv2D(1, kernel, padding="same", kernel_initializer="zeros",
                                   bias_initializer="zeros", name=f"{name}_residual")(h)
    y = keras.layers.Add(name=f"{name}_add")([image, residual])
    return keras.layers.Reshape((-1, width), name=f"{name}_out")(y)


def discriminator_band(band, width: int, channels: int, name: str):
    """One band of the discriminator: ``[B, T, W]`` → logits ``[B, ⌈T/8⌉, W, 1]``."""
    h = to_image(band, width, f"{name}_image")
    for index, (multiple, strides) in enumerate(zip(D_WIDTHS, D_STRIDES, strict=True)):
        h = keras.layers.Conv2D(multiple * channels, D_KERNEL, strides=strides,
                                padding="same", name=f"{name}_conv{index + 1}")(h)
        h = keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"{name}_h{index + 1}")(h)
    return keras.layers.Conv2D(1, D_KERNEL, padding="same", name=f"{name}_logits")(h)


# --- networks --------------------------------------------------------------------------

@register_generator("ganpf")
class PostfilterGenerator(Network):
    """GAN-PF generator: ``[features, noise]`` ``[B, T, D]`` → postfiltered ``[B, T, D]``;
    the identity at initialisation, c0..c(offset−1) copied (module docstring)."""

    def __init__(self, dims: int = 25, offset: int = 1, size: str = "cpu",
                 channels: Optional[int] = None, kernel: int = 5, norm: str = "none",
                 bands: int = 1, overlap: int = 16, name: str = "ganpf", **kwargs):
        _positive("generator.dims", dims)
        check_offset("generator", offset, dims)
        _positive("generator.kernel", kernel)
        check_choice("generator.norm", norm, NORMS)
        width_c = sized("generator", size, GENERATOR_SIZES, channels=channels)["channels"]
        edges = postfiltered_bands("generator", dims, offset, bands, overlap)
        features = features_input(dims)
        noise = features_input(dims, name="noise")
        x_bands = split_bands(features, offset, edges, "split_features")
        z_bands = split_bands(noise, offset, edges, "split_noise")
        outputs = [postfilter_band(x, z, end - start, width_c, kernel, norm, f"band{b}")
                   for b, ((start, end), x, z)
                   in enumerate(zip(edges, x_bands, z_bands, strict=True))]
        merged = outputs[0] if len(edges) == 1 else \
            BandMerge(edges, dims - offset, name="merge_bands")(outputs)
        if offset:
            kept = BandSplit([(0, offset)], name="passthrough")(features)[0]
            merged = keras.layers.Concatenate(name="with_passthrough")([kept, merged])
        out = keras.layers.Activation("linear", dtype="float32", name="postfiltered")(merged)
        self._finish([features, noise], out, name, {
            "dims": dims, "offset": offset, "size": size, "channels": channels,
            "kernel": kernel, "norm": norm, "bands": bands, "overlap": overlap}, **kwargs)


@register_discriminator("ganpf")
class PostfilterDiscriminator(Network):
    """GAN-PF discriminator: features ``[B, frames, D]`` → patch logits
    ``[B, ⌈frames/8⌉, K·W, 1]`` over the coefficients offset..D−1 (module docstring)."""

    def __init__(self, dims: int = 25, frames: Optional[int] = 64, offset: int = 1,
                 size: str = "cpu", channels: Optional[int] = None, bands: int = 1,
                 overlap: int = 16, name: str = "ganpf", **kwargs):
        _positive("discriminator.dims", dims)
        if frames is not None:
            _positive("discriminator.frames", frames)
        check_offset("discriminator", offset, dims)
        width_c = sized("discriminator", size, DISCRIMINATOR_SIZES,
                        channels=channels)["channels"]
        edges = postfiltered_bands("discriminator", dims, offset, bands, overlap)
        features = features_input(dims, frames)
        band_inputs = split_bands(features, offset, edges, "split_features")
        maps = [discriminator_band(band, end - start, width_c, f"band{b}")
                for b, ((start, end), band) in enumerate(zip(edges, band_inputs, strict=True))]
        joined = maps[0] if len(maps) == 1 else \
            keras.layers.Concatenate(axis=2, name="concat_bands")(maps)
        out = keras.layers.Activation("linear", dtype="float32", name="logits")(joined)
        self._finish(features, out, name, {
            "dims": dims, "frames": frames, "offset": offset, "size": size,
            "channels": channels, "bands": bands, "overlap": overlap}, **kwargs)
        self._feature_layer_names = [f"band{b}_h{i}" for b in range(len(edges))
                                     for i in range(1, len(D_WIDTHS) + 1)]

    def feature_layers(self) -> list[str]:
        """Names of the hidden LeakyReLU layers, band by band, h1..h4 within a band: read
        one with ``keras.Model(d.inputs, d.get_layer(name).output)``."""
        return list(self._feature_layer_names)
