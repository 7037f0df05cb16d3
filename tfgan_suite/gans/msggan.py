"""MSG-GAN: multi-scale gradients — the discriminator sees the generator's output at every
scale, the reals' average-pooled pyramid likewise, with no growing and no fade-in.

Karnewar & Wang, CVPR 2020 (akanimax/BMSG-GAN, akanimax/msg-stylegan-tf; constants in
../shared/families.md §11). The networks are ``generator.name: msggan`` /
``discriminator.name: msggan`` (``networks/msggan.py``); the scales travel as one packed
tensor (``msggan.pack``: each scale nearest-up-sampled to the final size, channels
concatenated), so the step, the penalties and the distribution code treat them as one
batch. Loss as MSG-StyleGAN's: non-saturating logistic + R1 (``configs/
msggan_fashion_mnist.yaml``); R1 is taken with respect to the packed reals, i.e. every
scale's gradient norm² weighted by its pixel count over the final one's (the reference
differentiates through the pooling from the full-resolution reals).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfgan_suite.gans.base import MEASUREMENT_STREAM, AdversarialModel
from tfgan_suite.networks import msggan as msg


@keras.saving.register_keras_serializable(package="tfgan_suite")
class MSGGAN(AdversarialModel):
    """Multi-scale gradients between an ``msggan`` generator and discriminator (no options
    of its own: φ is the discriminator's ``combine``)."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, **kwargs):
        if not isinstance(generator, msg.MSGGANGenerator):
            raise ValueError(f"generator.name: model msggan needs the multi-scale generator; "
                             f"accepted: msggan, got {generator.name}")
        if not isinstance(discriminator, msg.MSGGANDiscriminator):
            raise ValueError(f"discriminator.name: model msggan needs the multi-scale "
                             f"discriminator; accepted: msggan, got {discriminator.name}")
        super().__init__(generator, discriminator, **kwargs)

    def prepare_reals(self, real: tf.Tensor, step) -> tf.Tensor:
        """The reals' pyramid, packed."""
        return msg.pack(msg.real_pyramid(real))

    def fakes_for_discriminator(self, z, g_condition, step, update_stream: int,
                                training: bool = True):
        scales = [tf.cast(x, tf.float32)
                  for x in self.generator.pyramid(z, training=training)]
        return self.measure_fakes(msg.pack(scales), step,
                                  update_stream + MEASUREMENT_STREAM), {}
