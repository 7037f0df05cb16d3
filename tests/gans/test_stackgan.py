"""StackGAN (§10's tests): mismatched pairs are labelled fake; the KL term is in the
generator's loss; Stage-I weights are unchanged by Stage-II steps; a Stage-II run needs a
trained Stage-I run; the recipes train, reload, sample by text and export the whole chain;
the 2-replica equivalence for Stage-I and Stage-II."""

import contextlib
import io
import os
import sys
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite import cli, objectives, runs
from tfgan_suite.export import export_saved_model, export_tflite
from tfgan_suite.export.tflite import TFLiteGenerator
from tfgan_suite.gans import StackGAN
from tfgan_suite.networks import (
    DCGANDiscriminator,
    StackGANDiscriminator,
    StackGANStage1Generator,
    StackGANStage2Generator,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import equivalence  # noqa: E402  (tests/gans/equivalence.py)

TEXTS = ["a red top", "a blue top", "a red shoe"]
SMALL = {"condition_dim": 4, "embedding_dim": 8}
CONFIGS = os.path.join(os.path.dirname(__file__), "..", "..", "configs")


def stage1(side=8):
    keras.utils.set_random_seed(0)
    return StackGANStage1Generator(latent_dim=8, image_size=side, base_filters=8,
                                   descriptions=TEXTS, num_classes=3, **SMALL)


def discriminator(side):
    return StackGANDiscriminator(image_size=side, base_filters=4, descriptions=TEXTS,
                                 num_classes=3, **SMALL)


def compiled(generator, side, **kwargs):
    gan = StackGAN(generator, discriminator(side), num_classes=3, **kwargs)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3),
                objective="non_saturating", jit_compile=False)
    return gan


def data(side=16, n=8):
    images = np.random.default_rng(0).uniform(-1, 1, (n, side, side, 1)).astype(np.float32)
    labels = (np.arange(n) % 3).astype(np.int32)
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)


class MatchingAwareTest(tf.test.TestCase):
    def test_real_images_with_mismatched_conditions_join_the_fake_side(self):
        gan = compiled(stage1(), 8)
        real = tf.random.stateless_uniform([64, 8, 8, 1], seed=[1, 1])
        fake = -tf.ones([64, 8, 8, 1])
        labels = tf.constant(np.arange(64) % 3, tf.int32)
        judged, conditions = gan.discriminator_fakes(real, labels, fake, labels, 0, 7)
        self.assertAllClose(judged[:64], fake)
        self.assertAllClose(judged[64:], real)
        self.assertAllEqual(conditions[:64], labels)
        wrong = conditions[64:].numpy()
        self.assertTrue(np.all(wrong != labels.numpy()), "a 'wrong' pair kept its condition")
        self.assertEqual(set(wrong.tolist()), {0, 1, 2})
        # The objective's mean over the fake side is (fake + wrong) / 2: L_D = real +
        # (wrong + fake) / 2, the reference's form.
        loss = objectives.get("non_saturating")
        r, f, w = (tf.random.stateless_normal([64, 1], seed=[s, 0]) for s in (1, 2, 3))
        self.assertAllClose(loss.d_loss(r, tf.concat([f, w], 0)),
                            tf.reduce_mean(tf.nn.softplus(-r))
                            + 0.5 * (tf.reduce_mean(tf.nn.softplus(f))
                                     + tf.reduce_mean(tf.nn.softplus(w))))

    def test_without_matching_awareness_only_fakes_are_fake(self):
        gan = compiled(stage1(), 8, matching_aware=False)
        fake = tf.zeros([4, 8, 8, 1])
        labels = tf.constant([0, 1, 2, 0])
        judged, conditions = gan.discriminator_fakes(fake + 1, labels, fake, labels, 0, 7)
        self.assertEqual(judged.shape[0], 4)


class StageOneTest(tf.test.TestCase):
    def test_trains_with_the_kl_term_on_pooled_reals(self):
        gan = compiled(stage1(), 8, ema_decay=0.9)
        self.assertEqual(gan.stage, 1)
        self.assertEqual(gan.prepare_reals(tf.zeros([2, 16, 16, 1]), 0).shape, (2, 8, 8, 1))
        ca_before = [w.numpy() for w in gan.generator.get_layer("s1_ca").weights]
        history = gan.fit(data(), epochs=1, verbose=0).history
        self.assertIn("ca_kl", history)
        self.assertTrue(np.isfinite(history["ca_kl"][-1]) and history["ca_kl"][-1] > 0)
        ca_after = [w.numpy() for w in gan.generator.get_layer("s1_ca").weights]
        self.assertFalse(all(np.allclose(a, b) for a, b in zip(ca_before, ca_after,
                                                               strict=True)))
        self.assertEqual(gan.sample(3, text="a red shoe").shape, (3, 8, 8, 1))
        with self.assertRaisesRegex(ValueError, "text: unknown token 'green' in 'a green top'; "
                                                "accepted: a, blue, red, shoe, top"):
            gan.sample(2, text="a green top")

    def test_bad_networks_and_descriptions_are_named(self):
        with self.assertRaisesRegex(ValueError, "discriminator.name: model stackgan needs the "
                                                "matching-aware discriminator; accepted: "
                                                "stackgan"):
            StackGAN(stage1(), DCGANDiscriminator(image_size=28, base_filters=4,
                                                  conditioning="projection", num_classes=3),
                     num_classes=3)
        with self.assertRaisesRegex(ValueError, "generator.descriptions: one description per "
                                                "condition id: 3 descriptions for "
                                                "num_classes 4"):
            StackGANStage1Generator(descriptions=TEXTS, num_classes=4)
        with self.assertRaisesRegex(ValueError, "generator.stage1_run: the Stage-II generator "
                                                "needs a trained Stage-I run"):
            StackGANStage2Generator()
        with self.assertRaisesRegex(ValueError, "generator.stage1_run: no trained Stage-I run "
                                                "at '/nonexistent'"):
            StackGANStage2Generator(stage1_run="/nonexistent", load_run=runs.load_run)


class StageTwoTest(tf.test.TestCase):
    @pytest.mark.slow
    def test_stage_one_is_frozen_during_stage_two(self):
        first = stage1()
        second = StackGANStage2Generator(stage1=first.get_config(), image_size=16,
                                         base_filters=8, residual_blocks=1, num_classes=3,
                                         **SMALL)
        second.stage1.set_weights(first.get_weights())
        gan = compiled(second, 16, ema_decay=0.9)
        self.assertEqual(gan.stage, 2)
        frozen = [w.numpy() for w in second.stage1.weights]  # BN statistics included
        own = {w.path: w.numpy() for w in second.trainable_variables}
        self.assertFalse([w for w in second.trainable_variables if w.path.startswith("s1_")])
        gan.fit(data(), epochs=1, verbose=0)
        for before, after in zip(frozen, second.stage1.weights, strict=True):
            self.assertAllEqual(before, after.numpy())
        moved = [path for path, value in own.items()
                 if not np.allclose(value, next(w for w in second.trainable_variables
                                                if w.path == path).numpy())]
        self.assertIn("s2_ca/fc/kernel", moved)
        self.assertIn("s2_to_image/kernel", moved)
        # The whole chain is one [z, labels] → image network, z = [Stage-I's z, Stage-II's ε].
        self.assertEqual(second.inputs[0].shape[-1], 8 + 4 + 4)
        self.assertEqual(gan.sample(2, labels=1).shape, (2, 16, 16, 1))

    @pytest.mark.slow
    def test_stage_two_from_a_stage_one_run_reloads_and_exports_the_chain(self):
        common = ["data.name=digits", "data.image_size=28", "train.steps=2",
                  "train.steps_per_epoch=2", "train.steps_per_execution=1",
                  "train.jit_compile=false", "data.batch_size=8", "sample.grid_size=10",
                  "generator.condition_dim=4", "generator.embedding_dim=8",
                  "discriminator.condition_dim=4", "discriminator.embedding_dim=8",
                  "discriminator.base_filters=4"]
        digits = [str(d) for d in range(10)]
        descriptions = "[" + ", ".join(f"'digit {d}'" for d in digits) + "]"
        with tempfile.TemporaryDirectory() as directory:
            first_run = os.path.join(directory, "stage1")
            first = runs.train(os.path.join(CONFIGS, "stackgan1_fashion_mnist.yaml"), first_run,
                               overrides=common + ["generator.latent_dim=8",
                                                   "generator.base_filters=8",
                                                   f"generator.descriptions={descriptions}",
                                                   f"discriminator.descriptions={descriptions}"])
            self.assertEqual(first.model.generator.outputs[0].shape[1:], (14, 14, 1))
            second_run = os.path.join(directory, "stage2")
            second = runs.train(os.path.join(CONFIGS, "stackgan2_fashion_mnist.yaml"),
                                second_run,
                                overrides=common + [f"generator.stage1_run={first_run}",
                                                    "generator.base_filters=8",
                                                    f"discriminator.descriptions="
                                                    f"{descriptions}"])
            self.assertEqual(second.metrics["steps"], 2)
            chain = second.model.generator
            self.assertAllClose(chain.stage1.get_weights(),
                                first.model.sampling_generator.get_weights())
            loaded = runs.load_run(second_run)
            self.assertAllClose(loaded.sample(4, seed=3, text="digit 7"),
                                second.model.sample(4, seed=3, labels=7), atol=1e-5)
            out = os.path.join(directory, "seven.npy")
            self.assertEqual(cli.main(["sample", "--run", second_run, "--n", "2", "--out", out,
                                       "--seed", "3", "--text", "digit 7"]), 0)
            self.assertAllClose(np.load(out), second.model.sample(2, seed=3, labels=7),
                                atol=1e-5)
            errors = io.StringIO()
            with contextlib.redirect_stderr(errors):
                status = cli.main(["sample", "--run", second_run, "--n", "2", "--out", out,
                                   "--text", "digit eight"])
            self.assertEqual(status, 2)
            self.assertRegex(errors.getvalue(), r"^tfgan: error: text: unknown token 'eight' "
                                                r"in 'digit eight'; accepted: 0, 1, ")
            path = export_saved_model(second.model, os.path.join(directory, "export"))
            z = second.model.latent(2, seed=4)
            tflite = export_tflite(path, os.path.join(directory, "g.tflite"))
            labels = np.array([1, 7], np.int32)
            self.assertAllClose(TFLiteGenerator(tflite).generate(z, labels),
                                second.model.sampling_generator([z, labels]), atol=1e-4)


@pytest.mark.slow
class StackGANDistributionTest(tf.test.TestCase):
    def test_two_replica_steps_equal_single_device_steps(self):
        equivalence.assert_two_replicas_equal_one_device(self, ["stackgan1", "stackgan2"],
                                                         timeout=600)
