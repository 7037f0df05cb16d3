"""InfoGAN: codes in G's input, Q on D's trunk, the MI term in both losses (λ = 0: the plain
GAN), sampling with fixed codes, and the serving signatures that take codes."""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import config as config_lib
from tfgan_suite import factory, runs
from tfgan_suite.export import export_saved_model, export_tflite
from tfgan_suite.export import serving as serving_lib
from tfgan_suite.export.tflite import TFLiteGenerator
from tfgan_suite.gans import AdversarialModel, InfoGAN
from tfgan_suite.networks import DCGANDiscriminator, DCGANGenerator

CODES = [{"name": "c1", "kind": "categorical", "size": 4},
         {"name": "c2", "kind": "continuous", "size": 2},
         {"name": "t", "kind": "tree", "branching": [2, 2]}]
WIDTH = 4 + 2 + 6


def networks(weight=1.0):
    keras.utils.set_random_seed(0)
    codes = [dict(c, weight=weight) for c in CODES]
    return (DCGANGenerator(latent_dim=8 + WIDTH, image_size=28, base_filters=8),
            DCGANDiscriminator(image_size=28, base_filters=8, q_width=WIDTH), codes)


def compile_model(model):
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2),
                  g_optimizer=keras.optimizers.Adam(1e-2), objective="non_saturating")
    return model


def real_batches():
    images = np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(images).batch(16)


class PlainGANOnTheSameInputs(AdversarialModel):
    """The plain GAN step fed exactly InfoGAN's generator input: no MI term anywhere."""

    def __init__(self, generator, discriminator, info, **kwargs):
        super().__init__(generator, discriminator, latent_dim=8, **kwargs)
        object.__setattr__(self, "_info", info)  # a reference, not a tracked sub-model

    def fake_conditions(self, real, labels, step, stream_id):
        return self._info.fake_conditions(real, labels, step, stream_id)

    def generator_inputs(self, z, labels):
        return self._info.generator_inputs(z, labels)


class InfoGANTest(tf.test.TestCase):
    def test_zero_weight_is_the_plain_gan_and_a_positive_one_is_not(self):
        results = {}
        for weight in (0.0, 1.0):
            generator, discriminator, codes = networks(weight)
            start = (generator.get_weights(), discriminator.get_weights())
            info = compile_model(InfoGAN(generator, discriminator, codes=codes, seed=3))
            history = info.fit(real_batches(), epochs=1, verbose=0)
            generator2, discriminator2, _ = networks(weight)
            generator2.set_weights(start[0])
            discriminator2.set_weights(start[1])
            plain = compile_model(PlainGANOnTheSameInputs(generator2, discriminator2, info,
                                                          seed=3))
            plain.fit(real_batches(), epochs=1, verbose=0)
            results[weight] = max(
                float(np.max(np.abs(a - b))) for a, b in zip(
                    info.generator.get_weights() + info.discriminator.get_weights(),
                    plain.generator.get_weights() + plain.discriminator.get_weights(),
                    strict=True))
            if weight:
                self.assertTrue(np.isfinite(history.history["mi_c1"][-1]))
            else:
                self.assertNotIn("mi_c1", history.history)
        self.assertEqual(results[0.0], 0.0)
        self.assertGreater(results[1.0], 1e-4)

    def test_q_trains_with_the_discriminator_and_the_mi_term_reaches_the_generator(self):
        generator, discriminator, codes = networks()
        model = compile_model(InfoGAN(generator, discriminator, codes=codes))
        q_names = {v.path for v in discriminator.trainable_variables
                   if {"q", "q_hidden", "q_bn"} & set(v.path.split("/"))}
        self.assertTrue(q_names)  # Q's head is part of D: D's optimizer updates it
        self.assertEqual(q_names & {v.path for v in model._generator_variables()}, set())
        real = tf.zeros([8, 28, 28, 1])
        condition, _ = model.fake_conditions(real, None, tf.constant(0, tf.int64), 8)
        z = tf.random.stateless_normal([8, 8], [0, 1])
        with tf.GradientTape() as tape:
            fake = model.generator(model.generator_inputs(z, condition), training=True)
            _, q = model.discriminator(fake, training=True)
            loss = tf.add_n(list(model.code_losses(q, condition).values()))
        gradients = tape.gradient(loss, generator.trainable_variables)
        self.assertGreater(max(float(tf.reduce_max(tf.abs(g))) for g in gradients), 0.0)

    def test_sampling_with_fixed_codes(self):
        generator, discriminator, codes = networks()
        model = InfoGAN(generator, discriminator, codes=codes, ema_decay=0.9)
        block = model.code_block(6, seed=1, codes={"c1": 2, "t": [1, 0]})
        self.assertAllEqual(block[:, :4], np.tile(np.eye(4)[2], (6, 1)))
        self.assertAllEqual(block[:, 6:8], np.tile([0.0, 1.0], (6, 1)))   # tree layer 1
        self.assertAllEqual(block[:, 8:], np.tile([0, 0, 1, 0], (6, 1)))   # node 2 of 4
        first = model.sample(6, seed=1, codes={"c1": 2})
        self.assertAllClose(first, model.sample(6, seed=1, codes={"c1": 2}))
        self.assertNotAllClose(first, model.sample(6, seed=1, codes={"c1": 3}))
        with self.assertRaisesRegex(ValueError, r"^labels: model infogan is unsupervised"):
            model.sample(2, labels=[1, 2])
        with self.assertRaisesRegex(ValueError, r"^codes: unknown code\(s\) \['c7'\]"):
            model.sample(2, codes={"c7": 1})
        with self.assertRaisesRegex(ValueError, r"^codes\.c1: a category in 0\.\.3, got 4$"):
            model.sample(2, codes={"c1": 4})

    def test_from_config_networks_are_widened_and_the_run_logs_each_code(self):
        config = config_lib.load({
            "model": "infogan", "infogan": {"codes": CODES},
            "data": {"name": "digits", "image_size": 28, "batch_size": 8},
            "generator": {"name": "dcgan", "latent_dim": 8, "base_filters": 8},
            "discriminator": {"name": "dcgan", "base_filters": 8}})
        model = factory.build_gan(config)
        self.assertEqual(model.generator.inputs[0].shape[-1], 8 + WIDTH)
        self.assertEqual((model.latent_dim, model.code_width), (8, WIDTH))
        factory.compile_gan(model, config)
        history = model.fit(factory.dataset(config), steps_per_epoch=2, epochs=1, verbose=0)
        for name in ("mi_c1", "mi_c2", "mi_t"):
            self.assertTrue(np.isfinite(history.history[name][-1]), name)
        clone = InfoGAN.from_config(model.get_config())
        self.assertEqual(clone.codes.names, ["c1", "c2", "t"])
        with self.assertRaisesRegex(config_lib.ConfigError, r"^infogan\.codes: codes\.c1\.size"):
            config_lib.load({"model": "infogan",
                             "infogan": {"codes": [{"name": "c1", "size": 1}]}})

    def test_cli_code_values_and_sweeps(self):
        generator, discriminator, codes = networks()
        model = InfoGAN(generator, discriminator, codes=codes)
        fixed, sweep = runs.parse_codes(model, ["c1=3", "c2=0.5,-1", "t=1,0"])
        self.assertEqual(fixed, {"c1": 3, "c2": [0.5, -1.0], "t": [1, 0]})
        self.assertIsNone(sweep)
        fixed, sweep = runs.parse_codes(model, ["c2=-1:1:3,0.25"])
        self.assertEqual(sweep, ("c2", [[-1.0, 0.25], [0.0, 0.25], [1.0, 0.25]]))
        _, sweep = runs.parse_codes(model, ["c1=0:3:4"])
        self.assertEqual(sweep, ("c1", [0, 1, 2, 3]))
        with self.assertRaisesRegex(ValueError, r"^--code: c1 takes whole numbers"):
            runs.parse_codes(model, ["c1=0.5"])
        with self.assertRaisesRegex(ValueError, r"^--code: at most one LO:HI:K sweep"):
            runs.parse_codes(model, ["c1=0:3:4", "c2=-1:1:3,0"])
        with self.assertRaisesRegex(ValueError, r"^--code: expected NAME=VALUE with NAME one "
                                                r"of c1, c2, t"):
            runs.parse_codes(model, ["c9=1"])
        out = os.path.join(tempfile.mkdtemp(), "grid.npy")
        runs.sample_to_file(model, 5, out, codes={"c1": 1}, sweep=("c2", [[-1.0, 0.0],
                                                                          [1.0, 0.0]]))
        rows = np.load(out)
        self.assertEqual(rows.shape, (2, 5, 28, 28, 1))
        self.assertAllClose(rows[0], model.sample(5, codes={"c1": 1, "c2": [-1.0, 0.0]}))
        plain = AdversarialModel(DCGANGenerator(latent_dim=8, image_size=28, base_filters=8),
                                 DCGANDiscriminator(image_size=28, base_filters=8))
        with self.assertRaisesRegex(ValueError, r"^--code: this run's model has no latent"):
            runs.parse_codes(plain, ["c1=1"])

    def test_saved_model_and_tflite_take_z_and_codes(self):
        generator, discriminator, codes = networks()
        model = InfoGAN(generator, discriminator, codes=codes, ema_decay=0.9)
        workdir = tempfile.mkdtemp()
        saved = export_saved_model(model, workdir, warmup_batch=2)
        loaded = tf.saved_model.load(saved)
        z = model.latent(4, seed=2)
        block = model.code_block(4, seed=2, codes={"c1": 1})
        expected = model.sample(4, seed=2, codes={"c1": 1})
        for name in ("serving_default", "sample_with_codes"):
            signature = loaded.signatures[name]
            self.assertEqual(sorted(signature.structured_input_signature[1]), ["codes", "z"])
            images = signature(z=tf.constant(z), codes=tf.constant(block))["images"]
            self.assertAllClose(images, expected, atol=1e-5)
        seeded = loaded.signatures["sample_from_seeds"](seeds=tf.range(4, dtype=tf.int64),
                                                        codes=tf.constant(block))
        self.assertEqual(seeded["images"].shape, (4, 28, 28, 1))
        names = [r.model_spec.signature_name for r in serving_lib.read_warmup_requests(saved)]
        self.assertEqual(names, ["serving_default", "sample_with_codes", "sample_from_seeds"])
        for request in serving_lib.read_warmup_requests(saved):
            replay = serving_lib.request_inputs(request)
            self.assertIn("codes", replay)
            loaded.signatures[request.model_spec.signature_name](
                **{k: tf.constant(v) for k, v in replay.items()})
        for mode, bound in (("none", 1e-5), ("int8", 0.5)):
            path = export_tflite(saved, os.path.join(workdir, f"{mode}.tflite"), quantize=mode,
                                 signature_key="sample_with_codes",
                                 representative_z=model.latent(50, seed=5),
                                 representative_codes=model.code_block(50, seed=5))
            runner = TFLiteGenerator(path, signature_key="sample_with_codes")
            self.assertEqual(runner.label_name, "codes")
            error = np.abs(runner.generate(z, block) - expected)
            print("infogan tflite", mode, f"{error.max():.2g} / {error.mean():.2g}")
            self.assertLess(float(error.max()), bound)
        with self.assertRaisesRegex(ValueError, r"^representative_codes: int8 calibration"):
            export_tflite(saved, os.path.join(workdir, "x.tflite"), quantize="int8",
                          signature_key="sample_with_codes",
                          representative_z=model.latent(5, seed=5))


class DTLCGANTest(tf.test.TestCase):
    def test_default_tree_builds_trains_and_keeps_layer_two_off_until_its_start(self):
        from tfgan_suite.gans import DTLCGAN

        config = config_lib.load({
            "model": "dtlcgan",
            "data": {"name": "digits", "image_size": 28, "batch_size": 8},
            "generator": {"name": "dcgan", "latent_dim": 8, "base_filters": 8},
            "discriminator": {"name": "dcgan", "base_filters": 8}})
        model = factory.build_gan(config)
        self.assertIsInstance(model, DTLCGAN)
        self.assertFalse(model.trains_on_labels)
        (tree,) = model.codes.codes
        self.assertEqual((tree.branching, tree.width), ((4, 5), 24))
        self.assertEqual(model.generator.inputs[0].shape[-1], 8 + 24)
        factory.compile_gan(model, config)
        history = model.fit(factory.dataset(config), steps_per_epoch=2, epochs=1,
                            verbose=0).history
        self.assertTrue(np.isfinite(history["mi_tree"][-1]))
        real = tf.zeros([8, 28, 28, 1])
        for step, layers in ((0, 1), (2000, 2)):
            condition, _ = model.fake_conditions(real, None, tf.constant(step, tf.int64), 8)
            q = tf.zeros([8, 24])  # uniform Q: each active layer's gap is log k
            loss = float(model.code_losses(q, condition)["mi_tree"])
            self.assertAllClose(loss, sum(np.log([4, 5])[:layers]), atol=1e-5)

    def test_weakly_supervised_tree_takes_the_label_as_its_first_layer(self):
        config = config_lib.load({
            "model": "dtlcgan", "dtlcgan": {"supervised": True},
            "data": {"name": "digits", "image_size": 28, "batch_size": 8,
                     "label_view": "garment_group"},
            "generator": {"name": "dcgan", "latent_dim": 8, "base_filters": 8},
            "discriminator": {"name": "dcgan", "base_filters": 8}})
        model = factory.build_gan(config)
        self.assertTrue(model.trains_on_labels)  # runs.train feeds it labelled batches
        labels = tf.constant([0, 1, 2, 3, 3, 2, 1, 0])
        condition, d_labels = model.fake_conditions(tf.zeros([8, 28, 28, 1]), labels,
                                                    tf.constant(0, tf.int64), 8)
        self.assertIsNone(d_labels)  # D stays unconditional
        self.assertAllEqual(condition["drawn"]["tree"]["nodes"][:, 0], labels)
        q = tf.zeros([8, 24])
        losses = model.extra_d_losses(q, q, labels, condition)
        self.assertAllClose(losses["real_top_class"], np.log(4.0), atol=1e-5)
        self.assertNotIn("real_top_class", model.extra_g_losses(q, condition))
        factory.compile_gan(model, config)
        history = model.fit(factory.dataset(config, with_labels=True), steps_per_epoch=2,
                            epochs=1, verbose=0).history
        self.assertTrue(np.isfinite(history["real_top_class"][-1]))
        with self.assertRaisesRegex(ValueError, r"^dtlcgan\.codes\.tree\.branching: with "
                                                r"dtlcgan\.supervised its first layer has one "
                                                r"node per observed class \(4\)"):
            factory.build_gan(config_lib.load(config, {"dtlcgan.codes": [
                {"name": "tree", "kind": "tree", "branching": [3, 5]}]}))
