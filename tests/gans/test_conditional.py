"""Conditional GANs: cGAN (concat / projection discriminator) and AC-GAN."""

import os
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite import config as config_lib
from tfgan_suite import factory
from tfgan_suite.gans import ACGAN, AdversarialModel, ConditionalGAN
from tfgan_suite.networks import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator

CLASSES = 4


def class_images(n, seed=0):
    """28×28 images whose class k is a bright 7-pixel band at rows 7k..7k+6, plus noise."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % CLASSES).astype(np.int32)
    images = np.full((n, 28, 28, 1), -1.0, np.float32)
    for i, label in enumerate(labels):
        images[i, 7 * label:7 * label + 7] = 1.0
    images += 0.1 * rng.normal(size=images.shape).astype(np.float32)
    return np.clip(images, -1, 1), labels


def networks(conditioning):
    generator = DCGANGenerator(latent_dim=8, image_size=28, base_filters=8,
                               num_classes=CLASSES, conditional=True)
    discriminator = DCGANDiscriminator(image_size=28, base_filters=8, num_classes=CLASSES,
                                       conditioning=conditioning)
    return generator, discriminator


def conditional_model(conditioning="projection", learning_rate=1e-3, **kwargs):
    keras.utils.set_random_seed(0)
    cls = ACGAN if conditioning == "auxiliary" else ConditionalGAN
    model = cls(*networks(conditioning), num_classes=CLASSES, **kwargs)
    model.compile(d_optimizer=keras.optimizers.Adam(learning_rate),
                  g_optimizer=keras.optimizers.Adam(learning_rate), objective="hinge")
    return model


def labelled_data(n=32, batch=8):
    images, labels = class_images(n)
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch)


class ConditionalGANTest(tf.test.TestCase):
    def test_concat_and_projection_models_train_and_sample_by_label(self):
        for conditioning in ("concat", "projection"):
            model = conditional_model(conditioning)
            history = model.fit(labelled_data(), epochs=1, verbose=0)
            self.assertEqual(set(history.history), {"d_loss", "g_loss"})
            self.assertTrue(np.isfinite(history.history["d_loss"][-1]))
            self.assertEqual(model.sample(5, seed=1, labels=2).shape, (5, 28, 28, 1))
            # Same z, different label → different image; same label → same image.
            z_same = [model.sample(3, seed=1, labels=k) for k in (0, 1, 0)]
            self.assertAllClose(z_same[0], z_same[2])
            self.assertGreater(float(np.abs(z_same[0] - z_same[1]).max()), 1e-4)

    def test_default_sampling_labels_cycle_through_classes(self):
        model = conditional_model()
        self.assertAllEqual(model._sampling_labels(6, None), [0, 1, 2, 3, 0, 1])
        self.assertAllEqual(model._sampling_labels(3, 2), [2, 2, 2])
        self.assertAllClose(model.sample(4, seed=3), model.sample(4, seed=3, labels=[0, 1, 2, 3]))

    def test_bad_labels_name_the_field(self):
        model = conditional_model()
        with self.assertRaisesRegex(ValueError, r"labels: classes must be in \[0, 3\]"):
            model.sample(2, labels=[0, 4])
        with self.assertRaisesRegex(ValueError, "labels: expected one class or 3 classes"):
            model.sample(3, labels=[0, 1])
        with self.assertRaisesRegex(ValueError, "labels: expected integers"):
            model.sample(2, labels=[0.5, 1.0])

    def test_unlabelled_batches_are_rejected(self):
        model = conditional_model()
        images, _ = class_images(8)
        with self.assertRaisesRegex(ValueError, "data: model cgan trains on"):
            model.fit(tf.data.Dataset.from_tensor_slices(images).batch(4), epochs=1, verbose=0)

    def test_networks_must_be_conditional(self):
        generator = DCGANGenerator(latent_dim=8, image_size=28, base_filters=8)
        _, discriminator = networks("projection")
        with self.assertRaisesRegex(ValueError, "generator.conditional: true"):
            ConditionalGAN(generator, discriminator, num_classes=CLASSES)
        generator, discriminator = networks("auxiliary")
        with self.assertRaisesRegex(ValueError, "discriminator.conditioning: concat or proj"):
            ConditionalGAN(generator, discriminator, num_classes=CLASSES)
        generator, discriminator = networks("projection")
        with self.assertRaisesRegex(ValueError, "discriminator.conditioning: auxiliary"):
            ACGAN(generator, discriminator, num_classes=CLASSES)

    def test_unconditional_model_rejects_labels(self):
        model = AdversarialModel(MLPGenerator(latent_dim=2, hidden_units=[4]),
                                 MLPDiscriminator(hidden_units=[4]))
        with self.assertRaisesRegex(ValueError, "labels: this model is unconditional"):
            model.sample(2, labels=1)

    def test_keras_round_trip_keeps_samples(self):
        for conditioning in ("projection", "auxiliary"):
            model = conditional_model(conditioning)
            model.fit(labelled_data(n=8), epochs=1, verbose=0)
            path = os.path.join(tempfile.mkdtemp(), "model.keras")
            model.save(path)
            loaded = keras.saving.load_model(path)
            self.assertIsInstance(loaded, type(model))
            self.assertEqual(loaded.num_classes, CLASSES)
            self.assertAllClose(model.sample(4, seed=2, labels=1),
                                loaded.sample(4, seed=2, labels=1), atol=1e-6)


class ACGANTest(tf.test.TestCase):
    def test_classifier_loss_falls_on_a_tiny_labelled_batch(self):
        model = conditional_model("auxiliary", learning_rate=2e-3)
        data = labelled_data(n=16, batch=16).repeat()
        first = model.fit(data, steps_per_epoch=1, epochs=1, verbose=0).history["ac_d_loss"][0]
        history = model.fit(data, steps_per_epoch=30, epochs=1, verbose=0).history
        last = model.fit(data, steps_per_epoch=1, epochs=1, verbose=0).history["ac_d_loss"][0]
        self.assertIn("ac_g_loss", history)
        # Cross-entropy of a 4-way classifier starts near 2·log 4 (real + fake terms).
        self.assertGreater(first, 2.0)
        self.assertLess(last, 0.5 * first)

    def test_classifier_terms_follow_aux_weight(self):
        zero = conditional_model("auxiliary", aux_weight=0.0)
        history = zero.fit(labelled_data(n=8), epochs=1, verbose=0).history
        self.assertEqual(history["ac_d_loss"][-1], 0.0)
        with self.assertRaisesRegex(ValueError, "conditional.aux_weight"):
            ACGAN(*networks("auxiliary"), num_classes=CLASSES, aux_weight=-1.0)


class TruncationTest(tf.test.TestCase):
    def test_truncation_bounds_z_and_shrinks_sample_variance(self):
        keras.utils.set_random_seed(0)
        model = AdversarialModel(MLPGenerator(latent_dim=8, hidden_units=[32], norm="none"),
                                 MLPDiscriminator(hidden_units=[4]))
        z = model.latent(2000, seed=0, truncation=0.5)
        self.assertLessEqual(float(np.abs(z).max()), 0.5)
        self.assertAllClose(model.latent(50, seed=0), model.latent(50, seed=0))
        full = model.sample(2000, seed=0).var(axis=0).sum()
        truncated = model.sample(2000, seed=0, truncation=0.5).var(axis=0).sum()
        self.assertLess(truncated, 0.5 * full)
        with self.assertRaisesRegex(ValueError, "truncation: must be positive"):
            model.latent(2, truncation=0.0)


class FactoryTest(tf.test.TestCase):
    def config(self, **sets):
        overrides = ["model=cgan", "data.name=digits", "data.image_size=32",
                     "generator.name=dcgan", "generator.conditional=true",
                     "generator.base_filters=8", "generator.latent_dim=8",
                     "discriminator.name=dcgan", "discriminator.conditioning=projection",
                     "discriminator.base_filters=8"]
        return config_lib.load(None, overrides + [f"{k}={v}" for k, v in sets.items()])

    def test_factory_builds_a_conditional_model_with_the_data_classes(self):
        model = factory.build_gan(self.config())
        self.assertIsInstance(model, ConditionalGAN)
        self.assertEqual(model.num_classes, 10)
        labels = factory.grid_labels(self.config(), 64)
        self.assertAllEqual(labels[:7], [0, 0, 0, 0, 0, 0, 1])
        self.assertEqual(len(labels), 60)
        self.assertIsNone(factory.grid_labels(config_lib.load(None, []), 64))

    def test_acgan_takes_aux_weight_from_the_config(self):
        model = factory.build_gan(self.config(**{"model": "acgan",
                                                 "discriminator.conditioning": "auxiliary",
                                                 "conditional.aux_weight": 0.5}))
        self.assertIsInstance(model, ACGAN)
        self.assertEqual(model.aux_weight, 0.5)


class ConditionalCLITest(tf.test.TestCase):
    @pytest.mark.slow
    def test_train_then_sample_with_labels_and_a_row_per_class_grid(self):
        from PIL import Image

        from tfgan_suite import cli

        out = os.path.join(tempfile.mkdtemp(), "run")
        sets = ["model=acgan", "data.name=digits", "data.image_size=32", "data.batch_size=16",
                "generator.name=dcgan", "generator.conditional=true",
                "generator.base_filters=8", "generator.latent_dim=8",
                "discriminator.name=dcgan", "discriminator.conditioning=auxiliary",
                "discriminator.base_filters=8", "train.steps=4", "train.steps_per_epoch=4",
                "sample.grid_size=20", "train.jit_compile=false", "train.steps_per_execution=1"]
        recipe = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "configs", "acgan_fashion_mnist.yaml")
        argv = (["train", "--config", recipe, "--out", out]
                + [a for s in sets for a in ("--set", s)])
        self.assertEqual(cli.main(argv), 0)
        npy = os.path.join(out, "threes.npy")
        self.assertEqual(cli.main(["sample", "--run", out, "--n", "5", "--labels", "3",
                                   "--out", npy]), 0)
        self.assertEqual(np.load(npy).shape, (5, 32, 32, 1))
        self.assertEqual(cli.main(["sample", "--run", out, "--n", "3", "--labels", "0,1,9",
                                   "--out", npy]), 0)
        self.assertEqual(cli.main(["sample", "--run", out, "--n", "2", "--labels", "10",
                                   "--out", npy]), 2)
        self.assertEqual(cli.main(["sample", "--run", out, "--n", "4", "--labels", "2",
                                   "--truncation", "0.5", "--out", npy]), 0)
        self.assertEqual(cli.main(["sample", "--run", out, "--n", "4", "--truncation", "0",
                                   "--out", npy]), 2)
        # Labels grouped by class give a PNG with one row per class: 3 classes x 2.
        png = os.path.join(out, "rows.png")
        self.assertEqual(cli.main(["sample", "--run", out, "--n", "6", "--labels",
                                   "0,0,4,4,9,9", "--out", png]), 0)
        height, width = np.asarray(Image.open(png)).shape[:2]
        scale = width // (2 * 34 + 2)
        self.assertEqual((height, width), (scale * (3 * 34 + 2), scale * (2 * 34 + 2)))
        # Export: both signatures take labels; int8 TFLite calibrates over the classes.
        models = os.path.join(out, "models")
        self.assertEqual(cli.main(["export", "--run", out, "--format", "saved_model",
                                   "--out", models]), 0)
        signature = tf.saved_model.load(os.path.join(models, "generator", "1")).signatures[
            "sample_from_seeds"]
        self.assertEqual(sorted(signature.structured_input_signature[1]), ["labels", "seeds"])
        images = signature(seeds=tf.constant([1, 2], tf.int64), labels=tf.constant([0, 9]))
        self.assertEqual(images["images"].shape, (2, 32, 32, 1))
        tflite = os.path.join(out, "g.tflite")
        self.assertEqual(cli.main(["export", "--run", out, "--format", "tflite",
                                   "--quantize", "int8", "--out", tflite]), 0)
        from tfgan_suite.export.tflite import TFLiteGenerator

        runner = TFLiteGenerator(tflite)
        self.assertTrue(runner.conditional)
        self.assertEqual(runner.generate(np.zeros([3, 8], np.float32), [1, 2, 3]).shape,
                         (3, 32, 32, 1))
        # 20 grid samples over 10 classes: 10 rows of 2 (32 px + 2 px padding each; the PNG
        # may be upscaled by an integer factor).
        grid = sorted(os.listdir(os.path.join(out, "samples")))[-1]
        height, width = np.asarray(Image.open(os.path.join(out, "samples", grid))).shape[:2]
        scale = width // (2 * 34 + 2)
        self.assertEqual((height, width), (scale * (10 * 34 + 2), scale * (2 * 34 + 2)))


class ClassRowColumnsTest(tf.test.TestCase):
    def test_grouped_labels_put_each_class_on_a_row(self):
        from tfgan_suite.viz import grids

        self.assertEqual(grids.class_row_columns(np.repeat(np.arange(10), 8)), 8)
        self.assertEqual(grids.class_row_columns([0, 0, 0, 1, 1, 2]), 3)

    def test_other_labels_keep_the_square_grid(self):
        from tfgan_suite.viz import grids

        self.assertIsNone(grids.class_row_columns(None))
        self.assertIsNone(grids.class_row_columns([3, 3, 3, 3]))  # one class
        self.assertIsNone(grids.class_row_columns([1, 0, 1, 0]))  # not grouped
        self.assertIsNone(grids.class_row_columns([5]))
