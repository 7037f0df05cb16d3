"""Request limits (export/limits.py): every exported signature refuses, inside the graph
and before any work, a request of more than ``max_batch`` rows (speech: more than
``max_frames`` frames) and non-finite float inputs, naming the input and the limit; a
request at the limit runs. The default is 1024 rows, recorded in the SavedModel. The LiteRT
runners bound the batch themselves (the TFLite converter drops the graph's checks)."""

import os
import sys
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import networks
from tfgan_suite.audio.prosody import NormStats
from tfgan_suite.data.voices.statistics import SpeakerStatistics
from tfgan_suite.export import export_saved_model, export_tflite, limits
from tfgan_suite.export.tflite import TFLiteGenerator, TFLiteTranslator
from tfgan_suite.gans import GANS, CycleGAN, InfoGAN
from tfgan_suite.networks import (
    BigGANGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    PatchGANDiscriminator,
    ResNetTranslator,
)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "gans"))
import speech_models  # noqa: E402  (tests/gans: tiny speech models)

LATENT_DIM = 8
MAX_BATCH = 3
#: Frames per utterance in the speech requests (conversion takes ≥ 3).
FRAMES = 8


def tiny_generator(**options) -> DCGANGenerator:
    keras.utils.set_random_seed(0)
    return DCGANGenerator(latent_dim=LATENT_DIM, image_size=28, base_filters=4, **options)


def requests(signature, rows: int, frames: int = FRAMES) -> dict[str, np.ndarray]:
    """Valid inputs of ``rows`` rows for every input of ``signature`` (seeds 0, 1, …,
    truncation 1, zeros elsewhere; ``frames`` frames on a speech input's unknown axis)."""
    inputs = {}
    for name, spec in signature.structured_input_signature[1].items():
        shape = [rows] + [frames if side is None else side for side in spec.shape[1:]]
        inputs[name] = (np.arange(rows).astype(spec.dtype.as_numpy_dtype) if name == "seeds"
                        else np.ones(shape, spec.dtype.as_numpy_dtype) if name == "truncation"
                        else np.zeros(shape, spec.dtype.as_numpy_dtype))
    return inputs


def speaker_statistics(speakers, dims: int) -> dict:
    return {name: SpeakerStatistics(NormStats(np.zeros(dims + 1), np.ones(dims + 1)),
                                    float(np.log(120.0)), 0.1) for name in speakers}


class SignatureRequestBoundsTest(tf.test.TestCase):
    """On a tiny unconditional DCGAN exported with ``max_batch=3``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loaded = tf.saved_model.load(export_saved_model(
            tiny_generator(), tempfile.mkdtemp(), max_batch=MAX_BATCH))
        cls.z = cls.loaded.signatures["serving_default"]
        cls.seeds = cls.loaded.signatures["sample_from_seeds"]

    def test_over_limit_batch_is_refused_naming_the_input_and_the_limit(self):
        message = (r"{}: 4 rows in one request; this model takes at most 3 "
                   r"\(max_batch, set at export\)")
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError, message.format("z")):
            self.z(z=tf.zeros([4, LATENT_DIM]))
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError, message.format("seeds")):
            self.seeds(seeds=tf.range(4, dtype=tf.int64))

    def test_a_million_seeds_are_refused(self):
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                    r"seeds: 1000000 rows in one request; this model takes "
                                    r"at most 3"):
            self.seeds(seeds=tf.range(10**6, dtype=tf.int64))

    def test_batch_at_the_limit_is_accepted(self):
        self.assertEqual(self.z(z=tf.zeros([3, LATENT_DIM]))["images"].shape, (3, 28, 28, 1))
        self.assertEqual(self.seeds(seeds=tf.range(3, dtype=tf.int64))["images"].shape,
                         (3, 28, 28, 1))

    def test_nan_or_infinite_z_is_refused(self):
        for value in (np.nan, np.inf, -np.inf):
            z = np.zeros([2, LATENT_DIM], np.float32)
            z[1, 3] = value
            with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                        r"z: NaN or infinite values; a request takes finite "
                                        r"numbers"):
                self.z(z=tf.constant(z))

    def test_the_limit_is_recorded_in_the_saved_model(self):
        self.assertEqual(limits.recorded_limits(self.loaded), {"max_batch": MAX_BATCH})

    def test_default_limit_is_1024_rows(self):
        self.assertEqual(limits.DEFAULT_MAX_BATCH, 1024)
        loaded = tf.saved_model.load(export_saved_model(tiny_generator(), tempfile.mkdtemp(),
                                                        warmup_batch=0))
        self.assertEqual(limits.recorded_limits(loaded), {"max_batch": 1024})
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                    r"z: 1025 rows in one request; this model takes at most "
                                    r"1024 \(max_batch"):
            loaded.signatures["serving_default"](z=tf.zeros([1025, LATENT_DIM]))

    def test_limits_must_be_positive_integers(self):
        for bad in (0, -1, 2.5, True):
            with self.assertRaisesRegex(ValueError, r"^max_batch=: must be a positive integer"):
                export_saved_model(tiny_generator(), tempfile.mkdtemp(), max_batch=bad)

    def test_warmup_requests_stay_within_the_limit(self):
        from tfgan_suite.export import serving

        path = export_saved_model(tiny_generator(), tempfile.mkdtemp(), max_batch=1,
                                  warmup_batch=2)
        for request in serving.read_warmup_requests(path):
            for tensor in request.inputs.values():
                self.assertEqual(tensor.tensor_shape.dim[0].size, 1)


class EverySignatureIsBoundedTest(tf.test.TestCase):
    """Every signature of every exported kind: each input alone over the limit is refused
    by name, each float input refuses NaN, and a request at the limit runs."""

    def check_bounds(self, loaded, max_batch: int = MAX_BATCH):
        names = sorted(loaded.signatures)
        for signature_name in names:
            signature = loaded.signatures[signature_name]
            for name, spec in signature.structured_input_signature[1].items():
                with self.subTest(signature=signature_name, input=name):
                    inputs = requests(signature, max_batch)
                    inputs[name] = requests(signature, max_batch + 1)[name]
                    with self.assertRaisesRegex(
                            tf.errors.InvalidArgumentError,
                            rf"{name}: {max_batch + 1} rows in one request; this model "
                            rf"takes at most {max_batch} \(max_batch"):
                        signature(**inputs)
                    if spec.dtype.is_floating:
                        inputs = requests(signature, max_batch)
                        inputs[name].flat[-1] = np.nan
                        with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                                    rf"{name}: NaN or infinite values"):
                            signature(**inputs)
            outputs = signature(**requests(signature, max_batch))
            for output in outputs.values():
                self.assertEqual(output.shape[0], max_batch, signature_name)
        return names

    def export(self, model, **options):
        return tf.saved_model.load(export_saved_model(model, tempfile.mkdtemp(),
                                                      max_batch=MAX_BATCH, **options))

    def test_conditional_generator_ids_and_probabilities(self):
        generator = tiny_generator(num_classes=4, conditional=True,
                                   label_input="probabilities", conditional_bn=True)
        self.assertEqual(self.check_bounds(self.export(generator)), [
            "sample_from_seeds", "sample_from_seeds_probabilities", "serving_default",
            "serving_probabilities"])

    def test_truncation_signature(self):
        keras.utils.set_random_seed(0)
        generator = BigGANGenerator(latent_dim=9, image_size=28, width=8,
                                    num_classes=2, embed_dim=4)
        self.assertIn("sample_truncated", self.check_bounds(self.export(generator)))

    def test_code_generator(self):
        codes = [{"name": "c1", "kind": "categorical", "size": 2}]
        keras.utils.set_random_seed(0)
        model = InfoGAN(DCGANGenerator(latent_dim=LATENT_DIM + 2, image_size=28, base_filters=4),
                        DCGANDiscriminator(image_size=28, base_filters=4, q_width=2),
                        codes=codes)
        self.assertEqual(self.check_bounds(self.export(model)), [
            "sample_from_seeds", "sample_with_codes", "serving_default"])

    def test_translators(self):
        keras.utils.set_random_seed(0)
        model = CycleGAN(ResNetTranslator(image_size=8, filters=4, blocks=1),
                         PatchGANDiscriminator(image_size=8, filters=4, strided_layers=1))
        self.assertEqual(self.check_bounds(self.export(model)), [
            "serving_default", "translate_a2b", "translate_a2b_uint8", "translate_b2a",
            "translate_b2a_uint8"])

    def test_voice_converters_bound_utterances_and_frames(self):
        keras.utils.set_random_seed(0)
        model = speech_models.build_speech("cyclegan_vc")
        dims = speech_models.SPEECH_DIMS
        loaded = self.export(model, statistics=speaker_statistics(model.domains, dims),
                             max_frames=MAX_BATCH * FRAMES, warmup_batch=0)
        self.assertEqual(limits.recorded_limits(loaded),
                         {"max_batch": MAX_BATCH, "max_frames": MAX_BATCH * FRAMES})
        self.check_bounds(loaded)
        signature = loaded.signatures["serving_default"]
        inputs = requests(signature, 1, frames=MAX_BATCH * FRAMES + 1)
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                    rf"mcep: {MAX_BATCH * FRAMES + 1} frames in one request "
                                    rf"\(batch × frames\); this model takes at most "
                                    rf"{MAX_BATCH * FRAMES} \(max_frames, set at export\)"):
            signature(**inputs)

    def test_postfilter(self):
        keras.utils.set_random_seed(0)
        dims = 9
        spec = {"name": "ganpf", "channels": 4}
        model = GANS.get("ganpf")(networks.build_generator(spec, dims=dims),
                                  networks.build_discriminator(spec, dims=dims, frames=16))
        statistics = NormStats(np.zeros(dims), np.ones(dims))
        self.assertEqual(self.check_bounds(self.export(model, statistics=statistics)),
                         ["postfilter", "serving_default"])

    def test_speech_warmup_needs_max_frames_of_a_warmup_request(self):
        model = speech_models.build_speech("cyclegan_vc")
        with self.assertRaisesRegex(ValueError, r"^max_frames=: 10 is fewer than the 64 "
                                                r"frames of a warmup request"):
            export_saved_model(model, tempfile.mkdtemp(), max_frames=10, statistics=(
                speaker_statistics(model.domains, speech_models.SPEECH_DIMS)))


class TFLiteBatchTest(tf.test.TestCase):
    """TFLite keeps no Assert op: the runners bound a dynamic batch, a fixed batch is
    exactly its size."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp()
        cls.saved = export_saved_model(tiny_generator(), cls.workdir, warmup_batch=0,
                                       max_batch=MAX_BATCH)

    def test_dynamic_batch_runner_refuses_more_than_max_batch_rows(self):
        path = export_tflite(self.saved, os.path.join(self.workdir, "g.tflite"))
        runner = TFLiteGenerator(path, max_batch=MAX_BATCH)
        self.assertIsNone(runner.batch_size)
        self.assertEqual(runner.generate(np.zeros([3, LATENT_DIM], np.float32)).shape,
                         (3, 28, 28, 1))
        with self.assertRaisesRegex(ValueError, r"^z: 4 rows in one call; this runner takes "
                                                r"at most 3 \(max_batch\)"):
            runner.generate(np.zeros([4, LATENT_DIM], np.float32))
        self.assertEqual(TFLiteGenerator(path).max_batch, 1024)

    def test_fixed_batch_runner_refuses_a_larger_batch(self):
        path = export_tflite(self.saved, os.path.join(self.workdir, "g2.tflite"), batch_size=2)
        runner = TFLiteGenerator(path)
        self.assertEqual(runner.batch_size, 2)
        with self.assertRaisesRegex(ValueError, r"^z: expected shape \[2, 8\], got \[3, 8\]"):
            runner.generate(np.zeros([3, LATENT_DIM], np.float32))

    def test_translator_runner_refuses_more_than_max_batch_images(self):
        keras.utils.set_random_seed(0)
        model = CycleGAN(ResNetTranslator(image_size=8, filters=4, blocks=1),
                         PatchGANDiscriminator(image_size=8, filters=4, strided_layers=1))
        saved = export_saved_model(model, tempfile.mkdtemp(), warmup_batch=0)
        runner = TFLiteTranslator(export_tflite(saved, os.path.join(self.workdir, "t.tflite"),
                                                signature_key="translate_a2b"), max_batch=2)
        self.assertEqual(runner.translate(np.zeros([2, 8, 8, 1], np.float32)).shape,
                         (2, 8, 8, 1))
        with self.assertRaisesRegex(ValueError, r"^images: 3 rows in one call; this runner "
                                                r"takes at most 2 \(max_batch\)"):
            runner.translate(np.zeros([3, 8, 8, 1], np.float32))


if __name__ == "__main__":
    tf.test.main()
