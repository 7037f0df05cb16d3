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
history pools (``gans/image_pool.py``). With ``objective: least_squares`` adv is the
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
        generator_ba, discriminator_a: F and D_A; default: fresh copies of G's and D_B's
            architecture (the same config).
        **kwargs: as ``AdversarialModel`` (``n_critic`` must be 1; EMA covers G and F).
    """

    directions = ("a2b", "b2a")
    #: PatchGAN discriminators: one logit per patch, [batch, h, w, 1] (not checked as [batch, 1]).
    logit_shape = None

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 cycle_weight: float = translation.CYCLE_WEIGHT,
                 identity_fraction: float = translation.IDENTITY_FRACTION,
                 pool_size: int = DEFAULT_SIZE, generator_ba: Optional[keras.Model] = None,
                 discriminator_a: Optional[keras.Model] = None, **kwargs):
        translation.check_translator("cyclegan", generator)
        if kwargs.get("n_critic", 1) != 1:
            raise ValueError(f"train.n_critic: cyclegan alternates one update of each pair; "
                             f"accepted: 1, got {kwargs['n_critic']!r}")
        super().__init__(generator, discriminator, **kwargs)
        for field, value in (("cycle_weight", cycle_weight),
                             ("identity_fraction", identity_fraction)):
            if not float(value) >= 0.0:
                raise ValueError(f"cyclegan.{field}: must be >= 0, got {value!r}")
        self.cycle_weight = float(cycle_weight)
        self.identity_fraction = float(identity_fraction)
        self.pool_size = pool_size
        self.generator_ba = generator_ba or _fresh_copy(generator, "generator_ba")
        self.discriminator_a = discriminator_a or _fresh_copy(discriminator, "discriminator_a")
        shape = tuple(generator.outputs[0].shape[1:])
        if tuple(self.generator_ba.outputs[0].shape[1:]) != shape:
            raise ValueError(f"cyclegan: generator_ba outputs "
                             f"{tuple(self.generator_ba.outputs[0].shape[1:])}, G {shape}; "
                             "both domains need one shape")
        self.ema_generator_ba = self.averaged_copy(self.generator_ba)
        self.pool_a = ImageHistoryPool(pool_size, shape, name="pool_a")
        self.pool_b = ImageHistoryPool(pool_size, shape, name="pool_b")

    # --- configuration ---------------------------------------------------------------------

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        section = config.get("cyclegan") or {}
        return {key: section[key] for key in ("cycle_weight", "identity_fraction", "pool_size")
                if key in section}

    def compile(self, *args, **kwargs) -> None:
        super().compile(*args, **kwargs)
        if self.penalties:
            raise ValueError(f"penalties: cyclegan takes no discriminator penalties, got "
                             f"{', '.join(p.name for p in self.penalties)}; accepted: none")

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), cycle_weight=self.cycle_weight,
                    identity_fraction=self.identity_fraction, pool_size=self.pool_size,
                    generator_ba=keras.saving.serialize_keras_object(self.generator_ba),
                    discriminator_a=keras.saving.serialize_keras_object(self.discriminator_a))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator_ba", "discriminator_a"):
            config[key] = keras.saving.deserialize_keras_object(config[key],
                                                                custom_objects=custom_objects)
        return super().from_config(config, custom_objects)

    def generator_networks(self):
        return [(self.generator, self.ema_generator),
                (self.generator_ba, self.ema_generator_ba)]

    def _all_discriminator_variables(self) -> list:
        return self.discriminator.trainable_variables + self.discriminator_a.trainable_variables

    def extra_metric_names(self) -> list[str]:
        return ["cycle"] + (["identity"] if self.identity_fraction > 0 else [])

    def _translators(self) -> dict:
        return {"a2b": self.sampling_generator,
                "b2a": self.ema_generator_ba if self.ema_generator_ba is not None
                else self.generator_ba}

    # --- the step --------------------------------------------------------------------------

    def _adversarial(self, fake_logits, real_logits=None) -> tf.Tensor:
        if self.objective.name == "least_squares":
            return translation.lsgan_generator_loss(fake_logits)
        return self.objective.g_loss(real_logits, fake_logits)

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
            terms["cycle"] = translation.cycle_loss(a, g_ba(fake_b, training=True),
                                                    b, g_ab(fake_a, training=True),
                                                    self.cycle_weight)
            if self.identity_fraction > 0:
                terms["identity"] = translation.identity_loss(
                    a, g_ba(a, training=True), b, g_ab(b, training=True),
                    self.cycle_weight, self.identity_fraction)
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
            scaled = self.d_optimizer.scale_loss(self._scale(d_loss))
        variables = self._discriminator_variables()
        self.d_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables,
                                             strict=True))
        terms["d_loss"] = d_loss
        self._update_ema(step)
        self.step_counter.assign_add(1)
        return self._log(terms)
