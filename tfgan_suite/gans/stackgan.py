"""StackGAN (v1): conditioning augmentation and two stages (Zhang, Xu, Li, Zhang, Wang,
Huang & Metaxas, "StackGAN: Text to Photo-realistic Image Synthesis with Stacked Generative
Adversarial Networks", ICCV 2017, arXiv:1612.03242; hanzhanggit/StackGAN
``stageI/trainer.py``, ``stageII/trainer.py``, ``misc/config.py``; ../shared/families.md §10).

``model: stackgan`` trains one stage, chosen by the generator:

- Stage-I (``generator.name: stackgan1``): G(z, ĉ₀) draws a low-resolution image from the
  condition's augmented embedding; the discriminator judges it against the reals average-
  pooled to the same side.
- Stage-II (``generator.name: stackgan2``, ``generator.stage1_run: RUN``): the Stage-I
  generator of RUN is loaded frozen; Stage-II refines its image with its own ĉ. The run
  must be a trained Stage-I run (one-line error otherwise).

Losses (both stages):
- discriminator, matching-aware (``stackgan.matching_aware``): a real image with its own
  condition is real; a generated image, and a real image with a **mismatched** condition
  (another condition id, drawn uniformly), are fake. The fake side's mean is then
  (fake + wrong) / 2 — the reference's L_D = real + (wrong + fake) / 2 — through the base's
  ``discriminator_fakes`` hook;
- generator: the objective's loss (non-saturating in the recipes) plus
  ``kl_weight`` · KL(N(μ, σ²) ‖ N(0, I)) of its trainable conditioning augmentation,
  averaged over dimensions (the reference's form and weight 2.0; the paper writes λ = 1).

Conditions are condition ids whose descriptions the networks embed
(``data/descriptions.py``); ``sample(n, text=…)`` takes a description.
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import ops
from tfgan_suite.data import descriptions as descriptions_lib
from tfgan_suite.gans.base import MEASUREMENT_STREAM
from tfgan_suite.gans.conditional import ConditionalGAN
from tfgan_suite.layers.conditioning import kl_to_standard_normal
from tfgan_suite.networks import pyramid
from tfgan_suite.networks import stackgan as stack


@keras.saving.register_keras_serializable(package="tfgan_suite")
class StackGAN(ConditionalGAN):
    """One StackGAN stage (module docstring).

    Args:
        generator: a ``stackgan1`` or ``stackgan2`` generator.
        discriminator: a ``stackgan`` discriminator at the generator's output side.
        num_classes: number of condition ids.
        kl_weight: weight of the conditioning augmentation's KL in the generator's loss.
        matching_aware: add real images with mismatched conditions to D's fake side.
        **kwargs: as ``AdversarialModel``.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 num_classes: Optional[int] = None, kl_weight: float = 2.0,
                 matching_aware: bool = True, **kwargs):
        if not isinstance(generator, (stack.StackGANStage1Generator,
                                      stack.StackGANStage2Generator)):
            raise ValueError(f"generator.name: model stackgan needs a StackGAN generator; "
                             f"accepted: stackgan1, stackgan2, got {generator.name}")
        if not isinstance(discriminator, stack.StackGANDiscriminator):
            raise ValueError(f"discriminator.name: model stackgan needs the matching-aware "
                             f"discriminator; accepted: stackgan, got {discriminator.name}")
        if not float(kl_weight) >= 0.0:
            raise ValueError(f"stackgan.kl_weight: must be >= 0, got {kl_weight!r}")
        super().__init__(generator, discriminator, num_classes=num_classes, **kwargs)
        if matching_aware and self.num_classes < 2:
            raise ValueError("stackgan.matching_aware: needs at least 2 conditions")
        self.kl_weight = float(kl_weight)
        self.matching_aware = bool(matching_aware)
        self.vocabulary = descriptions_lib.Vocabulary(generator.descriptions)

    @classmethod
    def _kind(cls) -> str:
        return "stackgan"

    @property
    def stage(self) -> int:
        return 2 if isinstance(self.generator, stack.StackGANStage2Generator) else 1

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        section = config["stackgan"]
        return {"num_classes": facts.num_classes, "kl_weight": section["kl_weight"],
                "matching_aware": section["matching_aware"]}

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), kl_weight=self.kl_weight,
                    matching_aware=self.matching_aware)

    def extra_metric_names(self) -> list[str]:
        return ["ca_kl"]

    # --- hooks ---------------------------------------------------------------------------

    def prepare_reals(self, real: tf.Tensor, step) -> tf.Tensor:
        """Reals average-pooled to the generator's side (Stage-I judges low resolution)."""
        side, real_side = self.generator.outputs[0].shape[1], real.shape[1]
        if real_side == side:
            return real
        if real_side % side:
            raise ValueError(f"generator.image_size: {side} must divide the data's side "
                             f"{real_side}")
        return pyramid.pool(real, real_side // side)

    def fakes_for_discriminator(self, z, g_condition, step, update_stream: int,
                                training: bool = True):
        inputs = self.generator_inputs(z, g_condition)
        fake = tf.cast(self.generator(inputs, training=training), tf.float32)
        mu, log_sigma = self.generator.conditioning(*inputs, training=training)
        terms = {"ca_kl": self.kl_weight * kl_to_standard_normal(mu, log_sigma)}
        return self.measure_fakes(fake, step, update_stream + MEASUREMENT_STREAM), terms

    def discriminator_fakes(self, real, labels, fake, d_condition, step, stream_id: int):
        """The generated batch, then the real batch with mismatched conditions: each label
        shifted by 1 + U{0, …, K − 2} (mod K), so never its own."""
        if not self.matching_aware:
            return fake, d_condition
        batch = tf.shape(real)[0]
        shift = self._draw(ops.stateless_uniform, batch, [], step, stream_id)
        shift = 1 + tf.cast(tf.floor(shift * (self.num_classes - 1)), tf.int32)
        shift = tf.minimum(shift, self.num_classes - 1)
        wrong = tf.math.floormod(labels + shift, self.num_classes)
        return tf.concat([fake, real], axis=0), tf.concat([d_condition, wrong], axis=0)

    # --- sampling --------------------------------------------------------------------------

    def condition_of(self, text: str) -> int:
        """The condition id a description names; unknown tokens or texts: one-line error."""
        return self.vocabulary.condition_of(text, field="text")

    def sample(self, n: int, seed: int = 0, labels=None, batch_size: int = 256,
               truncation: Optional[float] = None, text: Optional[str] = None) -> np.ndarray:
        """As ``ConditionalGAN.sample``; ``text`` (a description) sets every sample's
        condition instead of ``labels``."""
        if text is not None:
            if labels is not None:
                raise ValueError("text: give labels or text, not both")
            labels = self.condition_of(text)
        return super().sample(n, seed=seed, labels=labels, batch_size=batch_size,
                              truncation=truncation)
