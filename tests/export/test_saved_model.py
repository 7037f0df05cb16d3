"""SavedModel export: TF Serving layout, signatures equal the Keras generator, warmup replays."""

import contextlib
import io
import os
import subprocess
import sys
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import cli, runs
from tfgan_suite.export import export_saved_model, images_to_uint8
from tfgan_suite.export import serving as serving_lib
from tfgan_suite.gans.base import AdversarialModel
from tfgan_suite.networks.dcgan import DCGANDiscriminator, DCGANGenerator

LATENT_DIM = 8
SAVED_MODEL_CLI = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: A two-step DCGAN run on scikit-learn's digits (no download), small networks.
TINY_RUN = ["data.name=digits", "data.image_size=28", "data.batch_size=16",
            "generator.latent_dim=8", "generator.base_filters=8",
            "discriminator.base_filters=8", "train.steps=2", "train.steps_per_epoch=2",
            "train.steps_per_execution=1", "train.jit_compile=false", "sample.grid_size=4"]


def run_cli(*argv):
    stderr, stdout = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
        code = cli.main(list(argv))
    return code, stdout.getvalue(), stderr.getvalue()


def small_generator(seed: int = 0) -> DCGANGenerator:
    keras.utils.set_random_seed(seed)
    generator = DCGANGenerator(latent_dim=LATENT_DIM, image_size=32, channels=3,
                               base_filters=8)
    # Non-trivial BatchNorm statistics, so training=False vs True would differ.
    for layer in generator.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            size = layer.moving_mean.shape[0]
            layer.moving_mean.assign(np.linspace(-0.1, 0.1, size).astype(np.float32))
            layer.moving_variance.assign(np.linspace(0.5, 2.0, size).astype(np.float32))
    return generator


class SavedModelExportTest(tf.test.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.models_dir = tempfile.mkdtemp()
        cls.generator = small_generator()
        cls.version_dir = export_saved_model(cls.generator, cls.models_dir)
        cls.loaded = tf.saved_model.load(cls.version_dir)

    def z(self, n=5, seed=1):
        return np.random.default_rng(seed).standard_normal([n, LATENT_DIM]).astype(np.float32)

    def test_writes_tf_serving_layout_model_name_slash_version(self):
        self.assertEqual(self.version_dir, os.path.join(self.models_dir, "generator", "1"))
        self.assertTrue(os.path.isfile(os.path.join(self.version_dir, "saved_model.pb")))
        self.assertTrue(os.path.isdir(os.path.join(self.version_dir, "variables")))

    def test_serving_default_equals_keras_generator_on_same_z(self):
        z = self.z()
        outputs = self.loaded.signatures["serving_default"](z=tf.constant(z))
        expected = self.generator(z, training=False).numpy()
        self.assertAllClose(outputs["images"].numpy(), expected, atol=1e-5, rtol=0)
        self.assertEqual(outputs["images"].dtype, tf.float32)

    def test_images_uint8_is_rounded_and_clipped_images(self):
        outputs = self.loaded.signatures["serving_default"](z=tf.constant(self.z()))
        images = outputs["images"].numpy()
        expected = np.clip(np.round(images * 127.5 + 127.5), 0, 255).astype(np.uint8)
        self.assertEqual(outputs["images_uint8"].dtype, tf.uint8)
        self.assertAllEqual(outputs["images_uint8"].numpy(), expected)
        extremes = images_to_uint8(tf.constant([-1.5, -1.0, 0.0, 1.0, 1.5])).numpy()
        self.assertAllEqual(extremes, [0, 0, 128, 255, 255])

    def test_saved_model_cli_lists_inputs_and_outputs_of_serving_default(self):
        shown = subprocess.run(
            [SAVED_MODEL_CLI, "show", "--dir", self.version_dir, "--tag_set", "serve",
             "--signature_def", "serving_default"],
            capture_output=True, text=True, check=True,
            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")).stdout
        self.assertRegex(shown, r"inputs\['z'\] tensor_info:\s+dtype: DT_FLOAT\s+"
                                rf"shape: \(-1, {LATENT_DIM}\)")
        self.assertRegex(shown, r"outputs\['images'\] tensor_info:\s+dtype: DT_FLOAT\s+"
                                r"shape: \(-1, 32, 32, 3\)")
        self.assertRegex(shown, r"outputs\['images_uint8'\] tensor_info:\s+dtype: DT_UINT8")
        self.assertIn("tensorflow/serving/predict", shown)

    def test_signatures_have_the_documented_inputs(self):
        seeds_fn = self.loaded.signatures["sample_from_seeds"]
        self.assertEqual(seeds_fn.structured_input_signature[1]["seeds"],
                         tf.TensorSpec([None], tf.int64, name="seeds"))
        self.assertEqual(sorted(seeds_fn.structured_outputs), ["images", "images_uint8"])

    def test_input_signature_rejects_wrong_dtype_and_latent_size(self):
        serving_default = self.loaded.signatures["serving_default"]
        with self.assertRaises((TypeError, ValueError, tf.errors.InvalidArgumentError)):
            serving_default(z=tf.zeros([2, LATENT_DIM + 1]))
        with self.assertRaises((TypeError, ValueError, tf.errors.InvalidArgumentError)):
            serving_default(z=tf.zeros([2, LATENT_DIM], tf.float64))

    def test_sample_from_seeds_is_deterministic_and_draws_stateless_normal_per_seed(self):
        sample_from_seeds = self.loaded.signatures["sample_from_seeds"]
        first = sample_from_seeds(seeds=tf.constant([3, 7, 3], tf.int64))["images"].numpy()
        again = sample_from_seeds(seeds=tf.constant([7], tf.int64))["images"].numpy()
        self.assertAllEqual(first[0], first[2])   # same seed, same image
        self.assertAllClose(first[1], again[0], atol=1e-6)   # independent of the batch
        self.assertGreater(np.abs(first[0] - first[1]).max(), 1e-3)
        z = tf.random.stateless_normal([LATENT_DIM], seed=[7, 0])[None]
        self.assertAllClose(again, self.generator(z, training=False).numpy(), atol=1e-5)

    def test_warmup_file_parses_and_replays_through_each_signature(self):
        requests = serving_lib.read_warmup_requests(self.version_dir)
        self.assertEqual(sorted(r.model_spec.signature_name for r in requests),
                         ["sample_from_seeds", "serving_default"])
        for request in requests:
            self.assertEqual(request.model_spec.name, "generator")
            signature = self.loaded.signatures[request.model_spec.signature_name]
            inputs = serving_lib.request_inputs(request)
            outputs = signature(**{k: tf.constant(v) for k, v in inputs.items()})
            self.assertEqual(outputs["images"].shape, [2, 32, 32, 3])

    def test_existing_version_is_refused_unless_overwrite(self):
        with self.assertRaisesRegex(ValueError, "already exists"):
            export_saved_model(self.generator, self.models_dir)
        other = export_saved_model(self.generator, self.models_dir, model_name="other",
                                   version=3, warmup_batch=0)
        self.assertEqual(other, os.path.join(self.models_dir, "other", "3"))
        self.assertFalse(os.path.exists(os.path.join(other, serving_lib.WARMUP_FILE)))
        with self.assertRaisesRegex(ValueError, "version"):
            export_saved_model(self.generator, self.models_dir, version=0)

    def test_version_none_takes_the_next_free_version_number(self):
        models = tempfile.mkdtemp()
        first = export_saved_model(self.generator, models, version=None, warmup_batch=0)
        second = export_saved_model(self.generator, models, version=None, warmup_batch=0)
        self.assertEqual([first, second], [os.path.join(models, "generator", "1"),
                                           os.path.join(models, "generator", "2")])


class AdversarialModelExportTest(tf.test.TestCase):
    def test_exports_the_ema_generator_of_an_adversarial_model(self):
        gan = AdversarialModel(small_generator(0),
                               DCGANDiscriminator(image_size=32, channels=3, base_filters=8),
                               ema_decay=0.99)
        gan.ema_generator.set_weights([w * 0.5 for w in gan.generator.get_weights()])
        version_dir = export_saved_model(gan, tempfile.mkdtemp())
        z = gan.latent(4, seed=2)
        images = tf.saved_model.load(version_dir).signatures["serving_default"](
            z=tf.constant(z))["images"].numpy()
        self.assertAllClose(images, gan.ema_generator(z, training=False), atol=1e-5)
        self.assertGreater(np.abs(images - gan.generator(z, training=False)).max(), 1e-3)


class ExportCommandTest(tf.test.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp()
        cls.run_dir = os.path.join(cls.workdir, "run")
        sets = [arg for item in TINY_RUN for arg in ("--set", item)]
        code, _, stderr = run_cli("train", "--config",
                                  os.path.join(ROOT, "configs", "dcgan_fashion_mnist.yaml"),
                                  "--out", cls.run_dir, *sets)
        assert code == 0, stderr

    def test_export_saved_model_serves_the_runs_ema_generator(self):
        models = os.path.join(self.workdir, "models")
        code, stdout, stderr = run_cli("export", "--run", self.run_dir, "--format",
                                       "saved_model", "--out", models)
        self.assertEqual(code, 0, stderr)
        self.assertIn(os.path.join(models, "generator", "1"), stdout)
        model = runs.load_run(self.run_dir)
        z = model.latent(3, seed=0)
        images = tf.saved_model.load(os.path.join(models, "generator", "1")).signatures[
            "serving_default"](z=tf.constant(z))["images"].numpy()
        self.assertAllClose(images, model.sampling_generator(z, training=False), atol=1e-5)
        self.assertIs(model.sampling_generator, model.ema_generator)
        code, stdout, _ = run_cli("export", "--run", self.run_dir, "--format", "saved_model",
                                  "--out", models)
        self.assertEqual(code, 0)
        self.assertIn(os.path.join(models, "generator", "2"), stdout)  # the next version

    def test_export_tflite_int8_writes_a_runnable_model(self):
        out = os.path.join(self.workdir, "g_int8.tflite")
        code, stdout, stderr = run_cli("export", "--run", self.run_dir, "--format", "tflite",
                                       "--quantize", "int8", "--out", out)
        self.assertEqual(code, 0, stderr)
        self.assertIn("int8", stdout)
        from tfgan_suite.export.tflite import TFLiteGenerator

        images = TFLiteGenerator(out).generate(np.zeros([2, 8], np.float32))
        self.assertEqual(images.shape, (2, 28, 28, 1))

    def test_max_batch_flag_sets_the_limit_of_the_served_model(self):
        models = os.path.join(self.workdir, "bounded")
        code, stdout, stderr = run_cli("export", "--run", self.run_dir, "--format",
                                       "saved_model", "--max-batch", "3", "--out", models)
        self.assertEqual(code, 0, stderr)
        from tfgan_suite.export import limits

        loaded = tf.saved_model.load(os.path.join(models, "generator", "1"))
        self.assertEqual(limits.recorded_limits(loaded), {"max_batch": 3})
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                    r"seeds: 4 rows in one request; this model takes at most 3"):
            loaded.signatures["sample_from_seeds"](seeds=tf.range(4, dtype=tf.int64))
        self.assertEqual(cli.build_parser().parse_args(
            ["export", "--run", "r", "--format", "saved_model", "--out", "o"]).max_batch, 1024)
        for argv, message in ((["--format", "saved_model", "--max-batch", "0"],
                               "--max-batch: must be a positive integer, got 0"),
                              (["--format", "tflite", "--max-batch", "3"],
                               "--max-batch: applies to --format saved_model only")):
            code, _, stderr = run_cli("export", "--run", self.run_dir, *argv, "--out", models)
            self.assertEqual(code, 2)
            self.assertEqual(len(stderr.strip().splitlines()), 1)
            self.assertIn(message, stderr)

    def test_quantize_with_saved_model_is_a_one_line_error(self):
        code, _, stderr = run_cli("export", "--run", self.run_dir, "--format", "saved_model",
                                  "--quantize", "int8", "--out", self.workdir)
        self.assertEqual(code, 2)
        self.assertEqual(len(stderr.strip().splitlines()), 1)
        self.assertIn("--quantize", stderr)


if __name__ == "__main__":
    tf.test.main()
