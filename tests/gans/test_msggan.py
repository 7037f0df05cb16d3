"""MSG-GAN: every generator scale reaches the discriminator (§11's tests: the outputs and
their shapes, a non-zero gradient of D with respect to every scale, the reals' pooled
pyramid, no fade-in state), packing, training, round trip and export."""

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
from tfgan_suite.gans import MSGGAN
from tfgan_suite.networks import DCGANDiscriminator, MSGGANDiscriminator, MSGGANGenerator
from tfgan_suite.networks import msggan as msg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import equivalence  # noqa: E402  (tests/gans/equivalence.py)

FILTERS = (8, 8, 4)  # 4, 8, 16 px


def networks(combine="simple"):
    keras.utils.set_random_seed(0)
    return (MSGGANGenerator(latent_dim=8, image_size=16, channels=1, filters=FILTERS),
            MSGGANDiscriminator(image_size=16, channels=1, filters=FILTERS, combine=combine))


class MSGNetworksTest(tf.test.TestCase):
    def test_generator_emits_log2_r_over_2_scales_and_returns_the_last(self):
        generator, _ = networks()
        z = tf.random.stateless_normal([3, 8], seed=[1, 1])
        outputs = generator.pyramid(z)
        self.assertEqual(len(outputs), int(np.log2(16 / 2)))
        self.assertEqual([o.shape for o in outputs], [(3, 4, 4, 1), (3, 8, 8, 1),
                                                      (3, 16, 16, 1)])
        self.assertAllClose(generator(z), outputs[-1])
        # Every scale's toRGB is part of the generator (trained, averaged, saved).
        names = {v.path.split("/")[0] for v in generator.trainable_variables}
        self.assertTrue({"to_rgb_4", "to_rgb_8", "to_rgb_16"} <= names, names)

    def test_pack_unpack_and_the_real_pyramid(self):
        images = tf.random.stateless_uniform([2, 16, 16, 1], seed=[2, 2])
        pyramid = msg.real_pyramid(images)
        self.assertAllClose(pyramid[0], tf.nn.avg_pool2d(images, 4, 4, "VALID"))
        self.assertAllClose(pyramid[1], tf.nn.avg_pool2d(images, 2, 2, "VALID"))
        self.assertAllClose(pyramid[2], images)
        packed = msg.pack(pyramid)
        self.assertEqual(packed.shape, (2, 16, 16, 3))
        for mine, theirs in zip(msg.unpack(packed, 1), pyramid, strict=True):
            self.assertAllClose(mine, theirs, atol=1e-6)

    def test_the_discriminator_has_a_gradient_for_every_scale(self):
        for combine in msg.COMBINES:
            generator, discriminator = networks(combine)
            z = tf.random.stateless_normal([4, 8], seed=[3, 3])
            outputs = generator.pyramid(z)
            with tf.GradientTape() as tape:
                tape.watch(outputs)
                score = tf.reduce_sum(discriminator(msg.pack(outputs)))
            for scale, gradient in zip(outputs, tape.gradient(score, outputs), strict=True):
                self.assertGreater(float(tf.reduce_max(tf.abs(gradient))), 0.0,
                                   f"{combine}: no gradient at {scale.shape[1]} px")

    def test_no_fade_in_state(self):
        generator, discriminator = networks()
        for network in (generator, discriminator):
            self.assertFalse([w.path for w in network.weights if "alpha" in w.path])

    def test_bad_options_are_named(self):
        with self.assertRaisesRegex(ValueError, "discriminator.combine: unknown value 'sum'; "
                                                "accepted: simple, lin, cat"):
            MSGGANDiscriminator(image_size=16, filters=FILTERS, combine="sum")
        with self.assertRaisesRegex(ValueError, "generator.name: model msggan needs the "
                                                "multi-scale generator; accepted: msggan"):
            MSGGAN(keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)]),
                   networks()[1])
        with self.assertRaisesRegex(ValueError, "discriminator.name: model msggan needs the "
                                                "multi-scale discriminator"):
            MSGGAN(networks()[0], DCGANDiscriminator(image_size=32, base_filters=4))

    def test_keras_round_trip(self):
        generator, discriminator = networks("cat")
        z = tf.random.stateless_normal([4, 8], seed=[4, 4])
        packed = msg.pack(generator.pyramid(z))
        with tempfile.TemporaryDirectory() as directory:
            for network, inputs in ((generator, z), (discriminator, packed)):
                path = os.path.join(directory, f"{network.name}.keras")
                network.save(path)
                loaded = keras.saving.load_model(path)
                self.assertAllClose(loaded(inputs), network(inputs), atol=1e-6)
            self.assertEqual(len(loaded_pyramid(directory, generator, z)), 3)


def loaded_pyramid(directory, generator, z):
    return keras.saving.load_model(os.path.join(directory, f"{generator.name}.keras")
                                   ).pyramid(z)


class MSGGANModelTest(tf.test.TestCase):
    @pytest.mark.slow
    def test_trains_samples_and_exports(self):
        gan = MSGGAN(*networks(), ema_decay=0.9, seed=2)
        gan.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                    g_optimizer=keras.optimizers.Adam(1e-3), objective="non_saturating",
                    penalties={"r1": {"weight": 1.0}}, jit_compile=False)
        reals = np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 1)).astype(np.float32)
        start = [w.numpy() for w in gan.generator.weights]
        history = gan.fit(tf.data.Dataset.from_tensor_slices(reals).batch(4), epochs=1,
                          verbose=0)
        self.assertTrue(np.isfinite(history.history["d_loss"][-1]))
        moved = {w.path.split("/")[0]
                 for w, before in zip(gan.generator.weights, start, strict=True)
                 if not np.allclose(w.numpy(), before)}
        self.assertTrue({"to_rgb_4", "to_rgb_8", "to_rgb_16"} <= moved, moved)
        self.assertEqual(gan.sample(3, seed=1).shape, (3, 16, 16, 1))
        with tempfile.TemporaryDirectory() as directory:
            path = export_saved_model(gan, directory)
            z = gan.latent(2, seed=4)
            tflite = export_tflite(path, os.path.join(directory, "g.tflite"))
            self.assertAllClose(TFLiteGenerator(tflite).generate(z), gan.sampling_generator(z),
                                atol=1e-4)

    @pytest.mark.slow
    def test_recipe_trains_from_the_config(self):
        config = os.path.join(os.path.dirname(__file__), "..", "..", "configs",
                              "msggan_fashion_mnist.yaml")
        overrides = ["data.image_size=16", "train.steps=2", "train.steps_per_epoch=2",
                     "train.steps_per_execution=1", "train.jit_compile=false",
                     "data.batch_size=8", "generator.filters=[8, 8, 4]",
                     "discriminator.filters=[8, 8, 4]", "generator.latent_dim=8",
                     "sample.grid_size=4"]
        with tempfile.TemporaryDirectory() as directory:
            run = runs.train(config, os.path.join(directory, "run"), overrides=overrides)
            self.assertEqual(run.metrics["steps"], 2)
            loaded = runs.load_run(os.path.join(directory, "run"))
            self.assertIsInstance(loaded, MSGGAN)
            self.assertAllClose(loaded.sample(4, seed=3), run.model.sample(4, seed=3),
                                atol=1e-5)


@pytest.mark.slow
class MSGGANDistributionTest(tf.test.TestCase):
    def test_two_replica_steps_equal_single_device_steps(self):
        equivalence.assert_two_replicas_equal_one_device(self, ["msggan"], timeout=600)
