"""Voice conversion models export one ``convert_<s>_to_<t>`` signature per direction
(export/speech.py): equal to ``conversion.ModelConverter`` on an utterance of any length,
warmup requests that replay, and one TFLite converter per direction run by
``TFLiteVoiceConverter``; the REST body and response of one utterance."""

import os
import sys
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import conversion
from tfgan_suite.audio.analysis import Analysis
from tfgan_suite.audio.prosody import NormStats
from tfgan_suite.data.voices.statistics import SpeakerStatistics
from tfgan_suite.export import TFLiteVoiceConverter, export_saved_model, export_tflite, serving
from tfgan_suite.export import speech as speech_export

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "gans"))
import speech_models  # noqa: E402  (tests/gans: tiny speech models)

DIMS = speech_models.SPEECH_DIMS


def statistics(speakers) -> dict:
    rng = np.random.default_rng(5)
    return {name: SpeakerStatistics(NormStats(rng.normal(size=DIMS + 1),
                                              rng.uniform(0.5, 2.0, DIMS + 1)),
                                    float(np.log(100 + 40 * index)), 0.1 + 0.05 * index)
            for index, name in enumerate(speakers)}


def utterance(frames: int = 37) -> Analysis:
    rng = np.random.default_rng(6)
    f0 = np.where(rng.uniform(size=frames) < 0.3, 0.0, rng.uniform(80, 200, frames))
    return Analysis(f0=f0, mcep=rng.normal(size=(frames, DIMS + 1)),
                    ap=np.zeros((frames, 9)), sample_rate=16000, frame_period=5.0, alpha=0.41)


def trained(name: str):
    keras.utils.set_random_seed(3)
    model = speech_models.build_speech(name)
    model.compile(d_optimizer="adam", g_optimizer="adam", objective="least_squares")
    return model


class SpeechExportTest(tf.test.TestCase):
    def test_signatures_equal_the_python_converter_for_any_length(self):
        for name in ("cyclegan_vc", "stargan_vc2"):
            with self.subTest(model=name):
                model = trained(name)
                speakers = statistics(model.domains)
                path = export_saved_model(model, tempfile.mkdtemp(), statistics=speakers)
                loaded = tf.saved_model.load(path)
                expected_names = {speech_export.signature_name(s, t)
                                  for s, t in model.speaker_directions()}
                self.assertEqual(set(loaded.signatures) - {"serving_default"}, expected_names)
                converter = conversion.ModelConverter(model, speakers)
                source, target = model.speaker_directions()[-1]
                for frames in (37, 40, 5):
                    analysis = utterance(frames)
                    f0, mcep, _ = converter.convert(analysis, source, target)
                    out = loaded.signatures[speech_export.signature_name(source, target)](
                        mcep=tf.constant(analysis.mcep[None], tf.float32),
                        f0=tf.constant(analysis.f0[None], tf.float32))
                    self.assertAllClose(out["mcep"][0], mcep, atol=1e-4, rtol=1e-4)
                    self.assertAllClose(out["f0"][0], f0, rtol=1e-4)
                    self.assertAllEqual(out["f0"][0] == 0, analysis.f0 == 0)
                requests = serving.read_warmup_requests(path)
                self.assertLen(requests, len(expected_names))
                for request in requests:
                    signature = loaded.signatures[request.model_spec.signature_name]
                    signature(**{k: tf.constant(v)
                                 for k, v in serving.request_inputs(request).items()})

    def test_tflite_converter_matches_the_signature(self):
        model = trained("cyclegan_vc2")
        speakers = statistics(model.domains)
        saved = export_saved_model(model, tempfile.mkdtemp(), statistics=speakers,
                                   warmup_batch=0)
        source, target = model.speaker_directions()[0]
        key = speech_export.signature_name(source, target)
        path = export_tflite(saved, os.path.join(tempfile.mkdtemp(), "vc.tflite"),
                             signature_key=key)
        lite = TFLiteVoiceConverter(path)
        analysis = utterance(41)
        mcep, f0 = lite.convert(analysis.mcep, analysis.f0)
        out = tf.saved_model.load(saved).signatures[key](
            mcep=tf.constant(analysis.mcep[None], tf.float32),
            f0=tf.constant(analysis.f0[None], tf.float32))
        self.assertAllClose(mcep, out["mcep"][0], atol=1e-4)
        self.assertAllClose(f0, out["f0"][0], rtol=1e-5)
        with self.assertRaisesRegex(ValueError, r"mcep, f0: expected \[frames, 9\]"):
            lite.convert(analysis.mcep[:, :4], analysis.f0)

    def test_export_needs_the_statistics_of_every_speaker(self):
        model = trained("cyclegan_vc")
        with self.assertRaisesRegex(ValueError, "statistics: a speech model is exported with "
                                                r"its statistics \(a conversion model"):
            export_saved_model(model, tempfile.mkdtemp())
        with self.assertRaisesRegex(ValueError, "statistics: no statistics of s1"):
            export_saved_model(model, tempfile.mkdtemp(),
                               statistics=statistics(model.domains[:1]))

    def test_rest_body_and_response_of_one_utterance(self):
        analysis = utterance(8)
        body = speech_export.rest_body("convert_a_to_b", analysis.mcep, analysis.f0)
        self.assertEqual(body["signature_name"], "convert_a_to_b")
        self.assertEqual(np.shape(body["inputs"]["mcep"]), (1, 8, DIMS + 1))
        mcep, f0 = speech_export.parse_rest_response(
            {"outputs": {"mcep": body["inputs"]["mcep"], "f0": body["inputs"]["f0"]}})
        self.assertAllClose(mcep, analysis.mcep)
        self.assertAllClose(f0, analysis.f0)
        with self.assertRaisesRegex(ValueError, "expected 'outputs'"):
            speech_export.parse_rest_response({"predictions": []})
