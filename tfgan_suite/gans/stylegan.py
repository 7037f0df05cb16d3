"""StyleGAN and StyleGAN2: style-based generators trained through ``AdversarialModel``'s step.

Karras et al., "A Style-Based Generator Architecture for GANs", CVPR 2019 (NVlabs/stylegan
``training/networks_stylegan.py``, ``loss.py``, ``train.py``) and Karras et al., "Analyzing
and Improving the Image Quality of StyleGAN", CVPR 2020 (NVlabs/stylegan2
``training/loss.py``, ``training_loop.py``); constants in ../shared/families.md §15–16.

Every fake of a training update is made by ``style_fakes``:

1. w = mapping(z); w̄ ← 0.995·w̄ + 0.005·mean(w) over the global batch (``track_w_avg``);
2. style mixing regularisation: with probability 0.9 (one draw per update, as the
   reference) a second z₂ and a crossover c uniform in {1, …, slots − 1}: the slots before
   c take w, the rest w₂ = mapping(z₂);
3. the synthesis network with fresh N(0, 1) noise images.

All three draws are stateless, keyed by (seed, step, stream) over the global batch, so a
run is reproducible and a 2-replica step equals the 1-device step. Sampling and the exports
call the generator on z alone, which uses the stored noise images and no mixing; truncation
in W (ψ, cutoff) is ``sample(..., truncation=ψ)`` / ``tfgan sample --truncation ψ``, style
mixing grids ``style_mix`` / ``tfgan sample --mix C``.

Loss: non-saturating logistic for both networks, R1 on the reals (``objective:
non_saturating``, ``penalties: {r1: {weight: γ}}``; StyleGAN2 adds ``interval: 16``, lazy R1
whose term is multiplied by 16 on the steps it runs).

StyleGAN2 adds the path-length regulariser (``generator_regularisation``), every 4th
generator update on a half batch of fresh latents (with mixing and fresh noise, as the
reference): for a probe y ~ N(0, I)/√(H·W), the length of each sample is
‖J_wᵀ y‖ = √(mean over slots of Σ over w of (∂Σ(G·y)/∂w)²); the running mean
a ← a + 0.01·(mean length − a) is updated first (over the global batch) and the term is
2·(length − a)² × 4 (the interval).

Deviation from the reference, stated: its lazy terms run as *separate* Adam steps sharing
the main optimizer's state, and it corrects Adam for the k + 1 steps per k minibatches
(lr·c, β^c, c = k/(k + 1)). Here the lazy term joins the main loss on the steps it is due
(one Adam step per minibatch, as StyleGAN2-ADA's PyTorch code also does not); a separate
optimizer step inside the step's ``tf.cond`` is a cross-replica synchronisation inside
control flow, which ``tf.distribute`` does not support. With no extra steps there is
nothing to correct, so the learning rates and betas are the config's.
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import ops
from tfgan_suite.gans import base
from tfgan_suite.gans.base import FAKE_STREAMS, MEASUREMENT_STREAM, AdversarialModel
from tfgan_suite.networks import style


def _check_unit(field: str, value, closed: bool = True) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not (
            0.0 <= value <= 1.0 if closed else 0.0 <= value < 1.0):
        bounds = "[0, 1]" if closed else "[0, 1)"
        raise ValueError(f"{field}: a number in {bounds}, got {value!r}")
    return float(value)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class StyleGAN(AdversarialModel):
    """A style generator (``generator.name: stylegan`` or ``stylegan2``) trained with style
    mixing and a tracked w̄; its own section ``stylegan``.

    Args:
        generator: a ``networks.style.StyleGenerator``.
        discriminator: any discriminator of the generator's image shape.
        mixing_probability: probability of style mixing per update (0.9).
        w_avg_decay: β of w̄ ← β·w̄ + (1 − β)·mean(w) (0.995).
        truncation_cutoff: slots truncated by ``sample(truncation=ψ)``, None = all (the
            reference's 8 of 18 slots at 1024 px are the coarse and middle styles; at 32 px
            the generator has 8 slots in all).
        **kwargs: ``AdversarialModel``'s.
    """

    section = "stylegan"

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 mixing_probability: float = 0.9, w_avg_decay: float = 0.995,
                 truncation_cutoff: Optional[int] = None, **kwargs):
        if not isinstance(generator, style.StyleGenerator):
            raise ValueError(f"generator.name: model {self.section} trains a style generator; "
                             f"accepted: stylegan, stylegan2, got {generator.name}")
        super().__init__(generator, discriminator, **kwargs)
        self.mixing_probability = _check_unit(f"{self.section}.mixing_probability",
                                              mixing_probability)
        self.w_avg_decay = _check_unit(f"{self.section}.w_avg_decay", w_avg_decay,
                                       closed=False)
        style.check_cutoff(truncation_cutoff, generator.num_slots,
                           f"{self.section}.truncation_cutoff")
        self.truncation_cutoff = truncation_cutoff
        self._truncated_fn = None

    # --- configuration ---------------------------------------------------------------------

    options = ("mixing_probability", "w_avg_decay", "truncation_cutoff")

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        section = config.get(cls.section) or {}
        return {key: section[key] for key in cls.options if key in section}

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(),
                    **{key: getattr(self, key) for key in self.options})

    # --- the fakes of a training update ------------------------------------------------------

    def track_w_avg(self, w: tf.Tensor) -> None:
        """w̄ ← β·w̄ + (1 − β)·(mean of w over the global batch)."""
        slots = self.generator.slots
        mean = ops.global_batch_mean(tf.stop_gradient(w), axis=0)
        slots.w_avg.assign(mean + self.w_avg_decay * (slots.w_avg - mean))

    def style_latents(self, z: tf.Tensor, step, stream: int, training: bool = True,
                      track: bool = True) -> tf.Tensor:
        """``[B, slots, w_dim]``: mapping(z) in every slot, style-mixed with probability
        ``mixing_probability`` (draws: streams ``stream`` and ``stream + 1``); w̄ is
        tracked when ``training`` and ``track``."""
        generator = self.generator
        w = generator.mapping(z, training=training)
        if training and track:
            self.track_w_avg(w)
        ws = generator.slots(w)
        if not self.mixing_probability:
            return ws
        slots = generator.num_slots
        batch = z.shape[0] if z.shape[0] is not None else tf.shape(z)[0]
        second = generator.slots(generator.mapping(self._latent(batch, step, stream),
                                                   training=training))
        draws = ops.stateless_uniform([2], self._stream_seed(step, stream + 1))
        crossover = 1 + tf.cast(tf.floor(draws[1] * (slots - 1)), tf.int32)
        crossover = tf.where(draws[0] < self.mixing_probability, crossover, slots)
        return style.mix(ws, second, crossover)

    def synthesise(self, ws: tf.Tensor, step, stream: int, training: bool = True
                   ) -> tf.Tensor:
        """The synthesis network on ``ws`` with fresh N(0, 1) noise images (one stateless
        draw, stream ``stream``, split per layer)."""
        synthesis = self.generator.synthesis
        sizes = [h * w for h, w in synthesis.noise_shapes]
        batch = ws.shape[0] if ws.shape[0] is not None else tf.shape(ws)[0]
        flat = self._draw(ops.stateless_normal, batch, [sum(sizes)], step, stream)
        noise = [tf.reshape(part, [-1, h, w, 1]) for part, (h, w)
                 in zip(tf.split(flat, sizes, axis=1), synthesis.noise_shapes, strict=True)]
        return synthesis(ws, noise=noise, training=training)

    def style_fakes(self, z: tf.Tensor, step, stream: int, training: bool = True
                    ) -> tf.Tensor:
        """One update's fakes (streams ``stream`` … ``stream + 2``)."""
        ws = self.style_latents(z, step, stream, training)
        return self.synthesise(ws, step, stream + 2, training)

    def fakes_for_discriminator(self, z, g_condition, step, update_stream: int,
                                training: bool = True):
        fake = tf.cast(self.style_fakes(z, step, update_stream + FAKE_STREAMS, training),
                       tf.float32)
        return self.measure_fakes(fake, step, update_stream + MEASUREMENT_STREAM), {}

    # --- sampling ------------------------------------------------------------------------------

    def sample(self, n: int, seed: int = 0, labels=None, batch_size: int = 256,
               truncation: Optional[float] = None) -> np.ndarray:
        """As ``AdversarialModel.sample``; ``truncation`` is ψ of truncation in W (in [0, 1],
        on the slots before ``truncation_cutoff``), not a threshold on z."""
        if truncation is None:
            return super().sample(n, seed=seed, labels=labels, batch_size=batch_size)
        style.check_psi(truncation)
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n: must be a positive integer, got {n!r}")
        self._sampling_labels(int(n), labels)
        if self._truncated_fn is None:
            generator, cutoff = self.sampling_generator, self.truncation_cutoff
            self._truncated_fn = tf.function(
                lambda z, psi: generator.truncated(z, psi, cutoff))
        z = self.latent(int(n), seed)
        return np.concatenate([
            self._truncated_fn(tf.constant(z[start:start + batch_size]),
                               tf.constant(float(truncation))).numpy()
            for start in range(0, len(z), batch_size)]).astype(np.float32)

    def interpolate(self, n: int, steps: int = 8, seed: int = 0, labels=None,
                    batch_size: int = 256, truncation: Optional[float] = None,
                    along: str = "z") -> np.ndarray:
        """As ``AdversarialModel.interpolate`` (z slerped), without truncation; ``along="w"``
        lerps the styles instead, from w(``latent(n, seed)[i]``) to w(``latent(n, seed +
        1)[i]``) in ``steps`` equal steps (the ends are the same two samples)."""
        if truncation is not None:
            raise ValueError("truncation: style models truncate in W, which interpolation "
                             "strips do not support; leave it unset")
        if along not in ("z", "w"):
            raise ValueError(f"--interpolate: style models interpolate along z or w, got "
                             f"{along!r}")
        if along == "z":
            return super().interpolate(n, steps, seed=seed, labels=labels,
                                       batch_size=batch_size)
        n, steps = base.strip_size(n, steps)
        self._sampling_labels(n, labels)
        first = np.repeat(self.latent(n, seed), steps, axis=0)
        second = np.repeat(self.latent(n, seed + 1), steps, axis=0)
        t = np.tile(np.linspace(0.0, 1.0, steps, dtype=np.float32), n)
        generator = self.sampling_generator
        images = np.concatenate([
            generator.lerped(tf.constant(first[i:i + batch_size]),
                             tf.constant(second[i:i + batch_size]),
                             tf.constant(t[i:i + batch_size])).numpy()
            for i in range(0, len(t), batch_size)]).astype(np.float32)
        return images.reshape(n, steps, *images.shape[1:])

    def style_mix(self, rows: int, columns: int, crossover: int, seed: int = 0
                  ) -> np.ndarray:
        """A style-mixing grid ``[rows, columns, …]``: image (i, j) takes the slots before
        ``crossover`` (the coarse styles) from ``latent(rows, seed)[i]`` and the rest from
        ``latent(columns, seed + 1)[j]`` (stored noise, no truncation)."""
        rows, columns = base.strip_size(rows, columns)
        generator = self.sampling_generator
        style.check_cutoff(crossover, generator.num_slots, "--mix")
        first = np.repeat(self.latent(rows, seed), columns, axis=0)
        second = np.tile(self.latent(columns, seed + 1), (rows, 1))
        images = generator.mixed(tf.constant(first), tf.constant(second), crossover).numpy()
        return images.reshape(rows, columns, *images.shape[1:]).astype(np.float32)


def path_lengths(synthesise, ws: tf.Tensor, probe: tf.Tensor) -> tf.Tensor:
    """``[B]`` path lengths ‖J_wᵀ y‖: for images = ``synthesise(ws)`` and the probe y
    (already divided by √(H·W)), √(mean over slots of Σ over w of (∂Σ(images·y)/∂w)²).

    Args:
        synthesise: ``[B, slots, w_dim]`` → ``[B, H, W, C]``, differentiable.
        ws: the styles, ``[B, slots, w_dim]``.
        probe: ``[B, H, W, C]``.
    """
    with tf.GradientTape() as tape:
        tape.watch(ws)
        output = tf.reduce_sum(tf.cast(synthesise(ws), tf.float32) * probe)
    gradients = tf.cast(tape.gradient(output, ws), tf.float32)
    return tf.sqrt(tf.reduce_mean(tf.reduce_sum(tf.square(gradients), axis=2), axis=1))


@keras.saving.register_keras_serializable(package="tfgan_suite")
class StyleGAN2(StyleGAN):
    """StyleGAN plus the lazy path-length regulariser; its own section ``stylegan2``.

    Args:
        pl_weight: weight of the path-length penalty (2; 0 disables it).
        pl_interval: generator updates between path-length terms (4); the term is
            multiplied by it.
        pl_decay: rate of the running mean of lengths (0.01).
        pl_batch_shrink: the penalty's batch is the update's batch divided by this (2).
        truncation_cutoff: StyleGAN2 truncates every slot (None).
        **kwargs: ``StyleGAN``'s.
    """

    section = "stylegan2"
    options = StyleGAN.options + ("pl_weight", "pl_interval", "pl_decay", "pl_batch_shrink")

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 pl_weight: float = 2.0, pl_interval: int = 4, pl_decay: float = 0.01,
                 pl_batch_shrink: int = 2, truncation_cutoff: Optional[int] = None,
                 **kwargs):
        super().__init__(generator, discriminator, truncation_cutoff=truncation_cutoff,
                         **kwargs)
        if not isinstance(pl_weight, (int, float)) or pl_weight < 0:
            raise ValueError(f"stylegan2.pl_weight: a number >= 0, got {pl_weight!r}")
        for field, value in (("pl_interval", pl_interval), ("pl_batch_shrink", pl_batch_shrink)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"stylegan2.{field}: a positive integer, got {value!r}")
        self.pl_weight, self.pl_interval = float(pl_weight), pl_interval
        self.pl_decay = _check_unit("stylegan2.pl_decay", pl_decay)
        self.pl_batch_shrink = pl_batch_shrink
        #: The running mean a of path lengths (0 at start), checkpointed with the model.
        self.pl_mean = keras.Variable(0.0, dtype="float32", trainable=False, name="pl_mean",
                                      aggregation="only_first_replica")

    def extra_metric_names(self) -> list[str]:
        return ["pl"] if self.pl_weight else []

    def path_lengths(self, batch, step, stream: int) -> tf.Tensor:
        """``[batch]`` lengths ‖J_wᵀ y‖ of fresh fakes (streams ``stream`` … ``+ 4``).
        w̄ is not tracked here: this runs inside a ``tf.cond``, where the global mean's
        all-reduce is not allowed."""
        z = self._latent(batch, step, stream)
        ws = self.style_latents(z, step, stream + 1, training=True, track=False)
        synthesis = self.generator.synthesis
        side = synthesis.image_size
        probe = self._draw(ops.stateless_normal, batch, [side, side, synthesis.channels], step,
                           stream + 4) / np.sqrt(side * side)
        return path_lengths(lambda latents: self.synthesise(latents, step, stream + 3), ws,
                            probe)

    def path_length_penalty(self, lengths: tf.Tensor, due) -> tf.Tensor:
        """Updates the running mean (when ``due``) from the global batch's lengths and
        returns mean((length − a)²) with the updated a (0 when not due)."""
        mean = ops.global_batch_mean(tf.stop_gradient(lengths))
        updated = self.pl_mean + self.pl_decay * (mean - self.pl_mean)
        updated = tf.where(due, updated, self.pl_mean)
        self.pl_mean.assign(updated)
        penalty = tf.reduce_mean(tf.square(lengths - tf.stop_gradient(updated)))
        return tf.where(due, penalty, 0.0)

    def generator_regularisation(self, real: tf.Tensor, step) -> dict[str, tf.Tensor]:
        if not self.pl_weight:
            return {}
        # A static batch when the data has one: XLA needs the shapes of the second-order
        # gradient's broadcasts at compile time.
        batch = real.shape[0] if real.shape[0] is not None else tf.shape(real)[0]
        pl_batch = (max(batch // self.pl_batch_shrink, 1) if isinstance(batch, int)
                    else tf.maximum(batch // self.pl_batch_shrink, 1))
        due = tf.equal(tf.cast(step, tf.int64) % self.pl_interval, 0)
        stream = base.regularisation_stream(self.n_critic, 0)
        # Only the gradient computation is conditional: the running mean's all-reduce and
        # assignment stay outside the cond (no synchronisation inside control flow).
        lengths = tf.cond(due, lambda: self.path_lengths(pl_batch, step, stream),
                          lambda: tf.zeros([pl_batch]))
        penalty = self.path_length_penalty(lengths, due)
        return {"pl": penalty * self.pl_weight * self.pl_interval}
