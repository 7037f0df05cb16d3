"""CycleGAN and pix2pix (gans/cyclegan.py, gans/pix2pix.py): what one step trains, the pools
and both optimizers in checkpoints (a resumed run equals an uninterrupted one), the
2-replica equivalence, translation, the schedule, and the one-line errors."""

import contextlib
import io
import os
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tests.data.test_domains import write_domain
from tests.gans.equivalence import assert_two_replicas_equal_one_device
from tfgan_suite import cli, factory, runs
from tfgan_suite import config as config_lib
from tfgan_suite.export.tflite import TFLiteTranslator
from tfgan_suite.gans import CycleGAN, Pix2Pix, translation
from tfgan_suite.networks import (
    DCGANGenerator,
    PatchGANDiscriminator,
    ResNetTranslator,
    UNetTranslator,
)

SIDE = 16


def cyclegan(**options) -> CycleGAN:
    keras.utils.set_random_seed(3)
    model = CycleGAN(ResNetTranslator(image_size=SIDE, filters=4, blocks=1),
                     PatchGANDiscriminator(image_size=SIDE, filters=4, strided_layers=2),
                     **options)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3),
                  objective="least_squares")
    return model


def pairs(n: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (2, n, SIDE, SIDE, 1)).astype(np.float32)


def batches(a, b, batch: int = 8):
    return tf.data.Dataset.from_tensor_slices((a, b)).batch(batch)


def changed(before, after) -> bool:
    return any(not np.array_equal(x, y) for x, y in zip(before, after, strict=True))


class CycleGANTest(tf.test.TestCase):
    @pytest.mark.slow
    def test_one_step_trains_both_translators_and_discriminators_and_fills_both_pools(self):
        model = cyclegan()
        networks = ("generator", "generator_ba", "discriminator", "discriminator_a")
        before = {name: getattr(model, name).get_weights() for name in networks}
        a, b = pairs()
        logs = model.fit(batches(a, b), epochs=1, verbose=0).history
        self.assertEqual(set(logs), {"d_loss", "g_loss", "cycle", "identity"})
        for name in networks:
            self.assertTrue(changed(before[name], getattr(model, name).get_weights()), name)
        # One optimizer per pair of networks, holding both of them.
        self.assertLen(model.d_optimizer._trainable_variables,
                       len(model.discriminator.trainable_variables)
                       + len(model.discriminator_a.trainable_variables))
        self.assertLen(model.g_optimizer._trainable_variables,
                       len(model.generator.trainable_variables)
                       + len(model.generator_ba.trainable_variables))
        for pool in (model.pool_a, model.pool_b):  # 8 fakes stored of 50
            self.assertEqual(int(pool.count.numpy()), 8)
        # The pools hold the fakes of the step: translations by the networks before G's
        # update, so pool B's first image is G₀(a₀).
        start = cyclegan()
        self.assertAllClose(model.pool_b.images.numpy()[:8],
                            start.generator(a, training=True).numpy(), atol=1e-5)
        self.assertAllClose(model.pool_a.images.numpy()[:8],
                            start.generator_ba(b, training=True).numpy(), atol=1e-5)

    def test_logged_losses_are_the_reference_terms_of_the_untrained_networks(self):
        model = cyclegan(identity_fraction=0.0)
        start = cyclegan(identity_fraction=0.0)
        a, b = pairs()
        logs = model.fit(batches(a, b), epochs=1, verbose=0).history
        self.assertNotIn("identity", logs)
        fake_b, fake_a = start.generator(a), start.generator_ba(b)
        self.assertAllClose(logs["cycle"][0], translation.cycle_loss(
            a, start.generator_ba(fake_b), b, start.generator(fake_a)).numpy(), rtol=1e-4)
        self.assertAllClose(logs["g_loss"][0], (
            translation.lsgan_generator_loss(start.discriminator(fake_b))
            + translation.lsgan_generator_loss(start.discriminator_a(fake_a))).numpy(),
            rtol=1e-4)

    def test_translate_serialises_and_refuses_sampling(self):
        model = cyclegan(pool_size=3)
        a, _ = pairs(5)
        self.assertEqual(model.translate(a, "b2a", batch_size=2).shape, (5, SIDE, SIDE, 1))
        self.assertAllClose(model.translate(a), model.generator(a, training=False).numpy(),
                            atol=1e-5)
        with self.assertRaisesRegex(ValueError, r"images: .* translates \[N, 16, 16, 1\] images"):
            model.translate(a[..., 0])
        with self.assertRaisesRegex(ValueError, r"direction: .* translates a2b, b2a; got 'x'"):
            model.translate(a, "x")
        with self.assertRaisesRegex(ValueError, "has no z to sample from; use translate"):
            model.sample(4)
        copy = CycleGAN.from_config(model.get_config())
        self.assertEqual((copy.pool_size, copy.generator_ba.name, copy.discriminator_a.name),
                         (3, "generator_ba", "discriminator_a"))

    def test_bad_settings_are_one_line_errors(self):
        translator = ResNetTranslator(image_size=SIDE, filters=4, blocks=1)
        patchgan = PatchGANDiscriminator(image_size=SIDE, filters=4, strided_layers=2)
        with self.assertRaisesRegex(ValueError, r"generator.name: model cyclegan needs an "
                                    r"image-to-image generator .* accepted: resnet_translator"):
            CycleGAN(DCGANGenerator(image_size=32), patchgan)
        with self.assertRaisesRegex(ValueError, r"train.n_critic: .* accepted: 1, got 2"):
            CycleGAN(translator, patchgan, n_critic=2)
        with self.assertRaisesRegex(ValueError, "cyclegan.pool_size: a non-negative integer"):
            CycleGAN(translator, patchgan, pool_size=-1)
        with self.assertRaisesRegex(ValueError, r"penalties: cyclegan takes no discriminator "
                                    r"penalties, got r1"):
            CycleGAN(translator, patchgan).compile(penalties={"r1": {"weight": 1.0}})

    @pytest.mark.slow
    def test_resume_restores_both_optimizers_and_the_pools(self):
        """A run stopped at its step-4 checkpoint and resumed to step 8 (the restore that
        follows a kill -9) equals the straight 8-step run: four networks, both Adam states,
        both pools (3 images each, so resumed steps swap with restored history)."""
        root = tempfile.mkdtemp()
        names = [f"{i}.png" for i in range(12)]
        write_domain(os.path.join(root, "data", "a"), names, side=SIDE, ramp=True)
        write_domain(os.path.join(root, "data", "b"), names, side=SIDE, ramp=True,
                     value=lambda i: 250 - 15 * i)
        config = {"model": "cyclegan", "deterministic": True, "cyclegan": {"pool_size": 3},
                  "data": {"name": f"folder:{os.path.join(root, 'data')}", "batch_size": 4},
                  "generator": {"name": "resnet_translator", "filters": 4, "blocks": 1},
                  "discriminator": {"name": "patchgan", "filters": 4, "strided_layers": 2},
                  "objective": {"name": "least_squares"},
                  "train": {"steps": 8, "steps_per_epoch": 2, "steps_per_execution": 1},
                  "sample": {"grid_size": 4}}
        straight = runs.train(config, os.path.join(root, "straight"), verbose=0).model
        resumed_dir = os.path.join(root, "resumed")
        runs.train(config, resumed_dir, overrides=["train.steps=4"], verbose=0)
        resumed = runs.train(None, resumed_dir, overrides=["train.steps=8"], resume=True,
                             verbose=0).model
        self.assertEqual(int(resumed.step_counter.numpy()), 8)
        for name in ("generator", "generator_ba", "discriminator", "discriminator_a",
                     "pool_a", "pool_b"):
            for x, y in zip(getattr(straight, name).get_weights(),
                            getattr(resumed, name).get_weights(), strict=True):
                self.assertAllClose(x, y, rtol=0, atol=1e-6, msg=name)
        self.assertEqual(int(resumed.pool_a.count.numpy()), 3)
        for optimizer in ("d_optimizer", "g_optimizer"):
            for x, y in zip(getattr(straight, optimizer).variables,
                            getattr(resumed, optimizer).variables, strict=True):
                self.assertAllClose(x, y, rtol=0, atol=1e-6, msg=optimizer)
        grid = os.path.join(resumed_dir, "samples", "step_0000008.png")
        self.assertTrue(os.path.isfile(grid))  # sources / translations rows

        # tfgan translate on the run: a directory of domain-B files back into A.
        out = os.path.join(root, "translated")
        source = os.path.join(root, "data", "b")
        self.assertEqual(cli.main(["translate", "--run", resumed_dir, "--in", source,
                                   "--out", out, "--direction", "b2a"]), 0)
        self.assertEqual(sorted(os.listdir(out)), sorted(names))
        written = np.asarray(Image.open(os.path.join(out, "3.png")), np.float32)
        pixels = np.asarray(Image.open(os.path.join(source, "3.png")), np.float32)
        expected = resumed.translate(pixels[None, ..., None] / 127.5 - 1.0, "b2a")
        self.assertAllClose(written / 127.5 - 1.0, expected[0, ..., 0], atol=1 / 127.5)
        write_domain(os.path.join(root, "small"), ["s.png"], side=8)
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            status = cli.main(["translate", "--run", resumed_dir, "--in",
                               os.path.join(root, "small", "s.png"), "--out", out])
        self.assertEqual(status, 2)
        self.assertIn("s.png is 8x8 with 1 channel(s); this run's a2b translator takes 16x16 "
                      "images with 1 channel(s) (grayscale)", errors.getvalue())

        # tfgan export: one int8 TFLite translator per direction, calibrated on the run's
        # source-domain images; --direction belongs to TFLite translators only.
        tflite = os.path.join(root, "b2a.tflite")
        self.assertEqual(cli.main(["export", "--run", resumed_dir, "--format", "tflite",
                                   "--quantize", "int8", "--direction", "b2a",
                                   "--out", tflite]), 0)
        images = np.stack([np.asarray(Image.open(os.path.join(source, name)), np.float32)
                           for name in names[:4]])[..., None] / 127.5 - 1.0
        error = np.abs(TFLiteTranslator(tflite).translate(images)
                       - resumed.translate(images, "b2a"))
        self.assertLess(error.mean(), 0.05)
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            status = cli.main(["export", "--run", resumed_dir, "--format", "saved_model",
                               "--direction", "b2a", "--out", os.path.join(root, "m")])
        self.assertEqual(status, 2)
        self.assertIn("--direction: applies to translation runs (cyclegan, pix2pix) with "
                      "--format tflite only", errors.getvalue())


class Pix2PixTest(tf.test.TestCase):
    def model(self) -> Pix2Pix:
        keras.utils.set_random_seed(5)
        model = Pix2Pix(UNetTranslator(image_size=SIDE, filters=4, norm="instance"),
                        PatchGANDiscriminator(image_size=SIDE, filters=4, strided_layers=2,
                                              condition_channels=1))
        model.compile(d_optimizer="adam", g_optimizer="adam", objective="non_saturating")
        return model

    def test_the_step_adds_l1_to_the_pair_and_trains_both_networks(self):
        model, start = self.model(), self.model()
        a, b = pairs()
        before = model.discriminator.get_weights()
        logs = model.fit(batches(a, b), epochs=1, verbose=0).history
        # D updates first and leaves G alone, so G's loss is that of the untrained G.
        fake = start.generator(a, training=True)
        self.assertAllClose(logs["l1"][0], 100.0 * np.mean(np.abs(fake.numpy() - b)), rtol=1e-4)
        # ... judged by the updated D on the pair (G(a), a).
        logits = model.discriminator([fake, tf.constant(a)], training=True)
        self.assertAllClose(logs["g_loss"][0], tf.reduce_mean(tf.nn.softplus(-logits)).numpy(),
                            rtol=1e-4)
        self.assertTrue(changed(before, model.discriminator.get_weights()))
        self.assertAllClose(model.translate(a), model.generator(a, training=False).numpy(),
                            atol=1e-5)

    def test_needs_pairs_and_a_pair_discriminator(self):
        with self.assertRaisesRegex(ValueError, r"discriminator.condition_channels: pix2pix's "
                                    r"discriminator judges \(image, condition\) pairs"):
            Pix2Pix(UNetTranslator(image_size=SIDE, filters=4),
                    PatchGANDiscriminator(image_size=SIDE, filters=4, strided_layers=2))
        config = config_lib.load({"model": "pix2pix", "data": {"name": "fashion_edges"}}, [])
        with self.assertRaisesRegex(ValueError, r"data.paired: pix2pix learns from pairs; "
                                    r"accepted: true"):
            Pix2Pix.options_from_config(config, None)


class ScheduleTest(tf.test.TestCase):
    def test_constant_then_linear_over_the_train_steps(self):
        config = config_lib.load({"train": {"steps": 10, "lr_schedule": "constant_then_linear",
                                            "g_learning_rate": 1e-3}}, [])
        schedule = factory._adam(1e-3, config["train"], 10)._learning_rate
        rates = [float(schedule(step)) for step in range(10)]
        self.assertAllClose(rates[:5], [1e-3] * 5)
        self.assertAllClose(rates[5:], [1e-3 * (1 - k / 6) for k in range(1, 6)])


@pytest.mark.slow
class TwoReplicaTest(tf.test.TestCase):
    """The translation models' 2-replica steps equal their 1-device steps: the image
    models, and the speech models (their steps trace longest) in a process of their own."""

    def test_two_replicas_equal_one_device(self):
        outcomes = assert_two_replicas_equal_one_device(self, ["cyclegan", "pix2pix"])
        # CycleGAN's pools (3 images, swapping in step 2) hold the same images and counts:
        # G's outputs, equal up to its weights' round-off.
        self.assertLess(outcomes[0]["pool_diff"], 1e-4, outcomes[0])

    def test_two_replicas_equal_one_device_speech(self):
        assert_two_replicas_equal_one_device(
            self, ["cyclegan_vc", "cyclegan_vc2", "stargan_vc", "stargan_vc2"])


class StubClassifier:
    """A stand-in for the Fashion-MNIST classifiers: class = the brightest of 10 column
    bands, features = the mean of each band."""

    image_size = 28

    def features(self, images):
        images = np.asarray(images)[..., 0]
        return np.stack([images[:, :, i:i + 3].mean(axis=(1, 2)) for i in range(0, 28, 3)], 1)

    def accuracy(self, images, labels):
        return float(np.mean(self.features(images).argmax(axis=1) == labels))

    def describe(self):
        return {"name": "stub"}


class TranslationEvaluatorTest(tf.test.TestCase):
    def test_identity_and_oracle_translators_bracket_the_scores(self):
        from unittest import mock

        from tfgan_suite import data as data_lib
        from tfgan_suite import evaluation
        from tfgan_suite.data import sources
        from tfgan_suite.data import translation as edges_task

        rng = np.random.default_rng(0)
        images = rng.uniform(-1, 1, [20, 28, 28, 1]).astype(np.float32)
        labels = StubClassifier().features(images).argmax(axis=1).astype(np.int32)
        edges_task.fashion_edges.cache_clear()
        self.addCleanup(edges_task.fashion_edges.cache_clear)
        fake_load = lambda name, split: (images, labels)  # noqa: E731
        for patcher in (mock.patch.object(sources, "load_arrays", fake_load),
                        mock.patch.object(data_lib, "load_arrays", fake_load),
                        mock.patch.dict(os.environ, {"TFGAN_CACHE_DIR": tempfile.mkdtemp()})):
            patcher.start()
            self.addCleanup(patcher.stop)
        config = config_lib.load("configs/cyclegan_fashion_edges.yaml", [])
        evaluator = evaluation.TranslationEvaluator(config, n=16, classifier=StubClassifier(),
                                                    spaces=["fmnist"])
        truth = {"a2b": evaluator.b, "b2a": evaluator.a}

        class Identity:
            directions = ("a2b", "b2a")

            def translate(self, x, direction):
                return x

        class Oracle(Identity):
            def translate(self, x, direction):
                return truth[direction]

        oracle, identity = evaluator.evaluate(Oracle()), evaluator.evaluate(Identity())
        self.assertEqual(set(oracle), {"l1_a2b", "ssim_a2b", "l1_b2a", "ssim_b2a",
                                       "class_preserved_a2b_fmnist", "fd_a2b_fmnist"})
        self.assertEqual((oracle["l1_a2b"], oracle["l1_b2a"]), (0.0, 0.0))
        self.assertAllClose([oracle["ssim_a2b"], oracle["class_preserved_a2b_fmnist"]], [1, 1])
        self.assertLess(oracle["fd_a2b_fmnist"], 1e-6)
        self.assertGreater(identity["l1_a2b"], 0.1)
        self.assertGreater(identity["fd_a2b_fmnist"], oracle["fd_a2b_fmnist"])
        self.assertEqual(evaluator.describe()["domains"], {"a": "edges", "b": "garments"})
        self.assertEqual(evaluator.default_monitor, "l1_a2b")
