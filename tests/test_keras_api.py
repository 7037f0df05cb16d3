"""A Keras user's path: their own networks, Keras callbacks, shape checks, subclassed
networks, keras-io's loss pair, one import, and errors that speak Python — plus the named blocks
of the guide docs/guides/keras.md, executed exactly as printed."""

import csv
import glob
import json
import os
import subprocess
import sys
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_suite as tg
from tfgan_suite.arguments import cli_words

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from docs_examples import blocks, run_named  # noqa: E402

GUIDE = "docs/guides/keras.md"

LATENT = 8


def generator(latent_dim=LATENT, size=8, name="generator"):
    return keras.Sequential([
        keras.Input((latent_dim,)), keras.layers.Dense((size // 2) ** 2 * 4),
        keras.layers.Reshape((size // 2, size // 2, 4)),
        keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
    ], name=name)


def discriminator(size=8, outputs=1, name="discriminator"):
    return keras.Sequential([
        keras.Input((size, size, 1)), keras.layers.Conv2D(4, 3, strides=2, padding="same"),
        keras.layers.Flatten(), keras.layers.Dense(outputs),
    ], name=name)


def images(batches=4, batch=8, size=8, seed=0):
    x = np.random.default_rng(seed).uniform(-1, 1, (batches * batch, size, size, 1))
    return tf.data.Dataset.from_tensor_slices(x.astype(np.float32)).batch(batch)


def compiled(d_rate=1e-3, g_rate=2e-3, **compile_args):
    keras.utils.set_random_seed(0)
    gan = tg.AdversarialModel(generator(), discriminator())
    compile_args.setdefault("objective", "hinge")
    gan.compile(d_optimizer=keras.optimizers.Adam(d_rate),
                g_optimizer=keras.optimizers.Adam(g_rate), **compile_args)
    return gan


def rates(gan):
    return (float(gan.d_optimizer.learning_rate), float(gan.g_optimizer.learning_rate))


class OneImportTest(tf.test.TestCase):
    def test_the_package_exports_the_model_families_and_tools(self):
        for name in ("AdversarialModel", "gans", "networks", "objectives", "penalties",
                     "callbacks", "export", "data", "metrics", "train", "load_run"):
            self.assertIn(name, tg.__all__)
            self.assertTrue(hasattr(tg, name), name)
        self.assertIs(tg.gans.GANS.get("acgan"), tg.gans.ACGAN)
        for name in ("export_saved_model", "export_tflite", "TFLiteGenerator",
                     "TFLiteTranslator"):
            self.assertIn(name, tg.export.__all__)


class LearningRateCallbackTest(tf.test.TestCase):
    def test_keras_creates_no_dummy_optimizer_and_a_single_rate_is_refused(self):
        gan = compiled()
        self.assertEqual([o.name for o in gan.optimizer.optimizers],
                         ["discriminator", "generator"])
        self.assertIs(gan.optimizer.optimizers[0].optimizer, gan.d_optimizer)
        self.assertEqual(len(gan.optimizer.variables),
                         len(gan.d_optimizer.variables) + len(gan.g_optimizer.variables))
        with self.assertRaisesRegex(AttributeError, "holds two optimizers.*for_optimizer"):
            gan.optimizer.learning_rate  # noqa: B018
        with self.assertRaisesRegex(AttributeError, "holds two optimizers"):
            gan.optimizer.learning_rate = 0.1

    def test_scheduler_sets_both_optimizers_each_from_its_own_rate(self):
        gan = compiled(1e-3, 4e-3)
        history = gan.fit(images(), epochs=3, verbose=0, callbacks=[
            keras.callbacks.LearningRateScheduler(lambda epoch, rate: rate * 0.5)])
        self.assertAllClose(rates(gan), (1e-3 / 8, 4e-3 / 8))
        self.assertAllClose(history.history["learning_rate_generator"],
                            [2e-3, 1e-3, 5e-4])

    def test_reduce_on_plateau_reduces_both_and_the_steps_train_at_the_reduced_rate(self):
        gan = compiled(1e-3, 4e-3)
        # min_delta so large that no epoch improves on the first: a reduction after every
        # later epoch.
        gan.fit(images(), epochs=3, verbose=0, callbacks=[
            keras.callbacks.ReduceLROnPlateau(monitor="d_loss", factor=0.5, patience=0,
                                              min_delta=1e9)])
        self.assertAllClose(rates(gan), (2.5e-4, 1e-3))
        # What trains is that rate: an SGD step's size scales with it.
        sgd = tg.AdversarialModel(generator(), discriminator())
        sgd.compile(d_optimizer=keras.optimizers.SGD(1.0), g_optimizer=keras.optimizers.SGD(1.0),
                    objective="hinge")
        before = sgd.discriminator.get_weights()
        sgd.fit(images(batches=1), epochs=1, verbose=0, callbacks=[
            keras.callbacks.LearningRateScheduler(lambda epoch, rate: 0.0)])
        for a, b in zip(before, sgd.discriminator.get_weights(), strict=True):
            self.assertAllEqual(a, b)

    def test_for_optimizer_acts_on_one_optimizer_only(self):
        gan = compiled(1e-3, 4e-3)
        gan.fit(images(), epochs=2, verbose=0, callbacks=[
            tg.callbacks.for_optimizer("generator", keras.callbacks.LearningRateScheduler(
                lambda epoch, rate: rate * 0.5))])
        self.assertAllClose(rates(gan), (1e-3, 1e-3))
        with self.assertRaisesRegex(ValueError, "unknown optimizer 'critic'.*discriminator"):
            tg.callbacks.for_optimizer("critic", keras.callbacks.History())

    def test_tensorboard_logs_the_rates_that_train(self):
        gan = compiled(1e-3, 4e-3)
        logdir = tempfile.mkdtemp()
        gan.fit(images(), epochs=2, verbose=0, callbacks=[
            keras.callbacks.LearningRateScheduler(lambda epoch, rate: rate * 0.5),
            keras.callbacks.TensorBoard(logdir)])
        logged = {}
        for path in glob.glob(os.path.join(logdir, "train", "events.*")):
            for event in tf.compat.v1.train.summary_iterator(path):
                for value in event.summary.value:
                    logged.setdefault(value.tag, []).append(
                        float(tf.make_ndarray(value.tensor)))
        self.assertNotIn("epoch_learning_rate", logged)
        self.assertAllClose(logged["epoch_learning_rate_discriminator"], [5e-4, 2.5e-4])
        self.assertAllClose(logged["epoch_learning_rate_generator"], [2e-3, 1e-3])
        self.assertAllClose(rates(gan), (2.5e-4, 1e-3))

    def test_early_stopping_on_a_loss_needs_no_mode(self):
        gan = compiled()
        history = gan.fit(images(), epochs=5, verbose=0, callbacks=[
            keras.callbacks.EarlyStopping(monitor="g_loss", patience=0, min_delta=1e9)])
        self.assertLen(history.history["g_loss"], 2)  # epoch 2 did not improve: stopped


class NetworkChecksTest(tf.test.TestCase):
    def test_keras_io_argument_order_is_recognised(self):
        with self.assertRaisesRegex(ValueError, r"generator= / discriminator=: swapped — "
                                    r"generator= maps \[None, 8, 8, 1\] → \[None, 1\]"):
            tg.AdversarialModel(discriminator(), generator(), LATENT)

    def test_discriminator_with_several_outputs_per_example_is_refused(self):
        with self.assertRaisesRegex(ValueError, r"discriminator=: outputs \[None, 10\].*"
                                    r"one logit per example"):
            tg.AdversarialModel(generator(), discriminator(outputs=10))

    def test_discriminator_for_another_image_size_is_refused(self):
        with self.assertRaisesRegex(ValueError, r"discriminator=: takes \[None, 16, 16, 1\] "
                                    r"but the generator produces \[None, 8, 8, 1\]"):
            tg.AdversarialModel(generator(), discriminator(size=16))

    def test_wrong_latent_dim_is_refused(self):
        with self.assertRaisesRegex(ValueError, "latent_dim=: 5 does not match"):
            tg.AdversarialModel(generator(), discriminator(), latent_dim=5)

    def test_unbuilt_subclassed_generator_without_latent_dim_is_refused(self):
        from user_networks import SmallDiscriminator, SmallGenerator

        with self.assertRaisesRegex(ValueError, r"latent_dim=: .* is not built.*latent_dim=N"):
            tg.AdversarialModel(SmallGenerator(), SmallDiscriminator())

    def test_subclassed_discriminator_with_wrong_output_is_refused(self):
        from user_networks import SmallGenerator

        class TenLogits(keras.Model):
            def __init__(self):
                super().__init__()
                self.flatten, self.dense = keras.layers.Flatten(), keras.layers.Dense(10)

            def call(self, x):
                return self.dense(self.flatten(x))

        with self.assertRaisesRegex(ValueError, r"discriminator=: outputs \[2, 10\]"):
            tg.AdversarialModel(SmallGenerator(), TenLogits(), latent_dim=LATENT)


class SubclassedNetworksTest(tf.test.TestCase):
    def test_unbuilt_pair_is_built_from_latent_dim_trains_and_round_trips(self):
        from user_networks import SmallDiscriminator, SmallGenerator

        keras.saving.register_keras_serializable("tfgan_tests")(SmallGenerator)
        keras.saving.register_keras_serializable("tfgan_tests")(SmallDiscriminator)
        gan = tg.AdversarialModel(SmallGenerator(), SmallDiscriminator(), latent_dim=LATENT,
                                  ema_decay=0.9)
        gan.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                    g_optimizer=keras.optimizers.Adam(1e-3), objective="hinge")
        before = gan.generator.get_weights()
        gan.fit(images(), epochs=1, verbose=0)
        self.assertGreater(max(float(np.max(np.abs(a - b))) for a, b in
                               zip(before, gan.generator.get_weights(), strict=True)), 1e-4)
        path = os.path.join(tempfile.mkdtemp(), "gan.keras")
        gan.save(path)
        restored = keras.models.load_model(path)
        self.assertAllClose(restored.sample(4, seed=2), gan.sample(4, seed=2), atol=1e-6)
        self.assertEqual(int(restored.g_optimizer.iterations.numpy()), 4)


def keras_io_discriminator_loss(real_img, fake_img):
    """keras-io's WGAN-GP critic loss (its names: the critic's outputs on real / fake)."""
    return tf.reduce_mean(fake_img) - tf.reduce_mean(real_img)


def keras_io_generator_loss(fake_img):
    return -tf.reduce_mean(fake_img)


class KerasIoCompatibilityTest(tf.test.TestCase):
    def test_keras_io_wgan_gp_pair_trains_as_the_wasserstein_objective(self):
        runs = []
        for objective in ({"objective": "wasserstein"},
                          {"d_loss_fn": keras_io_discriminator_loss,
                           "g_loss_fn": keras_io_generator_loss}):
            keras.utils.set_random_seed(0)
            gan = tg.AdversarialModel(generator(), discriminator(), n_critic=3)
            gan.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                        g_optimizer=keras.optimizers.Adam(1e-3),
                        penalties={"gp": {"weight": 10.0}}, **objective)
            history = gan.fit(images(), epochs=1, verbose=0)
            runs.append((gan, history.history))
        (wgan, wgan_logs), (keras_io, keras_io_logs) = runs
        self.assertEqual(keras_io.objective.name, "custom")
        self.assertAllClose(keras_io_logs["d_loss"], wgan_logs["d_loss"], atol=1e-6)
        for net in ("generator", "discriminator"):
            for a, b in zip(getattr(wgan, net).get_weights(), getattr(keras_io, net).get_weights(),
                            strict=True):
                self.assertAllClose(a, b, atol=1e-6)

    def test_keras_io_pair_round_trips_when_registered(self):
        d_loss = keras.saving.register_keras_serializable("tfgan_tests")(
            keras_io_discriminator_loss)
        g_loss = keras.saving.register_keras_serializable("tfgan_tests")(keras_io_generator_loss)
        gan = tg.AdversarialModel(generator(), discriminator())
        gan.compile(d_optimizer="adam", g_optimizer="adam", d_loss_fn=d_loss, g_loss_fn=g_loss)
        gan.fit(images(batches=1), epochs=1, verbose=0)
        path = os.path.join(tempfile.mkdtemp(), "gan.keras")
        gan.save(path)
        restored = keras.models.load_model(path)
        self.assertEqual(restored.objective.name, "custom")
        restored.fit(images(batches=1), epochs=1, verbose=0)

    def test_errors_name_the_python_argument(self):
        gan = tg.AdversarialModel(generator(), discriminator())
        cases = [
            (dict(objective="hingee"), r"^objective=: unknown value 'hingee'; accepted: hinge"),
            (dict(objective=keras_io_generator_loss), r"^objective=: .*d_loss_fn= / g_loss_fn="),
            (dict(penalties={"r1": {"gamma": 1.0}}),
             r"^penalties=: r1: unknown option\(s\) gamma; accepted: weight"),
            (dict(d_loss_fn=keras_io_discriminator_loss), r"^d_loss_fn= / g_loss_fn=: pass both"),
            (dict(loss="mse"), r"^loss=: .*objective="),
            (dict(optimizer="adam"), r"^optimizer=: .*d_optimizer= and g_optimizer="),
            (dict(metrics=["accuracy"]), r"^metrics=: "),
        ]
        for arguments, message in cases:
            with self.assertRaisesRegex(ValueError, message):
                gan.compile(**arguments)

    def test_export_errors_say_quantize_in_python_and_dash_dash_quantize_in_the_cli(self):
        gan = tg.AdversarialModel(generator(), discriminator())
        out = os.path.join(tempfile.mkdtemp(), "g.tflite")
        with self.assertRaisesRegex(ValueError, r"^quantize=: unknown value 'int4'"):
            tg.export.export_tflite(gan, out, quantize="int4")
        with cli_words(), self.assertRaisesRegex(ValueError, r"^--quantize: unknown value"):
            tg.export.export_tflite(gan, out, quantize="int4")
        models = tempfile.mkdtemp()
        tg.export.export_saved_model(gan, models, warmup_batch=0)
        with self.assertRaisesRegex(ValueError, r"^out=: .* already exists"):
            tg.export.export_saved_model(gan, models, warmup_batch=0)


class CallAndPredictTest(tf.test.TestCase):
    def test_calling_the_model_runs_the_sampling_generator(self):
        gan = tg.AdversarialModel(generator(), discriminator(), ema_decay=0.5)
        gan.compile(d_optimizer="adam", g_optimizer="adam")
        gan.fit(images(), epochs=1, verbose=0)
        z = gan.latent(5, seed=3)
        expected = gan.sample(5, seed=3)
        self.assertAllClose(gan(z), expected, atol=1e-6)
        self.assertAllClose(gan.predict(z, verbose=0), expected, atol=1e-6)
        self.assertNotAllClose(gan.generator(z), expected)  # the EMA copy, not G


class GuideExamplesTest(tf.test.TestCase):
    """The Keras guide's named blocks as printed (Fashion-MNIST from Debian's package, as ``make``
    installs it)."""

    def test_blocks_are_found(self):
        self.assertEqual([b.name for b in blocks(GUIDE) if b.name],
                         ["networks", "fit", "subclassed", "mirrored"])

    def test_own_networks_fit_save_and_export_as_printed(self):
        scratch = tempfile.mkdtemp()
        cwd = os.getcwd()
        os.chdir(scratch)
        try:
            namespace = run_named(GUIDE, ["networks", "fit", "subclassed"])
        finally:
            os.chdir(cwd)
        self.assertIsInstance(namespace["gan"], tg.AdversarialModel)
        with open(os.path.join(scratch, "runs/byo/log.csv"), encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        self.assertGreaterEqual(len(rows), 2)
        self.assertIn("learning_rate_generator", rows[0])
        for path in ("runs/byo/gan.keras", "runs/byo/serving/generator/1/saved_model.pb",
                     "runs/byo/generator.tflite", "runs/byo/subclassed.keras"):
            self.assertTrue(os.path.isfile(os.path.join(scratch, path)), path)
        self.assertTrue(glob.glob(os.path.join(scratch, "runs/byo/logs/train/events.*")))

    @pytest.mark.slow
    def test_mirrored_block_and_two_replicas_equal_one_device_for_user_networks(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "keras_api_mirrored.py")
        result = subprocess.run([sys.executable, script, tempfile.mkdtemp()],
                                capture_output=True, text=True, timeout=900)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        outcome = json.loads(result.stdout.strip().splitlines()[-1])
        self.assertEqual(outcome["guide"], {"replicas": 2, "steps": 10})
        for pair in ("sequential", "subclassed"):
            self.assertEqual((outcome[pair]["replicas"], outcome[pair]["steps"]), (2, 2))
            self.assertGreater(outcome[pair]["moved"], 1e-4, pair)
            self.assertLess(outcome[pair]["max_diff"], 1e-5, (pair, outcome[pair]))
