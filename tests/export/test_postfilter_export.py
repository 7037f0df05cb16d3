"""A postfilter exports one ``postfilter`` signature (export/speech.py): equal to
``postfiltering.Postfilter`` on an utterance of any length (the inference noise is a
constant table, so the SavedModel and the TFLite file feed G what Python does), c0 passed
through exactly, warmup requests written; ``TFLitePostfilter`` runs the TFLite file."""

import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import networks, postfiltering
from tfgan_suite.audio.prosody import NormStats
from tfgan_suite.export import TFLitePostfilter, export_saved_model, export_tflite, serving
from tfgan_suite.export import speech as speech_export
from tfgan_suite.gans import GANS

DIMS = 9


def trained_looking_postfilter():
    """A tiny ganpf whose residual conv is non-zero (an untrained one is the identity)."""
    keras.utils.set_random_seed(0)
    spec = {"name": "ganpf", "channels": 4}
    model = GANS.get("ganpf")(networks.build_generator(spec, dims=DIMS),
                              networks.build_discriminator(spec, dims=DIMS, frames=16))
    layer = model.generator.get_layer("band0_residual")
    rng = np.random.default_rng(1)
    layer.set_weights([rng.normal(scale=0.1, size=w.shape).astype(np.float32)
                       for w in layer.get_weights()])
    rng = np.random.default_rng(2)
    return model, NormStats(rng.normal(size=DIMS), rng.uniform(0.5, 2.0, DIMS))


class PostfilterExportTest(tf.test.TestCase):
    def test_saved_model_and_tflite_equal_the_python_postfilter(self):
        model, statistics = trained_looking_postfilter()
        python = postfiltering.Postfilter(model, {"pair_data": {"features": "mcep"},
                                                  "target_statistics": statistics})
        out = self.get_temp_dir()
        path = export_saved_model(model, out, statistics=statistics)
        self.assertTrue(os.path.isfile(os.path.join(path, serving.WARMUP_FILE)))
        loaded = tf.saved_model.load(path)
        self.assertEqual(sorted(loaded.signatures), ["postfilter", "serving_default"])
        tflite = TFLitePostfilter(export_tflite(path, os.path.join(out, "pf.tflite"),
                                                signature_key="postfilter"))
        for frames in (5, 37, 1100):  # beyond the noise table's 1024 frames too
            with self.subTest(frames=frames):
                features = np.random.default_rng(frames).normal(size=(frames, DIMS))
                expected = python(features)
                served = loaded.signatures["postfilter"](
                    features=tf.constant(features[None], tf.float32))["features"][0].numpy()
                self.assertAllClose(served, expected, atol=1e-4)
                self.assertAllEqual(served[:, 0], features[:, 0].astype(np.float32))
                self.assertAllClose(tflite.postfilter(features), expected, atol=1e-4)
                self.assertGreater(np.abs(expected - features).max(), 1e-3)  # not identity

    def test_a_postfilter_needs_its_targets_statistics(self):
        model, _ = trained_looking_postfilter()
        with self.assertRaisesRegex(ValueError, "^statistics"):
            export_saved_model(model, self.get_temp_dir(), statistics=None)
        with self.assertRaisesRegex(ValueError, "^statistics: a postfilter"):
            speech_export.export_postfilter(model, NormStats(np.zeros(3), np.ones(3)),
                                            self.get_temp_dir())
