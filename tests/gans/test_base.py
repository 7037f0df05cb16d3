"""AdversarialModel: the training step's contract."""

import json
import os
import subprocess
import sys
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite import ops
from tfgan_suite.gans import AdversarialModel
from tfgan_suite.networks import MLPDiscriminator, MLPGenerator


def toy_model(n_critic=1, ema_decay=None, objective="non_saturating", penalties=None,
              learning_rate=1e-3, seed=0):
    keras.utils.set_random_seed(seed)
    model = AdversarialModel(MLPGenerator(latent_dim=4, hidden_units=[16], norm="none"),
                             MLPDiscriminator(hidden_units=[16], pieces=1),
                             n_critic=n_critic, ema_decay=ema_decay, seed=seed)
    model.compile(d_optimizer=keras.optimizers.Adam(learning_rate),
                  g_optimizer=keras.optimizers.Adam(learning_rate), objective=objective,
                  penalties=penalties)
    return model


def toy_data(steps=4, batch=8):
    points = np.random.default_rng(0).normal(size=(steps * batch, 2)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(points).batch(batch)


class StatelessDrawTest(tf.test.TestCase):
    """``_draw``'s contract on one device (each replica's share of the global draw is covered
    by the 2-replica equivalence tests, which need a subprocess)."""

    def test_a_known_batch_stays_static_and_both_batch_forms_draw_the_same_rows(self):
        model = toy_model(seed=3)
        step = tf.constant(7, tf.int64)

        @tf.function(jit_compile=True)
        def draws():
            known = model._draw(ops.stateless_normal, 8, [5, 2], step, 4)
            self.assertEqual(known.shape.as_list(), [8, 5, 2])  # static in the graph
            from_tensor = model._draw(ops.stateless_normal, tf.shape(known)[0], [5, 2], step, 4)
            return known, from_tensor

        known, from_tensor = draws()
        self.assertAllEqual(known, from_tensor)
        # The same numbers as the eager draw, up to XLA's own log / cos round-off.
        self.assertAllClose(known, ops.stateless_normal([8, 5, 2], model._stream_seed(step, 4)),
                            rtol=1e-5, atol=1e-6)


class TrainStepTest(tf.test.TestCase):
    def test_step_updates_both_networks_and_logs_stable_names(self):
        model = toy_model(penalties={"r1": {"weight": 1.0}})
        d_before = model.discriminator.get_weights()
        g_before = model.generator.get_weights()
        history = model.fit(toy_data(), epochs=1, verbose=0)
        self.assertEqual(set(history.history), {"d_loss", "g_loss", "r1"})
        self.assertFalse(np.allclose(d_before[0], model.discriminator.get_weights()[0]))
        self.assertFalse(np.allclose(g_before[0], model.generator.get_weights()[0]))
        self.assertEqual(int(model.step_counter.numpy()), 4)

    def test_n_critic_discriminator_updates_per_generator_update(self):
        model = toy_model(n_critic=3)
        model.fit(toy_data(steps=2), epochs=1, verbose=0)
        self.assertEqual(int(model.d_optimizer.iterations.numpy()), 6)
        self.assertEqual(int(model.g_optimizer.iterations.numpy()), 2)

    def test_clip_penalty_bounds_every_discriminator_weight(self):
        model = toy_model(objective="wasserstein", penalties={"clip": {"clip_value": 0.01}},
                          learning_rate=0.1)
        model.fit(toy_data(steps=2), epochs=1, verbose=0)
        for weight in model.discriminator.get_weights():
            self.assertLessEqual(float(np.max(np.abs(weight))), 0.01 + 1e-7)

    def test_lazy_penalty_is_applied_every_interval_updates(self):
        model = toy_model(penalties={"r1": {"weight": 1.0, "interval": 2}})
        values = []
        for batch in toy_data(steps=4):
            values.append(float(model.train_on_batch(batch, return_dict=True)["r1"]))
            model.reset_metrics()
        self.assertGreater(values[0], 0.0)
        self.assertEqual(values[1], 0.0)
        self.assertGreater(values[2], 0.0)
        self.assertEqual(values[3], 0.0)

    def test_training_is_deterministic_given_seed(self):
        weights = []
        for _ in range(2):
            model = toy_model(penalties={"gp": {}}, objective="wasserstein")
            model.fit(toy_data(), epochs=1, verbose=0)
            weights.append(model.generator.get_weights())
        for a, b in zip(*weights, strict=True):
            self.assertAllEqual(a, b)


class EmaAndSamplingTest(tf.test.TestCase):
    def test_ema_follows_decay_formula_and_sampling_uses_it(self):
        model = toy_model(ema_decay=0.5)
        ema_before = [w.copy() for w in model.ema_generator.get_weights()]
        model.fit(toy_data(steps=1), epochs=1, verbose=0)
        # step 0: decay = min(0.5, (1 + 0) / (10 + 0)) = 0.1
        for ema, before, now in zip(model.ema_generator.get_weights(), ema_before,
                                    model.generator.get_weights(), strict=True):
            self.assertAllClose(ema, 0.1 * before + 0.9 * now, atol=1e-6)
        self.assertIs(model.sampling_generator, model.ema_generator)
        z = model.latent(5, seed=3)
        self.assertAllClose(model.sample(5, seed=3), model.ema_generator(z), atol=1e-6)

    def test_sample_is_deterministic_in_seed(self):
        model = toy_model()
        self.assertAllEqual(model.sample(10, seed=1), model.sample(10, seed=1))
        self.assertNotAllClose(model.sample(10, seed=1), model.sample(10, seed=2))
        self.assertEqual(model.sample(300, seed=0, batch_size=128).shape, (300, 2))

    def test_sample_rejects_labels_and_bad_counts(self):
        model = toy_model()
        with self.assertRaisesRegex(ValueError, "labels"):
            model.sample(4, labels=np.zeros(4))
        with self.assertRaisesRegex(ValueError, "n: must be a positive integer"):
            model.sample(0)


class SerializationTest(tf.test.TestCase):
    def test_config_round_trip(self):
        model = toy_model(n_critic=2, ema_decay=0.9)
        clone = AdversarialModel.from_config(model.get_config())
        self.assertEqual(clone.n_critic, 2)
        self.assertEqual(clone.ema_decay, 0.9)
        self.assertEqual(clone.generator.get_config(), model.generator.get_config())

    def test_keras_file_round_trip_restores_weights_optimizers_and_compile(self):
        model = toy_model(ema_decay=0.9, objective="hinge", penalties={"r1": {"weight": 2.0}})
        model.fit(toy_data(), epochs=1, verbose=0)
        path = os.path.join(tempfile.mkdtemp(), "gan.keras")
        model.save(path)
        restored = keras.models.load_model(path)
        self.assertIsInstance(restored, AdversarialModel)
        self.assertEqual(restored.objective.name, "hinge")
        self.assertEqual(restored.penalties[0].weight, 2.0)
        self.assertAllClose(restored.sample(8, seed=4), model.sample(8, seed=4), atol=1e-6)
        self.assertEqual(int(restored.step_counter.numpy()), 4)
        self.assertEqual(int(restored.d_optimizer.iterations.numpy()), 4)
        for a, b in zip(restored.d_optimizer.variables, model.d_optimizer.variables,
                        strict=True):
            self.assertAllClose(a, b)


class KerasFileResumeTest(tf.test.TestCase):
    def test_reloaded_gan_resumes_training_identically(self):
        model = toy_model(ema_decay=0.9, penalties={"gp": {}}, objective="wasserstein")
        model.fit(toy_data(steps=2), epochs=1, verbose=0)
        path = os.path.join(tempfile.mkdtemp(), "gan.keras")
        model.save(path)
        restored = keras.models.load_model(path)
        more = toy_data(steps=3)
        model.fit(more, epochs=1, verbose=0)
        restored.fit(more, epochs=1, verbose=0)
        for net in ("generator", "discriminator", "ema_generator"):
            for a, b in zip(getattr(model, net).get_weights(),
                            getattr(restored, net).get_weights(), strict=True):
                self.assertAllClose(a, b, atol=1e-6, msg=net)
        self.assertEqual(int(restored.step_counter.numpy()), 5)


@pytest.mark.slow
class DistributionEquivalenceTest(tf.test.TestCase):
    """A 2-replica MirroredStrategy run equals the single-device run (1e-5).

    Every objective runs once, with one of three penalty sets in rotation — {gp, drift},
    {r1 with lazy interval 2, r2} and {dragan, clip} on a spectrally normalised
    discriminator — so each set meets three objectives (saturating, least-squares /
    Wasserstein and relativistic ones among them) and WGAN gets its gradient penalty; each
    case trains 2 steps (so the lazy step is both applied and skipped) with n_critic = 2.
    (Every objective × every set, 27 cases, took five minutes of ``make test`` for no
    property the rotation misses: the objectives' and the penalties' replica handling are
    independent code paths.)
    """

    def test_two_replica_steps_equal_single_device_steps(self):
        from tfgan_suite import objectives

        penalty_sets = [
            ({"gp": {"weight": 10.0}, "drift": {}}, {}),
            ({"r1": {"weight": 1.0, "interval": 2}, "r2": {"weight": 0.5}}, {}),
            ({"dragan": {"weight": 1.0}, "clip": {"clip_value": 0.5}},
             {"spectral_norm": True}),
        ]
        cases = [dict(objective=name, penalties=penalty_sets[(index + 1) % 3][0], n_critic=2,
                      **penalty_sets[(index + 1) % 3][1])
                 for index, name in enumerate(objectives.names())]
        self.assertEqual(cases[-1]["objective"], "wasserstein")
        self.assertIn("gp", cases[-1]["penalties"])
        script = os.path.join(os.path.dirname(__file__), "distributed_equivalence.py")
        result = subprocess.run([sys.executable, script, json.dumps(cases), "2"],
                                capture_output=True, text=True, timeout=900)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        outcomes = json.loads(result.stdout.strip().splitlines()[-1])
        for case, outcome in zip(cases, outcomes, strict=True):
            self.assertEqual(outcome["replicas"], 2)
            self.assertEqual(outcome["steps"], 2)
            self.assertGreater(outcome["moved"], 1e-3, case)  # the step really trained
            # Summed per-replica gradients differ from the one-batch ones by float32
            # round-off, and Adam's g/√v magnifies that where a gradient is near zero: with
            # weights moved by ≈ 1 a difference up to ≈ 1e-5 of the move has been seen
            # (ralsgan + DRAGAN + clip + SN: 1.2e-5 once in many runs). A real replica bug
            # gives differences of the order of the move itself.
            self.assertLess(outcome["max_diff"], 3e-5 * max(1.0, outcome["moved"]),
                            (case, outcome))


class FusedDiscriminatorPassTest(tf.test.TestCase):
    def test_fused_pass_equals_separate_passes_for_wgan_gp_and_r1(self):
        for penalties in ({"gp": {"weight": 10.0}}, {"r1": {"weight": 1.0}}):
            self._check_fused_equals_separate(penalties)

    def _check_fused_equals_separate(self, penalties):
        results = []
        for fused in (False, True):
            keras.utils.set_random_seed(0)
            model = AdversarialModel(MLPGenerator(latent_dim=4, hidden_units=[16], norm="none"),
                                     MLPDiscriminator(hidden_units=[16], pieces=1), n_critic=2)
            model.compile(d_optimizer=keras.optimizers.SGD(0.05),
                          g_optimizer=keras.optimizers.SGD(0.05), objective="wasserstein",
                          penalties=penalties, fuse_discriminator_passes=fused)
            logs = model.fit(toy_data(steps=2), epochs=1, verbose=0).history
            results.append((logs, model.discriminator.get_weights()))
        self.assertAllClose(results[0][0]["d_loss"], results[1][0]["d_loss"], rtol=1e-5)
        for a, b in zip(results[0][1], results[1][1], strict=True):
            self.assertAllClose(a, b, atol=1e-5)
