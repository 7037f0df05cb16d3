"""CycleGAN: unpaired image-to-image translation with cycle consistency (issue #18).

Zhu et al., ICCV 2017, arXiv:1703.10593; junyanz/pytorch-CycleGAN-and-pix2pix
``models/cycle_gan_model.py`` (read for the order of the updates and the constants, nothing
copied); ../shared/families.md §17. Two translators G: A → B (``generator``) and F: B → A
(``generator_ba``), two PatchGANs D_B (``discriminator``) and D_A (``discriminator_a``).

One step, as the reference's ``optimize_parameters``:

    ŷ = G(x), x̂ = F(y)                                  (x from A, y from B)
    L_G = adv(D_B(ŷ)) + adv(D_A(x̂)) + λ·(|F(ŷ) − x|₁ + |G(x̂) − y|₁)
          + λ·λ_idt·(|G(y) − y|₁ + |F(x) − x|₁)          → one Adam over G and F
    L_D = d_loss(D_B(y), D_B(pool_B(ŷ))) + d_loss(D_A(x), D_A(pool_A(x̂)))
                                                          → one Adam over D_A and D_B

with the fakes of the same forward pass (made before G's update) going through the
history pools (``gans/image_pool.py``).

Two options serve the speech CycleGANs (``gans/voice_conversion.py``; speech.md §7–§8),
each off by default:

- ``identity_steps``: the identity loss is used for the first ``identity_steps`` steps
  only (CycleGAN-VC: 10⁴), a pure function of the step; afterwards its weight is 0 and the
  two identity passes are skipped.
- ``two_step`` (CycleGAN-VC2's two-step adversarial loss): two more discriminators D′_A,
  D′_B — the architecture of D_A, D_B, their own weights — judge the cycle reconstructions
  x̂ = F(G(x)) and ŷ = G(F(y)) against real x and y:
      L_G += adv(D′_A(F(G(x)))) + adv(D′_B(G(F(y))))     (gradients reach both G and F)
      L_D += d_loss(D′_A(x), D′_A(x̂)) + d_loss(D′_B(y), D′_B(ŷ))
  Kaneko et al., ICASSP 2019 (arXiv 1904.04631), as read in GANtastic3/MaskCycleGAN-VC
  ``train.py``; jackaduma/CycleGAN-VC2 reuses D_A/D_B and drops the generator term (its
  issue #1) — not followed. With ``objective: least_squares`` adv is the
reference's mean (D − 1)², not halved (``translation.lsgan_generator_loss``); the D loss is
the suite's least-squares loss, which is the reference's halved one. Other objectives use
their own G and D losses. Penalties are not supported (the reference has none).

Distribution: losses are replica means scaled by 1/replicas (global-batch means after the
optimizers' sum); the pools are queried with the **global** batch of fakes (all-gathered)
and stateless draws keyed by (seed, step, stream), so every replica computes the same pool
state and keeps its own rows: a 2-replica step equals the 1-device step. Under
``mixed_float16`` each loss-scaled optimizer skips its own non-finite update.
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import tensorflow as tf

from tfgan_suite import ops
from tfgan_suite.gans import translation
from tfgan_suite.gans.base import AdversarialModel
from tfgan_suite.gans.image_pool import DEFAULT_SIZE, ImageHistoryPool

#: Stream ids of the pools' draws (uniform, slot) per pool; the step has no other draws.
_POOL_STREAMS = {"a": (0, 1), "b": (2, 3)}


def _fresh_copy(network: keras.Model, name: str) -> keras.Model:
    """The same architecture, freshly initialised, under ``name``."""
    return network.__class__.from_config(dict(network.get_config(), name=name))


@keras.saving.register_keras_serializable(package="tfgan_suite")
class CycleGAN(translation.TranslationMixin, AdversarialModel):
    """Two translators and two discriminators trained with cycle consistency.

    Args:
        generator: G, domain A → B images (its shape in, the same shape out).
        discriminator: D_B, judging domain B images (e.g. ``patchgan``).
        cycle_weight: λ of the cycle loss, each direction.
        identity_fraction: λ_idt, the identity loss's weight relative to λ (0 disables it).
        pool_size: images kept by each history pool (0: pass-through).
        identity_steps: the identity loss is on for steps < identity_steps only (None:
            always).
        two_step: add the two-step adversarial loss on the cycle reconstructions with two
            more discriminators (module docstring).
        pool_shape: the shape of one pooled sample; default G's output shape (a speech
            generator of any length pools its training crops: (frames, dims)).
        generator_ba, discriminator_a: F and D_A; default: fresh copies of G's and D_B's
            architecture (the same config).
        cycle_discriminator_a, cycle_discriminator_b: D′_A and D′_B of ``two_step``;
            default: fresh copies of D_B's architecture.
        **kwargs: as ``AdversarialModel`` (``n_critic`` must be 1; EMA covers G and F).
    """

    directions = ("a2b", "b2a")
    #: PatchGAN discriminators: one logit per patch, [batch, h, w, 1] (not checked as [batch, 1]).
    logit_shape = None
    #: The config section of the model's options.
    section = "cyclegan"
    #: Rank of one sample: images [H, W, C]; the speech subclasses' features [T, D].
    sample_rank = 3

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 cycle_weight: float = translation.CYCLE_WEIGHT,
                 identity_fraction: float = translation.IDENTITY_FRACTION,
                 pool_size: int = DEFAULT_SIZE, identity_steps: Optional[int] = None,
                 two_step: bool = False, pool_shape: Optional[tuple] = None,
                 generator_ba: Optional[keras.Model] = None,
                 discriminator_a: Optional[keras.Model] = None,
                 cycle_discriminator_a: Optional[keras.Model] = None,
                 cycle_discriminator_b: Optional[keras.Model] = None, **kwargs):
        translation.check_translator(self.section, generator, self.sample_rank)
        if kwargs.get("n_critic", 1) != 1:
            raise ValueError(f"train.n_critic: {self.section} alternates one update of each pair; "
                             f"accepted: 1, got {kwargs['n_critic']!r}")
        super().__init__(generator, discriminator, **kwargs)
        translation.check_weights(self.section, cycle_weight=cycle_weight,
                                  identity_fraction=identity_fraction)
        translation.check_identity_steps(self.section, identity_steps)
        self.cycle_weight = float(cycle_weight)
        self.identity_fraction = float(identity_fraction)
        self.identity_steps = identity_steps
        self.two_step = bool(two_step)
        self.pool_size = pool_size
        self.generator_ba = generator_ba or _fresh_copy(generator, "generator_ba")
        self.discriminator_a = discriminator_a or _fresh_copy(discriminator, "discriminator_a")
        shape = tuple(generator.outputs[0].shape[1:])
        if tuple(self.generator_ba.outputs[0].shape[1:]) != shape:
            raise ValueError(f"cyclegan: generator_ba outputs "
                             f"{tuple(self.generator_ba.outputs[0].shape[1:])}, G {shape}; "
                             "both domains need one shape")
        self.cycle_discriminator_a = self.cycle_discriminator_b = None
        if self.two_step:
            self.cycle_discriminator_a = cycle_discriminator_a or _fresh_copy(
                discriminator, "cycle_discriminator_a")
            self.cycle_discriminator_b = cycle_discriminator_b or _fresh_copy(
                discriminator, "cycle_discriminator_b")
        self.ema_generator_ba = self.averaged_copy(self.generator_ba)
        self.pool_shape = tuple(pool_shape) if pool_shape is not None else shape
        if None in self.pool_shape:
            raise ValueError(f"{self.section}: pooled samples need a fixed shape; the "
                             f"generator outputs {shape}, so give pool_shape")
        self.pool_a = ImageHistoryPool(pool_size, self.pool_shape, name="pool_a")
        self.pool_b = ImageHistoryPool(pool_size, self.pool_shape, name="pool_b")

    # --- configuration ---------------------------------------------------------------------

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        section = config.get(cls.section) or {}
        return {key: section[key] for key in ("cycle_weight", "identity_fraction", "pool_size",
                                              "identity_steps", "two_step") if key in section}

    def compile(self, *args, **kwargs) -> None:
        super().compile(*args, **kwargs)
        translation.refuse_penalties(self.section, self.penalties)

    def get_config(self) -> dict[str, Any]:
        networks = {key: keras.saving.serialize_keras_object(getattr(self, key))
                    for key in self._extra_networks() if getattr(self, key) is not None}
        return dict(super().get_config(), cycle_weight=self.cycle_weight,
                    identity_fraction=self.identity_fraction, pool_size=self.pool_size,
                    identity_steps=self.identity_steps, two_step=self.two_step,
                    pool_shape=list(self.pool_shape), **networks)

    @staticmethod
    def _extra_networks() -> tuple[str, ...]:
        return ("generator_ba", "discriminator_a", "cycle_discriminator_a",
                "cycle_discriminator_b")

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in cls._extra_networks():
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(
                    config[key], custom_objects=custom_objects)
        return super().from_config(config, custom_objects)

    def generator_networks(self):
        return [(self.generator, self.ema_generator),
                (self.generator_ba, self.ema_generator_ba)]

    def _all_discriminator_variables(self) -> list:
        return [v for network in self._discriminators() for v in network.trainable_variables]

    def _discriminators(self) -> list[keras.Model]:
        """D_B, D_A and, with ``two_step``, D′_A and D′_B."""
        return [self.discriminator, self.discriminator_a] + (
            [self.cycle_discriminator_a, self.cycle_discriminator_b] if self.two_step else [])

    def extra_metric_names(self) -> list[str]:
        return (["cycle"] + (["identity"] if self.identity_fraction > 0 else [])
                + (["cycle_adversarial"] if self.two_step else []))

    def identity_weight(self, step) -> tf.Tensor:
        """λ·λ_idt at ``step`` (0 from ``identity_steps`` on): a pure function of the step."""
        return translation.identity_weight_at(self.cycle_weight * self.identity_fraction,
                                              self.identity_steps, step)

    def _translators(self) -> dict:
        return {"a2b": self.sampling_generator,
                "b2a": self.ema_generator_ba if self.ema_generator_ba is not None
                else self.generator_ba}

    # --- the step --------------------------------------------------------------------------

    def _adversarial(self, fake_logits, real_logits=None) -> tf.Tensor:
        return translation.adversarial_generator_loss(self.objective, fake_logits, real_logits)

    def _pooled(self, pool: ImageHistoryPool, fakes: tf.Tensor, step, streams) -> tf.Tensor:
        """This replica's rows of the pool's answer to the global batch of fakes."""
        per_replica = tf.shape(fakes)[0]
        start, global_batch = self._replica_rows(per_replica)
        everything = fakes
        if tf.distribute.get_strategy().num_replicas_in_sync > 1:
            everything = tf.distribute.get_replica_context().all_gather(fakes, axis=0)
        uniform = ops.stateless_uniform([global_batch], self._stream_seed(step, streams[0]))
        slots = tf.cast(ops.stateless_uniform([global_batch], self._stream_seed(step, streams[1]))
                        * max(pool.size, 1), tf.int32)
        returned = pool.query(everything, uniform, slots)
        return returned[start:start + per_replica]

    def _identity(self, a, b, step) -> tf.Tensor:
        """The identity loss at ``step``; after ``identity_steps`` its two passes are
        skipped (a ``tf.cond``) and it is 0."""
        weight = self.identity_weight(step)

        def on():
            return translation.identity_loss(
                a, self.generator_ba(a, training=True), b, self.generator(b, training=True),
                1.0, 1.0) * weight

        if self.identity_steps is None:
            return on()
        return tf.cond(weight > 0.0, on, lambda: tf.constant(0.0))

    def cycle_adversarial_loss(self, a, cycled_a, b, cycled_b) -> tf.Tensor:
        """The generators' two-step term: adv(D′_A(F(G(a)))) + adv(D′_B(G(F(b))))."""
        d2_a, d2_b = self.cycle_discriminator_a, self.cycle_discriminator_b
        uses_real = self.objective.uses_real_in_g
        return (self._adversarial(d2_a(cycled_a, training=True),
                                  d2_a(a, training=True) if uses_real else None)
                + self._adversarial(d2_b(cycled_b, training=True),
                                    d2_b(b, training=True) if uses_real else None))

    def cycle_discriminator_loss(self, a, cycled_a, b, cycled_b) -> tf.Tensor:
        """D′_A and D′_B: real a and b against the (fixed) cycle reconstructions."""
        d2_a, d2_b = self.cycle_discriminator_a, self.cycle_discriminator_b
        return (self.objective.d_loss(d2_a(a, training=True), d2_a(cycled_a, training=True))
                + self.objective.d_loss(d2_b(b, training=True), d2_b(cycled_b, training=True)))

    def train_step(self, data):
        a, b = self.unpack_batch(data)
        step = tf.convert_to_tensor(self.step_counter.value)
        g_ab, g_ba = self.generator, self.generator_ba
        d_b, d_a = self.discriminator, self.discriminator_a
        uses_real = self.objective.uses_real_in_g
        with tf.GradientTape() as tape:
            fake_b = tf.cast(g_ab(a, training=True), tf.float32)
            fake_a = tf.cast(g_ba(b, training=True), tf.float32)
            terms = {"g_loss": (
                self._adversarial(d_b(fake_b, training=True),
                                  d_b(b, training=True) if uses_real else None)
                + self._adversarial(d_a(fake_a, training=True),
                                    d_a(a, training=True) if uses_real else None))}
            cycled_a = tf.cast(g_ba(fake_b, training=True), tf.float32)
            cycled_b = tf.cast(g_ab(fake_a, training=True), tf.float32)
            terms["cycle"] = translation.cycle_loss(a, cycled_a, b, cycled_b, self.cycle_weight)
            if self.identity_fraction > 0:
                terms["identity"] = self._identity(a, b, step)
            if self.two_step:
                terms["cycle_adversarial"] = self.cycle_adversarial_loss(a, cycled_a, b, cycled_b)
            scaled = self.g_optimizer.scale_loss(self._scale(tf.add_n(list(terms.values()))))
        variables = self._generator_variables()
        self.g_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables,
                                             strict=True))

        judged_b = self._pooled(self.pool_b, tf.stop_gradient(fake_b), step, _POOL_STREAMS["b"])
        judged_a = self._pooled(self.pool_a, tf.stop_gradient(fake_a), step, _POOL_STREAMS["a"])
        with tf.GradientTape() as tape:
            d_loss = (self.objective.d_loss(d_b(b, training=True), d_b(judged_b, training=True))
                      + self.objective.d_loss(d_a(a, training=True),
                                              d_a(judged_a, training=True)))
            if self.two_step:
                d_loss += self.cycle_discriminator_loss(a, tf.stop_gradient(cycled_a),
                                                        b, tf.stop_gradient(cycled_b))
            scaled = self.d_optimizer.scale_loss(self._scale(d_loss))
        variables = self._discriminator_variables()
        self.d_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables,
                                             strict=True))
        terms["d_loss"] = d_loss
        self._update_ema(step)
        self.step_counter.assign_add(1)
        return self._log(terms)
