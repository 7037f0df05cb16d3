"""Networks: shapes, registered-class round trips, spectral norm, tf-keras-vis."""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import networks


class DCGANTest(tf.test.TestCase):
    def test_generator_and_discriminator_shapes_for_each_size(self):
        for size in (28, 32, 64):
            generator = networks.DCGANGenerator(latent_dim=16, image_size=size, channels=3,
                                                base_filters=8)
            discriminator = networks.DCGANDiscriminator(image_size=size, channels=3,
                                                        base_filters=8)
            images = generator(np.zeros((2, 16), np.float32))
            self.assertEqual(images.shape, (2, size, size, 3))
            self.assertEqual(discriminator(images).shape, (2, 1))
            self.assertAllInRange(images, -1.0, 1.0)

    def test_unsupported_image_size_names_accepted_sizes(self):
        with self.assertRaisesRegex(ValueError, r"generator\.image_size.*48.*28, 32, 64"):
            networks.DCGANGenerator(image_size=48)

    def test_keras_file_round_trip_keeps_class_config_and_outputs(self):
        generator = networks.DCGANGenerator(latent_dim=8, image_size=28, base_filters=8)
        z = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
        path = os.path.join(tempfile.mkdtemp(), "g.keras")
        generator.save(path)
        restored = keras.models.load_model(path)
        self.assertIsInstance(restored, networks.DCGANGenerator)
        self.assertEqual(restored.get_config(), generator.get_config())
        self.assertAllClose(restored(z), generator(z), atol=1e-6)

    def test_spectral_normalised_kernels_have_unit_largest_singular_value(self):
        discriminator = networks.DCGANDiscriminator(image_size=28, base_filters=8,
                                                    spectral_norm=True)
        optimizer = keras.optimizers.Adam(1e-2)
        rng = np.random.default_rng(0)
        for _ in range(5):  # a few training steps: power iteration converges as it trains
            x = tf.constant(rng.normal(size=(8, 28, 28, 1)), tf.float32)
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(discriminator(x, training=True) ** 2)
            grads = tape.gradient(loss, discriminator.trainable_variables)
            optimizer.apply_gradients(zip(grads, discriminator.trainable_variables, strict=True))
        for _ in range(30):  # let the power iteration settle on the final kernel
            discriminator(x, training=True)
        wrapped = [layer for layer in discriminator.layers
                   if isinstance(layer, keras.layers.SpectralNormalization)]
        self.assertLen(wrapped, 3)
        for layer in wrapped:
            kernel = layer.layer.kernel.numpy()
            sigma = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
            self.assertAllClose(sigma, 1.0, atol=0.05)

    def test_tf_keras_vis_saliency_runs_on_the_discriminator(self):
        from tf_keras_vis.saliency import Saliency

        discriminator = networks.DCGANDiscriminator(image_size=28, base_filters=8)
        images = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1)).astype(np.float32)
        saliency = Saliency(discriminator, clone=True)
        maps = saliency(lambda output: output[:, 0], images)
        self.assertEqual(maps.shape, (2, 28, 28))
        self.assertTrue(np.all(np.isfinite(maps)))
        self.assertGreater(float(np.max(maps)), 0.0)


class KerasIOWGANTest(tf.test.TestCase):
    def test_keras_io_networks_have_the_example_shapes(self):
        generator = networks.KerasIOWGANGenerator()
        critic = networks.KerasIOWGANCritic()
        images = generator(np.zeros((2, 128), np.float32))
        self.assertEqual(images.shape, (2, 28, 28, 1))
        self.assertEqual(critic(images).shape, (2, 1))
        # keras-io's parameter counts: generator 910,660 (incl. BN statistics),
        # critic 4,305,409.
        self.assertEqual(critic.count_params(), 4305409)
        self.assertEqual(generator.count_params(), 910660)


class MLPTest(tf.test.TestCase):
    def test_mlp_shapes_and_maxout(self):
        generator = networks.MLPGenerator(latent_dim=3, hidden_units=[16, 16])
        discriminator = networks.MLPDiscriminator(hidden_units=[8], pieces=5)
        x = generator(np.zeros((4, 3), np.float32))
        self.assertEqual(x.shape, (4, 2))
        self.assertEqual(discriminator(x).shape, (4, 1))

    def test_maxout_takes_the_max_over_pieces(self):
        from tfgan_suite.layers import MaxoutDense

        layer = MaxoutDense(2, pieces=3)
        layer.build((None, 1))
        layer.dense.kernel.assign(np.array([[1.0, -1.0, 2.0, 0.5, 0.0, -3.0]], np.float32))
        layer.dense.bias.assign(np.zeros(6, np.float32))
        # unit 0 pieces (1, -1, 2)·x, unit 1 pieces (0.5, 0, -3)·x
        self.assertAllClose(layer(np.array([[2.0]], np.float32)), [[4.0, 1.0]])
        self.assertAllClose(layer(np.array([[-1.0]], np.float32)), [[1.0, 3.0]])

    def test_build_validates_options_against_the_class(self):
        with self.assertRaisesRegex(ValueError, r"generator: unknown option\(s\) depth.*"
                                                r"accepted: name, latent_dim"):
            networks.build_generator({"name": "mlp", "depth": 3})
        with self.assertRaisesRegex(ValueError,
                                    r"generator\.name.*'nope'.*biggan, dcgan, dcgan_tutorial, "
                                    r"ganpf, kerasio_wgan_gp, lapgan, mlp, msggan, progan, resnet, "
                                    r"resnet_translator, sagan, stackgan1, stackgan2, "
                                    r"stargan_vc, stargan_vc2, stylegan, stylegan2, "
                                    r"unet_translator, vc_gated_1d, vc_gated_212d"):
            networks.build_generator({"name": "nope"})
