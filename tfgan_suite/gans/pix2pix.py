"""pix2pix: paired image-to-image translation, a conditional PatchGAN plus L1 (issue #18).

Isola et al., CVPR 2017, arXiv:1611.07004; junyanz/pytorch-CycleGAN-and-pix2pix
``models/pix2pix_model.py`` (read for the losses, nothing copied); ../shared/families.md §17.
G translates a (domain A) into b (domain B); D judges the pair (a, b) against (a, G(a)):

    L_D = d_loss(D(a, b), D(a, G(a)))
    L_G = g_loss(D(a, G(a))) + λ_L1·mean |G(a) − b|,   λ_L1 = 100

It is the suite's adversarial step through its hooks: the batch's b is the "real" image and
a its condition (``unpack_batch``); the generator is conditioned on the pair (a, b) so that
``fakes_for_discriminator`` can add the L1 term to G's loss; D sees a with either image. The
reference's "vanilla" GAN loss is ``objective: non_saturating``; it halves D's loss, which
Adam's scale invariance makes immaterial (not reproduced). There is no z: G's only
randomness is its dropout (none at 32 px). Evaluation runs G in inference mode (moving
statistics), where the reference's test script keeps training-mode batch statistics unless
``--eval``; the suite's recipe uses instance norm, which is the same in both modes and equal
to the reference's batch norm at its batch size of 1.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tfgan_suite.gans import translation
from tfgan_suite.gans.base import MEASUREMENT_STREAM, AdversarialModel


@keras.saving.register_keras_serializable(package="tfgan_suite")
class Pix2Pix(translation.TranslationMixin, AdversarialModel):
    """A translator G: A → B and a pair discriminator D([b, a]), trained on pairs.

    Args:
        generator: G (e.g. ``unet_translator``), images in → the same shape out.
        discriminator: D with two inputs [images, condition] (``patchgan`` with
            ``condition_channels`` set; the factory sets it to the data's channels).
        l1_weight: λ_L1.
        **kwargs: as ``AdversarialModel``.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 l1_weight: float = translation.L1_WEIGHT, **kwargs):
        translation.check_translator("pix2pix", generator)
        if len(discriminator.inputs) != 2:
            raise ValueError("discriminator.condition_channels: pix2pix's discriminator judges "
                             "(image, condition) pairs; accepted: patchgan with "
                             "condition_channels = the images' channels")
        if not float(l1_weight) >= 0.0:
            raise ValueError(f"pix2pix.l1_weight: must be >= 0, got {l1_weight!r}")
        super().__init__(generator, discriminator, **kwargs)
        self.l1_weight = float(l1_weight)

    @classmethod
    def network_options(cls, config, facts, generator_spec, discriminator_spec):
        channels = facts.info["image_shape"][-1]
        return generator_spec, dict(discriminator_spec, condition_channels=channels)

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        if not config["data"].get("paired", False):
            raise ValueError("data.paired: pix2pix learns from pairs; accepted: true (on a "
                             "source with pairs: fashion_edges, folder:<path>)")
        section = config.get("pix2pix") or {}
        return {"l1_weight": section["l1_weight"]} if "l1_weight" in section else {}

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), l1_weight=self.l1_weight)

    def extra_metric_names(self) -> list[str]:
        return ["l1"]

    # --- the hooks -------------------------------------------------------------------------

    def unpack_batch(self, data):
        a, b = super().unpack_batch(data)
        return b, a  # the image D learns as real, and its condition

    def fake_conditions(self, real, labels, step, stream_id):
        return (labels, real), labels  # G sees the pair (for L1), D the source a

    def generator_inputs(self, z, labels):
        return labels

    def fakes_for_discriminator(self, z, g_condition, step, update_stream: int,
                                training: bool = True):
        source, target = g_condition
        fake = tf.cast(self.generator(source, training=training), tf.float32)
        measured = self.measure_fakes(fake, step, update_stream + MEASUREMENT_STREAM)
        return measured, {"l1": translation.l1_loss(fake, target, self.l1_weight)}

    def discriminate(self, x, labels, training: bool = True):
        return self.discriminator([x, labels], training=training)
