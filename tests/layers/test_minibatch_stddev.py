"""Minibatch standard deviation (ProGAN §14.5): the extra maps and their grouping."""

import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.layers import MinibatchStddev


def normal(shape, seed):
    return tf.constant(np.random.default_rng(seed).standard_normal(shape), tf.float32)


def reference_stddev(x, group_size, num_features):
    """Per sample and feature: mean over H, W and the split's channels of the group std.

    Groups are contiguous: sample n is in group n // G.
    """
    batch, _, _, channels = x.shape
    group = min(group_size, batch)
    split = channels // num_features
    out = np.zeros([batch, num_features])
    for n in range(batch):
        members = x[(n // group) * group:(n // group + 1) * group]
        std = np.sqrt(members.var(axis=0) + 1e-8)  # population variance over the group
        for f in range(num_features):
            out[n, f] = std[..., f * split:(f + 1) * split].mean()
    return out


class MinibatchStddevTest(tf.test.TestCase):
    def test_identical_samples_give_sqrt_epsilon_not_zero(self):
        x = tf.tile(normal([1, 4, 4, 3], 0), [4, 1, 1, 1])
        y = MinibatchStddev()(x)
        self.assertAllClose(y[..., 3], tf.fill([4, 4, 4], 1e-4), rtol=1e-5)

    def test_output_has_one_extra_channel_per_feature_and_keeps_the_input(self):
        x = normal([4, 4, 4, 6], 1)
        for num_features in (1, 2, 3):
            y = MinibatchStddev(num_features=num_features)(x)
            self.assertEqual(y.shape, (4, 4, 4, 6 + num_features))
            self.assertAllEqual(y[..., :6], x)
        inputs = keras.Input((4, 4, 6))
        self.assertEqual(MinibatchStddev(num_features=2)(inputs).shape, (None, 4, 4, 8))

    def test_map_is_constant_over_space_and_within_a_group(self):
        x = normal([8, 3, 5, 2], 2)
        extra = MinibatchStddev(group_size=4)(x)[..., -1].numpy()
        self.assertAllClose(extra, np.broadcast_to(extra[:, :1, :1], extra.shape), atol=0)
        # Contiguous groups: samples 0–3 and 4–7 (the same on 2 replicas of 4 each).
        per_sample = extra[:, 0, 0]
        self.assertAllEqual(per_sample[:4], np.full(4, per_sample[0]))
        self.assertAllEqual(per_sample[4:], np.full(4, per_sample[4]))
        halves = [MinibatchStddev(group_size=4)(x[i:i + 4])[..., -1] for i in (0, 4)]
        self.assertAllClose(np.concatenate(halves), extra, atol=1e-7)

    def test_batch_8_with_group_4_gives_exactly_two_distinct_values(self):
        extra = MinibatchStddev(group_size=4)(normal([8, 4, 4, 3], 3))[..., -1]
        self.assertLen(np.unique(extra.numpy()), 2)

    def test_values_match_the_group_standard_deviation(self):
        for batch, group_size, num_features in ((8, 4, 1), (6, 2, 2), (3, 4, 1)):
            x = normal([batch, 3, 3, 4], 4 + batch).numpy()
            y = MinibatchStddev(group_size, num_features)(x)[..., 4:]
            expected = reference_stddev(x, group_size, num_features)
            self.assertAllClose(y, np.broadcast_to(expected[:, None, None, :], y.shape),
                                atol=1e-6)

    def test_batch_not_divisible_by_group_raises(self):
        with self.assertRaisesRegex(ValueError, "batch 6 is not divisible by group_size=4"):
            MinibatchStddev(group_size=4)(tf.zeros([6, 4, 4, 2]))
        # Dynamic batch: the run-time assertion fails instead.
        layer = MinibatchStddev(group_size=4)
        traced = tf.function(layer, input_signature=[tf.TensorSpec([None, 4, 4, 2])])
        self.assertEqual(traced(tf.zeros([8, 4, 4, 2])).shape, (8, 4, 4, 3))
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "group_size=4"):
            traced(tf.zeros([6, 4, 4, 2]))
        with self.assertRaisesRegex(ValueError, "num_features=4 must divide the 6"):
            MinibatchStddev(num_features=4)(tf.zeros([4, 2, 2, 6]))
        with self.assertRaisesRegex(ValueError, "group_size"):
            MinibatchStddev(group_size=0)

    def test_keras_file_round_trip_keeps_config_and_outputs(self):
        inputs = keras.Input((4, 4, 6))
        layer = MinibatchStddev(group_size=2, num_features=3)
        model = keras.Model(inputs, layer(inputs))
        path = os.path.join(self.get_temp_dir(), "model.keras")
        model.save(path)
        restored = keras.models.load_model(path)
        x = normal([4, 4, 4, 6], 20)
        self.assertAllClose(restored(x), model(x), atol=1e-6)
        self.assertEqual(restored.get_layer(layer.name).get_config(), layer.get_config())
