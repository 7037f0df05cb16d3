"""ResNet, SAGAN and BigGAN networks; BigGAN's orthogonal regulariser."""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import networks
from tfgan_suite.layers import ConditionalBatchNorm, OrthogonalRegularizer, SelfAttention

BATCH, CLASSES, WIDTH = 4, 5, 16


def _z(latent_dim: int, seed: int = 0) -> tf.Tensor:
    rng = np.random.default_rng(seed)
    return tf.constant(rng.normal(size=(BATCH, latent_dim)), tf.float32)


def _images(size: int, seed: int = 0) -> tf.Tensor:
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(-1, 1, size=(BATCH, size, size, 1)), tf.float32)


def _labels(values=(0, 1, 2, 3)) -> tf.Tensor:
    return tf.constant(values, tf.int32)


def _all_layers(model: keras.Model) -> list[keras.layers.Layer]:
    return model._flatten_layers(include_self=False, recursive=True)


def _randomise_conditional_norms(model: keras.Model) -> None:
    """CBN gains/biases start at 0 (label-independent); give them random values."""
    rng = np.random.default_rng(1)
    for layer in _all_layers(model):
        if isinstance(layer, ConditionalBatchNorm):
            for sub in (layer.gain, layer.bias):
                for weight in sub.weights:
                    weight.assign(rng.normal(scale=0.5, size=weight.shape).astype(np.float32))


class GeneratorShapesTest(tf.test.TestCase):
    def setUp(self):
        keras.utils.set_random_seed(0)

    def _check_images(self, images, size):
        self.assertEqual(images.shape, (BATCH, size, size, 1))
        self.assertEqual(images.dtype, tf.float32)
        self.assertAllInRange(images, -1.0, 1.0)

    def test_resnet_and_sagan_generators_unconditional_and_conditional(self):
        for cls in (networks.ResNetGenerator, networks.SAGANGenerator):
            for size in (28, 32):
                generator = cls(latent_dim=8, image_size=size, width=WIDTH)
                self.assertEqual(generator.latent_dim, 8)
                self.assertLen(generator.inputs, 1)
                self._check_images(generator(_z(8)), size)
                generator = cls(latent_dim=8, image_size=size, width=WIDTH,
                                num_classes=CLASSES, conditional=True)
                self.assertEqual([tuple(t.shape) for t in generator.inputs], [(None, 8), (None,)])
                self._check_images(generator([_z(8), _labels()]), size)

    def test_biggan_generator(self):
        for size in (28, 32):  # 3 and 4 latent chunks: 12 divides both
            generator = networks.BigGANGenerator(latent_dim=12, image_size=size, width=WIDTH,
                                                 num_classes=CLASSES)
            self._check_images(generator([_z(12), _labels()]), size)

    def test_conditional_generator_requires_num_classes(self):
        with self.assertRaisesRegex(ValueError, r"generator\.num_classes"):
            networks.ResNetGenerator(conditional=True, width=WIDTH)
        with self.assertRaisesRegex(ValueError, r"generator\.num_classes"):
            networks.BigGANGenerator(latent_dim=12, width=WIDTH)

    def test_changing_only_the_label_changes_the_output(self):
        resnet = networks.ResNetGenerator(latent_dim=8, image_size=28, width=WIDTH,
                                          num_classes=CLASSES, conditional=True)
        biggan = networks.BigGANGenerator(latent_dim=12, image_size=28, width=WIDTH,
                                          num_classes=CLASSES)
        for generator, latent_dim in ((resnet, 8), (biggan, 12)):
            _randomise_conditional_norms(generator)
            z = _z(latent_dim)
            first = generator([z, _labels((0, 0, 0, 0))])
            second = generator([z, _labels((1, 1, 1, 1))])
            self.assertGreater(float(tf.reduce_max(tf.abs(first - second))), 1e-3)

    def test_sagan_attention_gamma_starts_at_zero(self):
        generator = networks.SAGANGenerator(latent_dim=8, image_size=32, width=WIDTH)
        discriminator = networks.SAGANDiscriminator(image_size=28, width=WIDTH)
        for model, resolution in ((generator, 16), (discriminator, 14)):
            attention = [layer for layer in model.layers if isinstance(layer, SelfAttention)]
            self.assertLen(attention, 1)
            self.assertEqual(float(attention[0].gamma.numpy()), 0.0)
            self.assertEqual(attention[0].output.shape[1], resolution)

    def test_attention_resolution_is_checked(self):
        with self.assertRaisesRegex(ValueError, r"generator\.attention_resolution.*14, 28"):
            networks.SAGANGenerator(image_size=28, width=WIDTH, attention_resolution=16)


class DiscriminatorShapesTest(tf.test.TestCase):
    def setUp(self):
        keras.utils.set_random_seed(0)

    def test_resnet_and_sagan_discriminator_conditioning_modes(self):
        for cls in (networks.ResNetDiscriminator, networks.SAGANDiscriminator):
            for size in (28, 32):
                images = _images(size)
                plain = cls(image_size=size, width=WIDTH)
                logits = plain(images)
                self.assertEqual((logits.shape, logits.dtype), ((BATCH, 1), tf.float32))
                projection = cls(image_size=size, width=WIDTH, num_classes=CLASSES,
                                 conditioning="projection")
                self.assertEqual(projection([images, _labels()]).shape, (BATCH, 1))
                auxiliary = cls(image_size=size, width=WIDTH, num_classes=CLASSES,
                                conditioning="auxiliary")
                logits, class_logits = auxiliary(images)
                self.assertEqual(logits.shape, (BATCH, 1))
                self.assertEqual(class_logits.shape, (BATCH, CLASSES))
                self.assertEqual(class_logits.dtype, tf.float32)

    def test_biggan_discriminator_is_a_projection_discriminator(self):
        for size in (28, 32):
            discriminator = networks.BigGANDiscriminator(image_size=size, width=WIDTH,
                                                         num_classes=CLASSES)
            self.assertLen(discriminator.inputs, 2)
            logits = discriminator([_images(size), _labels()])
            self.assertEqual((logits.shape, logits.dtype), ((BATCH, 1), tf.float32))

    def test_projection_output_depends_on_the_label(self):
        discriminator = networks.ResNetDiscriminator(image_size=28, width=WIDTH,
                                                     num_classes=CLASSES,
                                                     conditioning="projection")
        images = _images(28)
        first = discriminator([images, _labels((0, 0, 0, 0))])
        second = discriminator([images, _labels((1, 1, 1, 1))])
        self.assertGreater(float(tf.reduce_max(tf.abs(first - second))), 1e-4)

    def test_bad_conditioning_and_missing_num_classes(self):
        with self.assertRaisesRegex(ValueError,
                                    r"discriminator\.conditioning.*none, projection, auxiliary"):
            networks.ResNetDiscriminator(conditioning="acgan", num_classes=CLASSES)
        with self.assertRaisesRegex(ValueError, r"discriminator\.num_classes"):
            networks.SAGANDiscriminator(conditioning="projection")
        with self.assertRaisesRegex(ValueError, r"discriminator\.num_classes"):
            networks.BigGANDiscriminator()

    def test_factory_builds_by_registry_name_with_shared_defaults(self):
        for name in ("resnet", "sagan", "biggan"):
            generator = networks.build_generator(
                {"name": name, "width": WIDTH, "latent_dim": 12,
                 **({"conditional": True} if name != "biggan" else {})},
                image_size=28, channels=1, num_classes=CLASSES)
            discriminator = networks.build_discriminator(
                {"name": name, "width": WIDTH}, image_size=28, channels=1, num_classes=CLASSES)
            self.assertEqual(generator.outputs[0].shape[1:], discriminator.inputs[0].shape[1:])


class SpectralNormTest(tf.test.TestCase):
    def test_normalised_kernels_have_unit_largest_singular_value(self):
        keras.utils.set_random_seed(0)
        discriminator = networks.SAGANDiscriminator(image_size=28, width=WIDTH,
                                                    num_classes=CLASSES,
                                                    conditioning="projection")
        optimizer = keras.optimizers.Adam(1e-2)
        images, labels = _images(28), _labels()
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(discriminator([images, labels], training=True))
            variables = discriminator.trainable_variables
            grads = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(grads, variables, strict=True))
        for _ in range(30):  # let the power iteration converge on the final kernels
            discriminator([images, labels], training=True)
        wrapped = [layer for layer in _all_layers(discriminator)
                   if isinstance(layer, keras.layers.SpectralNormalization)]
        # 4 blocks (3 + 3 + 2 + 2 convs), 4 attention projections, the projection head's ψ
        self.assertLen(wrapped, 15)
        for layer in wrapped:
            # Keras 3's training call assigns W / σ̂ to the wrapped layer's kernel, so after a
            # training=True call the inner kernel *is* the effective normalised kernel.
            kernel = layer.layer.kernel.numpy()
            sigma = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
            self.assertAllClose(sigma, 1.0, atol=0.05, msg=layer.name)


class SaveLoadTest(tf.test.TestCase):
    def test_keras_file_round_trip_of_conditional_generators(self):
        keras.utils.set_random_seed(0)
        models = [
            (networks.ResNetGenerator(latent_dim=8, image_size=28, width=WIDTH,
                                      num_classes=CLASSES, conditional=True), 8),
            (networks.BigGANGenerator(latent_dim=12, image_size=28, width=WIDTH,
                                      num_classes=CLASSES), 12),
        ]
        for generator, latent_dim in models:
            _randomise_conditional_norms(generator)
            inputs = [_z(latent_dim, seed=3), _labels((4, 3, 2, 1))]
            path = os.path.join(self.get_temp_dir(), f"{generator.name}.keras")
            generator.save(path)
            restored = keras.models.load_model(path)
            self.assertIsInstance(restored, type(generator))
            self.assertEqual(restored.get_config(), generator.get_config())
            self.assertAllClose(restored(inputs), generator(inputs), atol=1e-6)


class BigGANOptionsTest(tf.test.TestCase):
    def test_latent_dim_must_split_into_equal_chunks(self):
        with self.assertRaisesRegex(ValueError, r"generator\.latent_dim"):
            networks.BigGANGenerator(latent_dim=10, image_size=32, width=WIDTH,
                                     num_classes=CLASSES)

    def test_orthogonal_regularisation_losses(self):
        keras.utils.set_random_seed(0)
        regularised = networks.BigGANGenerator(latent_dim=12, image_size=28, width=WIDTH,
                                               num_classes=CLASSES, orthogonal_reg=1e-4)
        self.assertNotEmpty(regularised.losses)
        self.assertTrue(all(float(loss) >= 0.0 for loss in regularised.losses))
        plain = networks.BigGANGenerator(latent_dim=12, image_size=28, width=WIDTH,
                                         num_classes=CLASSES, orthogonal_reg=0)
        self.assertEmpty(plain.losses)


class OrthogonalRegularizerTest(tf.test.TestCase):
    def test_zero_for_orthonormal_columns(self):
        rng = np.random.default_rng(0)
        regularizer = OrthogonalRegularizer(beta=1.0)
        dense_kernel = np.linalg.qr(rng.normal(size=(8, 5)))[0]
        self.assertAllClose(regularizer(tf.constant(dense_kernel, tf.float32)), 0.0, atol=1e-6)
        conv_matrix = np.linalg.qr(rng.normal(size=(3 * 3 * 4, 6)))[0]
        conv_kernel = tf.constant(conv_matrix.reshape(3, 3, 4, 6), tf.float32)
        self.assertAllClose(regularizer(conv_kernel), 0.0, atol=1e-6)

    def test_positive_for_a_non_orthogonal_kernel(self):
        kernel = tf.constant(np.random.default_rng(0).normal(size=(3, 3, 4, 6)), tf.float32)
        self.assertGreater(float(OrthogonalRegularizer(1e-4)(kernel)), 0.0)

    def test_matches_hand_computed_value(self):
        # WᵀW = [[10, 14], [14, 20]]: off-diagonal squared sum 2·14² = 392, times β = 0.5.
        kernel = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        self.assertAllClose(OrthogonalRegularizer(beta=0.5)(kernel), 196.0)
        self.assertEqual(OrthogonalRegularizer(beta=0.5).get_config(), {"beta": 0.5})
