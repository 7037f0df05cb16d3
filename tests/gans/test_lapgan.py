"""LAPGAN (§9's tests): with G_k ≡ 0 a level returns u(Ĩ_{k+1}); G_k outputs a residual
conditioned on l_k; sampling runs coarse to fine; fakes are built from the real low-passes
and no gradient crosses levels; packing; training, the class-conditional variant, the
recipe, export of the whole chain, the 2-replica equivalence and one-line errors."""

import os
import sys
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite import runs
from tfgan_suite.export import export_saved_model, export_tflite
from tfgan_suite.export.tflite import TFLiteGenerator
from tfgan_suite.gans import LAPGAN, ConditionalLAPGAN
from tfgan_suite.layers import laplacian
from tfgan_suite.networks import DCGANDiscriminator, LAPGANDiscriminator, LAPGANGenerator
from tfgan_suite.networks import lapgan as lap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import equivalence  # noqa: E402  (tests/gans/equivalence.py)

LATENT, SIDE, LEVELS, CLASSES = 8, 16, 3, 3


def networks(conditional=False):
    keras.utils.set_random_seed(0)
    classes = {"conditional": True, "num_classes": CLASSES} if conditional else {}
    return (LAPGANGenerator(latent_dim=LATENT, image_size=SIDE, levels=LEVELS,
                            filters=(8, 8, 8), **classes),
            LAPGANDiscriminator(image_size=SIDE, levels=LEVELS, filters=(4, 4, 4), **classes))


def model(conditional=False, **kwargs):
    generator, discriminator = networks(conditional)
    if conditional:
        gan = ConditionalLAPGAN(generator, discriminator, num_classes=CLASSES, **kwargs)
    else:
        gan = LAPGAN(generator, discriminator, **kwargs)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3),
                objective="non_saturating", jit_compile=False)
    return gan


def reals(n=8, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, SIDE, SIDE, 1)).astype(np.float32)


def latent(n=4, seed=1):
    return tf.random.stateless_normal([n, LATENT + 16 * 16 + 8 * 8], seed=[seed, seed])


class LAPGANGeneratorTest(tf.test.TestCase):
    def test_z_packs_the_coarse_latent_and_one_noise_plane_per_finer_level(self):
        generator, _ = networks()
        self.assertEqual(generator.inputs[0].shape[-1], LATENT + 16 * 16 + 8 * 8)
        self.assertEqual(generator(latent()).shape, (4, SIDE, SIDE, 1))
        coarse_z, fine_noise, middle_noise = generator.get_layer("latent_split")(latent())
        self.assertEqual((coarse_z.shape, fine_noise.shape, middle_noise.shape),
                         ((4, LATENT), (4, 16, 16, 1), (4, 8, 8, 1)))

    def test_zero_residual_generators_return_the_upsampled_coarse_image(self):
        generator, _ = networks()
        for k in range(LEVELS - 1):
            layer = generator.level_network(k).get_layer(f"level{k}_to_residual")
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
        z = latent()
        coarse = generator.level_network(LEVELS - 1)(z[:, :LATENT])
        self.assertEqual(coarse.shape, (4, 4, 4, 1))
        self.assertAllClose(generator(z), laplacian.upsample(laplacian.upsample(coarse)),
                            atol=1e-6)

    def test_levels_are_residuals_on_the_given_low_passes(self):
        generator, _ = networks()
        z = latent()
        _, lows = lap_levels(reals(4))
        levels = generator.levels(z, lows)
        noise = generator.get_layer("latent_split")(z)[1]
        residual = generator.level_network(0)([lows[0], noise])
        self.assertAllClose(levels[0] - lows[0], residual, atol=1e-6)
        # G_0 reads its condition: another low-pass gives another residual.
        other = generator.levels(z, [lows[0] + 0.5, lows[1]])
        self.assertGreater(float(tf.reduce_max(tf.abs(other[0] - 0.5 - levels[0]))), 1e-3)
        self.assertAllClose(other[1], levels[1])  # and nothing else changes

    def test_sampling_runs_coarse_to_fine_through_its_own_levels(self):
        generator, _ = networks()
        z = latent()
        coarse = generator.levels(z, [tf.zeros([4, 16, 16, 1]), tf.zeros([4, 8, 8, 1])])[-1]
        middle = generator.levels(z, [tf.zeros([4, 16, 16, 1]),
                                      laplacian.upsample(coarse)])[1]
        fine = generator.levels(z, [laplacian.upsample(middle), tf.zeros([4, 8, 8, 1])])[0]
        self.assertAllClose(generator(z), fine, atol=1e-5)
        chain = generator.chain_levels(z)
        for mine, theirs in zip(chain, [fine, middle, coarse], strict=True):
            self.assertAllClose(mine, theirs, atol=1e-5)

    def test_keras_round_trip(self):
        for conditional in (False, True):
            generator, discriminator = networks(conditional)
            z = latent()
            labels = tf.constant([0, 1, 2, 0])
            g_inputs = [z, labels] if conditional else z
            packed = lap.pack(*lap_levels(reals(4)))
            d_inputs = [packed, labels] if conditional else packed
            with tempfile.TemporaryDirectory() as directory:
                for network, inputs in ((generator, g_inputs), (discriminator, d_inputs)):
                    path = os.path.join(directory, f"{network.name}.keras")
                    network.save(path)
                    loaded = keras.saving.load_model(path)
                    self.assertAllClose(loaded(inputs), network(inputs), atol=1e-6)


def lap_levels(images):
    gaussian = laplacian.gaussian_pyramid(tf.constant(images), LEVELS)
    return gaussian, [laplacian.upsample(g) for g in gaussian[1:]]


class LAPGANDiscriminatorTest(tf.test.TestCase):
    def test_pack_unpack_round_trip(self):
        images, lows = lap_levels(reals(2))
        packed = lap.pack(images, lows)
        self.assertEqual(packed.shape, (2, SIDE, SIDE, 5))
        got_images, got_lows = lap.unpack(packed, 1, LEVELS)
        for mine, theirs in zip(got_images + got_lows, images + lows, strict=True):
            self.assertAllClose(mine, theirs, atol=1e-6)

    def test_one_logit_per_level_each_from_its_own_level(self):
        _, discriminator = networks()
        images, lows = lap_levels(reals(2))
        packed = lap.pack(images, lows)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(packed)
            logits = discriminator(packed)
            per_level = [logits[:, k] for k in range(LEVELS)]
        self.assertEqual(logits.shape, (2, LEVELS))
        for k in range(LEVELS):
            gradient = tape.gradient(per_level[k], packed)
            per_channel = tf.reduce_max(tf.abs(gradient), axis=[0, 1, 2]).numpy()
            own = set(range(2 * k, 2 * k + (2 if k < LEVELS - 1 else 1)))
            for channel, value in enumerate(per_channel):
                if channel in own:
                    self.assertGreater(value, 0.0, (k, channel))
                else:
                    self.assertEqual(value, 0.0, (k, channel))


class LAPGANModelTest(tf.test.TestCase):
    def test_fakes_carry_the_real_low_passes(self):
        gan = model()
        real = gan.prepare_reals(tf.constant(reals(4)), 0)
        condition, _ = gan.fake_conditions(real, None, 0, 0)
        fake, _ = gan.fakes_for_discriminator(latent(), condition, 0, 0)
        _, real_lows = lap.unpack(real, 1, LEVELS)
        fake_images, fake_lows = lap.unpack(fake, 1, LEVELS)
        for mine, theirs in zip(fake_lows, real_lows, strict=True):
            self.assertAllClose(mine, theirs, atol=1e-6)
        self.assertEqual([f.shape[1] for f in fake_images], [16, 8, 4])

    def test_no_gradient_flows_between_levels(self):
        gan = model()
        real = gan.prepare_reals(tf.constant(reals(4)), 0)
        condition, _ = gan.fake_conditions(real, None, 0, 0)
        generator = gan.generator
        for k in range(LEVELS):
            with tf.GradientTape(persistent=True) as tape:
                fake, _ = gan.fakes_for_discriminator(latent(), condition, 0, 0)
                level_loss = tf.reduce_sum(gan.discriminator(fake)[:, k])
            for j in range(LEVELS):
                variables = generator.level_network(j).trainable_variables
                gradients = tape.gradient(level_loss, variables)
                largest = max(0.0 if g is None else float(tf.reduce_max(tf.abs(g)))
                              for g in gradients)
                if j == k:
                    self.assertGreater(largest, 0.0, f"level {k} does not train G_{k}")
                else:
                    self.assertEqual(largest, 0.0, f"level {k}'s loss reaches G_{j}")
            del tape

    def test_trains_every_level_samples_and_exports_the_whole_chain(self):
        gan = model(ema_decay=0.9, seed=2)
        start = {v.path: v.numpy() for v in gan.generator.trainable_variables}
        history = gan.fit(tf.data.Dataset.from_tensor_slices(reals()).batch(4), epochs=1,
                          verbose=0)
        self.assertTrue(np.isfinite(history.history["d_loss"][-1]))
        moved = {v.path.split("_")[0] for v in gan.generator.trainable_variables
                 if not np.allclose(v.numpy(), start[v.path])}
        self.assertEqual(moved, {"level0", "level1", "level2"})
        self.assertEqual(gan.sample(3, seed=1).shape, (3, SIDE, SIDE, 1))
        with tempfile.TemporaryDirectory() as directory:
            path = export_saved_model(gan, directory)
            z = gan.latent(2, seed=4)
            tflite = export_tflite(path, os.path.join(directory, "g.tflite"))
            self.assertAllClose(TFLiteGenerator(tflite).generate(z), gan.sampling_generator(z),
                                atol=1e-4)

    def test_class_conditional_levels_read_the_class(self):
        gan = model(conditional=True)
        data = tf.data.Dataset.from_tensor_slices(
            (reals(), np.arange(8, dtype=np.int32) % CLASSES)).batch(4)
        history = gan.fit(data, epochs=1, verbose=0)
        self.assertTrue(np.isfinite(history.history["g_loss"][-1]))
        first, second = gan.sample(2, seed=3, labels=0), gan.sample(2, seed=3, labels=1)
        self.assertGreater(float(np.max(np.abs(first - second))), 1e-4)
        _, lows = lap_levels(reals(2))
        levels = gan.generator.levels(latent(2), lows, tf.constant([0, 0]))
        other = gan.generator.levels(latent(2), lows, tf.constant([1, 1]))
        for k in range(LEVELS):  # every level, the residual ones included, sees the class
            self.assertGreater(float(tf.reduce_max(tf.abs(levels[k] - other[k]))), 1e-5, k)

    def test_bad_networks_and_sides_are_named(self):
        generator, discriminator = networks()
        with self.assertRaisesRegex(ValueError, "generator.name: model lapgan needs the "
                                                "Laplacian generator; accepted: lapgan"):
            LAPGAN(keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)]), discriminator)
        with self.assertRaisesRegex(ValueError, "discriminator.name: model lapgan needs the "
                                                "Laplacian discriminator; accepted: lapgan"):
            LAPGAN(generator, DCGANDiscriminator(image_size=32, base_filters=4))
        with self.assertRaisesRegex(ValueError, r"generator.levels / discriminator.levels: "
                                                r"must agree, got 3 and 2"):
            LAPGAN(generator, LAPGANDiscriminator(image_size=SIDE, levels=2, filters=(4, 4)))
        with self.assertRaisesRegex(ValueError, "generator.conditional: model lapgan_cond "
                                                "needs conditional: true"):
            ConditionalLAPGAN(generator, discriminator, num_classes=CLASSES)
        with self.assertRaisesRegex(ValueError, r"generator.image_size: a 3-level Laplacian "
                                                r"pyramid needs a side that halves exactly 2 "
                                                r"time\(s\) \(a multiple of 4\), got 30"):
            LAPGANGenerator(image_size=30, levels=3)
        with self.assertRaisesRegex(ValueError, r"discriminator.filters: one positive width "
                                                r"per level, fine → coarse \(3 for levels=3\)"):
            LAPGANDiscriminator(image_size=28, levels=3, filters=(4, 4))
        with self.assertRaisesRegex(ValueError, "generator.norm: unknown value 'layer'; "
                                                "accepted: batch, none"):
            LAPGANGenerator(norm="layer")

    @pytest.mark.slow
    def test_recipes_train_from_the_config_and_reload(self):
        root = os.path.join(os.path.dirname(__file__), "..", "..", "configs")
        overrides = ["data.name=digits", "train.steps=2", "train.steps_per_epoch=2",
                     "train.steps_per_execution=1", "train.jit_compile=false",
                     "data.batch_size=8", "generator.filters=[8, 8, 8]",
                     "discriminator.filters=[4, 4, 4]", "generator.latent_dim=8",
                     "sample.grid_size=4"]
        for recipe, cls in (("lapgan_fashion_mnist.yaml", LAPGAN),
                            ("lapgan_cond_fashion_mnist.yaml", ConditionalLAPGAN)):
            with tempfile.TemporaryDirectory() as directory:
                run = runs.train(os.path.join(root, recipe), os.path.join(directory, "run"),
                                 overrides=overrides)
                self.assertEqual(run.metrics["steps"], 2)
                loaded = runs.load_run(os.path.join(directory, "run"))
                self.assertIsInstance(loaded, cls)
                self.assertAllClose(loaded.sample(4, seed=3), run.model.sample(4, seed=3),
                                    atol=1e-5)


@pytest.mark.slow
class LAPGANDistributionTest(tf.test.TestCase):
    def test_two_replica_steps_equal_single_device_steps(self):
        equivalence.assert_two_replicas_equal_one_device(self, ["lapgan", "lapgan_cond"],
                                                         timeout=600)
