"""CP-GAN: the classifier's posterior GAN, for classes that overlap (Kaneko, Ushiku & Harada,
"Class-Distinct and Class-Mutual Image Generation with GANs", BMVC 2019, arXiv:1811.11163;
reference code takuhirok/CP-GAN: ``trainers/cpgan_trainer.py``, ``models/condbatchnorm.py``,
``utils/util.py``).

Each real image carries one observed label, although some images belong to several classes
at once (``data.corruption.class_overlap: 10to5``). An AC-GAN or cGAN conditioned on one-hot
labels learns p(x | one label) and cannot produce the images shared between classes, nor keep
the class-distinct ones apart. CP-GAN instead conditions the generator on a probability
vector s and asks the classifier to recognise s in the fakes:

- D / C: L_adv^D + aux_weight · CE(C(x_r), ỹ_r) — observed labels, real images only;
- G:     L_adv^G + kl_weight · KL(s_r ‖ softmax(C(G(z, s_r)))), s_r = softmax(C(x_r)) of
  the **current real batch**, without gradient, also the generator's input (λ = 0.4).

KL(s ‖ q) = CE(s, q) − H(s), with 0 · log 0 = 0: zero exactly when the classifier's posterior
of the fake equals its condition. The generator's condition-BatchNorm is linear in s
(``generator.conditional_bn``), so a one-hot s is an ordinary class and (e_a + e_b)/2 the
mixture the class-distinct / class-mutual accuracy (``evaluation``) generates from.

The posterior of the real batch is one extra discriminator pass per update, in inference
mode; the reference code (``trainers/cpgan_trainer.py``, read for this module) reuses the D
step's training-mode pass, so its s carries the discriminator's dropout noise.
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import tensorflow as tf

from tfgan_suite import objectives as objectives_lib
from tfgan_suite.gans.conditional import ACGAN


def posterior_kl(class_logits, posterior) -> tf.Tensor:
    """E[KL(s ‖ softmax(logits))] = CE(s, softmax(logits)) − H(s), 0 · log 0 = 0."""
    posterior = tf.cast(posterior, tf.float32)
    entropy = -tf.reduce_mean(tf.reduce_sum(tf.math.xlogy(posterior, posterior), axis=-1))
    return objectives_lib.class_xent(class_logits, posterior) - entropy


@keras.saving.register_keras_serializable(package="tfgan_suite")
class CPGAN(ACGAN):
    """CP-GAN: G(z, s) on a probability vector s; D(x) = (logit, class logits).

    Args:
        generator: a network with inputs ``[z, s]``, s a [B, K] probability vector
            (``generator.label_input: probabilities``).
        discriminator: a network with input images and outputs ``[logits, class_logits]``.
        num_classes: number of observed classes K.
        kl_weight: weight of the generator's KL term.
        aux_weight: weight of the classifier's CE on real images in D's loss.
        **kwargs: as ``AdversarialModel``.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 num_classes: Optional[int] = None, kl_weight: float = 0.4,
                 aux_weight: float = 1.0, **kwargs):
        kwargs.pop("g_aux_weight", None)
        kwargs.pop("fake_class_loss", None)
        super().__init__(generator, discriminator, num_classes=num_classes,
                         aux_weight=aux_weight, fake_class_loss=False, **kwargs)
        if not self.label_vectors:
            raise ValueError("generator: model cpgan conditions the generator on probability "
                             "vectors; set generator.label_input: probabilities")
        if not float(kl_weight) >= 0.0:
            raise ValueError(f"cpgan.kl_weight: must be non-negative, got {kl_weight!r}")
        self.kl_weight = float(kl_weight)

    @classmethod
    def _kind(cls) -> str:
        return "cpgan"

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        return {"num_classes": facts.num_classes, "aux_weight": config["conditional"]["aux_weight"],
                "kl_weight": config["cpgan"]["kl_weight"]}

    def get_config(self) -> dict[str, Any]:
        config = dict(super().get_config(), kl_weight=self.kl_weight)
        for key in ("g_aux_weight", "fake_class_loss"):
            config.pop(key)
        return config

    def extra_metric_names(self) -> list[str]:
        return ["ac_d_loss", "cp_g_loss"]

    def fake_conditions(self, real, labels, step, stream_id):
        """s = softmax(C(x_r)) of the real batch, without gradient (D sees no label)."""
        _, class_logits = self.discriminator(real, training=False)
        posterior = tf.stop_gradient(tf.nn.softmax(tf.cast(class_logits, tf.float32)))
        return posterior, None

    def extra_g_losses(self, fake_aux, fake_condition) -> dict[str, tf.Tensor]:
        return {"cp_g_loss": self.kl_weight * posterior_kl(fake_aux, fake_condition)}
