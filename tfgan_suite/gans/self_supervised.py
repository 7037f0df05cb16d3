"""Rotation self-supervision of the discriminator: SS-GAN (Chen, Zhai, Ritter, Lucic &
Houlsby, "Self-Supervised GANs via Auxiliary Rotation Loss", CVPR 2019; compare_gan
``gans/ssgan.py``, read for this module), and the piece S3GAN shares with it.

The discriminator gets a second head that classifies an image's rotation (0, 90, 180 or 270
degrees). D learns it on real images, β · CE_rot(real); the generator is asked to make
images whose rotation D can tell, α · CE_rot(fake) — images with an upright, recognisable
structure. β = 1, α = 0.2 (compare_gan's defaults). This counters the discriminator's
forgetting of what real images look like, and needs no labels (``model: ssgan``).

compare_gan rotates the last n = B / rotated_batch_fraction / 4 images of the batch; here
every (4 · fraction)-th image is rotated instead — the same count, but the same images
whether the batch is on one device or split across replicas (so the 2-replica step equals
the 1-device step). Each chosen image appears at 0, 90, 180 and 270 degrees; the rotation
targets are [0]·n, [1]·n, [2]·n, [3]·n (a batch smaller than 4 · fraction rotates its last
image). Every discriminator pass carries the 3n rotated copies; their adversarial logits are
not used.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import objectives as objectives_lib
from tfgan_suite.gans.base import AdversarialModel

NUM_ROTATIONS = 4


def selected_rows(batch: tf.Tensor, stride: int) -> tf.Tensor:
    """The rows that get rotated copies: every ``stride``-th (rows stride − 1, 2·stride − 1,
    …); a batch smaller than the stride rotates its last row."""
    rows = batch.shape[0]
    if rows is not None:  # static (the usual case): XLA needs a constant slice
        return batch[min(stride - 1, rows - 1)::stride]
    return batch[tf.minimum(stride - 1, tf.shape(batch)[0] - 1)::stride]


def rotation_batch(images: tf.Tensor, stride: int) -> tuple[tf.Tensor, tf.Tensor]:
    """(every ``stride``-th image at 90, 180 and 270 degrees [3n, ...], rotation targets of
    the selected images and their copies [4n]: [0]·n, [1]·n, [2]·n, [3]·n)."""
    selected = selected_rows(images, stride)
    rotated = tf.concat([tf.image.rot90(selected, k) for k in (1, 2, 3)], axis=0)
    targets = tf.repeat(tf.range(NUM_ROTATIONS), tf.shape(selected)[0])
    return rotated, targets


def rotation_loss(rotation_logits: tf.Tensor, targets: tf.Tensor) -> tf.Tensor:
    """E[−log P(rotation | x)] over the selected images and their rotated copies."""
    return objectives_lib.class_xent(rotation_logits, tf.one_hot(targets, NUM_ROTATIONS))


class RotationMixin:
    """The rotated discriminator pass and the rotation options (``section``: the config
    section named in error messages)."""

    section = "ssgan"

    def _init_rotation(self, rotation_d_weight: float, rotation_g_weight: float,
                       rotated_batch_fraction: int) -> None:
        for field, value in (("rotation_d_weight", rotation_d_weight),
                             ("rotation_g_weight", rotation_g_weight)):
            if not float(value) >= 0.0:
                raise ValueError(f"{self.section}.{field}: must be non-negative, got {value!r}")
        if (not isinstance(rotated_batch_fraction, (int, np.integer))
                or rotated_batch_fraction < 1):
            raise ValueError(f"{self.section}.rotated_batch_fraction: must be a positive "
                             f"integer, got {rotated_batch_fraction!r}")
        self.rotation_d_weight = float(rotation_d_weight)
        self.rotation_g_weight = float(rotation_g_weight)
        self.rotated_batch_fraction = int(rotated_batch_fraction)

    def _rotation_config(self) -> dict[str, Any]:
        return {"rotation_d_weight": self.rotation_d_weight,
                "rotation_g_weight": self.rotation_g_weight,
                "rotated_batch_fraction": self.rotated_batch_fraction}

    @property
    def rotation_stride(self) -> int:
        return NUM_ROTATIONS * self.rotated_batch_fraction

    def compile(self, *args, **kwargs) -> None:
        if kwargs.get("fuse_discriminator_passes"):
            raise ValueError(f"train.fuse_discriminator_passes: not supported by model "
                             f"{self.section} (its discriminator passes carry rotated copies); "
                             "accepted: false")
        super().compile(*args, **kwargs)

    def rotated_pass(self, x: tf.Tensor, labels, training: bool):
        """One discriminator pass over ``x`` and its rotated copies: (the outputs on ``x``
        but the rotation logits, rotation logits of the selected images and their copies
        [4n, 4], rotation targets [4n]). The rotation head is the discriminator's second
        output."""
        batch = tf.shape(x)[0]
        stride = self.rotation_stride
        rotated, targets = rotation_batch(x, stride)
        images = tf.concat([x, rotated], axis=0)
        if labels is None:
            outputs = self.discriminator(images, training=training)
        else:
            rotated_labels = tf.tile(selected_rows(labels, stride), [NUM_ROTATIONS - 1])
            outputs = self.discriminator([images, tf.concat([labels, rotated_labels], 0)],
                                         training=training)
        rotation_logits = tf.concat([selected_rows(outputs[1][:batch], stride),
                                     outputs[1][batch:]], axis=0)
        return ([outputs[0][:batch]] + [out[:batch] for out in outputs[2:]],
                rotation_logits, targets)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class SSGAN(RotationMixin, AdversarialModel):
    """Unconditional GAN whose discriminator also classifies rotations (SS-GAN).

    Args:
        generator: as ``AdversarialModel``.
        discriminator: outputs ``[logits, rotation_logits]`` (``rotation_head: true``).
        rotation_d_weight, rotation_g_weight: β and α above.
        rotated_batch_fraction: 1/fraction of the batch gets rotated copies.
        **kwargs: as ``AdversarialModel``.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 rotation_d_weight: float = 1.0, rotation_g_weight: float = 0.2,
                 rotated_batch_fraction: int = 2, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        if len(discriminator.outputs) != 2 or len(discriminator.inputs) != 1:
            raise ValueError(f"discriminator: model ssgan needs input images and outputs "
                             f"[logits, rotation_logits]; {discriminator.name} has "
                             f"{len(discriminator.inputs)} input(s), "
                             f"{len(discriminator.outputs)} output(s): set "
                             "discriminator.rotation_head: true")
        self._init_rotation(rotation_d_weight, rotation_g_weight, rotated_batch_fraction)

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        return dict(config["ssgan"])

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), **self._rotation_config())

    def extra_metric_names(self) -> list[str]:
        return ["rotation_d_loss", "rotation_g_loss"]

    def discriminate(self, x: tf.Tensor, labels, training: bool = True):
        """(adversarial logits of ``x``, (rotation logits, rotation targets))."""
        (logits,), rotation_logits, targets = self.rotated_pass(x, None, training)
        return logits, (rotation_logits, targets)

    def extra_d_losses(self, real_aux, fake_aux, labels, fake_condition) -> dict[str, tf.Tensor]:
        return {"rotation_d_loss": self.rotation_d_weight * rotation_loss(*real_aux)}

    def extra_g_losses(self, fake_aux, fake_condition) -> dict[str, tf.Tensor]:
        return {"rotation_g_loss": self.rotation_g_weight * rotation_loss(*fake_aux)}
