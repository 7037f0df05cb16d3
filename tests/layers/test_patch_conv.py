"""PatchConv2D is Conv2D(padding='same') computed as a matrix product over patches."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import networks
from tfgan_suite.layers import PatchConv2D


def pair(filters, kernel_size, strides, input_shape, use_bias=True):
    conv = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding="same",
                               use_bias=use_bias)
    patch = PatchConv2D(filters, kernel_size, strides=strides, use_bias=use_bias)
    conv.build((None, *input_shape))
    patch.build((None, *input_shape))
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=w.shape).astype("float32") for w in conv.get_weights()]
    conv.set_weights(weights)
    patch.set_weights(weights)
    return conv, patch


class PatchConv2DTest(tf.test.TestCase):
    def test_matches_conv2d_same_padding(self):
        # Even and odd sizes, strides 1 and 2, the odd padding pixel at bottom/right.
        for filters, kernel, stride, shape in ((16, 5, 2, (4, 4, 8)), (6, 3, 2, (5, 7, 3)),
                                               (4, 3, 1, (6, 6, 2)), (5, 4, 2, (6, 5, 3))):
            conv, patch = pair(filters, kernel, stride, shape)
            x = tf.random.stateless_normal([3, *shape], seed=[1, 2])
            self.assertAllClose(patch(x), conv(x), atol=1e-4)
            self.assertEqual(tuple(patch.compute_output_shape((3, *shape))),
                             tuple(conv(x).shape))
        conv, patch = pair(8, 5, 2, (4, 4, 4), use_bias=False)
        x = tf.random.stateless_normal([2, 4, 4, 4], seed=[3, 4])
        self.assertAllClose(patch(x), conv(x), atol=1e-4)

    def test_gradient_of_gradient_matches_conv2d(self):
        # A gradient penalty differentiates ∇ₓD(x) with respect to the weights.
        conv, patch = pair(8, 5, 2, (4, 4, 6))
        x = tf.random.stateless_normal([4, 4, 4, 6], seed=[5, 6])

        def penalty_gradients(layer):
            with tf.GradientTape() as outer:
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    y = tf.reduce_sum(tf.nn.leaky_relu(layer(x), 0.2) ** 2)
                g = inner.gradient(y, x)
                loss = tf.reduce_mean(tf.reduce_sum(g * g, axis=[1, 2, 3]))
            return outer.gradient(loss, layer.trainable_variables)

        for a, b in zip(penalty_gradients(patch), penalty_gradients(conv), strict=True):
            self.assertAllClose(a, b, rtol=1e-4, atol=1e-3)

    def test_critic_option_keeps_weights_and_outputs(self):
        plain = networks.KerasIOWGANCritic()
        fast = networks.KerasIOWGANCritic(last_conv_as_matmul=True)
        self.assertEqual(plain.count_params(), fast.count_params())
        self.assertEqual([w.shape for w in plain.weights], [w.shape for w in fast.weights])
        fast.set_weights(plain.get_weights())
        x = tf.random.stateless_uniform([4, 28, 28, 1], seed=[7, 8], minval=-1, maxval=1)
        self.assertAllClose(fast(x, training=False), plain(x, training=False), atol=1e-5)
        clone = networks.KerasIOWGANCritic.from_config(fast.get_config())
        self.assertIsInstance(clone.get_layer("conv_3"), PatchConv2D)

    def test_errors_name_the_field(self):
        with self.assertRaisesRegex(ValueError, "filters must be a positive int"):
            PatchConv2D(0, 3)
        with self.assertRaisesRegex(ValueError, "max_positions=64; use keras.layers.Conv2D"):
            PatchConv2D(4, 3, strides=1).build((None, 16, 16, 3))
