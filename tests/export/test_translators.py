"""Translation models export their translators (export/saved_model.py): one float and one
uint8 signature per direction, equal to ``model.translate``, warmup requests that replay,
and a fixed input shape; and one TFLite translator per direction (export/tflite.py), float16
and int8 (calibrated on source-domain images), run by ``TFLiteTranslator``."""

import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite.export import export_saved_model, export_tflite, serving
from tfgan_suite.export.tflite import TFLiteTranslator
from tfgan_suite.gans import CycleGAN, Pix2Pix
from tfgan_suite.networks import PatchGANDiscriminator, ResNetTranslator, UNetTranslator
from tfgan_suite.networks.dcgan import DCGANGenerator


class TranslatorExportTest(tf.test.TestCase):
    def test_signatures_per_direction_match_translate_and_warm_up(self):
        keras.utils.set_random_seed(2)
        model = CycleGAN(ResNetTranslator(image_size=16, filters=4, blocks=1),
                         PatchGANDiscriminator(image_size=16, filters=4, strided_layers=2),
                         ema_decay=0.9)
        model.ema_generator_ba.set_weights([w * 0.5 for w in model.generator_ba.get_weights()])
        path = export_saved_model(model, tempfile.mkdtemp(), model_name="translator")
        loaded = tf.saved_model.load(path)
        self.assertEqual(sorted(loaded.signatures), [
            "serving_default", "translate_a2b", "translate_a2b_uint8", "translate_b2a",
            "translate_b2a_uint8"])
        rng = np.random.default_rng(0)
        pixels = rng.integers(0, 256, [3, 16, 16, 1]).astype(np.uint8)
        images = pixels.astype(np.float32) / 127.5 - 1.0
        for direction in ("a2b", "b2a"):
            expected = model.translate(images, direction)  # the EMA copies
            floats = loaded.signatures[f"translate_{direction}"](images=tf.constant(images))
            self.assertAllClose(floats["images"], expected, atol=1e-5)
            from_pixels = loaded.signatures[f"translate_{direction}_uint8"](
                pixels=tf.constant(pixels))
            self.assertAllClose(from_pixels["images"], expected, atol=1e-5)
            self.assertAllClose(from_pixels["images_uint8"].numpy().astype(np.float32),
                                np.clip(np.round(expected * 127.5 + 127.5), 0, 255), atol=1)
        # Keras names the first endpoint serving_default as well: translate_a2b.
        self.assertAllClose(loaded.signatures["serving_default"](
            images=tf.constant(images))["images"], model.translate(images), atol=1e-5)
        self.assertNotAllClose(model.translate(images, "b2a"),
                               model.generator_ba(images, training=False))
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                    r"\[1,8,8,1\] is not compatible with expected shape "
                                    r"\[\?,16,16,1\]"):
            loaded.signatures["translate_a2b"](images=tf.zeros([1, 8, 8, 1]))
        requests = serving.read_warmup_requests(path)
        self.assertEqual([r.model_spec.signature_name for r in requests], [
            "translate_a2b", "translate_a2b_uint8", "translate_b2a", "translate_b2a_uint8"])
        for request in requests:  # each warmup request runs against its signature
            name = request.model_spec.signature_name
            inputs = {key: tf.make_ndarray(value) for key, value in request.inputs.items()}
            self.assertEqual(loaded.signatures[name](**inputs)["images"].shape, (2, 16, 16, 1))


@pytest.mark.slow
class TFLiteTranslatorTest(tf.test.TestCase):
    """Each direction converts alone from its ``translate_<d>`` signature, with TFLite
    builtins only (reflection padding, instance norm, the shape check)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        keras.utils.set_random_seed(3)
        cls.cyclegan = CycleGAN(ResNetTranslator(image_size=16, filters=4, blocks=1),
                                PatchGANDiscriminator(image_size=16, filters=4,
                                                      strided_layers=2))
        cls.pix2pix = Pix2Pix(UNetTranslator(image_size=16, filters=4, norm="instance"),
                              PatchGANDiscriminator(image_size=16, filters=4,
                                                    strided_layers=2, condition_channels=1))
        root = tempfile.mkdtemp()
        cls.saved = {name: export_saved_model(model, f"{root}/{name}", warmup_batch=0)
                     for name, model in (("cyclegan", cls.cyclegan),
                                         ("pix2pix", cls.pix2pix))}
        rng = np.random.default_rng(0)
        cls.images = np.tanh(rng.standard_normal([16, 16, 16, 1])).astype(np.float32)

    def convert(self, name: str, direction: str, quantize: str, **kwargs) -> str:
        path = f"{tempfile.mkdtemp()}/{name}_{direction}_{quantize}.tflite"
        return export_tflite(self.saved[name], path, quantize=quantize,
                             signature_key=f"translate_{direction}", **kwargs)

    def test_float16_and_int8_translators_per_direction_match_translate(self):
        # Bounds on [-1, 1] images (measured: float16 max 7e-4; int8 mean 0.016, max 0.09).
        cases = [("cyclegan", "a2b"), ("cyclegan", "b2a"), ("pix2pix", "a2b")]
        for name, direction in cases:
            model = getattr(self, name)
            expected = model.translate(self.images[:4], direction)
            half = TFLiteTranslator(self.convert(name, direction, "float16"))
            self.assertEqual(half.image_shape, (16, 16, 1))
            self.assertAllClose(half.translate(self.images[:4]), expected, atol=5e-3,
                                msg=f"{name} {direction}")
            quantised = TFLiteTranslator(self.convert(
                name, direction, "int8", representative_images=self.images, batch_size=4))
            self.assertEqual(quantised.batch_size, 4)
            outputs = quantised(self.images[:4])
            error = np.abs(outputs["images"] - expected)
            self.assertLess(error.mean(), 0.05, msg=f"{name} {direction}")
            self.assertLess(error.max(), 0.3, msg=f"{name} {direction}")
            self.assertEqual(outputs["images_uint8"].dtype, np.uint8)
        # The two directions are different networks, not one converted twice.
        a2b = TFLiteTranslator(self.convert("cyclegan", "a2b", "none"))
        b2a = TFLiteTranslator(self.convert("cyclegan", "b2a", "none"))
        self.assertNotAllClose(a2b.translate(self.images[:2]), b2a.translate(self.images[:2]))
        self.assertAllClose(b2a.translate(self.images[:2]),
                            self.cyclegan.translate(self.images[:2], "b2a"), atol=1e-5)

    def test_quantised_weights_are_int8(self):
        plain = self.convert("pix2pix", "a2b", "none")
        quantised = self.convert("pix2pix", "a2b", "int8", representative_images=self.images)
        from ai_edge_litert.interpreter import Interpreter

        types = {detail["dtype"] for detail in
                 Interpreter(model_path=quantised).get_tensor_details()}
        self.assertIn(np.int8, types)
        self.assertLess(tf.io.gfile.stat(quantised).length, tf.io.gfile.stat(plain).length)

    def test_bad_input_is_one_line_errors(self):
        with self.assertRaisesRegex(ValueError, r"representative_images: int8 quantisation of "
                                    r"translator signature 'translate_a2b' needs calibration "
                                    r"images \[n, H, W, C\] of its source domain"):
            self.convert("cyclegan", "a2b", "int8", representative_z=np.zeros([4, 8]))
        with self.assertRaisesRegex(ValueError, r"signature_key: .* has no signature "
                                    r"'translate_b2a'; accepted: serving_default, "
                                    r"translate_a2b, translate_a2b_uint8"):
            self.convert("pix2pix", "b2a", "float16")
        translator = TFLiteTranslator(self.convert("cyclegan", "a2b", "float16"))
        with self.assertRaisesRegex(ValueError, r"images: expected shape \[batch, 16, 16, 1\] "
                                    r"in \[-1, 1\], got \[2, 16, 16, 3\]"):
            translator.translate(np.zeros([2, 16, 16, 3], np.float32))
        fixed = TFLiteTranslator(self.convert("cyclegan", "a2b", "none", batch_size=2))
        with self.assertRaisesRegex(ValueError, r"expected shape \[2, 16, 16, 1\]"):
            fixed.translate(np.zeros([3, 16, 16, 1], np.float32))
        # A generator's file is not a translator.
        keras.utils.set_random_seed(0)
        generator = DCGANGenerator(latent_dim=8, image_size=28, channels=1, base_filters=4)
        saved = export_saved_model(generator, tempfile.mkdtemp(), warmup_batch=0)
        with self.assertRaisesRegex(ValueError, r"is not a translator \(inputs \['z'\]; a "
                                    r"translator takes images\); run generators with "
                                    r"TFLiteGenerator"):
            TFLiteTranslator(export_tflite(saved, f"{tempfile.mkdtemp()}/g.tflite"))
