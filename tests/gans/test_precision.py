"""Mixed precision and XLA on the adversarial step."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.gans import AdversarialModel
from tfgan_suite.networks import MLPDiscriminator, MLPGenerator
from tfgan_suite.runs import precision_policy


def build(penalties=None, objective="non_saturating", d_optimizer=None, g_optimizer=None,
          jit_compile=False):
    keras.utils.set_random_seed(0)
    model = AdversarialModel(MLPGenerator(latent_dim=4, hidden_units=[16], norm="none"),
                             MLPDiscriminator(hidden_units=[16], pieces=1), seed=0)
    model.compile(d_optimizer=d_optimizer or keras.optimizers.Adam(1e-3),
                  g_optimizer=g_optimizer or keras.optimizers.Adam(1e-3),
                  objective=objective, penalties=penalties, jit_compile=jit_compile)
    return model


def batches(steps=2, batch=8):
    points = np.random.default_rng(0).normal(size=(steps * batch, 2)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(points).batch(batch)


class MixedPrecisionTest(tf.test.TestCase):
    def test_float16_wraps_both_optimizers_and_keeps_outputs_float32(self):
        with precision_policy("mixed_float16"):
            model = build(penalties={"r1": {"weight": 1.0}})
            history = model.fit(batches(), epochs=1, verbose=0).history
        self.assertIsInstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
        self.assertIsInstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
        self.assertTrue(all(np.isfinite(v[-1]) for v in history.values()))
        self.assertEqual(model.generator.layers[1].compute_dtype, "float16")
        self.assertEqual(model.sample(3).dtype, np.float32)
        self.assertEqual(model.generator(np.zeros((1, 4))).dtype, "float32")
        self.assertEqual(model.discriminator(np.zeros((1, 2))).dtype, "float32")
        for weight in model.generator.trainable_weights:
            self.assertEqual(weight.dtype, "float32")

    def test_overflowing_discriminator_step_skips_both_updates(self):
        with precision_policy("mixed_float16"):
            d_opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(1e-3),
                                                        initial_scale=2.0**40)
            g_opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(1e-3),
                                                        initial_scale=2.0**4)
            model = build(d_optimizer=d_opt, g_optimizer=g_opt)
            d_before = model.discriminator.get_weights()
            g_before = model.generator.get_weights()
            model.fit(batches(steps=1), epochs=1, verbose=0)
        for before, after in zip(d_before, model.discriminator.get_weights(), strict=True):
            self.assertAllEqual(before, after)
        for before, after in zip(g_before, model.generator.get_weights(), strict=True):
            self.assertAllEqual(before, after)
        self.assertLess(float(d_opt.dynamic_scale), 2.0**40)
        self.assertLess(float(g_opt.dynamic_scale), 2.0**4)

    def test_bfloat16_trains_without_loss_scaling(self):
        with precision_policy("mixed_bfloat16"):
            model = build(penalties={"gp": {"weight": 1.0}}, objective="wasserstein")
            history = model.fit(batches(), epochs=1, verbose=0).history
        self.assertNotIsInstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
        self.assertTrue(all(np.isfinite(v[-1]) for v in history.values()))
        self.assertEqual(model.sample(2).dtype, np.float32)


class XlaTest(tf.test.TestCase):
    def test_xla_step_matches_graph_step_for_gp_and_r1(self):
        for objective, penalties in (("wasserstein", {"gp": {"weight": 10.0}}),
                                     ("non_saturating", {"r1": {"weight": 1.0, "interval": 2}})):
            results = []
            for jit in (False, True):
                # SGD: Adam's normalisation would turn float round-off in near-zero
                # gradients into full-size differences between the two compilers.
                model = build(penalties=penalties, objective=objective, jit_compile=jit,
                              d_optimizer=keras.optimizers.SGD(0.05),
                              g_optimizer=keras.optimizers.SGD(0.05))
                history = model.fit(batches(steps=3), epochs=1, verbose=0).history
                self.assertTrue(all(np.isfinite(v[-1]) for v in history.values()))
                results.append(model.discriminator.get_weights())
            for graph, xla in zip(*results, strict=True):
                self.assertAllClose(graph, xla, atol=1e-5, msg=objective)
