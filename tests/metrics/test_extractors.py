"""InceptionV3 extractor: weights come from a file or not at all, never from the network."""

import os
import tempfile
from unittest import mock

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf
from keras.src.legacy.saving import legacy_h5_format

from tfgan_suite.metrics import extractors


def empty_home_environment(home: str) -> dict:
    """Environment variables that point every weights location at an empty directory."""
    return {"HOME": home, "KERAS_HOME": os.path.join(home, ".keras"),
            extractors.WEIGHTS_ENV: ""}


class FindWeightsTest(tf.test.TestCase):

    def test_empty_keras_cache_raises_naming_every_place_searched_and_the_remedy(self):
        home = self.get_temp_dir()
        with mock.patch.dict(os.environ, empty_home_environment(home)):
            with self.assertRaises(extractors.WeightsNotAvailableError) as raised:
                extractors.InceptionExtractor()
        message = str(raised.exception)
        self.assertIsInstance(raised.exception, RuntimeError)
        self.assertIn(os.path.join(home, ".keras", "models", extractors.TOP_WEIGHTS_FILE),
                      message)
        self.assertIn(extractors.NOTOP_WEIGHTS_FILE, message)
        self.assertIn(extractors.WEIGHTS_ENV, message)
        self.assertIn("never downloaded", message)

    def test_missing_explicit_path_is_an_error_not_a_fallback(self):
        missing = os.path.join(self.get_temp_dir(), "nothing_here.h5")
        with self.assertRaisesRegex(extractors.WeightsNotAvailableError, "nothing_here.h5"):
            extractors.find_weights(missing)

    def test_environment_variable_path_is_used(self):
        path = os.path.join(self.get_temp_dir(), "weights.h5")
        open(path, "wb").close()
        with mock.patch.dict(os.environ, {extractors.WEIGHTS_ENV: path}):
            self.assertEqual(extractors.find_weights(), path)

    def test_keras_cache_file_is_found(self):
        home = self.get_temp_dir()
        models = os.path.join(home, ".keras", "models")
        os.makedirs(models, exist_ok=True)
        path = os.path.join(models, extractors.NOTOP_WEIGHTS_FILE)
        open(path, "wb").close()
        with mock.patch.dict(os.environ, empty_home_environment(home)):
            self.assertEqual(extractors.find_weights(), path)


class PreprocessTest(tf.test.TestCase):

    def test_grayscale_in_minus_one_one_becomes_three_channel_299_in_the_same_range(self):
        images = np.linspace(-1.0, 1.0, 2 * 28 * 28, dtype=np.float32).reshape(2, 28, 28, 1)
        out = extractors.preprocess(images).numpy()
        self.assertEqual(out.shape, (2, 299, 299, 3))
        self.assertAllEqual(out[..., 0], out[..., 2])
        self.assertGreaterEqual(out.min(), -1.0)
        self.assertLessEqual(out.max(), 1.0)


class InceptionExtractorTest(tf.test.TestCase):

    @pytest.mark.slow
    def test_weights_saved_in_the_keras_applications_format_load_through_an_explicit_path(self):
        # A randomly initialised InceptionV3 stands in for the ImageNet file: same layer
        # names, same legacy HDF5 layout, so the loading code is exercised offline.
        keras.utils.set_random_seed(0)
        reference = keras.applications.InceptionV3(include_top=True, weights=None)
        path = os.path.join(tempfile.mkdtemp(dir=self.get_temp_dir()), "inception.h5")
        with h5py.File(path, "w") as handle:
            legacy_h5_format.save_weights_to_hdf5_group(handle, reference)
        self.assertTrue(extractors.weights_have_top(path))

        extractor = extractors.InceptionExtractor(weights_path=path)
        images = np.random.default_rng(0).uniform(-1, 1, [2, 28, 28, 1]).astype(np.float32)
        features = extractor.features(images)
        probabilities = extractor.probabilities(images)

        self.assertEqual(features.shape, (2, extractors.FEATURE_DIM))
        self.assertEqual(probabilities.shape, (2, 1000))
        self.assertAllClose(probabilities.sum(axis=1), [1.0, 1.0], atol=1e-4)
        expected = reference.predict(extractors.preprocess(images), verbose=0)
        self.assertAllClose(probabilities, expected, atol=1e-5)


class WeightsHaveTopTest(tf.test.TestCase):

    def test_keras3_weights_file_has_a_top_exactly_when_it_holds_a_dense_layer(self):
        inputs = keras.Input((8, 8, 3))
        features = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(2, 3)(inputs))
        for name, outputs, expected in (
                ("notop", features, False),
                ("top", keras.layers.Dense(4, name="predictions")(features), True)):
            path = os.path.join(self.get_temp_dir(), f"{name}.weights.h5")
            keras.Model(inputs, outputs).save_weights(path)
            self.assertEqual(extractors.weights_have_top(path), expected, name)
