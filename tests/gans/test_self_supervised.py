"""SS-GAN: rotation self-supervision of an unconditional discriminator."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import config as config_lib
from tfgan_suite import factory, objectives
from tfgan_suite.gans import SSGAN
from tfgan_suite.networks import DCGANDiscriminator, DCGANGenerator


def model(**options):
    keras.utils.set_random_seed(0)
    gan = SSGAN(DCGANGenerator(latent_dim=8, image_size=28, base_filters=8),
                DCGANDiscriminator(image_size=28, base_filters=8, rotation_head=True),
                **options)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                g_optimizer=keras.optimizers.Adam(1e-3), objective="non_saturating")
    return gan


class SSGANTest(tf.test.TestCase):
    def test_rotation_logits_are_the_heads_on_the_selected_images_in_target_order(self):
        gan = model()
        images = tf.random.stateless_uniform([16, 28, 28, 1], [1, 1], -1, 1)
        logits, (rotation_logits, targets) = gan.discriminate(images, None, training=False)
        self.assertEqual(logits.shape, (16, 1))
        self.assertAllEqual(targets, [0, 0, 1, 1, 2, 2, 3, 3])
        plain_logits, _ = gan.discriminator(images, training=False)
        self.assertAllClose(logits, plain_logits, atol=1e-5)  # copies leave logits alone
        for k in range(4):
            for i in range(2):
                image = np.rot90(images.numpy()[7 + 8 * i], k, axes=(0, 1))[None]
                _, expected = gan.discriminator(tf.constant(image), training=False)
                self.assertAllClose(rotation_logits[2 * k + i], expected[0], atol=1e-5)

    def test_discriminator_learns_rotations_of_reals_and_generator_of_fakes(self):
        gan = model(rotation_d_weight=1.0, rotation_g_weight=0.2)
        rotation_logits = tf.random.stateless_normal([8, 4], [2, 2])
        targets = tf.constant([0, 0, 1, 1, 2, 2, 3, 3])
        aux = (rotation_logits, targets)
        expected = objectives.class_xent(rotation_logits, tf.one_hot(targets, 4))
        d_terms = gan.extra_d_losses(aux, (tf.zeros([8, 4]), targets), None, None)
        self.assertAllClose(d_terms["rotation_d_loss"], expected)  # the fakes' aux unused
        self.assertAllClose(gan.extra_g_losses(aux, None)["rotation_g_loss"], 0.2 * expected)
        history = gan.fit(tf.data.Dataset.from_tensors(
            tf.random.stateless_uniform([16, 28, 28, 1], [3, 3], -1, 1)), epochs=1, verbose=0)
        self.assertEqual(set(history.history), {"d_loss", "g_loss", "rotation_d_loss",
                                                "rotation_g_loss"})

    def test_config_section_and_bad_input(self):
        config = config_lib.load({
            "model": "ssgan", "ssgan": {"rotation_g_weight": 0.5},
            "data": {"name": "digits", "image_size": 28},
            "generator": {"name": "dcgan", "latent_dim": 8, "base_filters": 8},
            "discriminator": {"name": "dcgan", "base_filters": 8, "rotation_head": True}})
        gan = factory.build_gan(config)
        self.assertEqual((gan.rotation_g_weight, gan.rotated_batch_fraction), (0.5, 2))
        self.assertEqual(SSGAN.from_config(gan.get_config()).rotation_g_weight, 0.5)
        with self.assertRaisesRegex(ValueError, r"^discriminator: model ssgan needs .*"
                                                r"rotation_head: true"):
            SSGAN(DCGANGenerator(latent_dim=8, image_size=28, base_filters=8),
                  DCGANDiscriminator(image_size=28, base_filters=8))
        with self.assertRaisesRegex(ValueError, r"^train\.fuse_discriminator_passes: not "
                                                r"supported by model ssgan"):
            gan.compile(fuse_discriminator_passes=True)
