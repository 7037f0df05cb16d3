"""TFLite export: each quantisation mode runs under LiteRT within its measured error bound."""

import os
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite.export import QUANTIZE_MODES, export_saved_model, export_tflite
from tfgan_suite.export.tflite import TFLiteGenerator
from tfgan_suite.networks.dcgan import DCGANGenerator

LATENT_DIM = 8
#: quantize → (max |Δ| bound, mean |Δ| bound) on [−1, 1] images vs the SavedModel.
#: Measured on this generator (32 z): none 5e-7 / 4e-8, float16 8e-4 / 8e-5,
#: dynamic 2e-2 / 1.7e-3, int8 3.4e-2 / 5.7e-3; bounds leave ~3-10× headroom.
ERROR_BOUNDS = {"none": (1e-4, 1e-5), "float16": (1e-2, 1e-3), "dynamic": (0.15, 0.01),
                "int8": (0.2, 0.03)}
#: quantize → max |Δ| of images_uint8 in pixel levels (measured 1, 1, 3, 5).
UINT8_BOUNDS = {"none": 1, "float16": 2, "dynamic": 8, "int8": 12}


def generator_spanning_output_range(latent_dim=LATENT_DIM, base_filters=8, seed=0):
    """A random DCGAN whose tanh output covers [−1, 1] like a trained one's.

    At initialisation the output is within ±0.1, which would flatter quantisation; the
    output convolution is scaled ×30 so the images use the whole range.
    """
    keras.utils.set_random_seed(seed)
    generator = DCGANGenerator(latent_dim=latent_dim, image_size=32, channels=3,
                               base_filters=base_filters)
    kernel = generator.get_layer("to_image").kernel
    kernel.assign(kernel * 30.0)
    return generator


def latents(n, seed):
    return np.random.default_rng(seed).standard_normal([n, LATENT_DIM]).astype(np.float32)


class TFLiteExportTest(tf.test.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp()
        cls.generator = generator_spanning_output_range()
        cls.saved_model_dir = export_saved_model(cls.generator, cls.workdir, warmup_batch=0)
        cls.paths = {
            mode: export_tflite(cls.saved_model_dir, os.path.join(cls.workdir, f"{mode}.tflite"),
                                quantize=mode, representative_z=latents(100, seed=2))
            for mode in QUANTIZE_MODES}
        cls.z = latents(32, seed=1)
        reference = tf.saved_model.load(cls.saved_model_dir).signatures["serving_default"](
            z=tf.constant(cls.z))
        cls.reference = {name: tensor.numpy() for name, tensor in reference.items()}

    def assertWithinBounds(self, mode):
        outputs = TFLiteGenerator(self.paths[mode])(self.z)
        error = np.abs(outputs["images"] - self.reference["images"])
        max_bound, mean_bound = ERROR_BOUNDS[mode]
        self.assertLess(error.max(), max_bound, f"{mode}: max |error|")
        self.assertLess(error.mean(), mean_bound, f"{mode}: mean |error|")
        pixels = np.abs(outputs["images_uint8"].astype(np.int32)
                        - self.reference["images_uint8"].astype(np.int32))
        self.assertEqual(outputs["images_uint8"].dtype, np.uint8)
        self.assertLessEqual(pixels.max(), UINT8_BOUNDS[mode], f"{mode}: uint8 levels")

    def test_generator_output_spans_the_image_range(self):
        self.assertGreater(np.abs(self.reference["images"]).max(), 0.9)

    def test_float32_model_matches_saved_model_within_1e_4(self):
        self.assertWithinBounds("none")

    def test_float16_model_matches_saved_model_within_1e_2(self):
        self.assertWithinBounds("float16")

    def test_dynamic_range_model_error_is_within_measured_bound(self):
        self.assertWithinBounds("dynamic")

    def test_int8_model_error_is_within_measured_bound(self):
        self.assertWithinBounds("int8")

    def test_int8_keeps_float_inputs_and_outputs(self):
        runner = TFLiteGenerator(self.paths["int8"]).runner
        self.assertEqual(runner.get_input_details()["z"]["dtype"], np.float32)
        self.assertEqual(runner.get_output_details()["images"]["dtype"], np.float32)

    def test_interpreter_accepts_any_batch_size(self):
        model = TFLiteGenerator(self.paths["none"])
        self.assertEqual(model.generate(self.z[:1]).shape, (1, 32, 32, 3))
        self.assertEqual(model.generate(self.z[:5]).shape, (5, 32, 32, 3))
        with self.assertRaisesRegex(ValueError, "z: expected shape"):
            model.generate(np.zeros([2, LATENT_DIM + 1], np.float32))

    def test_fixed_batch_model_matches_saved_model_and_rejects_other_batches(self):
        for mode in ("none", "int8"):
            path = export_tflite(self.saved_model_dir,
                                 os.path.join(self.workdir, f"{mode}_b8.tflite"), quantize=mode,
                                 representative_z=latents(100, seed=2), batch_size=8)
            model = TFLiteGenerator(path)
            self.assertEqual(model.batch_size, 8)
            error = np.abs(model.generate(self.z[:8]) - self.reference["images"][:8])
            self.assertLess(error.max(), ERROR_BOUNDS[mode][0], mode)
            self.assertLess(error.mean(), ERROR_BOUNDS[mode][1], mode)
        with self.assertRaisesRegex(ValueError, r"expected shape \[8, 8\]"):
            model.generate(self.z[:4])

    def test_signature_needing_flex_ops_fails_at_export_naming_the_ops(self):
        with self.assertRaisesRegex(ValueError, r"not TFLite builtins: .*StatelessRandomNormalV2"):
            export_tflite(self.saved_model_dir, os.path.join(self.workdir, "seeds.tflite"),
                          signature_key="sample_from_seeds")

    def test_bad_options_are_value_errors_listing_accepted_values(self):
        out = os.path.join(self.workdir, "bad.tflite")
        with self.assertRaisesRegex(ValueError, "accepted: none, float16, dynamic, int8"):
            export_tflite(self.saved_model_dir, out, quantize="int4")
        with self.assertRaisesRegex(ValueError, "representative_z"):
            export_tflite(self.saved_model_dir, out, quantize="int8")


class TFLiteSizeTest(tf.test.TestCase):
    @pytest.mark.slow
    def test_quantised_models_are_smaller_int8_at_least_3_5x(self):
        # Wide enough (≈ 300k weights) that weights, not graph overhead, dominate the file.
        generator = generator_spanning_output_range(latent_dim=64, base_filters=32)
        workdir = tempfile.mkdtemp()
        saved_model_dir = export_saved_model(generator, workdir, warmup_batch=0)
        calibration = np.random.default_rng(0).standard_normal([20, 64]).astype(np.float32)
        sizes = {mode: os.path.getsize(export_tflite(
            saved_model_dir, os.path.join(workdir, f"{mode}.tflite"), quantize=mode,
            representative_z=calibration)) for mode in QUANTIZE_MODES}
        self.assertGreaterEqual(sizes["none"] / sizes["int8"], 3.5, sizes)
        self.assertGreaterEqual(sizes["none"] / sizes["dynamic"], 3.5, sizes)
        self.assertGreaterEqual(sizes["none"] / sizes["float16"], 1.9, sizes)


if __name__ == "__main__":
    tf.test.main()
