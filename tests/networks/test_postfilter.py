"""GAN-PF networks (networks/postfilter.py, speech.md §4–5): the untrained postfilter is the
identity, the first ``offset`` coefficients are never touched, any T works, z matters once
the residual conv is non-zero, the discriminator's patch map and named hidden layers, a D
that learns a separable toy, config round trips and one-line option errors."""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import networks
from tfgan_suite.networks import postfilter
from tfgan_suite.objectives import least_squares_d_loss

TINY = {"channels": 4}
BANDED = {"dims": 25, "bands": 4, "overlap": 2}  # c1..c24 in bands (0,8) (5,13) (11,19) (16,24)


def features(batch=2, frames=7, dims=25, seed=0, shift=0.0):
    values = np.random.default_rng(seed).normal(size=(batch, frames, dims)) + shift
    return tf.constant(values, tf.float32)


def generator(**options):
    return networks.build_generator({"name": "ganpf", **TINY, **options})


def discriminator(**options):
    return networks.build_discriminator({"name": "ganpf", **TINY, "frames": 16, **options})


def residual_convs(net):
    return [layer for layer in net.layers if layer.name.endswith("_residual")]


def randomise_residuals(net, seed=0):
    rng = np.random.default_rng(seed)
    for layer in residual_convs(net):
        for weight in layer.weights:
            weight.assign(rng.normal(size=weight.shape).astype(np.float32))


class PostfilterGeneratorTest(tf.test.TestCase):
    def test_untrained_postfilter_is_the_identity_for_any_x_and_z(self):
        for options in ({}, BANDED, {"norm": "instance"}, {**BANDED, "norm": "batch"},
                        {**BANDED, "offset": 0}):
            net = generator(**options)
            for seed in range(2):
                x = features(seed=seed, shift=3.0 * seed)
                z = features(seed=seed + 10)
                self.assertAllEqual(net([x, z]), x, msg=str(options))

    def test_the_first_offset_coefficients_are_copied_bit_for_bit(self):
        for offset, options in ((1, {}), (2, {}), (1, BANDED)):
            net = generator(offset=offset, **options)
            randomise_residuals(net)
            x, z = features(), features(seed=1)
            y = net([x, z])
            self.assertAllEqual(y[..., :offset], x[..., :offset])
            self.assertGreater(float(tf.reduce_max(tf.abs(y[..., offset:] - x[..., offset:]))),
                               1e-3, offset)

    def test_output_shape_equals_input_shape_for_any_length(self):
        for options in ({}, BANDED):
            net = generator(**options)
            self.assertEqual(tuple(net.inputs[0].shape), (None, None, 25))
            self.assertEqual([tensor.name for tensor in net.inputs], ["features", "noise"])
            randomise_residuals(net)
            for frames in (1, 7, 64):
                x = features(frames=frames)
                self.assertEqual(net([x, features(frames=frames, seed=1)]).shape, x.shape)

    def test_noise_changes_the_output_once_the_residual_is_non_zero(self):
        for options in ({}, BANDED):
            net = generator(**options)
            randomise_residuals(net)
            x, z = features(), features(seed=1)
            self.assertAllEqual(net([x, z]), net([x, z]))
            other = net([x, features(seed=2)])
            self.assertGreater(float(tf.reduce_max(tf.abs(net([x, z]) - other))), 1e-4)

    def test_every_band_has_its_own_weights_and_named_hidden_layers(self):
        net = generator(**BANDED)
        convs = [layer for layer in net.layers if isinstance(layer, keras.layers.Conv2D)]
        self.assertLen(convs, 4 * 4)
        for band in range(4):
            for index in range(1, 4):
                hidden = net.get_layer(f"band{band}_h{index}")
                self.assertEqual(hidden.output.shape[1:], (None, 8, 4 * (2 if index == 2
                                                                          else 1)))
        # the residual conv of each band starts at zero, kernel and bias
        for layer in residual_convs(net):
            self.assertAllEqual(layer.kernel, tf.zeros_like(layer.kernel))
            self.assertAllEqual(layer.bias, tf.zeros_like(layer.bias))

    def test_parameter_counts_at_the_defaults(self):
        def count(channels, kernel=5):  # conv1 on [x, z], conv2..4 on [x, h]
            k2 = kernel * kernel
            return (k2 * 2 * channels + channels) + (k2 * (channels + 1) * 2 * channels
                                                     + 2 * channels) \
                + (k2 * (2 * channels + 1) * channels + channels) + (k2 * (channels + 1) + 1)
        cpu = networks.build_generator({"name": "ganpf"})
        self.assertEqual(cpu.count_params(), count(32))
        self.assertEqual(cpu.count_params(), 107_354)  # the module docstring's table
        self.assertEqual(networks.build_generator({"name": "ganpf", "size": "paper"})
                         .count_params(), 1_658_138)
        stft = networks.build_generator({"name": "ganpf", "dims": 257, "bands": 4})
        self.assertEqual(stft.count_params(), 4 * count(32))


class PostfilterDiscriminatorTest(tf.test.TestCase):
    def test_logit_map_has_a_column_per_coefficient_and_an_eighth_of_the_frames(self):
        net = discriminator(dims=9)
        self.assertEqual(net(features(frames=16, dims=9)).shape, (2, 2, 8, 1))  # c1..c8
        banded = discriminator(**BANDED)
        self.assertEqual(banded(features(frames=16)).shape, (2, 2, 4 * 8, 1))
        any_length = discriminator(dims=9, frames=None)
        self.assertEqual(any_length(features(frames=20, dims=9)).shape, (2, 3, 8, 1))

    def test_the_first_offset_coefficients_are_not_judged(self):
        for offset in (1, 2):
            net = discriminator(dims=9, offset=offset)
            x = features(frames=16, dims=9).numpy()
            logits = net(x)
            x[..., :offset] += 5.0
            self.assertAllEqual(net(x), logits)

    def test_named_hidden_layers_are_readable_for_feature_matching(self):
        net = discriminator(**BANDED)
        names = net.feature_layers()
        self.assertEqual(names, [f"band{b}_h{i}" for b in range(4) for i in range(1, 5)])
        extractor = keras.Model(net.inputs, [net.output, net.get_layer(names[5]).output])
        logits, hidden = extractor(features(frames=16))
        self.assertAllClose(logits, net(features(frames=16)))
        self.assertEqual(hidden.shape, (2, 8, 8, 8))  # band 1, h2: T/2, W, 2C
        self.assertLen(discriminator(dims=9).feature_layers(), 4)

    def test_least_squares_loss_decreases_on_a_separable_toy(self):
        net = discriminator(dims=9)
        real, fake = tf.ones((8, 16, 9)), tf.zeros((8, 16, 9))
        optimizer = keras.optimizers.Adam(1e-2)

        def loss():
            return least_squares_d_loss(net(real), net(fake))

        first = float(loss())
        for _ in range(30):
            with tf.GradientTape() as tape:
                value = loss()
            gradients = tape.gradient(value, net.trainable_variables)
            optimizer.apply_gradients(zip(gradients, net.trainable_variables, strict=True))
        self.assertLess(float(loss()), 0.5 * first)

    def test_parameter_counts_at_the_defaults(self):
        def count(channels, kernel=15):  # kernel = 5 × 3; widths C, 2C, 4C, 2C, 1
            widths = [1, channels, 2 * channels, 4 * channels, 2 * channels, 1]
            return sum(kernel * a * b + b for a, b in zip(widths, widths[1:], strict=False))
        self.assertEqual(networks.build_discriminator({"name": "ganpf"}).count_params(),
                         count(16))
        self.assertEqual(networks.build_discriminator({"name": "ganpf", "size": "paper"})
                         .count_params(), 1_109_377)
        self.assertEqual(networks.build_discriminator(
            {"name": "ganpf", "dims": 257, "bands": 4}).count_params(), 4 * count(16))


class OptionsTest(tf.test.TestCase):
    def test_from_config_of_get_config_gives_the_same_outputs_with_copied_weights(self):
        for options in ({}, BANDED):
            net = generator(norm="instance", **options)
            randomise_residuals(net)
            clone = type(net).from_config(net.get_config())
            clone.set_weights(net.get_weights())
            x = [features(), features(seed=1)]
            self.assertAllEqual(clone(x), net(x))
            critic = discriminator(**options)
            clone = type(critic).from_config(critic.get_config())
            clone.set_weights(critic.get_weights())
            self.assertAllEqual(clone(features(frames=16)), critic(features(frames=16)))
            self.assertEqual(clone.feature_layers(), critic.feature_layers())

    def test_banded_networks_round_trip_through_a_keras_file(self):
        folder = tempfile.mkdtemp()
        for net, x in ((generator(**BANDED), [features(), features(seed=1)]),
                       (discriminator(**BANDED), features(frames=16))):
            randomise_residuals(net)
            path = os.path.join(folder, f"{net.name}_{type(net).__name__}.keras")
            net.save(path)
            restored = keras.models.load_model(path)
            self.assertIsInstance(restored, type(net))
            self.assertAllEqual(restored(x), net(x))

    def test_registered_names_and_classes(self):
        self.assertIs(networks.GENERATORS.get("ganpf"), postfilter.PostfilterGenerator)
        self.assertIs(networks.DISCRIMINATORS.get("ganpf"), postfilter.PostfilterDiscriminator)

    def test_bad_options_are_refused_in_one_line(self):
        cases = [
            (generator, {"bands": 4, "overlap": 16},
             r"^generator\.bands: 4 bands of width 18 over 24 bins .* three bands"),
            (generator, {"bands": 0}, r"^generator\.bands: must be a positive integer"),
            (generator, {"bands": 2, "overlap": 30},
             r"^generator\.overlap: 30 is too wide for 2 bands over 24 bins"),
            (generator, {"overlap": -1},
             r"^generator\.overlap: must be a non-negative integer, got -1"),
            (generator, {"offset": 25}, r"^generator\.offset: must be an integer in "
                                        r"\[0, dims\) = \[0, 25\), got 25"),
            (generator, {"norm": "layer"},
             r"^generator\.norm: unknown value 'layer'; accepted: none, batch, instance"),
            (generator, {"size": "big"}, r"^generator\.size: unknown value 'big'"),
            (generator, {"kernel": 0}, r"^generator\.kernel: must be a positive integer"),
            (discriminator, {"dims": 9, "bands": 3, "overlap": 2},
             r"^discriminator\.bands: 3 bands .* three bands"),
            (discriminator, {"frames": 0},
             r"^discriminator\.frames: must be a positive integer, got 0"),
            (discriminator, {"offset": -1}, r"^discriminator\.offset: must be an integer"),
        ]
        for build, options, message in cases:
            with self.assertRaisesRegex(ValueError, message):
                build(**options)
            try:
                build(**options)
            except ValueError as error:
                self.assertNotIn("\n", str(error))
