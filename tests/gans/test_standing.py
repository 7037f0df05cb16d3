"""Standing BatchNorm statistics (gans/standing.py) and the EMA generator that uses them."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import ops
from tfgan_suite.gans import AdversarialModel, standing
from tfgan_suite.networks import MLPDiscriminator, MLPGenerator


def batchnorm_after_identity(units=3):
    inputs = keras.Input((units,))
    outputs = keras.layers.BatchNormalization(momentum=0.99, name="bn")(inputs)
    return keras.Model(inputs, outputs)


def toy_model(ema_statistics, seed=0):
    keras.utils.set_random_seed(seed)
    model = AdversarialModel(MLPGenerator(latent_dim=4, hidden_units=[16], norm="batch"),
                             MLPDiscriminator(hidden_units=[16], pieces=1), ema_decay=0.9,
                             ema_statistics=ema_statistics, standing_batches=4,
                             standing_batch_size=32, seed=seed)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2),
                  g_optimizer=keras.optimizers.Adam(1e-2))
    return model


def toy_data(steps=6, batch=16):
    points = np.random.default_rng(0).normal(2.0, 3.0, size=(steps * batch, 2))
    return tf.data.Dataset.from_tensor_slices(points.astype(np.float32)).batch(batch)


def moving_statistics(network):
    return [(layer.moving_mean.numpy().copy(), layer.moving_variance.numpy().copy())
            for layer in standing.batchnorm_layers(network)]


class RecomputeTest(tf.test.TestCase):

    def test_statistics_are_the_plain_average_of_the_batch_statistics(self):
        network = batchnorm_after_identity()
        rng = np.random.default_rng(0)
        batches = [rng.normal(loc, scale, size=(50, 3)).astype(np.float32)
                   for loc, scale in ((0.0, 1.0), (5.0, 2.0), (-3.0, 0.5))]
        used = standing.recompute_batchnorm_statistics(network, batches)
        self.assertEqual(used, 3)
        layer = network.get_layer("bn")
        self.assertAllClose(layer.moving_mean, np.mean([b.mean(0) for b in batches], 0),
                            atol=1e-5)
        self.assertAllClose(layer.moving_variance, np.mean([b.var(0) for b in batches], 0),
                            rtol=1e-4)

    def test_momentum_and_trainable_flags_are_restored(self):
        network = batchnorm_after_identity()
        network.trainable = False
        standing.recompute_batchnorm_statistics(network, [np.ones((4, 3), np.float32)])
        layer = network.get_layer("bn")
        self.assertEqual(layer.momentum, 0.99)
        self.assertFalse(layer.trainable)
        self.assertEmpty(network.trainable_weights)

    def test_a_network_without_batchnorm_is_not_run(self):
        inputs = keras.Input((2,))
        network = keras.Model(inputs, keras.layers.Dense(2)(inputs))
        calls = []
        self.assertEqual(standing.recompute_batchnorm_statistics(
            network, (calls.append(1) or np.ones((1, 2)) for _ in range(3))), 0)
        self.assertEmpty(calls)


class EMAGeneratorTest(tf.test.TestCase):

    def test_copy_mode_copies_the_trained_generators_statistics(self):
        model = toy_model("copy")
        model.fit(toy_data(), epochs=1, verbose=0)
        for (ema_mean, ema_var), (mean, var) in zip(moving_statistics(model.ema_generator),
                                                    moving_statistics(model.generator),
                                                    strict=True):
            self.assertAllEqual(ema_mean, mean)
            self.assertAllEqual(ema_var, var)

    def test_standing_mode_recomputes_from_the_averaged_weights_before_sampling(self):
        model = toy_model("standing")
        model.fit(toy_data(), epochs=1, verbose=0)
        untouched = moving_statistics(model.ema_generator)
        # Not copied during training: still the initial statistics.
        for mean, var in untouched:
            self.assertAllEqual(mean, np.zeros_like(mean))
            self.assertAllEqual(var, np.ones_like(var))
        first = model.sample(8, seed=1)
        refreshed = moving_statistics(model.ema_generator)
        self.assertNotAllClose(refreshed[0][0], untouched[0][0])
        # Deterministic in the weights: a forced recomputation gives the same statistics,
        # and the same step does not recompute.
        self.assertFalse(model.refresh_standing_statistics())
        self.assertTrue(model.refresh_standing_statistics(force=True))
        for (a_mean, a_var), (b_mean, b_var) in zip(refreshed,
                                                    moving_statistics(model.ema_generator),
                                                    strict=True):
            self.assertAllClose(a_mean, b_mean, atol=1e-6)
            self.assertAllClose(a_var, b_var, rtol=1e-5)
        self.assertAllClose(first, model.sample(8, seed=1), atol=1e-5)

    def test_standing_statistics_equal_a_manual_recomputation(self):
        model = toy_model("standing")
        model.fit(toy_data(), epochs=1, verbose=0)
        model.refresh_standing_statistics()
        clone = model.ema_generator.__class__.from_config(model.ema_generator.get_config())
        clone.set_weights(model.ema_generator.get_weights())
        latents = []
        for index in range(model.standing_batches):
            latents.append(ops.stateless_normal(
                [32, 4], tf.constant([0, 0x57 + index * 1024], tf.int64)))
        standing.recompute_batchnorm_statistics(clone, latents)
        for (a_mean, a_var), (b_mean, b_var) in zip(moving_statistics(model.ema_generator),
                                                    moving_statistics(clone), strict=True):
            self.assertAllClose(a_mean, b_mean, atol=1e-6)
            self.assertAllClose(a_var, b_var, rtol=1e-5)

    def test_config_round_trip_keeps_the_mode(self):
        model = toy_model("standing")
        config = model.get_config()
        self.assertEqual(config["ema_statistics"], "standing")
        self.assertEqual(AdversarialModel.from_config(config).standing_batches, 4)

    def test_unknown_mode_names_the_field_and_the_accepted_values(self):
        with self.assertRaisesRegex(ValueError, "train.ema_statistics.*accepted: copy, standing"):
            AdversarialModel(MLPGenerator(latent_dim=4), MLPDiscriminator(), ema_decay=0.9,
                             ema_statistics="recompute")


if __name__ == "__main__":
    tf.test.main()
