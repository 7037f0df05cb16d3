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

Rotations: compare_gan rotates the last n = B / rotated_batch_fraction / 4 images of the
batch; here every (4 · fraction)-th image is rotated instead — the same count, but the
same images whether the batch is on one device or split across replicas (so the 2-replica
step equals the 1-device step). Each chosen image appears at 0, 90, 180 and 270 degrees;
the rotation targets are [0]·n, [1]·n, [2]·n, [3]·n. The fakes' labels are drawn uniformly
(the real batch's may be −1). Every pass through D carries the rotated copies (+3n images).
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import objectives as objectives_lib
from tfgan_suite import ops
from tfgan_suite.gans.conditional import ConditionalGAN

NUM_ROTATIONS = 4


def rotation_batch(images: tf.Tensor, stride: int) -> tuple[tf.Tensor, tf.Tensor]:
    """(every ``stride``-th image at 90, 180 and 270 degrees [3n, ...], rotation targets of
    the selected images and their copies [4n]: [0]·n, [1]·n, [2]·n, [3]·n)."""
    selected = images[stride - 1::stride]
    rotated = tf.concat([tf.image.rot90(selected, k) for k in (1, 2, 3)], axis=0)
    targets = tf.repeat(tf.range(NUM_ROTATIONS), tf.shape(selected)[0])
    return rotated, targets


@keras.saving.register_keras_serializable(package="tfgan_suite")
class S3GAN(ConditionalGAN):
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
        for field, value in (("rotation_d_weight", rotation_d_weight),
                             ("rotation_g_weight", rotation_g_weight),
                             ("classifier_weight", classifier_weight)):
            if not float(value) >= 0.0:
                raise ValueError(f"s3gan.{field}: must be non-negative, got {value!r}")
        if not isinstance(rotated_batch_fraction, (int, np.integer)) or rotated_batch_fraction < 1:
            raise ValueError(f"s3gan.rotated_batch_fraction: must be a positive integer, got "
                             f"{rotated_batch_fraction!r}")
        self.rotation_d_weight = float(rotation_d_weight)
        self.rotation_g_weight = float(rotation_g_weight)
        self.classifier_weight = float(classifier_weight)
        self.rotated_batch_fraction = int(rotated_batch_fraction)

    @classmethod
    def _kind(cls) -> str:
        return "s3gan"

    @classmethod
    def options_from_config(cls, config: dict, num_classes: Optional[int]) -> dict[str, Any]:
        return super().options_from_config(config, num_classes) | dict(config["s3gan"])

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), rotation_d_weight=self.rotation_d_weight,
                    rotation_g_weight=self.rotation_g_weight,
                    classifier_weight=self.classifier_weight,
                    rotated_batch_fraction=self.rotated_batch_fraction)

    def extra_metric_names(self) -> list[str]:
        return ["rotation_d_loss", "classifier_loss", "rotation_g_loss"]

    def compile(self, *args, **kwargs) -> None:
        if kwargs.get("fuse_discriminator_passes"):
            raise ValueError("train.fuse_discriminator_passes: not supported by model s3gan "
                             "(its discriminator passes carry rotated copies); accepted: false")
        super().compile(*args, **kwargs)

    @property
    def rotation_stride(self) -> int:
        return NUM_ROTATIONS * self.rotated_batch_fraction

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
        batch = tf.shape(x)[0]
        stride = self.rotation_stride
        rotated, targets = rotation_batch(x, stride)
        rotated_labels = tf.tile(labels[stride - 1::stride], [NUM_ROTATIONS - 1])
        logits, rotation_logits, class_logits = self.discriminator(
            [tf.concat([x, rotated], axis=0), tf.concat([labels, rotated_labels], axis=0)],
            training=training)
        rotation_logits = tf.concat([rotation_logits[:batch][stride - 1::stride],
                                     rotation_logits[batch:]], axis=0)
        return logits[:batch], (rotation_logits, targets, class_logits[:batch])

    @staticmethod
    def _rotation_loss(aux) -> tf.Tensor:
        rotation_logits, targets, _ = aux
        return objectives_lib.class_xent(rotation_logits, tf.one_hot(targets, NUM_ROTATIONS))

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
