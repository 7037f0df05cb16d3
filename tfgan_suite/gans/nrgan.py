"""NR-GAN: a clean image generator learned from noisy images, without being told the noise
(Kaneko & Harada, "Noise Robust Generative Adversarial Networks", CVPR 2020,
arXiv:1911.11776; reference code takuhirok/NR-GAN ``trainers/nrgan_trainer.py``,
``trainers/util.py``, ``scripts/train.sh``, ``train.py`` — read for the constants below).

Only noisy images y = x + n are observed. Two generators: G_x(z_x) makes the clean image,
G_n makes the noise, and the discriminator sees only their clipped sum,

    y_g = clip(G_x(z_x) + n, −1, 1),

against the noisy reals. What keeps the image out of the noise branch is a constraint on n
that noise satisfies and image content does not (``model: nrgan``, ``nrgan.variant``):

- ``si1`` (SI-NR-GAN-I, distribution constraint): n = G_n(z_n) ⊙ ε, ε ~ N(0, I) — per-pixel
  zero-mean Gaussian noise of a learned standard deviation;
- ``si2`` (SI-NR-GAN-II, transformation constraint): n = T(G_n(z_n)), T drawn per image:
  rotation by k·90°, a channel permutation and a sign flip per channel. Noise is invariant
  to T, content is not, so G_n cannot carry content;
- ``sd1`` (SD-NR-GAN-I, known signal dependence): n = 2·ε·G_n(z_n)·x̃ (``multiplicative``)
  or 2·ε·G_n(z_n)·√x̃ (``poisson``), x̃ = (G_x + 1)/2 **without gradient** (the noise never
  teaches G_x);
- ``sd2`` (SD-NR-GAN-II): n = G_n(z_x, z_n) ⊙ ε — G_n's latent starts with z_x itself, so it
  can learn any dependence on the image;
- ``sd3`` (SD-NR-GAN-III): n = sign-flip(G_n(z_x, z_n)) (rotation or permutation would break
  the alignment with the image).

Losses (reference): any objective and penalty of the suite (the reference: NS loss and
R1 with λ = 10 on λ·E‖∇D‖², no ½ — ``penalties: {r1: {weight: 20}}`` here, whose R1 is
γ/2·E‖∇D‖²; the benchmark's rows all share the plain GAN's recipe, without R1); the
generator's loss adds the diversity-sensitive term
λ_ds·(−mean L1(n_a − n_b) / L1(z_a − z_b)) on the noise after its reparameterisation and
before T, z the full latent of G_n, λ_ds = 0.02. The reference pairs the two halves of the
batch; here example 2k is paired with 2k + 1 — the same distribution of pairs, and the same
pairs on one device and on any number of replicas (even per-replica batches). On Poisson
data the reference shows D vertical and horizontal blurs of every image (``blurvh``): here
``discriminator.input_blur: true`` of the DCGAN discriminator, for any model on that data.

G_x and G_n share one optimizer (Adam is per-parameter: the reference's two Adams with one
learning rate are the same update), both are averaged by the EMA, both checkpointed.
``sample``, evaluation and export use **G_x alone**; ``sample_with_noise`` (``tfgan sample
--with-noise``) shows G_x, the noise and their clipped sum.
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import ops
from tfgan_suite.gans.base import FAKE_STREAMS, AdversarialModel

VARIANTS = ("si1", "si2", "sd1", "sd2", "sd3")
SIGNAL_DEPENDENCES = ("multiplicative", "poisson")
#: Variants whose noise generator reads z_x (the first latent_dim entries of its latent).
IMPLICIT = ("sd2", "sd3")
_Z_NOISE, _EPSILON, _ROTATION, _PERMUTATION, _FLIP = range(FAKE_STREAMS, FAKE_STREAMS + 5)


def diversity_sensitive(noise: tf.Tensor, latent: tf.Tensor, eps: float = 1e-12) -> tf.Tensor:
    """−mean over pairs (2k, 2k + 1) of L1(n_a − n_b) / L1(z_a − z_b), L1 a mean of absolute
    differences; an odd last example is left out. Minimising it spreads the noise out as
    the latent spreads."""
    batch = noise.shape[0] if noise.shape[0] is not None else tf.shape(noise)[0]
    even = (batch // 2) * 2
    first, second = noise[0:even:2], noise[1:even:2]
    noise_distance = tf.reduce_mean(tf.abs(first - second), axis=[1, 2, 3])
    latent_distance = tf.reduce_mean(tf.abs(latent[0:even:2] - latent[1:even:2]), axis=-1)
    return -tf.reduce_mean(noise_distance / (latent_distance + eps))


def rotate(noise: tf.Tensor, quarter_turns: tf.Tensor) -> tf.Tensor:
    """Each image [H, H, C] of ``noise`` rotated by ``quarter_turns`` [B] (0-3) × 90°."""
    turned = tf.stack([tf.image.rot90(noise, k) for k in range(4)], axis=1)
    return tf.gather(turned, quarter_turns, axis=1, batch_dims=1)


def permute_channels(noise: tf.Tensor, keys: tf.Tensor) -> tf.Tensor:
    """Channels of each image reordered by the argsort of its ``keys`` [B, C]."""
    order = tf.argsort(keys, axis=-1)
    return tf.gather(noise, order, axis=3, batch_dims=1)


def flip_signs(noise: tf.Tensor, uniform: tf.Tensor) -> tf.Tensor:
    """Each channel of each image negated where ``uniform`` [B, C] < 0.5."""
    signs = tf.where(uniform < 0.5, -1.0, 1.0)
    return noise * signs[:, None, None, :]


def signal_scale(images: tf.Tensor, dependence: str) -> tf.Tensor:
    """SD-NR-GAN-I's known dependence on the image, without gradient: 2·x̃ (multiplicative)
    or 2·√x̃ (Poisson), x̃ = (x + 1)/2 ∈ [0, 1] (the reference's scale 2 of [−1, 1])."""
    unit = (tf.stop_gradient(images) + 1.0) / 2.0
    if dependence == "multiplicative":
        return 2.0 * unit
    return 2.0 * tf.sqrt(tf.maximum(unit, 0.0))


@keras.saving.register_keras_serializable(package="tfgan_suite")
class NRGAN(AdversarialModel):
    """An image generator G_x and a noise generator G_n; D sees clip(G_x + n, −1, 1).

    Args:
        generator: G_x, unconditional (``z → image``); what sampling and export use.
        discriminator: as ``AdversarialModel``.
        variant: one of ``VARIANTS`` (module docstring).
        signal_dependence: ``sd1`` only: ``multiplicative`` (noises I–L) or ``poisson``
            (M–P).
        noise_latent_dim: size of z_n (default: G_x's latent size); ``sd2`` / ``sd3`` feed G_n
            the concatenation [z_x, z_n].
        diversity_weight: λ_ds of the diversity-sensitive term (0 disables it).
        noise_generator: G_n; default: G_x's architecture (same config) with G_n's latent
            size, freshly initialised. Its output must have G_x's shape.
        **kwargs: as ``AdversarialModel``.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 variant: str = "si1", signal_dependence: str = "multiplicative",
                 noise_latent_dim: Optional[int] = None, diversity_weight: float = 0.02,
                 noise_generator: Optional[keras.Model] = None, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        if variant not in VARIANTS:
            raise ValueError(f"nrgan.variant: unknown value {variant!r}; accepted: "
                             f"{', '.join(VARIANTS)}")
        if signal_dependence not in SIGNAL_DEPENDENCES:
            raise ValueError(f"nrgan.signal_dependence: unknown value {signal_dependence!r}; "
                             f"accepted: {', '.join(SIGNAL_DEPENDENCES)}")
        if not float(diversity_weight) >= 0.0:
            raise ValueError(f"nrgan.diversity_weight: must be >= 0, got {diversity_weight!r}")
        if len(generator.inputs) != 1:
            raise ValueError("model nrgan: the generator must be unconditional (one input z); "
                             f"got {len(generator.inputs)} inputs")
        self.variant = variant
        self.signal_dependence = signal_dependence
        self.noise_latent_dim = int(noise_latent_dim or self.latent_dim)
        self.diversity_weight = float(diversity_weight)
        latent_in = self.noise_latent_dim + (self.latent_dim if variant in IMPLICIT else 0)
        if noise_generator is None:
            spec = generator.get_config()
            if "latent_dim" not in spec:
                raise ValueError(f"model nrgan: cannot derive the noise generator from "
                                 f"{generator.__class__.__name__} (no latent_dim option)")
            noise_generator = generator.__class__.from_config(
                dict(spec, latent_dim=latent_in, name="noise_generator"))
        if int(noise_generator.inputs[0].shape[-1]) != latent_in:
            raise ValueError(f"nrgan: the noise generator takes z of size "
                             f"{noise_generator.inputs[0].shape[-1]}, expected {latent_in}")
        if tuple(noise_generator.outputs[0].shape[1:]) != tuple(generator.outputs[0].shape[1:]):
            raise ValueError("nrgan: the noise generator's output shape "
                             f"{noise_generator.outputs[0].shape[1:]} differs from the image "
                             f"generator's {generator.outputs[0].shape[1:]}")
        if len(generator.outputs[0].shape) != 4:
            raise ValueError("model nrgan: needs an image generator ([batch, H, W, C] output)")
        self.noise_generator = noise_generator
        self.ema_noise_generator = self.averaged_copy(noise_generator)

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        section = config.get("nrgan") or {}
        corruption = config["data"].get("corruption") or {}
        if corruption.get("image_noise", "none") == "none":
            print("tfgan: model nrgan on data without data.corruption.image_noise: it learns "
                  "a noise generator for data that is not noised (allowed)")
        return {key: section[key] for key in ("variant", "signal_dependence",
                                               "noise_latent_dim", "diversity_weight")
                if key in section}

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), variant=self.variant,
                    signal_dependence=self.signal_dependence,
                    noise_latent_dim=self.noise_latent_dim,
                    diversity_weight=self.diversity_weight,
                    noise_generator=keras.saving.serialize_keras_object(self.noise_generator))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["noise_generator"] = keras.saving.deserialize_keras_object(
            config["noise_generator"], custom_objects=custom_objects)
        return super().from_config(config, custom_objects)

    def generator_networks(self):
        return [(self.generator, self.ema_generator),
                (self.noise_generator, self.ema_noise_generator)]

    def extra_metric_names(self) -> list[str]:
        return ["noise_diversity"] if self.diversity_weight > 0 else []

    # --- the fake path ---------------------------------------------------------------------

    def noise_latent(self, z: tf.Tensor, z_noise: tf.Tensor) -> tf.Tensor:
        """G_n's latent: z_n, or [z_x, z_n] for the implicit variants (sd2, sd3)."""
        if self.variant in IMPLICIT:
            return tf.concat([z, z_noise], axis=-1)
        return z_noise

    def shape_noise(self, raw: tf.Tensor, images: tf.Tensor, draw) -> tuple[tf.Tensor, tf.Tensor]:
        """``(noise before T, noise added to the image)`` from G_n's output ``raw``.

        ``draw(sampler, shape_per_example, offset)`` returns a stateless draw for the batch.
        """
        shape = [int(d) for d in raw.shape[1:]]
        channels = shape[-1]
        if self.variant in ("si1", "sd2"):
            noise = raw * draw(ops.stateless_normal, shape, _EPSILON)
        elif self.variant == "sd1":
            noise = (raw * draw(ops.stateless_normal, shape, _EPSILON)
                     * signal_scale(images, self.signal_dependence))
        else:
            noise = raw
        added = noise
        if self.variant == "si2":
            turns = tf.cast(tf.floor(4.0 * draw(ops.stateless_uniform, [], _ROTATION)), tf.int32)
            added = rotate(added, tf.minimum(turns, 3))
            if channels > 1:
                added = permute_channels(added, draw(ops.stateless_uniform, [channels],
                                                     _PERMUTATION))
        if self.variant in ("si2", "sd3"):
            added = flip_signs(added, draw(ops.stateless_uniform, [channels], _FLIP))
        return noise, added

    def _fake_parts(self, z: tf.Tensor, step, update_stream: int, training: bool,
                    generators: tuple[keras.Model, keras.Model]):
        """(G_x(z), noise before T, added noise, G_n's latent) of one update's fakes."""
        image_generator, noise_generator = generators
        batch = tf.shape(z)[0] if z.shape[0] is None else z.shape[0]

        def draw(sampler, shape_per_example, offset):
            return self._draw(sampler, batch, shape_per_example, step, update_stream + offset)

        images = tf.cast(image_generator(z, training=training), tf.float32)
        latent = self.noise_latent(z, draw(ops.stateless_normal, [self.noise_latent_dim],
                                           _Z_NOISE))
        raw = tf.cast(noise_generator(latent, training=training), tf.float32)
        noise, added = self.shape_noise(raw, images, draw)
        return images, noise, added, latent

    def fakes_for_discriminator(self, z, g_condition, step, update_stream, training=True):
        images, noise, added, latent = self._fake_parts(
            z, step, update_stream, training, (self.generator, self.noise_generator))
        terms = {}
        if self.diversity_weight > 0:
            terms["noise_diversity"] = self.diversity_weight * diversity_sensitive(noise, latent)
        return tf.clip_by_value(images + added, -1.0, 1.0), terms

    # --- sampling --------------------------------------------------------------------------

    def sample_with_noise(self, n: int, seed: int = 0) -> tuple[np.ndarray, ...]:
        """``(G_x, the noise, clip(G_x + noise))`` for ``sample(n, seed)``'s z: the same
        clean images ``sample`` returns, the (averaged) noise generator's noise, and what
        the discriminator would see."""
        clean = self.sample(n, seed=seed)
        z = tf.constant(self.latent(int(n), seed))
        # Standing statistics are recomputed for G_x only: with them, G_n samples raw.
        averaged = (self.ema_noise_generator if self.ema_statistics == "copy" else None)
        generators = (self.sampling_generator, averaged or self.noise_generator)
        _, _, added, _ = self._fake_parts(z, tf.constant(-1 - seed, tf.int64), 0, False,
                                          generators)
        noise = added.numpy()
        return clean, noise, np.clip(clean + noise, -1.0, 1.0)
