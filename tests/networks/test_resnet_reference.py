"""The ResNet options of NR-GAN's reference networks (networks/resnet.py, issue #45): no
BatchNorm in the generator, residual branches scaled by 0.1, mean pooling in D."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import networks

BATCH, WIDTH, LATENT = 3, 8, 6


def _z(seed: int = 0) -> tf.Tensor:
    return tf.constant(np.random.default_rng(seed).normal(size=(BATCH, LATENT)), tf.float32)


def _images(seed: int = 0) -> tf.Tensor:
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(-1, 1, size=(BATCH, 28, 28, 1)), tf.float32)


def _reference_generator(**options) -> networks.ResNetGenerator:
    return networks.ResNetGenerator(latent_dim=LATENT, image_size=28, width=WIDTH,
                                    normalization="none", residual_scale=0.1, **options)


def _layers(model: keras.Model) -> list[keras.layers.Layer]:
    return model._flatten_layers(include_self=False, recursive=True)


def _outputs(model: keras.Model, names: list[str], inputs) -> list[np.ndarray]:
    probe = keras.Model(model.inputs, [model.get_layer(name).output for name in names])
    return [np.asarray(value) for value in probe(inputs)]


class ReferenceGeneratorTest(tf.test.TestCase):
    def setUp(self):
        keras.utils.set_random_seed(0)

    def test_normalization_none_leaves_no_batch_norm_in_the_generator(self):
        generator = _reference_generator()
        self.assertFalse([layer for layer in _layers(generator)
                          if isinstance(layer, keras.layers.BatchNormalization)])
        images = generator(_z())
        self.assertEqual(images.shape, (BATCH, 28, 28, 1))
        self.assertAllInRange(images, -1.0, 1.0)
        # The default generator keeps its BatchNorms (SN-GAN) and has no rescaling.
        default = networks.ResNetGenerator(latent_dim=LATENT, image_size=28, width=WIDTH)
        self.assertTrue([layer for layer in _layers(default)
                         if isinstance(layer, keras.layers.BatchNormalization)])
        self.assertFalse([layer for layer in _layers(default)
                          if isinstance(layer, keras.layers.Rescaling)])

    def test_each_up_block_returns_its_shortcut_plus_a_tenth_of_its_residual(self):
        generator = _reference_generator()
        for block in ("up0", "up1"):
            residual, shortcut, total = _outputs(
                generator, [f"{block}_conv2", f"{block}_skip_conv", f"{block}_add"], _z())
            self.assertAllClose(total, shortcut + 0.1 * residual, atol=1e-5)

    def test_options_round_trip_through_the_config(self):
        generator = _reference_generator()
        copy = networks.ResNetGenerator.from_config(generator.get_config())
        self.assertEqual(copy.get_config()["normalization"], "none")
        self.assertAllClose(copy.get_config()["residual_scale"], 0.1)
        copy.set_weights(generator.get_weights())
        self.assertAllClose(copy(_z()), generator(_z()))

    def test_bad_options_name_the_field_and_the_accepted_values(self):
        with self.assertRaisesRegex(ValueError, r"generator.normalization: unknown value "
                                                r"'layer'; accepted: batch, none"):
            _ = networks.ResNetGenerator(latent_dim=LATENT, image_size=28, width=WIDTH,
                                         normalization="layer")
        with self.assertRaisesRegex(ValueError, "generator.normalization: none leaves a "
                                                "conditional generator"):
            _ = _reference_generator(conditional=True, num_classes=3)
        with self.assertRaisesRegex(ValueError, "generator.residual_scale: must be a positive"):
            _ = networks.ResNetGenerator(latent_dim=LATENT, image_size=28, width=WIDTH,
                                         residual_scale=0.0)


class ReferenceDiscriminatorTest(tf.test.TestCase):
    def setUp(self):
        keras.utils.set_random_seed(0)

    def _discriminator(self, pooling: str) -> networks.ResNetDiscriminator:
        return networks.ResNetDiscriminator(image_size=28, width=WIDTH, spectral_norm=False,
                                            residual_scale=0.1, pooling=pooling)

    def test_mean_pooling_is_sum_pooling_over_the_positions_of_the_last_map(self):
        mean, total = self._discriminator("mean"), self._discriminator("sum")
        total.set_weights(mean.get_weights())
        bias = mean.get_layer("logit").bias.numpy()
        # 28 px: the last feature map is 7 × 7.
        self.assertAllClose(total(_images()) - bias, 49.0 * (mean(_images()) - bias),
                            rtol=1e-4, atol=1e-4)

    def test_every_block_scales_its_residual_branch(self):
        discriminator = self._discriminator("mean")
        names = [layer.name for layer in _layers(discriminator)
                 if isinstance(layer, keras.layers.Rescaling)]
        self.assertLen(names, 4)  # the optimized block and three residual blocks
        for layer in names:
            self.assertAllClose(discriminator.get_layer(layer).scale, 0.1)
        residual, shortcut, total = _outputs(
            discriminator, ["block1_pool", "block1_skip_pool", "block1_add"], _images())
        self.assertAllClose(total, shortcut + 0.1 * residual, atol=1e-5)

    def test_unknown_pooling_is_an_error_naming_the_field(self):
        with self.assertRaisesRegex(ValueError, r"discriminator.pooling: unknown value "
                                                r"'max'; accepted: sum, mean"):
            _ = self._discriminator("max")
