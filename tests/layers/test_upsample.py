"""NearestUpsample2D: UpSampling2D's values with static shapes."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.layers import NearestUpsample2D


class NearestUpsampleTest(tf.test.TestCase):
    def test_equals_keras_nearest_upsampling(self):
        x = np.random.default_rng(0).normal(size=(3, 5, 4, 6)).astype(np.float32)
        expected = keras.layers.UpSampling2D(2, interpolation="nearest")(x)
        self.assertAllEqual(NearestUpsample2D()(x), expected)

    def test_keeps_static_shape_in_a_functional_graph(self):
        inputs = keras.Input((7, 7, 16))
        outputs = NearestUpsample2D()(inputs)
        self.assertEqual(tuple(outputs.shape), (None, 14, 14, 16))
        traced = tf.function(lambda t: NearestUpsample2D()(t)).get_concrete_function(
            tf.TensorSpec([None, 7, 7, 16], tf.float32))
        self.assertEqual(traced.structured_outputs.shape.as_list(), [None, 14, 14, 16])
