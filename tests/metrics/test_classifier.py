"""The domain classifier: accurate, cached by config, and a consistent feature space."""

import os
import shutil
import tempfile
from unittest import mock

import numpy as np
import pytest
import tensorflow as tf

from tests.shared_cache import isolated_cache
from tfgan_suite import cache, data
from tfgan_suite.metrics import classifier as classifier_lib


class DigitsClassifierTest(tf.test.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cache = tempfile.mkdtemp(prefix="tfgan_classifier_cache_")
        cls.classifier = classifier_lib.get_domain_classifier("digits", directory=cls.cache)
        cls.test_images, cls.test_labels = data.load_arrays("digits", "test")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.cache, ignore_errors=True)
        super().tearDownClass()

    def test_digits_classifier_reaches_85_percent_test_accuracy(self):
        self.assertGreater(self.classifier.test_accuracy, 0.85)
        self.assertAllClose(self.classifier.accuracy(self.test_images, self.test_labels),
                            self.classifier.test_accuracy)

    def test_cache_hit_returns_the_same_features_without_retraining(self):
        with mock.patch.object(classifier_lib, "train_domain_classifier",
                               side_effect=AssertionError("retrained on a cache hit")):
            cached = classifier_lib.get_domain_classifier("digits", directory=self.cache)
        self.assertEqual(cached.key, self.classifier.key)
        self.assertEqual(cached.test_accuracy, self.classifier.test_accuracy)
        self.assertAllClose(cached.features(self.test_images[:50]),
                            self.classifier.features(self.test_images[:50]), atol=1e-6)

    def test_cache_directory_comes_from_the_environment(self):
        with mock.patch.dict(os.environ, {cache.CACHE_DIR_ENV: self.cache}):
            self.assertEqual(cache.cache_dir(), self.cache)
            with mock.patch.object(classifier_lib, "train_domain_classifier",
                                   side_effect=AssertionError("retrained on a cache hit")):
                classifier_lib.get_domain_classifier("digits")

    def test_cache_key_changes_with_seed_size_and_architecture(self):
        base = classifier_lib.ClassifierConfig()
        key = classifier_lib.cache_key("digits", 8, 1, base)
        other_seed = classifier_lib.ClassifierConfig(seed=1)
        other_arch = classifier_lib.ClassifierConfig(filters=(16, 32))
        self.assertLen({key, classifier_lib.cache_key("digits", 8, 1, other_seed),
                        classifier_lib.cache_key("digits", 8, 1, other_arch),
                        classifier_lib.cache_key("digits", 28, 1, base)}, 4)

    def test_adding_the_architecture_field_kept_the_keys_of_cached_cnn_classifiers(self):
        # The key every FD_fmnist in docs/results was measured with (metrics_floor.md).
        self.assertEqual(classifier_lib.cache_key("fashion_mnist", 28, 1,
                                                  classifier_lib.ClassifierConfig()),
                         "fashion_mnist_28px_4158486897ca")
        self.assertNotEqual(
            classifier_lib.cache_key("fashion_mnist", 28, 1,
                                     classifier_lib.ClassifierConfig(architecture="vgg")),
            "fashion_mnist_28px_4158486897ca")

    def test_unknown_architecture_names_the_accepted_ones(self):
        with self.assertRaisesRegex(ValueError, "architecture.*accepted: cnn, vgg"):
            classifier_lib.ClassifierConfig(architecture="resnet")

    def test_features_probabilities_and_labels_have_the_documented_shapes(self):
        images = self.test_images[:7]
        features = self.classifier.features(images)
        probabilities = self.classifier.probabilities(images)
        labels = self.classifier.predict_labels(images)
        self.assertEqual(features.shape, (7, self.classifier.config.feature_units))
        self.assertEqual(features.dtype, np.float32)
        self.assertEqual(probabilities.shape, (7, 10))
        self.assertAllClose(probabilities.sum(axis=1), np.ones(7), atol=1e-5)
        self.assertEqual(labels.dtype, np.int32)
        self.assertAllEqual(labels, probabilities.argmax(axis=1))

    def test_generator_sized_images_are_brought_to_the_classifier_size(self):
        # Digits generated at 28 px (resized up from 8 px) are resized back down.
        upsampled = data.fit_image_size(tf.constant(self.test_images[:50]), 28)
        self.assertEqual(upsampled.shape[1:], (28, 28, 1))
        accuracy = self.classifier.accuracy(upsampled.numpy(), self.test_labels[:50])
        self.assertGreater(accuracy, 0.8)

    def test_intra_class_fd_of_a_set_with_itself_is_zero_per_class(self):
        images, labels = data.load_arrays("digits", "train")
        per_class = classifier_lib.intra_class_fd(self.classifier, images, labels, images,
                                                  labels)
        self.assertCountEqual(per_class, list(range(10)) + ["mean"])
        self.assertAllClose(per_class["mean"], 0.0, atol=1e-3)

    def test_gan_test_accuracy_of_real_images_is_the_test_accuracy(self):
        self.assertAllClose(
            classifier_lib.gan_test_accuracy(self.classifier, self.test_images,
                                             self.test_labels),
            self.classifier.test_accuracy)

    def test_gan_train_accuracy_of_real_training_images_is_high(self):
        images, labels = data.load_arrays("digits", "train")
        self.assertGreater(
            classifier_lib.gan_train_accuracy(self.classifier, images, labels), 0.85)


@pytest.mark.slow
class IndependentClassifierTest(tf.test.TestCase):
    """The second feature space: another architecture, seed and feature size."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The session's trained pair (tests/shared_cache.py): the same code trained them.
        cls.cache = isolated_cache("tfgan_classifier_cache_")
        cls.primary = classifier_lib.get_domain_classifier("digits", directory=cls.cache)
        cls.independent = classifier_lib.get_domain_classifier(
            "digits", config=classifier_lib.INDEPENDENT_CONFIG, directory=cls.cache)
        cls.test_images, _ = data.load_arrays("digits", "test")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.cache, ignore_errors=True)
        super().tearDownClass()

    def test_independent_network_is_a_different_vgg_style_classifier(self):
        network = self.independent.network
        self.assertIsNotNone(network.get_layer("average"))  # global average pooling
        self.assertLen([layer for layer in network.layers
                        if layer.name.startswith("bn")], 6)
        self.assertEqual(self.independent.name, "DomainClassifier(digits, 8px, vgg)")
        self.assertEqual(self.independent.describe()["seed"], 1)
        self.assertNotEqual(self.independent.key, self.primary.key)

    def test_it_classifies_digits_and_gives_its_own_feature_size(self):
        self.assertGreater(self.independent.test_accuracy, 0.85)
        features = self.independent.features(self.test_images[:5])
        self.assertEqual(features.shape, (5, classifier_lib.INDEPENDENT_CONFIG.feature_units))


class FitToClassifierTest(tf.test.TestCase):

    def test_padding_to_32_is_undone_exactly_by_a_centre_crop(self):
        images = np.random.default_rng(0).uniform(-1, 1, [3, 28, 28, 1]).astype(np.float32)
        padded = data.fit_image_size(tf.constant(images), 32)
        self.assertAllEqual(classifier_lib.fit_to_classifier(padded, 28), images)

    def test_other_sizes_are_resized_into_minus_one_one(self):
        images = np.ones([2, 28, 28, 1], np.float32)
        resized = classifier_lib.fit_to_classifier(images, 8).numpy()
        self.assertEqual(resized.shape, (2, 8, 8, 1))
        self.assertAllClose(resized, np.ones_like(resized))
