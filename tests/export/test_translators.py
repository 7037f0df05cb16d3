"""Translation models export their translators (export/saved_model.py): one float and one
uint8 signature per direction, equal to ``model.translate``, warmup requests that replay,
and a fixed input shape."""

import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.export import export_saved_model, serving
from tfgan_suite.gans import CycleGAN
from tfgan_suite.networks import PatchGANDiscriminator, ResNetTranslator


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
