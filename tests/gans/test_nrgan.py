"""NR-GAN: the discriminator sees clip(G_x + n); each variant's constraint on n holds; the
sampled, evaluated and exported generator is G_x alone."""

import os
import tempfile
from unittest import mock

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import config as config_lib
from tfgan_suite import factory, ops, runs
from tfgan_suite.gans import NRGAN, AdversarialModel
from tfgan_suite.gans import nrgan as nrgan_lib
from tfgan_suite.layers import BlurVH
from tfgan_suite.networks import DCGANDiscriminator, DCGANGenerator

STEP = tf.constant(3, tf.int64)


def networks(channels=1):
    keras.utils.set_random_seed(0)
    return (DCGANGenerator(latent_dim=8, image_size=28, channels=channels, base_filters=8),
            DCGANDiscriminator(image_size=28, channels=channels, base_filters=8))


def latent(batch=8, seed=1):
    return ops.stateless_normal([batch, 8], tf.constant([seed, 0], tf.int64))


def parts(model, z, step=STEP):
    return model._fake_parts(z, step, 0, False, (model.generator, model.noise_generator))


def draws(batch, seed=5):
    """A ``draw`` for ``shape_noise``: stateless, keyed by the offset."""
    def draw(sampler, shape_per_example, offset):
        return sampler([batch, *shape_per_example], tf.constant([seed, offset], tf.int64))
    return draw


class NoiseTransformTest(tf.test.TestCase):
    def test_rotation_permutation_and_flip_match_numpy(self):
        noise = np.random.default_rng(0).normal(size=(4, 6, 6, 3)).astype(np.float32)
        turns = np.array([0, 1, 2, 3], np.int32)
        rotated = nrgan_lib.rotate(tf.constant(noise), tf.constant(turns)).numpy()
        for image, k, result in zip(noise, turns, rotated, strict=True):
            self.assertAllEqual(result, np.rot90(image, k, axes=(0, 1)))
        keys = np.array([[0.3, 0.1, 0.2]] * 4, np.float32)  # argsort: 1, 2, 0
        permuted = nrgan_lib.permute_channels(tf.constant(noise), tf.constant(keys)).numpy()
        self.assertAllEqual(permuted, noise[..., [1, 2, 0]])
        uniform = np.array([[0.2, 0.7, 0.9]] * 4, np.float32)
        flipped = nrgan_lib.flip_signs(tf.constant(noise), tf.constant(uniform)).numpy()
        self.assertAllEqual(flipped, noise * np.array([-1.0, 1.0, 1.0], np.float32))

    def test_si2_transformation_keeps_the_multiset_of_magnitudes_and_never_touches_the_image(
            self):
        model = NRGAN(*networks(channels=3), variant="si2")
        raw = tf.random.stateless_normal([16, 28, 28, 3], [0, 1])
        images = tf.random.stateless_uniform([16, 28, 28, 3], [0, 2], -1.0, 1.0)
        noise, added = model.shape_noise(raw, images, draws(16))
        self.assertAllEqual(noise, raw)  # SI-II has no reparameterisation
        self.assertNotAllClose(added, raw)
        for before, after in zip(raw.numpy(), added.numpy(), strict=True):
            self.assertAllEqual(np.sort(np.abs(before).ravel()), np.sort(np.abs(after).ravel()))
        # In the full fake path the image is G_x(z) itself, unrotated and unflipped.
        z = latent()
        image, _, added, _ = parts(model, z)
        self.assertAllClose(image, model.generator(z, training=False))
        fakes, _ = model.fakes_for_discriminator(z, None, STEP, 0, training=False)
        self.assertAllClose(fakes, tf.clip_by_value(image + added, -1.0, 1.0))
        model.noise_generator.set_weights(
            [np.zeros_like(w) for w in model.noise_generator.get_weights()])
        silent, _ = model.fakes_for_discriminator(z, None, STEP, 0, training=False)
        self.assertAllClose(silent, model.generator(z, training=False))

    def test_si1_noise_is_zero_mean_with_the_generated_std(self):
        model = NRGAN(*networks(), variant="si1")
        sigma = np.linspace(0.05, 0.5, 28, dtype=np.float32)[None, :, None, None]
        raw = tf.constant(np.broadcast_to(sigma, (512, 28, 28, 1)))
        _, added = model.shape_noise(raw, tf.zeros_like(raw), draws(512))
        added = added.numpy()
        # σ varies along the rows (axis 1): the statistics per row
        self.assertAllClose(added.mean(axis=(0, 2, 3)), np.zeros(28), atol=0.02)
        self.assertAllClose(added.std(axis=(0, 2, 3)), sigma.ravel(), rtol=0.05)

    def test_sd1_noise_has_no_gradient_to_the_image_and_scales_with_it(self):
        for dependence, scale in (("multiplicative", lambda u: 2 * u),
                                  ("poisson", lambda u: 2 * np.sqrt(u))):
            model = NRGAN(*networks(), variant="sd1", signal_dependence=dependence)
            z = latent()
            with tf.GradientTape(persistent=True) as tape:
                image, noise, added, _ = parts(model, z)
                total = tf.reduce_sum(added)
            for g in tape.gradient(total, model.generator.trainable_variables):
                self.assertIsNone(g)  # ∂n/∂G_x = 0: the noise never teaches G_x
            self.assertTrue(any(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in
                                tape.gradient(total, model.noise_generator.trainable_variables)))
            # With G_n's output 1 the noise's std is the known dependence on x̃ = (x + 1)/2.
            level = np.linspace(-1.0, 1.0, 28, dtype=np.float32)[None, :, None, None]
            images = tf.constant(np.broadcast_to(level, (512, 28, 28, 1)))
            _, added = model.shape_noise(tf.ones_like(images), images, draws(512))
            expected = scale((level.ravel() + 1.0) / 2.0)
            self.assertAllClose(added.numpy().std(axis=(0, 2, 3)), expected, atol=0.06)

    def test_implicit_variants_feed_z_x_as_the_first_half_of_the_noise_latent(self):
        for variant in ("sd2", "sd3"):
            model = NRGAN(*networks(), variant=variant)
            self.assertEqual(model.noise_generator.inputs[0].shape[-1], 16)
            z = latent()
            _, _, _, noise_latent = parts(model, z)
            self.assertAllEqual(noise_latent[:, :8], z)
            self.assertNotAllClose(noise_latent[:, 8:], z)
        explicit = NRGAN(*networks(), variant="si1")
        self.assertEqual(explicit.noise_generator.inputs[0].shape[-1], 8)

    def test_sd3_only_flips_signs(self):
        model = NRGAN(*networks(channels=3), variant="sd3")
        raw = tf.random.stateless_normal([8, 28, 28, 3], [0, 3])
        _, added = model.shape_noise(raw, tf.zeros_like(raw), draws(8))
        ratio = (added / raw).numpy()
        self.assertAllClose(np.abs(ratio), np.ones_like(ratio))
        self.assertAllClose(ratio, np.broadcast_to(ratio[:, :1, :1, :], ratio.shape))

    def test_diversity_term(self):
        noise = tf.constant(np.array([0.0, 1.0, 2.0, 2.5, 7.0], np.float32).reshape(5, 1, 1, 1))
        z = tf.constant([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 2.0], [9.0, 9.0]])
        # pairs (0, 1): 1 / 1; (2, 3): 0.5 / 1; the odd last example is left out
        self.assertAllClose(nrgan_lib.diversity_sensitive(noise, z), -0.75)


class NRGANModelTest(tf.test.TestCase):
    def config(self, variant="si2", noise="A", extra=None):
        return config_lib.load(dict({
            "model": "nrgan", "nrgan": {"variant": variant},
            "data": {"name": "digits", "image_size": 28, "batch_size": 8,
                     "corruption": {"image_noise": noise}},
            "generator": {"name": "dcgan", "latent_dim": 8, "base_filters": 8},
            "discriminator": {"name": "dcgan", "base_filters": 8},
            "train": {"ema_decay": 0.9}}, **(extra or {})))

    def test_trains_from_config_with_both_generators_averaged_and_checkpointed(self):
        config = self.config()
        model = factory.build_gan(config)
        self.assertEqual(model.variant, "si2")
        factory.compile_gan(model, config)
        noise_before = model.noise_generator.get_weights()
        history = model.fit(factory.dataset(config), steps_per_epoch=2, epochs=1, verbose=0)
        self.assertTrue(np.isfinite(history.history["noise_diversity"][-1]))
        self.assertTrue(any(np.abs(a - b).max() > 0 for a, b in
                            zip(noise_before, model.noise_generator.get_weights(), strict=True)))
        self.assertTrue(any(np.abs(a - b).max() > 0 for a, b in zip(
            noise_before, model.ema_noise_generator.get_weights(), strict=True)))
        # The G optimizer holds G_n's slots; a checkpoint restores G_n and its EMA.
        self.assertEqual(len(model._generator_variables()),
                         len(model.generator.trainable_variables)
                         + len(model.noise_generator.trainable_variables))
        directory = tempfile.mkdtemp()
        path = runs._checkpoint(model).save(os.path.join(directory, "ckpt"))
        restored = factory.build_gan(config)
        factory.compile_gan(restored, config)
        runs._checkpoint(restored).restore(path).expect_partial()
        for a, b in zip(model.ema_noise_generator.get_weights(),
                        restored.ema_noise_generator.get_weights(), strict=True):
            self.assertAllEqual(a, b)
        clone = NRGAN.from_config(model.get_config())
        self.assertEqual((clone.variant, clone.noise_latent_dim), ("si2", 8))

    def test_sampling_is_g_x_alone_and_with_noise_shows_the_three_parts(self):
        config = self.config(variant="si1")
        model = factory.build_gan(config)
        factory.compile_gan(model, config)
        clean = model.sample(6, seed=2)
        z = tf.constant(model.latent(6, 2))
        self.assertAllClose(clean, model.sampling_generator(z, training=False))
        self.assertIs(model.sampling_generator, model.ema_generator)
        model.run_config = config
        out = os.path.join(tempfile.mkdtemp(), "noise.npy")
        runs.sample_to_file(model, 6, out, seed=2, with_noise=True)
        image, noise, noisy = np.load(out)
        self.assertAllClose(image, clean)
        self.assertGreater(float(np.abs(noise).max()), 0.0)
        self.assertAllClose(noisy, np.clip(image + noise, -1.0, 1.0))
        png = runs.sample_to_file(model, 6, out.replace(".npy", ".png"), with_noise=True)
        self.assertTrue(os.path.isfile(png))
        plain = AdversarialModel(*networks())
        with self.assertRaisesRegex(ValueError, r"^--with-noise: this run's model has no noise"):
            runs.sample_to_file(plain, 2, out, with_noise=True)

    def test_bad_options_are_refused_with_the_field(self):
        generator, discriminator = networks()
        with self.assertRaisesRegex(ValueError, r"^nrgan\.variant: unknown value 'si3'; "
                                                r"accepted: si1, si2, sd1, sd2, sd3$"):
            NRGAN(generator, discriminator, variant="si3")
        with self.assertRaisesRegex(ValueError, r"^nrgan\.signal_dependence: unknown value"):
            NRGAN(generator, discriminator, variant="sd1", signal_dependence="speckle")
        conditional = DCGANGenerator(latent_dim=8, image_size=28, base_filters=8,
                                     num_classes=3, conditional=True)
        with self.assertRaisesRegex(ValueError, r"^model nrgan: the generator must be "
                                                r"unconditional"):
            NRGAN(conditional, discriminator)
        with self.assertRaisesRegex(config_lib.ConfigError, r"^nrgan\.variant: unknown value"):
            self.config(variant="sd4")

    def test_without_image_noise_it_trains_and_says_so(self):
        config = self.config(noise="none")
        with mock.patch("builtins.print") as printed:
            factory.build_gan(config)
        self.assertIn("model nrgan on data without data.corruption.image_noise",
                      str(printed.call_args_list))


class BlurVHTest(tf.test.TestCase):
    def test_vertical_then_horizontal_121_blurs(self):
        image = np.zeros([1, 5, 5, 1], np.float32)
        image[0, 2, 2, 0] = 4.0
        blurred = BlurVH()(tf.constant(image)).numpy()
        self.assertEqual(blurred.shape, (1, 5, 5, 2))
        self.assertAllClose(blurred[0, 1:4, 2, 0], [1.0, 2.0, 1.0])  # vertical
        self.assertAllClose(blurred[0, 2, 1:4, 1], [1.0, 2.0, 1.0])  # horizontal
        self.assertAllClose(blurred[0, 2, 1, 0], 0.0)
        discriminator = DCGANDiscriminator(image_size=28, base_filters=8, input_blur=True)
        self.assertEqual(discriminator.inputs[0].shape[-1], 1)
        self.assertEqual(discriminator.get_layer("conv_0").kernel.shape[2], 2)
