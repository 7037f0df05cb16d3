"""AmbientGAN: the discriminator only ever sees measured fakes."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import config as config_lib
from tfgan_suite import factory
from tfgan_suite.gans import AdversarialModel, AmbientGAN
from tfgan_suite.networks import DCGANDiscriminator, DCGANGenerator

BLOCK = {"measurement": "block_pixels", "parameter": 0.5, "seed": 1}


def networks():
    keras.utils.set_random_seed(0)
    return (DCGANGenerator(latent_dim=8, image_size=28, base_filters=8),
            DCGANDiscriminator(image_size=28, base_filters=8))


def spying(cls):
    """``cls`` whose ``discriminate`` records every batch it is given (eagerly)."""

    class Spy(cls):
        seen: list = []

        def discriminate(self, x, labels, training=True):
            Spy.seen.append(np.asarray(x))
            return super().discriminate(x, labels, training)

    Spy.seen = []
    return Spy


def train_one_step(model):
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                  g_optimizer=keras.optimizers.Adam(1e-3), objective="non_saturating",
                  run_eagerly=True)
    real = np.full([16, 28, 28, 1], 0.5, np.float32)  # no exact zeros in the real batch
    model.fit(tf.data.Dataset.from_tensors(real), epochs=1, verbose=0)


class AmbientGANTest(tf.test.TestCase):
    def test_discriminator_never_receives_an_unmeasured_fake(self):
        spy = spying(AmbientGAN)
        train_one_step(spy(*networks(), corruption=BLOCK))
        fakes = [x for x in spy.seen if not np.allclose(x, 0.5)]
        self.assertLen(fakes, 2)  # the D update's fakes and the G update's
        for fake in fakes:  # block_pixels p = 0.5: half the entries are exactly 0
            self.assertAllClose(np.mean(fake == 0.0), 0.5, atol=0.05)
        # A "GAN on measured data" lookalike shows D raw generator output: no zeros.
        lookalike = spying(AdversarialModel)
        train_one_step(lookalike(*networks()))
        raw = [x for x in lookalike.seen if not np.allclose(x, 0.5)]
        self.assertTrue(all(np.mean(x == 0.0) < 0.01 for x in raw))

    def test_fake_measurement_is_differentiable_and_redrawn_every_step(self):
        model = AmbientGAN(*networks(), corruption=BLOCK, seed=3)
        fake = tf.Variable(tf.ones([8, 28, 28, 1]))
        with tf.GradientTape() as tape:
            measured = model.measure_fakes(fake, tf.constant(0, tf.int64), 9)
            total = tf.reduce_sum(measured)
        self.assertAllClose(tape.gradient(total, fake), measured)  # ∂y/∂x = the keep mask
        later = model.measure_fakes(fake, tf.constant(1, tf.int64), 9)
        self.assertLess(float(np.mean(measured.numpy() == later.numpy())), 0.75)

    def test_from_config_the_measurement_is_the_datas(self):
        config = config_lib.load({
            "model": "ambientgan",
            "data": {"name": "digits", "image_size": 28, "batch_size": 8, "corruption": {
                "measurement": {"kind": "convolve_noise", "sigma": 0.2}}},
            "generator": {"name": "dcgan", "latent_dim": 8, "base_filters": 8},
            "discriminator": {"name": "dcgan", "base_filters": 8}})
        model = factory.build_gan(config)
        self.assertEqual((model.corruption.measurement, model.corruption.parameter),
                         ("convolve_noise", 0.2))
        clone = AmbientGAN.from_config(model.get_config())
        self.assertEqual(clone.corruption, model.corruption)
        images, _ = factory.training_arrays(config)
        self.assertEqual(images.shape[1:], (28, 28, 1))  # corrupted at the training size
        self.assertEqual(factory.corruption_record(config)["images"]["measurement"],
                         "convolve_noise")
        factory.compile_gan(model, config)
        history = model.fit(factory.dataset(config), steps_per_epoch=2, epochs=1, verbose=0)
        self.assertTrue(np.isfinite(history.history["d_loss"][-1]))

    def test_ambientgan_without_a_measurement_is_refused(self):
        with self.assertRaisesRegex(ValueError, r"^data\.corruption: model ambientgan needs"):
            AmbientGAN(*networks())
