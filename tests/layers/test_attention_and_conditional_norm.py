"""SAGAN self-attention and class-conditional BatchNorm: their defining properties."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.layers import ConditionalBatchNorm, SelfAttention


class SelfAttentionTest(tf.test.TestCase):
    def test_identity_at_initialisation_and_shape_preserving(self):
        x = tf.random.stateless_normal([2, 8, 6, 16], seed=[1, 2])
        for spectral_norm in (True, False):
            layer = SelfAttention(spectral_norm=spectral_norm)
            y = layer(x, training=True)
            self.assertEqual(y.shape, x.shape)
            self.assertEqual(float(layer.gamma.numpy()), 0.0)
            self.assertAllEqual(y, x)

    def test_nonzero_gamma_mixes_positions(self):
        x = tf.random.stateless_normal([1, 4, 4, 8], seed=[3, 4])
        layer = SelfAttention(spectral_norm=False, pool_keys=False)
        layer(x)
        layer.gamma.assign(1.0)
        base = layer(x)
        # Changing one position changes the output at other positions: attention is global.
        bumped = tf.tensor_scatter_nd_add(x, [[0, 0, 0]], tf.ones([1, 8]) * 5.0)
        changed = np.abs((layer(bumped) - base).numpy()).sum(axis=-1)[0]
        self.assertGreater(changed[3, 3], 1e-6)

    def test_gamma_receives_gradient(self):
        x = tf.random.stateless_normal([2, 4, 4, 8], seed=[5, 6])
        layer = SelfAttention()
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x, training=True) ** 2)
        self.assertNotEqual(float(tape.gradient(loss, layer.gamma)), 0.0)

    def test_bad_input_is_named(self):
        with self.assertRaisesRegex(ValueError, ">= 8 channels"):
            SelfAttention()(tf.zeros([1, 4, 4, 4]))
        with self.assertRaisesRegex(ValueError, "even height and width"):
            SelfAttention()(tf.zeros([1, 5, 4, 8]))


class ConditionalBatchNormTest(tf.test.TestCase):
    def test_per_class_scale_and_shift(self):
        layer = ConditionalBatchNorm(num_classes=3)
        x = tf.random.stateless_normal([6, 4, 4, 2], seed=[7, 8])
        labels = tf.constant([0, 1, 2, 0, 1, 2])
        plain = layer([x, labels], training=True)  # gains and biases start at 0
        gain = np.array([[0.0, 0.0], [1.0, -0.5], [2.0, 0.0]], np.float32)
        bias = np.array([[0.0, 0.0], [0.0, 3.0], [-1.0, 1.0]], np.float32)
        layer.gain.embeddings.assign(gain)
        layer.bias.embeddings.assign(bias)
        y = layer([x, labels], training=True)
        for i, label in enumerate(labels.numpy()):
            self.assertAllClose(y[i], plain[i] * (1 + gain[label]) + bias[label], atol=1e-5)
        # Per-channel batch statistics come from BatchNorm without its own affine terms.
        self.assertAllClose(tf.reduce_mean(plain, axis=[0, 1, 2]), [0.0, 0.0], atol=1e-5)
        self.assertEqual(len(layer.norm.trainable_weights), 0)

    def test_vector_condition_is_a_linear_map(self):
        layer = ConditionalBatchNorm()
        x = tf.random.stateless_normal([4, 3], seed=[9, 10])
        condition = tf.random.stateless_normal([4, 5], seed=[11, 12])
        plain = layer([x, condition], training=True)
        layer.gain.kernel.assign(tf.ones([5, 3]))
        expected = plain * (1 + tf.reduce_sum(condition, axis=1, keepdims=True))
        self.assertAllClose(layer([x, condition], training=True), expected, atol=1e-5)

    def test_serialises(self):
        layer = ConditionalBatchNorm(num_classes=10, momentum=0.9)
        clone = ConditionalBatchNorm.from_config(layer.get_config())
        self.assertEqual(clone.num_classes, 10)
        with self.assertRaisesRegex(ValueError, "num_classes must be a positive int"):
            ConditionalBatchNorm(num_classes=0)
        self.assertIsInstance(keras.layers.deserialize(keras.layers.serialize(clone)),
                              ConditionalBatchNorm)
