"""Export per network family: SN-ResNet, a conditional DCGAN (cGAN), BigGAN, and CP-GAN's
DCGAN conditioned on probability vectors (conditional BatchNorm linear in s).

Each generator goes Keras → SavedModel (outputs equal to 1e-5, conditional signatures take
``labels``) → TFLite in every quantisation mode, run by LiteRT against the SavedModel on
the same z and labels within the family's stated bounds.
"""

import os
import tempfile

import keras
import numpy as np
import pytest
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
#:   cpgan   none 5.4e-7 / 6.1e-8, float16 1.1e-3 / 1.3e-4, dynamic 0.026 / 2.0e-3,
#:           int8 0.093 / 0.011 (class ids); int8 0.074 / 0.011 on ½–½ mixtures (2026-11-30)
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
    "cpgan": {"none": (1e-5, 1e-6), "float16": (3e-3, 4e-4), "dynamic": (0.07, 0.006),
              "int8": (0.25, 0.035)},
}


def spread_output(generator, layer_name, classes=None):
    """Scale the output convolution so that its pre-tanh activations have unit standard
    deviation, like a trained generator's whose images span [−1, 1] (at initialisation they
    stay near 0, which would flatter quantisation)."""
    layer = generator.get_layer(layer_name)
    inner = getattr(layer, "layer", layer)
    probe = keras.Model(generator.inputs, layer.output)
    z = np.random.default_rng(5).standard_normal([64, generator.inputs[0].shape[-1]])
    labels = None if classes is None else np.arange(64) % classes
    if classes is not None and len(generator.inputs[1].shape) == 2:
        labels = np.eye(classes, dtype=np.float32)[labels]
    inputs = z if classes is None else [z, labels]
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
    if family == "cpgan":
        generator = DCGANGenerator(latent_dim=16, image_size=28, base_filters=8,
                                   num_classes=CLASSES, conditional=True,
                                   label_input="probabilities", conditional_bn=True)
        randomise_conditional_norms(generator, "bn")
        return spread_output(generator, "to_image", CLASSES), CLASSES
    generator = BigGANGenerator(latent_dim=16, image_size=32, width=16, num_classes=CLASSES,
                                embed_dim=8)
    randomise_conditional_norms(generator, "_bn")
    return spread_output(generator, "sn_to_image", CLASSES), CLASSES


def randomise_conditional_norms(generator, marker):
    """Give the conditional BatchNorms non-zero class / latent maps (zero at initialisation)."""
    for weight in generator.weights:
        if ("/gain/" in weight.path or "/bias/" in weight.path) and marker in weight.path:
            weight.assign(np.random.default_rng(1).normal(0, 0.1, weight.shape))


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
            keras_labels = (np.eye(classes, dtype=np.float32)[labels]
                            if len(generator.inputs[1].shape) == 2 else labels)
            keras_inputs = [tf.constant(z), tf.constant(keras_labels)]
        signature = tf.saved_model.load(saved).signatures["serving_default"]
        self.assertEqual(sorted(signature.structured_input_signature[1]), sorted(inputs))
        reference = {k: v.numpy() for k, v in signature(**inputs).items()}
        keras_images = generator(keras_inputs, training=False).numpy()
        self.assertAllClose(reference["images"], keras_images, atol=1e-5)
        # The warmup requests carry labels for conditional generators and replay.
        for request in serving_lib.read_warmup_requests(saved):
            replay = serving_lib.request_inputs(request)
            self.assertEqual(bool({"labels", "probabilities"} & set(replay)),
                             classes is not None)
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

    @pytest.mark.slow
    def test_sn_resnet(self):
        self.check_family("resnet")

    def test_conditional_dcgan(self):
        self.check_family("cgan")

    @pytest.mark.slow
    def test_biggan(self):
        self.check_family("biggan")

    @pytest.mark.slow
    def test_cpgan_probability_generator_from_class_ids(self):
        self.check_family("cpgan")

    def test_cpgan_probability_signatures_take_mixtures(self):
        generator, classes = build("cpgan")
        workdir = tempfile.mkdtemp()
        saved = export_saved_model(generator, workdir, warmup_batch=2)
        loaded = tf.saved_model.load(saved)
        rng = np.random.default_rng(2)
        z = rng.standard_normal([8, 16]).astype(np.float32)
        eye = np.eye(classes, dtype=np.float32)
        mixtures = (eye[np.arange(8) % classes] + eye[(np.arange(8) + 1) % classes]) / 2
        images = loaded.signatures["serving_probabilities"](
            z=tf.constant(z), probabilities=tf.constant(mixtures))["images"].numpy()
        self.assertAllClose(images, generator([z, mixtures], training=False), atol=1e-5)
        # One-hot rows give what the class ids give.
        by_id = loaded.signatures["serving_default"](z=tf.constant(z),
                                                     labels=tf.range(8) % classes)
        by_row = loaded.signatures["serving_probabilities"](
            z=tf.constant(z), probabilities=tf.constant(eye[np.arange(8) % classes]))
        self.assertAllClose(by_id["images"], by_row["images"], atol=1e-6)
        seeded = loaded.signatures["sample_from_seeds_probabilities"](
            seeds=tf.range(8, dtype=tf.int64), probabilities=tf.constant(mixtures))
        self.assertEqual(seeded["images"].shape, (8, 28, 28, 1))
        # The warmup file covers the probability signatures too, and replays.
        names = [r.model_spec.signature_name for r in serving_lib.read_warmup_requests(saved)]
        self.assertEqual(names, ["serving_default", "sample_from_seeds", "serving_probabilities",
                                 "sample_from_seeds_probabilities"])
        # TFLite of the mixture signature, float and int8 (calibrated on one-hot rows and
        # ½–½ mixtures), against the SavedModel.
        for mode, (max_bound, mean_bound) in (("none", (1e-5, 1e-6)),
                                              ("int8", BOUNDS["cpgan"]["int8"])):
            path = export_tflite(saved, os.path.join(workdir, f"p_{mode}.tflite"), quantize=mode,
                                 signature_key="serving_probabilities",
                                 representative_z=rng.standard_normal([100, 16]).astype(
                                     np.float32), num_classes=classes)
            runner = TFLiteGenerator(path, signature_key="serving_probabilities")
            self.assertEqual(runner.label_name, "probabilities")
            error = np.abs(runner.generate(z, mixtures) - images)
            print("cpgan probabilities", mode, f"{error.max():.2g} / {error.mean():.2g}")
            self.assertLess(float(error.max()), max_bound, mode)
            self.assertLess(float(error.mean()), mean_bound, mode)

    def test_imperfect_label_models_export_their_sampling_generator_with_labels(self):
        from tfgan_suite.data import corruptions
        from tfgan_suite.gans import CPGAN, RACGAN, RCGAN, S3GAN
        from tfgan_suite.networks import DCGANDiscriminator

        def discriminator(**options):
            return DCGANDiscriminator(image_size=28, base_filters=4, num_classes=CLASSES,
                                      **options)

        def ids_generator():
            return DCGANGenerator(latent_dim=16, image_size=28, base_filters=4,
                                  num_classes=CLASSES, conditional=True)

        noise = corruptions.symmetric_transition(CLASSES, 0.5)
        models = [
            RACGAN(ids_generator(), discriminator(conditioning="auxiliary"),
                   num_classes=CLASSES, transition=noise, ema_decay=0.99),
            RCGAN(ids_generator(), discriminator(conditioning="projection"),
                  num_classes=CLASSES, transition=noise),
            S3GAN(ids_generator(), discriminator(conditioning="projection", rotation_head=True,
                                                 label_predictor=True), num_classes=CLASSES),
            CPGAN(build("cpgan")[0], discriminator(conditioning="auxiliary"),
                  num_classes=CLASSES)]
        z = np.random.default_rng(3).standard_normal([4, 16]).astype(np.float32)
        for model in models:
            saved = export_saved_model(model, tempfile.mkdtemp(), warmup_batch=0)
            signature = tf.saved_model.load(saved).signatures["serving_default"]
            self.assertEqual(sorted(signature.structured_input_signature[1]), ["labels", "z"])
            images = signature(z=tf.constant(z), labels=tf.constant([0, 1, 2, 3]))["images"]
            expected = model.sampling_generator(
                model.generator_inputs(tf.constant(z), tf.constant([0, 1, 2, 3])),
                training=False)
            self.assertAllClose(images, expected, atol=1e-5, msg=model.name)

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
    @pytest.mark.slow
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

    def test_image_noise_models_export_the_clean_generator_alone(self):
        from tfgan_suite.gans import NRGAN, AmbientGAN
        from tfgan_suite.networks import DCGANDiscriminator

        rng = np.random.default_rng(3)
        z = rng.standard_normal([8, 16]).astype(np.float32)
        for name, make in (
                ("nrgan", lambda g, d: NRGAN(g, d, variant="sd2", ema_decay=0.9)),
                ("ambientgan", lambda g, d: AmbientGAN(g, d, ema_decay=0.9, corruption={
                    "measurement": "block_pixels", "parameter": 0.5}))):
            keras.utils.set_random_seed(0)
            generator = DCGANGenerator(latent_dim=16, image_size=28, base_filters=8)
            model = make(generator, DCGANDiscriminator(image_size=28, base_filters=4))
            workdir = tempfile.mkdtemp()
            saved = export_saved_model(model, workdir, warmup_batch=2)
            signature = tf.saved_model.load(saved).signatures["serving_default"]
            self.assertEqual(sorted(signature.structured_input_signature[1]), ["z"])
            images = signature(z=tf.constant(z))["images"].numpy()
            # G_x's EMA copy, without noise: the same z gives the same images every time.
            self.assertAllClose(images, model.ema_generator(z, training=False), atol=1e-5)
            path = export_tflite(saved, os.path.join(workdir, "g.tflite"))
            self.assertAllClose(TFLiteGenerator(path).generate(z, None), images, atol=1e-5)
            print(name, "exports G_x:", images.shape)
