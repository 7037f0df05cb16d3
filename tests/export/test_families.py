"""Export per network family: SN-ResNet, a conditional DCGAN (cGAN) and BigGAN.

Each generator goes Keras → SavedModel (outputs equal to 1e-5, conditional signatures take
``labels``) → TFLite in every quantisation mode, run by LiteRT against the SavedModel on
the same z and labels within the family's stated bounds.
"""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.export import QUANTIZE_MODES, export_saved_model, export_tflite
from tfgan_suite.export import serving as serving_lib
from tfgan_suite.export.tflite import TFLiteGenerator
from tfgan_suite.networks import BigGANGenerator, DCGANGenerator, ResNetGenerator

CLASSES = 10
#: family → quantize → (max |Δ|, mean |Δ|) bounds on [−1, 1] images vs the SavedModel
#: (32 z, 100 calibration z). Measured max / mean on these generators (2026-11-28):
#:   resnet  none 1.5e-6 / 1.4e-7, float16 2.6e-3 / 2.6e-4, dynamic 0.039 / 4.1e-3,
#:           int8 0.26 / 0.028
#:   cgan    none 5.7e-7 / 6.2e-8, float16 1.3e-3 / 1.4e-4, dynamic 0.026 / 2.8e-3,
#:           int8 0.084 / 9.9e-3
#:   biggan  none 1.5e-6 / 1.0e-7, float16 1.9e-3 / 1.1e-4, dynamic 0.045 / 2.5e-3,
#:           int8 0.25 / 0.016
#: Bounds are ≈ 2.5× the max and 3× the mean. int8 costs most on the ResNet families
#: (mean 0.028 vs 0.006 for the plain DCGAN of test_tflite.py): their residual sums and
#: conditional BatchNorms widen the activation ranges one int8 scale must cover.
BOUNDS = {
    "resnet": {"none": (1e-5, 1e-6), "float16": (8e-3, 1e-3), "dynamic": (0.1, 0.012),
               "int8": (0.65, 0.08)},
    "cgan": {"none": (1e-5, 1e-6), "float16": (4e-3, 5e-4), "dynamic": (0.07, 0.009),
             "int8": (0.21, 0.03)},
    "biggan": {"none": (1e-5, 1e-6), "float16": (5e-3, 4e-4), "dynamic": (0.12, 0.008),
               "int8": (0.6, 0.05)},
}


def spread_output(generator, layer_name, classes=None):
    """Scale the output convolution so that its pre-tanh activations have unit standard
    deviation, like a trained generator's whose images span [−1, 1] (at initialisation they
    stay near 0, which would flatter quantisation)."""
    layer = generator.get_layer(layer_name)
    inner = getattr(layer, "layer", layer)
    probe = keras.Model(generator.inputs, layer.output)
    z = np.random.default_rng(5).standard_normal([64, generator.inputs[0].shape[-1]])
    inputs = z if classes is None else [z, np.arange(64) % classes]
    std = float(np.std(probe([tf.constant(x) for x in inputs] if classes else tf.constant(z),
                             training=False)))
    inner.kernel.assign(inner.kernel / std)
    return generator


def build(family):
    keras.utils.set_random_seed(0)
    if family == "resnet":
        generator = ResNetGenerator(latent_dim=16, image_size=32, width=16, spectral_norm=True)
        return spread_output(generator, "sn_to_image"), None
    if family == "cgan":
        generator = DCGANGenerator(latent_dim=16, image_size=28, base_filters=8,
                                   num_classes=CLASSES, conditional=True)
        return spread_output(generator, "to_image", CLASSES), CLASSES
    generator = BigGANGenerator(latent_dim=16, image_size=32, width=16, num_classes=CLASSES,
                                embed_dim=8)
    # Give the conditional BatchNorms non-zero class / latent maps (zero at initialisation).
    for weight in generator.weights:
        if ("/gain/" in weight.path or "/bias/" in weight.path) and "_bn" in weight.path:
            weight.assign(np.random.default_rng(1).normal(0, 0.1, weight.shape))
    return spread_output(generator, "sn_to_image", CLASSES), CLASSES


class FamilyExportTest(tf.test.TestCase):
    def check_family(self, family):
        generator, classes = build(family)
        workdir = tempfile.mkdtemp()
        saved = export_saved_model(generator, workdir, warmup_batch=2)
        rng = np.random.default_rng(1)
        z = rng.standard_normal([32, 16]).astype(np.float32)
        labels = None if classes is None else (np.arange(32) % classes).astype(np.int32)
        inputs = {"z": tf.constant(z)}
        keras_inputs = tf.constant(z)
        if labels is not None:
            inputs["labels"] = tf.constant(labels)
            keras_inputs = [tf.constant(z), tf.constant(labels)]
        signature = tf.saved_model.load(saved).signatures["serving_default"]
        self.assertEqual(sorted(signature.structured_input_signature[1]), sorted(inputs))
        reference = {k: v.numpy() for k, v in signature(**inputs).items()}
        keras_images = generator(keras_inputs, training=False).numpy()
        self.assertAllClose(reference["images"], keras_images, atol=1e-5)
        # The warmup requests carry labels for conditional generators and replay.
        for request in serving_lib.read_warmup_requests(saved):
            replay = serving_lib.request_inputs(request)
            self.assertEqual("labels" in replay, classes is not None)
            outputs = tf.saved_model.load(saved).signatures[
                request.model_spec.signature_name](**{k: tf.constant(v)
                                                      for k, v in replay.items()})
            self.assertEqual(outputs["images"].shape[0], 2)
        errors, sizes = {}, {}
        for mode in QUANTIZE_MODES:
            path = export_tflite(saved, os.path.join(workdir, f"{mode}.tflite"), quantize=mode,
                                 representative_z=rng.standard_normal([100, 16]).astype(
                                     np.float32), num_classes=classes)
            runner = TFLiteGenerator(path)
            self.assertEqual(runner.conditional, classes is not None)
            images = runner.generate(z, labels)
            error = np.abs(images - reference["images"])
            errors[mode] = (float(error.max()), float(error.mean()))
            sizes[mode] = os.path.getsize(path)
        print(family, {m: f"{e[0]:.2g} / {e[1]:.2g}" for m, e in errors.items()}, sizes)
        for mode, (max_error, mean_error) in errors.items():
            max_bound, mean_bound = BOUNDS[family][mode]
            self.assertLess(max_error, max_bound, f"{family} {mode} max |error|")
            self.assertLess(mean_error, mean_bound, f"{family} {mode} mean |error|")
        self.assertLess(sizes["int8"], sizes["none"])
        self.assertLess(sizes["float16"], sizes["none"])
        return generator

    def test_sn_resnet(self):
        self.check_family("resnet")

    def test_conditional_dcgan(self):
        self.check_family("cgan")

    def test_biggan(self):
        self.check_family("biggan")

    def test_conditional_tflite_needs_labels(self):
        generator, _ = build("cgan")
        workdir = tempfile.mkdtemp()
        saved = export_saved_model(generator, workdir, warmup_batch=0)
        runner = TFLiteGenerator(export_tflite(saved, os.path.join(workdir, "m.tflite")))
        with self.assertRaisesRegex(ValueError, "labels: this generator is conditional"):
            runner.generate(np.zeros([2, 16], np.float32))
        with self.assertRaisesRegex(ValueError, "num_classes: int8 calibration"):
            export_tflite(saved, os.path.join(workdir, "q.tflite"), quantize="int8",
                          representative_z=np.zeros([4, 16], np.float32))


class TruncationSignatureTest(tf.test.TestCase):
    def test_biggan_sample_truncated_signature(self):
        generator, _ = build("biggan")
        saved = export_saved_model(generator, tempfile.mkdtemp(), warmup_batch=0)
        loaded = tf.saved_model.load(saved)
        self.assertIn("sample_truncated", loaded.signatures)
        truncated = loaded.signatures["sample_truncated"]
        seeds = tf.range(64, dtype=tf.int64)
        labels = tf.fill([64], 3)
        loose = truncated(seeds=seeds, labels=labels, truncation=tf.fill([64], 100.0))
        plain = loaded.signatures["sample_from_seeds"](seeds=seeds, labels=labels)
        # A threshold no draw exceeds changes nothing.
        self.assertAllClose(loose["images"], plain["images"], atol=1e-6)
        tight = truncated(seeds=seeds, labels=labels, truncation=tf.fill([64], 0.3))
        self.assertLess(float(np.var(tight["images"].numpy(), axis=0).sum()),
                        0.5 * float(np.var(plain["images"].numpy(), axis=0).sum()))
        # Unconditional / untruncatable families have no such signature.
        resnet, _ = build("resnet")
        self.assertNotIn("sample_truncated", tf.saved_model.load(export_saved_model(
            resnet, tempfile.mkdtemp(), warmup_batch=0)).signatures)
