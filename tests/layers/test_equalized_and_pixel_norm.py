"""Equalized learning rate and pixel norm (ProGAN §14.5, StyleGAN mapping §15.5)."""

import math
import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.layers import EqualizedConv2D, EqualizedDense, PixelNorm


def normal(shape, seed):
    return tf.constant(np.random.default_rng(seed).standard_normal(shape), tf.float32)


def round_trip(test, model, inputs):
    """Save to .keras, reload; the outputs must match."""
    path = os.path.join(test.get_temp_dir(), "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    test.assertAllClose(restored(inputs), model(inputs), atol=1e-6)
    return restored


class EqualizedLearningRateTest(tf.test.TestCase):
    def setUp(self):
        keras.utils.set_random_seed(0)

    def test_stored_kernel_has_unit_std_and_effective_kernel_is_stored_times_he_constant(self):
        dense = EqualizedDense(256)
        dense.build((None, 256))
        conv = EqualizedConv2D(64, 3, gain=1.0)
        conv.build((None, 8, 8, 32))
        for layer, fan_in, gain in ((dense, 256, math.sqrt(2.0)), (conv, 3 * 3 * 32, 1.0)):
            stored = layer.kernel.numpy()
            self.assertNear(stored.std(), 1.0, 0.02)
            self.assertNear(layer.weight_scale, gain / math.sqrt(fan_in), 1e-12)
            self.assertAllClose(layer.effective_kernel, stored * gain / math.sqrt(fan_in))
            self.assertAllEqual(layer.bias, np.zeros(layer.bias.shape))

    def test_forward_pass_applies_the_effective_kernel(self):
        x = normal([5, 7], 1)
        dense = EqualizedDense(3)
        y = dense(x)
        self.assertAllClose(y, x @ dense.effective_kernel, atol=1e-6)

        images = normal([2, 6, 6, 4], 2)
        conv = EqualizedConv2D(5, 3)
        y = conv(images)
        self.assertAllClose(y, tf.nn.conv2d(images, conv.effective_kernel, 1, "SAME"), atol=1e-5)
        self.assertEqual(y.shape, (2, 6, 6, 5))
        self.assertEqual(EqualizedConv2D(5, 3, padding="valid")(images).shape, (2, 4, 4, 5))
        self.assertEqual(EqualizedConv2D(5, 3, strides=2)(images).shape, (2, 3, 3, 5))

    def test_reinitialising_the_stored_kernel_changes_the_output_proportionally(self):
        # Guards against the He constant being baked into the initialiser instead: a stored
        # kernel drawn with std σ must give outputs of std σ·gain, not σ·√fan_in.
        x = normal([512, 64], 3)
        layer = EqualizedDense(64)
        layer(x)
        for sigma in (1.0, 3.0):
            layer.kernel.assign(normal([64, 64], 4) * sigma)
            self.assertNear(float(tf.math.reduce_std(layer(x))), sigma * math.sqrt(2.0),
                            0.05 * sigma)
        images = normal([2, 5, 5, 3], 5)
        conv = EqualizedConv2D(6, 3)
        before = conv(images)
        conv.kernel.assign(conv.kernel * 0.5)
        self.assertAllClose(conv(images), 0.5 * before, atol=1e-6)

    def test_gradient_wrt_stored_kernel_is_constant_times_gradient_wrt_effective(self):
        x = normal([6, 10], 5)
        probe = normal([6, 4], 6)
        for lr_multiplier in (1.0, 0.01):
            layer = EqualizedDense(4, lr_multiplier=lr_multiplier)
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(layer(x) * probe)
            stored_gradient = tape.gradient(loss, layer.kernel)
            effective = tf.Variable(layer.effective_kernel)
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum((x @ effective) * probe)
            constant = math.sqrt(2.0) / math.sqrt(10) * lr_multiplier
            self.assertAllClose(stored_gradient, constant * tape.gradient(loss, effective),
                                rtol=1e-5)

    def test_lr_multiplier_stores_std_100_applies_he_std_and_scales_bias(self):
        layer = EqualizedDense(256, lr_multiplier=0.01)
        layer.build((None, 128))
        he_std = math.sqrt(2.0) / math.sqrt(128)
        self.assertNear(layer.kernel.numpy().std(), 100.0, 2.0)
        self.assertNear(layer.effective_kernel.numpy().std(), he_std, 0.02 * he_std)
        layer.bias.assign(tf.ones([256]))
        self.assertAllClose(layer(tf.zeros([1, 128])), tf.fill([1, 256], 0.01))

    def test_unit_variance_input_gives_preactivation_variance_gain_squared(self):
        x = normal([1024, 256], 7)
        for gain in (math.sqrt(2.0), 1.0):
            y = EqualizedDense(256, gain=gain)(x).numpy()
            self.assertNear(y.var(), gain ** 2, 0.05 * gain ** 2)
        # Second moment after LeakyReLU(0.2) of N(0, 2): 0.5·2 + 0.5·0.04·2 = 1.04.
        images = normal([16, 10, 10, 16], 8)
        y = EqualizedConv2D(32, 3, padding="valid")(images)
        self.assertNear(float(tf.reduce_mean(tf.square(y))), 2.0, 0.1)
        self.assertNear(float(tf.reduce_mean(tf.square(tf.nn.leaky_relu(y, 0.2)))), 1.04, 0.06)

    def test_bad_arguments_are_named(self):
        with self.assertRaisesRegex(ValueError, "lr_multiplier"):
            EqualizedDense(4, lr_multiplier=0.0)
        with self.assertRaisesRegex(ValueError, "padding"):
            EqualizedConv2D(4, 3, padding="full")
        with self.assertRaisesRegex(ValueError, "kernel_size"):
            EqualizedConv2D(4, 0)

    def test_keras_file_round_trip_keeps_config_and_outputs(self):
        images = keras.Input((6, 6, 3))
        latent = keras.Input((5,))
        conv = EqualizedConv2D(4, 3, strides=2, gain=1.0, lr_multiplier=0.5, use_bias=False)
        dense = EqualizedDense(4, gain=0.25, lr_multiplier=0.01)
        model = keras.Model([images, latent], [conv(images), dense(latent)])
        restored = round_trip(self, model, [normal([2, 6, 6, 3], 9), normal([2, 5], 10)])
        for layer in (conv, dense):
            clone = restored.get_layer(layer.name)
            self.assertEqual(clone.get_config(), layer.get_config())
            self.assertEqual(type(layer).from_config(layer.get_config()).get_config(),
                             layer.get_config())


class PixelNormTest(tf.test.TestCase):
    def test_mean_square_over_channels_is_one_at_every_position(self):
        x = normal([3, 4, 4, 8], 11) * 5.0 + 2.0
        y = PixelNorm()(x)
        self.assertAllClose(tf.reduce_mean(tf.square(y), axis=-1), tf.ones([3, 4, 4]),
                            atol=1e-5)
        latent = PixelNorm()(normal([6, 32], 12) * 0.1)
        self.assertAllClose(tf.reduce_mean(tf.square(latent), axis=-1), tf.ones([6]),
                            atol=1e-5)

    def test_output_is_invariant_to_positive_scaling(self):
        x = normal([2, 3, 3, 6], 13)
        for scale in (0.1, 7.5, 300.0):
            self.assertAllClose(PixelNorm()(x * scale), PixelNorm()(x), atol=1e-5)

    def test_epsilon_keeps_zero_input_finite_in_float16(self):
        y = PixelNorm(dtype="mixed_float16")(tf.zeros([2, 4], tf.float16))
        self.assertEqual(y.dtype, tf.float16)
        self.assertAllEqual(y, np.zeros([2, 4]))
        # Mean square m/(m + ε): visible only for tiny inputs.
        tiny = tf.fill([1, 4], 1e-4)
        self.assertAllClose(tf.reduce_mean(PixelNorm(epsilon=1e-8)(tiny) ** 2), 1e-8 / 2e-8)

    def test_keras_file_round_trip_keeps_config_and_outputs(self):
        inputs = keras.Input((8,))
        layer = PixelNorm(epsilon=1e-4)
        restored = round_trip(self, keras.Model(inputs, layer(inputs)), normal([3, 8], 14))
        self.assertEqual(restored.get_layer(layer.name).get_config(), layer.get_config())
