"""Image corruptions: NR-GAN's noises and AmbientGAN's measurement devices, as TensorFlow
functions of a batch and a stateless seed — the same function corrupts the training set
(once, per example, with a fixed seed) and, inside a training step, the generator's output.

Images are float32 NHWC in [−1, 1] (the suite's convention); every function returns the
corrupted batch in the same range.

**Noises** (NR-GAN: Kaneko & Harada, "Noise Robust Generative Adversarial Networks",
CVPR 2020, arXiv:1911.11776; the definitions follow the reference code takuhirok/NR-GAN
``datasets/cifar.py`` and ``models/measure.py``, read for this module). They act on the
[0, 1] scale, x₀₁ = (x + 1)/2, with σ in 0–255 units: y₀₁ = clip(x₀₁ + n, 0, 1).

| id | noise n |
|---|---|
| A | additive Gaussian, σ = 25: n = ε σ/255 |
| B | as A with σ ~ U[5, 50] per image |
| C | A inside one random 16×16 patch (all channels) |
| D | as C with patch sides each ~ U{8, …, 24} |
| E | uniform, n ~ U[−50, 50]/255 |
| F | per pixel: 70 % N(0, 15²), 20 % N(0, 25²), 10 % U[−50, 50] (/255) |
| G | brown: A blurred by OpenCV's getGaussianKernel(5, 0), [1 4 6 4 1]/16 per axis, over ‖k‖₂ |
| H | A + G (one white sample plus its blurred copy) |
| I | multiplicative: n = ε (25/255) x₀₁ |
| J | as I with σ ~ U[5, 50] |
| K | I + A(σ = 5) |
| L | I + A(σ = 25) |
| M | Poisson: y₀₁ = Pois(λ x₀₁)/λ, λ = 30 |
| N | as M with λ ~ U[10, 50] |
| O | M + A(σ = 5) |
| P | M + A(σ = 25) |

With ``differentiable=True`` (the fake path of AmbientGAN† and NR-GAN's signal-dependent
variants) Poisson noise is replaced by its Gaussian approximation n = ε √(x̃/λ), x̃ = x₀₁
without gradient, and the multiplicative noise's x₀₁ is taken without gradient too, as the
reference code's ``measure.py`` does.

**Measurements** (AmbientGAN: Bora, Price & Dimakis, ICLR 2018; reference code
AshishBora/ambient-gan ``src/commons/measure.py``): differentiable in x.

- ``block_pixels(p)``: every pixel and channel is zeroed (set to 0 in [−1, 1]: mid-grey)
  with probability p; ∂y/∂x is the keep mask (the repo also rescales kept values by
  1/(1 − p); we do not, so the measured image stays in range);
- ``block_patch(k)``: one random k×k patch set to 0; ``keep_patch(k)``: everything but one
  random k×k patch set to 0;
- ``convolve_noise(σ)``: y = k ∗ x + θ, k the normalised 5×5 Gaussian of radius 1 per
  channel (SAME, zero border), θ ~ N(0, σ²) on the [−1, 1] scale.

Seeds: ``seed`` is a [2] integer tensor; draws come from ``ops.stateless_uniform`` /
``stateless_normal`` (identical with and without XLA) and, for Poisson counts, TensorFlow's
stateless Poisson sampler. ``rows=(offset, total)`` draws for a batch of ``total`` rows and
keeps rows offset … offset + B − 1: a replica's share of a global batch gets the draws the
whole batch would on one device.

The training set is corrupted once (``ImageCorruption.apply``): chunks of ``CHUNK``
examples, chunk i drawn with seed (``data.corruption.seed``, i), so example n's corruption
depends on the seed and n only.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Mapping, Optional

import numpy as np
import tensorflow as tf

from tfgan_suite import ops

NOISES = tuple("ABCDEFGHIJKLMNOP")
MEASUREMENTS = ("block_pixels", "block_patch", "keep_patch", "convolve_noise")
BLUR_SIZE = 5
#: Examples corrupted per draw when the training set is corrupted.
CHUNK = 1000
_MAX_STREAMS = 16
_FIELD = "data.corruption"
#: OpenCV's fixed rows for sigma <= 0 and odd sizes up to 7 (``small_gaussian_tab``).
_SMALL_GAUSSIAN = {1: (1.0,), 3: (0.25, 0.5, 0.25), 5: (0.0625, 0.25, 0.375, 0.25, 0.0625),
                   7: (0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125)}


def gaussian_kernel(size: int = BLUR_SIZE, sigma: float = 0.0) -> np.ndarray:
    """[size, size] Gaussian kernel summing to 1. ``sigma <= 0`` is OpenCV's
    ``getGaussianKernel(size, 0)``, which the NR-GAN reference blurs brown noise with: its
    fixed rows for odd sizes up to 7 ([1 4 6 4 1]/16 for 5), else σ = 0.3·((size − 1)/2 − 1)
    + 0.8."""
    if sigma <= 0 and size in _SMALL_GAUSSIAN:
        line = np.asarray(_SMALL_GAUSSIAN[size], np.float64)
    else:
        if sigma <= 0:
            sigma = 0.3 * ((size - 1) * 0.5 - 1) + 0.8
        axis = np.arange(size) - (size - 1) / 2
        line = np.exp(-axis ** 2 / (2 * sigma ** 2))
    line = line / line.sum()
    return np.outer(line, line)


def depthwise_blur(images: tf.Tensor, kernel: np.ndarray) -> tf.Tensor:
    """Each channel convolved with ``kernel`` (SAME, zero border): a linear map of x."""
    channels = images.shape[-1]
    weights = tf.constant(np.tile(kernel[:, :, None, None], [1, 1, channels, 1]), tf.float32)
    return tf.nn.depthwise_conv2d(images, weights, [1, 1, 1, 1], "SAME")


class _Draws:
    """Independent stateless streams of one seed; with ``rows=(offset, total)`` every draw
    is made for ``total`` rows and rows offset … offset + B − 1 are kept."""

    def __init__(self, seed, rows=None):
        self.seed = tf.cast(tf.convert_to_tensor(seed), tf.int64)
        self.stream = 0
        self.rows = rows

    def _rows(self, draw: Callable, shape) -> tf.Tensor:
        if self.rows is None:
            return draw(shape)
        offset, total = self.rows
        shape = tf.convert_to_tensor(shape, tf.int32)
        full = draw(tf.concat([[total], shape[1:]], axis=0))
        return full[offset:offset + shape[0]]

    def _next(self) -> tf.Tensor:
        self.stream += 1
        if self.stream > _MAX_STREAMS:
            raise RuntimeError("image_corruptions: too many streams for one seed")
        return tf.stack([self.seed[0], self.seed[1] * _MAX_STREAMS + self.stream])

    def uniform(self, shape) -> tf.Tensor:
        seed = self._next()
        return self._rows(lambda s: ops.stateless_uniform(s, seed), shape)

    def normal(self, shape) -> tf.Tensor:
        seed = self._next()
        return self._rows(lambda s: ops.stateless_normal(s, seed), shape)

    def per_image_uniform(self, batch, low: float, high: float) -> tf.Tensor:
        return low + (high - low) * self.uniform([batch, 1, 1, 1])


def _patch_mask(draws: _Draws, shape, low: int, high: int) -> tf.Tensor:
    """[B, H, W, 1] masks of one axis-aligned patch per image, sides ~ U{low, …, high}."""
    batch, height, width = shape[0], shape[1], shape[2]
    sides = low + tf.cast(tf.floor(draws.uniform([batch, 2]) * (high - low + 1)), tf.int32)
    corner = draws.uniform([batch, 2])
    top = tf.cast(tf.floor(corner[:, 0] * tf.cast(height - sides[:, 0] + 1, tf.float32)),
                  tf.int32)
    left = tf.cast(tf.floor(corner[:, 1] * tf.cast(width - sides[:, 1] + 1, tf.float32)),
                   tf.int32)
    rows = tf.range(height)[None, :, None]
    columns = tf.range(width)[None, None, :]
    inside = ((rows >= top[:, None, None]) & (rows < (top + sides[:, 0])[:, None, None])
              & (columns >= left[:, None, None])
              & (columns < (left + sides[:, 1])[:, None, None]))
    return tf.cast(inside, tf.float32)[..., None]


def _gaussian(draws, x01, sigma):
    return draws.normal(tf.shape(x01)) * sigma / 255.0


def _brown(white):
    """White noise blurred by the 5×5 Gaussian and divided by ‖k‖₂ (its std is kept)."""
    kernel = gaussian_kernel()
    return depthwise_blur(white, kernel / np.sqrt((kernel ** 2).sum()))


def _multiplicative(draws, x01, sigma):
    return draws.normal(tf.shape(x01)) * sigma / 255.0 * tf.stop_gradient(x01)


def _poisson(draws, x01, lam, differentiable):
    if differentiable:  # Gaussian approximation, signal without gradient
        return draws.normal(tf.shape(x01)) * tf.sqrt(tf.stop_gradient(x01) / lam)
    counts = tf.random.stateless_poisson(tf.shape(x01), draws._next(), lam * x01,
                                         dtype=tf.float32)
    return counts / lam - x01


def _mixture(draws, x01):
    pick = draws.uniform(tf.shape(x01)[:3])[..., None]
    small, large = _gaussian(draws, x01, 15.0), _gaussian(draws, x01, 25.0)
    flat = (2.0 * draws.uniform(tf.shape(x01)) - 1.0) * 50.0 / 255.0
    return tf.where(pick < 0.7, small, tf.where(pick < 0.9, large, flat))


def noise(kind: str, images: tf.Tensor, seed, differentiable: bool = False,
          rows=None) -> tf.Tensor:
    """NR-GAN noise ``kind`` (A–P, module table) applied to ``images`` in [−1, 1]: the
    noisy batch, clipped, in [−1, 1].

    Args:
        kind: a letter of ``NOISES``.
        images: float32 [B, H, W, C] in [−1, 1].
        seed: [2] int stateless seed.
        differentiable: the fake path (Poisson by its Gaussian approximation).
        rows: ``(offset, total)``: draw as rows offset… of a batch of ``total``.
    """
    if kind not in NOISES:
        raise ValueError(f"{_FIELD}.image_noise: unknown value {kind!r}; accepted: "
                         f"{', '.join(NOISES)}")
    if rows is not None and kind in "MNOP" and not differentiable:
        raise ValueError("rows: exact Poisson counts are drawn for the local batch only")
    images = tf.cast(images, tf.float32)
    x01 = (images + 1.0) / 2.0
    draws = _Draws(seed, rows)
    batch = tf.shape(images)[0]
    builders: dict[str, Callable[[], tf.Tensor]] = {
        "A": lambda: _gaussian(draws, x01, 25.0),
        "B": lambda: _gaussian(draws, x01, draws.per_image_uniform(batch, 5.0, 50.0)),
        "C": lambda: _gaussian(draws, x01, 25.0) * _patch_mask(draws, tf.shape(x01), 16, 16),
        "D": lambda: _gaussian(draws, x01, 25.0) * _patch_mask(draws, tf.shape(x01), 8, 24),
        "E": lambda: (2.0 * draws.uniform(tf.shape(x01)) - 1.0) * 50.0 / 255.0,
        "F": lambda: _mixture(draws, x01),
        "G": lambda: _brown(_gaussian(draws, x01, 25.0)),
        "I": lambda: _multiplicative(draws, x01, 25.0),
        "J": lambda: _multiplicative(draws, x01, draws.per_image_uniform(batch, 5.0, 50.0)),
        "K": lambda: _multiplicative(draws, x01, 25.0) + _gaussian(draws, x01, 5.0),
        "L": lambda: _multiplicative(draws, x01, 25.0) + _gaussian(draws, x01, 25.0),
        "M": lambda: _poisson(draws, x01, 30.0, differentiable),
        "N": lambda: _poisson(draws, x01, draws.per_image_uniform(batch, 10.0, 50.0),
                              differentiable),
        "O": lambda: _poisson(draws, x01, 30.0, differentiable) + _gaussian(draws, x01, 5.0),
        "P": lambda: _poisson(draws, x01, 30.0, differentiable) + _gaussian(draws, x01, 25.0),
    }
    if kind == "H":  # one white sample and its blurred copy
        white = _gaussian(draws, x01, 25.0)
        n = white + _brown(white)
    else:
        n = builders[kind]()
    return tf.clip_by_value(x01 + n, 0.0, 1.0) * 2.0 - 1.0


# ------------------------------------------------------------------------- measurements
def block_pixels(images: tf.Tensor, seed, p: float, rows=None) -> tf.Tensor:
    """Each pixel and channel set to 0 with probability ``p`` (∂y/∂x = the keep mask)."""
    _check_unit("p", p)
    keep = tf.cast(_Draws(seed, rows).uniform(tf.shape(images)) >= p, tf.float32)
    return tf.cast(images, tf.float32) * keep


def block_patch(images: tf.Tensor, seed, patch: int, rows=None) -> tf.Tensor:
    """One random ``patch`` × ``patch`` square per image set to 0."""
    _check_patch(images, patch)
    mask = _patch_mask(_Draws(seed, rows), tf.shape(images), patch, patch)
    return tf.cast(images, tf.float32) * (1.0 - mask)


def keep_patch(images: tf.Tensor, seed, patch: int, rows=None) -> tf.Tensor:
    """Everything but one random ``patch`` × ``patch`` square per image set to 0."""
    _check_patch(images, patch)
    mask = _patch_mask(_Draws(seed, rows), tf.shape(images), patch, patch)
    return tf.cast(images, tf.float32) * mask


def convolve_noise(images: tf.Tensor, seed, sigma: float, rows=None) -> tf.Tensor:
    """y = k ∗ x + θ: 5×5 Gaussian blur of radius 1 per channel, θ ~ N(0, σ²)."""
    if not (isinstance(sigma, (int, float)) and sigma >= 0):
        raise ValueError(f"{_FIELD}.measurement.sigma: must be >= 0, got {sigma!r}")
    images = tf.cast(images, tf.float32)
    blurred = depthwise_blur(images, gaussian_kernel(BLUR_SIZE, 1.0))
    return blurred + sigma * _Draws(seed, rows).normal(tf.shape(images))


#: measurement → (function, the parameter it takes)
_DEVICES = {"block_pixels": (block_pixels, "p"), "block_patch": (block_patch, "patch"),
            "keep_patch": (keep_patch, "patch"), "convolve_noise": (convolve_noise, "sigma")}


def measure(kind: str, images: tf.Tensor, seed, rows=None, **params) -> tf.Tensor:
    """The measurement ``kind`` of ``MEASUREMENTS`` with its parameter (p, patch or sigma)."""
    if kind not in _DEVICES:
        raise ValueError(f"{_FIELD}.measurement.kind: unknown value {kind!r}; accepted: "
                         f"{', '.join(MEASUREMENTS)}")
    return _DEVICES[kind][0](images, seed, rows=rows, **params)


def _check_unit(field: str, value) -> None:
    if not (isinstance(value, (int, float)) and 0.0 <= value < 1.0) or math.isnan(value):
        raise ValueError(f"{_FIELD}.measurement.{field}: must be in [0, 1), got {value!r}")


def _check_patch(images, patch) -> None:
    side = min(int(images.shape[1]), int(images.shape[2]))
    if not isinstance(patch, (int, np.integer)) or not 1 <= patch <= side:
        raise ValueError(f"{_FIELD}.measurement.patch: must be an integer in [1, {side}] (the "
                         f"image side), got {patch!r}")


# ------------------------------------------------------------------------ configuration
@dataclasses.dataclass(frozen=True)
class ImageCorruption:
    """The image part of ``data.corruption``: an NR-GAN noise or a measurement (not both)."""

    noise: str = "none"
    measurement: str = "none"
    parameter: Optional[float] = None  # p, patch or sigma of the measurement
    seed: int = 12345

    @property
    def active(self) -> bool:
        return self.noise != "none" or self.measurement != "none"

    def corrupt(self, images: tf.Tensor, seed, differentiable: bool = False,
                rows=None) -> tf.Tensor:
        """This corruption of a batch (the fake path: ``differentiable=True``)."""
        if self.noise != "none":
            return noise(self.noise, images, seed, differentiable, rows)
        name = _DEVICES[self.measurement][1]
        return measure(self.measurement, images, seed, rows=rows, **{name: self.parameter})

    def apply(self, images: np.ndarray) -> np.ndarray:
        """The corrupted training set (float32 [N, H, W, C] in [−1, 1]), drawn once: chunk i
        of ``CHUNK`` examples with seed (seed, i)."""
        corrupt = tf.function(lambda batch, seed: self.corrupt(batch, seed))
        chunks = [corrupt(tf.constant(images[start:start + CHUNK], tf.float32),
                          tf.constant([self.seed, start // CHUNK], tf.int64)).numpy()
                  for start in range(0, len(images), CHUNK)]
        return np.concatenate(chunks).astype(np.float32)

    def describe(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def resolve(section: Mapping[str, Any]) -> ImageCorruption:
    """The image part of the config section ``data.corruption``: ``image_noise`` (a letter
    of ``NOISES`` or none) and ``measurement`` {kind, p, patch, sigma}."""
    kind = section.get("image_noise", "none")
    if kind != "none" and kind not in NOISES:
        raise ValueError(f"{_FIELD}.image_noise: unknown value {kind!r}; accepted: none, "
                         f"{', '.join(NOISES)}")
    measurement = dict(section.get("measurement") or {"kind": "none"})
    device = measurement.get("kind", "none")
    if device != "none" and device not in _DEVICES:
        raise ValueError(f"{_FIELD}.measurement.kind: unknown value {device!r}; accepted: "
                         f"none, {', '.join(MEASUREMENTS)}")
    if kind != "none" and device != "none":
        raise ValueError(f"{_FIELD}: image_noise and measurement cannot be combined")
    parameter = None
    if device != "none":
        name = _DEVICES[device][1]
        parameter = measurement[name]
        if name == "p":
            _check_unit("p", parameter)
        elif name == "sigma" and not parameter >= 0:
            raise ValueError(f"{_FIELD}.measurement.sigma: must be >= 0, got {parameter!r}")
        elif name == "patch" and not (isinstance(parameter, int) and parameter >= 1):
            raise ValueError(f"{_FIELD}.measurement.patch: must be a positive integer, got "
                             f"{parameter!r}")
    return ImageCorruption(noise=kind, measurement=device, parameter=parameter,
                           seed=int(section.get("seed", 12345)))
