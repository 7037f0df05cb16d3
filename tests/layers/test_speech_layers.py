"""Speech-line building blocks (GLU, IN, CIN, pixel shuffler, 2-1-2D bridge): speech.md §3.7."""

import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.layers import (
    ConditionalInstanceNormalization,
    Flatten2DTo1D,
    GatedLinearUnit,
    InstanceNormalization,
    PixelShuffle1D,
    PixelShuffle2D,
    Unflatten1DTo2D,
    gated_linear_unit,
    pixel_shuffle_1d,
    pixel_unshuffle_1d,
)

MODES = ("concat_linear", "pair_table")


def normal(shape, seed, scale=1.0, shift=0.0):
    values = np.random.default_rng(seed).standard_normal(shape) * scale + shift
    return tf.constant(values, tf.float32)


def one_hot(indices, depth=3):
    return tf.one_hot(indices, depth, dtype=tf.float32)


def randomise_weights(layer, seed):
    rng = np.random.default_rng(seed)
    for weight in layer.weights:
        weight.assign(rng.standard_normal(weight.shape).astype(np.float32))


class GatedLinearUnitTest(tf.test.TestCase):
    def test_output_is_first_half_times_sigmoid_of_second_half(self):
        data, gates = normal([2, 5, 3], 0), normal([2, 5, 3], 1)
        expected = data.numpy() / (1.0 + np.exp(-gates.numpy()))
        self.assertAllClose(GatedLinearUnit()(tf.concat([data, gates], -1)), expected)
        self.assertAllClose(gated_linear_unit(data, gates), expected)
        by_time = GatedLinearUnit(axis=1)(tf.concat([data, gates], 1))
        self.assertAllClose(by_time, expected)

    def test_zero_gate_halves_the_data_and_large_gate_passes_it(self):
        data = normal([2, 4, 3], 2)
        self.assertAllClose(gated_linear_unit(data, tf.zeros_like(data)), data / 2)
        self.assertAllClose(gated_linear_unit(data, tf.fill(data.shape, 50.0)), data)

    def test_two_conv_layout_equals_split_conv_layout_with_instance_norm(self):
        x = normal([2, 9, 4], 3)
        data_conv = keras.layers.Conv1D(3, 5, padding="same")
        gate_conv = keras.layers.Conv1D(3, 5, padding="same")
        data_norm, gate_norm = InstanceNormalization(), InstanceNormalization()
        for conv in (data_conv, gate_conv):
            conv.build((None, None, 4))
        for norm in (data_norm, gate_norm):
            norm.build((None, None, 3))
        for seed, layer in enumerate((data_conv, gate_conv, data_norm, gate_norm)):
            randomise_weights(layer, 10 + seed)  # non-trivial IN gammas and betas
        two_conv = gated_linear_unit(data_norm(data_conv(x)), gate_norm(gate_conv(x)))

        split_conv = keras.layers.Conv1D(6, 5, padding="same")
        split_norm = InstanceNormalization()
        split_conv.build((None, None, 4))
        split_norm.build((None, None, 6))
        split_conv.set_weights([np.concatenate([a, b], axis=-1) for a, b in
                                zip(data_conv.get_weights(), gate_conv.get_weights(),
                                    strict=True)])
        split_norm.set_weights([np.concatenate([a, b]) for a, b in
                                zip(data_norm.get_weights(), gate_norm.get_weights(),
                                    strict=True)])
        split = GatedLinearUnit()(split_norm(split_conv(x)))
        self.assertAllClose(split, two_conv, atol=1e-5)


class InstanceNormalizationTest(tf.test.TestCase):
    def test_each_sample_and_channel_has_zero_mean_and_unit_variance(self):
        for shape, axes in (([3, 50, 4], [1]), ([3, 6, 7, 4], [1, 2])):
            x = normal(shape, 4, scale=3.0, shift=5.0)
            y = InstanceNormalization()(x)
            self.assertEqual(y.shape, x.shape)
            self.assertAllClose(tf.reduce_mean(y, axes), tf.zeros([3, 4]), atol=1e-5)
            self.assertAllClose(tf.math.reduce_variance(y, axes), tf.ones([3, 4]), atol=1e-4)

    def test_invariant_to_per_channel_positive_scale_and_shift(self):
        layer = InstanceNormalization()
        x = normal([2, 20, 3], 5)
        layer(x)
        randomise_weights(layer, 6)
        a, b = tf.constant([0.5, 2.0, 7.0]), tf.constant([-3.0, 0.0, 10.0])
        self.assertAllClose(layer(a * x + b), layer(x), atol=1e-4)

    def test_dynamic_time_in_functional_model_and_tf_function(self):
        inputs = keras.Input((None, 3))
        model = keras.Model(inputs, InstanceNormalization()(inputs))
        self.assertEqual(tuple(model.output.shape), (None, None, 3))
        compiled = tf.function(model, input_signature=[tf.TensorSpec([None, None, 3])])
        for length in (5, 11):
            x = normal([2, length, 3], length)
            y = compiled(x)
            self.assertEqual(y.shape, (2, length, 3))
            self.assertAllClose(tf.reduce_mean(y, 1), tf.zeros([2, 3]), atol=1e-5)

    def test_mixed_precision_returns_compute_dtype_with_float32_statistics(self):
        x = normal([2, 30, 3], 7, scale=100.0, shift=1000.0)
        for layer in (InstanceNormalization(dtype="mixed_float16"),
                      ConditionalInstanceNormalization(3, dtype="mixed_float16")):
            inputs = x if isinstance(layer, InstanceNormalization) else \
                [x, one_hot([0, 1]), one_hot([2, 0])]
            y = layer(inputs)
            self.assertEqual(y.dtype, tf.float16)
            self.assertAllClose(tf.cast(y, tf.float32), InstanceNormalization()(x), atol=1e-2)


class ConditionalInstanceNormalizationTest(tf.test.TestCase):
    def setUp(self):
        self.x = normal([2, 16, 4], 8, scale=2.0, shift=1.0)
        self.source, self.target = one_hot([0, 2]), one_hot([1, 1])

    def built(self, mode, seed=None):
        layer = ConditionalInstanceNormalization(3, mode=mode)
        layer([self.x, self.source, self.target])
        if seed is not None:
            randomise_weights(layer, seed)
        return layer

    def test_equals_instance_norm_followed_by_the_code_affine(self):
        for mode in MODES:
            layer = self.built(mode, seed=9)
            gamma, beta = layer.modulation(self.source, self.target)
            self.assertEqual(gamma.shape, (2, 4))
            plain = InstanceNormalization(center=False, scale=False)(self.x)
            expected = gamma[:, None, :] * plain + beta[:, None, :]
            self.assertAllClose(layer([self.x, self.source, self.target]), expected, atol=1e-5)
            images = normal([2, 3, 5, 4], 10)
            expected = (gamma[:, None, None, :]
                        * InstanceNormalization(center=False, scale=False)(images)
                        + beta[:, None, None, :])
            self.assertAllClose(layer([images, self.source, self.target]), expected, atol=1e-5)

    def test_initial_weights_give_exactly_instance_norm(self):
        plain = InstanceNormalization(center=False, scale=False)(self.x)
        for mode in MODES:
            self.assertAllEqual(self.built(mode)([self.x, self.source, self.target]), plain)

    def test_output_time_mean_is_beta_and_time_std_is_abs_gamma(self):
        for mode in MODES:
            layer = self.built(mode, seed=11)
            gamma, beta = layer.modulation(self.source, self.target)
            y = layer([self.x, self.source, self.target])
            self.assertAllClose(tf.reduce_mean(y, 1), beta, atol=1e-5)
            self.assertAllClose(tf.math.reduce_std(y, 1), tf.abs(gamma), atol=1e-4)

    def test_concat_linear_depends_on_source_and_on_target_code(self):
        layer = self.built("concat_linear", seed=12)
        base = layer([self.x, self.source, self.target])
        other_source = layer([self.x, one_hot([1, 0]), self.target])
        other_target = layer([self.x, self.source, one_hot([0, 2])])
        for changed in (other_source, other_target):
            self.assertGreater(float(tf.reduce_min(tf.reduce_max(tf.abs(changed - base),
                                                                 [1, 2]))), 1e-3)

    def test_pair_table_is_a_free_table_over_code_pairs(self):
        layer = self.built("pair_table", seed=13)
        table = layer.gamma_table.numpy()
        sources, targets = np.meshgrid(np.arange(3), np.arange(3), indexing="ij")
        sources, targets = sources.ravel(), targets.ravel()
        gamma, beta = layer.modulation(one_hot(sources), one_hot(targets))
        self.assertAllClose(gamma, table[sources, targets])
        self.assertAllClose(beta, layer.beta_table.numpy()[sources, targets])
        # Editing the (0, 2) entry leaves (0, 1) untouched.
        edited = table.copy()
        edited[0, 2] += 5.0
        layer.gamma_table.assign(edited)
        pair_01, pair_02 = (layer.modulation(one_hot([0]), one_hot([j]))[0] for j in (1, 2))
        self.assertAllClose(pair_01[0], table[0, 1])
        self.assertAllClose(pair_02[0], table[0, 2] + 5.0)

    def test_target_only_conditioning_with_zero_source_code(self):
        layer = self.built("concat_linear", seed=14)
        gamma, _ = layer.modulation(tf.zeros([2, 3]), self.target)
        expected = self.target @ layer.gamma_kernel[3:] + layer.gamma_bias
        self.assertAllClose(gamma, expected)


class PixelShuffleTest(tf.test.TestCase):
    def test_1d_shape_and_index_formula(self):
        r, channels = 3, 6
        x = normal([2, 4, channels], 15)
        y = PixelShuffle1D(r)(x).numpy()
        self.assertEqual(y.shape, (2, 4 * r, channels // r))
        for t in range(4):
            for i in range(r):
                for k in range(channels // r):
                    self.assertEqual(y[1, r * t + i, k], x.numpy()[1, t, i * (channels // r) + k])

    def test_1d_has_no_weights_and_permutes_values(self):
        layer = PixelShuffle1D(2)
        x = normal([2, 5, 4], 16)
        y = layer(x)
        self.assertEmpty(layer.weights)
        self.assertAllEqual(np.sort(y.numpy().ravel()), np.sort(x.numpy().ravel()))

    def test_1d_inverse_restores_exactly_with_dynamic_time(self):
        shuffle = tf.function(lambda x: pixel_shuffle_1d(x, 2),
                              input_signature=[tf.TensorSpec([None, None, 4])])
        unshuffle = tf.function(lambda x: pixel_unshuffle_1d(x, 2),
                                input_signature=[tf.TensorSpec([None, None, 2])])
        for length in (3, 7):
            x = normal([2, length, 4], length)
            self.assertAllEqual(unshuffle(shuffle(x)), x)
        inputs = keras.Input((None, 4))
        model = keras.Model(inputs, PixelShuffle1D(2)(inputs))
        self.assertEqual(tuple(model.output.shape), (None, None, 2))
        self.assertEqual(model(normal([1, 5, 4], 17)).shape, (1, 10, 2))

    def test_2d_equals_depth_to_space_and_space_to_depth_inverts_it(self):
        x = normal([2, 3, 5, 8], 18)
        layer = PixelShuffle2D(2)
        y = layer(x)
        self.assertEmpty(layer.weights)
        self.assertAllEqual(y, tf.nn.depth_to_space(x, 2))
        self.assertAllEqual(tf.nn.space_to_depth(y, 2), x)


class BridgeTest(tf.test.TestCase):
    def test_flatten_then_unflatten_is_identity(self):
        x = normal([2, 3, 5, 4], 19)
        flat = Flatten2DTo1D()(x)
        self.assertEqual(flat.shape, (2, 5, 12))
        self.assertAllEqual(Unflatten1DTo2D(height=3, channels=4)(flat), x)

    def test_2d_1d_2d_bridge_with_identity_1x1_conv_is_identity(self):
        inputs = keras.Input((3, None, 4))
        conv = keras.layers.Conv1D(12, 1, use_bias=False)
        outputs = Unflatten1DTo2D(3, 4)(conv(Flatten2DTo1D()(inputs)))
        model = keras.Model(inputs, outputs)
        conv.set_weights([np.eye(12, dtype=np.float32)[None]])
        x = normal([2, 3, 7, 4], 20)
        self.assertAllClose(model(x), x)

    def test_flatten_keeps_each_time_step_local(self):
        x = normal([2, 3, 6, 4], 21).numpy()
        flat = Flatten2DTo1D()(x).numpy()
        for w in range(6):
            self.assertAllEqual(flat[:, w], x[:, :, w, :].reshape(2, 12))
        bumped = x.copy()
        bumped[:, :, 2, :] += 1.0
        changed = np.any(Flatten2DTo1D()(bumped).numpy() != flat, axis=(0, 2))
        self.assertAllEqual(changed, [False, False, True, False, False, False])


class SerialisationTest(tf.test.TestCase):
    def layers(self):
        return [GatedLinearUnit(axis=1), InstanceNormalization(epsilon=1e-6, center=False),
                ConditionalInstanceNormalization(3, mode="pair_table", epsilon=1e-6),
                PixelShuffle1D(3), PixelShuffle2D(2), Flatten2DTo1D(),
                Unflatten1DTo2D(height=2, channels=5)]

    def test_get_config_round_trips(self):
        for layer in self.layers():
            clone = type(layer).from_config(layer.get_config())
            self.assertEqual(clone.get_config(), layer.get_config())
            restored = keras.layers.deserialize(keras.layers.serialize(layer))
            self.assertIsInstance(restored, type(layer))

    def test_saved_functional_model_reloads_with_identical_outputs(self):
        keras.utils.set_random_seed(0)
        spectrogram = keras.Input((4, None, 2))
        source, target = keras.Input((3,)), keras.Input((3,))
        h = Flatten2DTo1D()(spectrogram)  # [B, W, 8]
        h = GatedLinearUnit()(keras.layers.Conv1D(16, 3, padding="same")(h))
        h = InstanceNormalization()(h)
        h = ConditionalInstanceNormalization(3)([h, source, target])
        h = ConditionalInstanceNormalization(3, mode="pair_table")([h, source, target])
        h = PixelShuffle1D(2)(h)  # [B, 2W, 4]
        h = keras.layers.Conv1D(8, 2, strides=2)(h)  # [B, W, 8]
        h = Unflatten1DTo2D(4, 2)(h)
        outputs = PixelShuffle2D(2)(keras.layers.Conv2D(8, 1)(h))
        model = keras.Model([spectrogram, source, target], outputs)
        for seed, layer in enumerate(model.layers):
            randomise_weights(layer, 100 + seed)
        inputs = [normal([2, 4, 6, 2], 22), one_hot([0, 2]), one_hot([1, 0])]
        self.assertEqual(model(inputs).shape, (2, 8, 12, 2))
        path = os.path.join(self.get_temp_dir(), "speech_layers.keras")
        model.save(path)
        restored = keras.models.load_model(path)
        self.assertAllEqual(restored(inputs), model(inputs))


class ClearErrorsTest(tf.test.TestCase):
    def test_bad_arguments_are_named(self):
        with self.assertRaisesRegex(ValueError, "axis=-1 must have an even size"):
            GatedLinearUnit()(tf.zeros([1, 3, 5]))
        with self.assertRaisesRegex(ValueError, "mode must be one of .*concat_linear"):
            ConditionalInstanceNormalization(3, mode="adain")
        with self.assertRaisesRegex(ValueError, "source_code must be .*num_domains = 3"):
            ConditionalInstanceNormalization(3)([tf.zeros([1, 4, 2]), tf.zeros([1, 4]),
                                                 tf.zeros([1, 3])])
        with self.assertRaisesRegex(ValueError, "divisible by factor = 2"):
            PixelShuffle1D(2)(tf.zeros([1, 4, 5]))
        with self.assertRaisesRegex(ValueError, "divisible by factor = 4"):
            pixel_shuffle_1d(tf.zeros([1, 4, 6]), 4)
        with self.assertRaisesRegex(ValueError, "height\\*channels"):
            Unflatten1DTo2D(height=3, channels=4)(tf.zeros([1, 5, 10]))
