"""S3GAN: a projection GAN that learns from a few labels (Lucic, Tschannen, Ritter, Zhai,
Bachem & Gelly, "High-Fidelity Image Generation With Fewer Labels", ICML 2019,
arXiv:1903.02271; reference code google/compare_gan ``compare_gan/gans/s3gan.py``, the
co-training + rotation form: ``use_predictor=True``, ``self_supervision="rotation"``).

Only a fraction of the real images have labels (``data.corruption.label_fraction``, the rest
labelled −1). The discriminator's features φ(x) feed three heads (``networks/dcgan.py``):
the projection logit ψ(φ) + ⟨E y, φ⟩, a rotation classifier (4 logits), and a linear label
predictor. Unlabelled reals are projected with the predictor's argmax, without gradient.

- D: hinge/NS on the unrotated batch + β · CE_rot(real) + w_c · CE(predictor(x_r), y_r) over
  the labelled reals (its mean over them; unlabelled rows give exactly zero gradient);
- G: adversarial + α · CE_rot(fake). β = 1, α = 0.2, w_c = 1 (compare_gan's defaults).

Rotations as SS-GAN (``gans/self_supervised.py``): every (4 · fraction)-th image of a pass
at 0, 90, 180 and 270 degrees. The fakes' labels are drawn uniformly (the real batch's may
be −1).
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import tensorflow as tf

from tfgan_suite import ops
from tfgan_suite.gans.conditional import ConditionalGAN
from tfgan_suite.gans.self_supervised import RotationMixin, rotation_loss


@keras.saving.register_keras_serializable(package="tfgan_suite")
class S3GAN(RotationMixin, ConditionalGAN):
    """Projection GAN with rotation self-supervision and a co-trained label predictor.

    Args:
        generator: a network with inputs ``[z, labels]``.
        discriminator: inputs ``[images, labels]`` (−1 = unlabelled), outputs ``[logits,
            rotation_logits, class_logits]`` (``conditioning: projection, rotation_head:
            true, label_predictor: true``).
        num_classes: number of classes.
        rotation_d_weight, rotation_g_weight, classifier_weight: β, α, w_c above.
        rotated_batch_fraction: 1/fraction of the batch gets rotated copies.
        **kwargs: as ``AdversarialModel``.
    """

    accepts_unlabelled = True
    DISCRIMINATOR = (2, 3, "inputs [images, labels] and outputs [logits, rotation_logits, "
                     "class_logits]", "discriminator.conditioning: projection, rotation_head: "
                     "true, label_predictor: true")

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 num_classes: Optional[int] = None, rotation_d_weight: float = 1.0,
                 rotation_g_weight: float = 0.2, classifier_weight: float = 1.0,
                 rotated_batch_fraction: int = 2, **kwargs):
        super().__init__(generator, discriminator, num_classes=num_classes, **kwargs)
        self._init_rotation(rotation_d_weight, rotation_g_weight, rotated_batch_fraction)
        if not float(classifier_weight) >= 0.0:
            raise ValueError(f"s3gan.classifier_weight: must be non-negative, got "
                             f"{classifier_weight!r}")
        self.classifier_weight = float(classifier_weight)

    section = "s3gan"

    @classmethod
    def _kind(cls) -> str:
        return "s3gan"

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        return super().options_from_config(config, facts) | dict(config["s3gan"])

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), classifier_weight=self.classifier_weight,
                    **self._rotation_config())

    def extra_metric_names(self) -> list[str]:
        return ["rotation_d_loss", "classifier_loss", "rotation_g_loss"]

    # --- hooks ---------------------------------------------------------------------------

    def fake_conditions(self, real, labels, step, stream_id):
        """Uniform class labels for the fakes (the real batch's may be −1)."""
        uniform = self._draw(ops.stateless_uniform, tf.shape(real)[0], [], step, stream_id)
        classes = tf.minimum(tf.cast(uniform * self.num_classes, tf.int32),
                             self.num_classes - 1)
        return classes, classes

    def discriminate(self, x: tf.Tensor, labels, training: bool = True):
        """(adversarial logits of ``x``, (rotation logits [4n, 4], rotation targets [4n],
        class logits of ``x``)): one pass over ``x`` and its rotated copies."""
        (logits, class_logits), rotation_logits, targets = self.rotated_pass(x, labels,
                                                                             training)
        return logits, (rotation_logits, targets, class_logits)

    @staticmethod
    def _rotation_loss(aux) -> tf.Tensor:
        rotation_logits, targets, _ = aux
        return rotation_loss(rotation_logits, targets)

    def extra_d_losses(self, real_aux, fake_aux, labels, fake_condition) -> dict[str, tf.Tensor]:
        class_logits = tf.cast(real_aux[2], tf.float32)
        labelled = labels >= 0
        per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.maximum(labels, 0), logits=class_logits)
        return {"rotation_d_loss": self.rotation_d_weight * self._rotation_loss(real_aux),
                "classifier_loss": self.classifier_weight
                * ops.global_masked_mean(per_example, labelled)}

    def extra_g_losses(self, fake_aux, fake_condition) -> dict[str, tf.Tensor]:
        return {"rotation_g_loss": self.rotation_g_weight * self._rotation_loss(fake_aux)}
