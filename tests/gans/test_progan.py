"""ProGAN: staged networks (fade-in of G's output, D's input and the reals; only the stage's
variables train), growth inside ``model.fit`` (re-staging, Adam reset exactly at phase
starts) and a resumed run equal to an uninterrupted one."""

import os
import sys
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite import runs
from tfgan_suite.export import export_saved_model, export_tflite
from tfgan_suite.export.tflite import TFLiteGenerator
from tfgan_suite.gans import ProGAN
from tfgan_suite.networks import DCGANDiscriminator, DCGANGenerator
from tfgan_suite.networks import progan as staged

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import equivalence  # noqa: E402  (tests/gans/equivalence.py)

FILTERS = (8, 8, 4)  # 4, 8, 16 px


def networks():
    keras.utils.set_random_seed(0)
    return (staged.ProGANGenerator(latent_dim=8, image_size=16, channels=1, filters=FILTERS),
            staged.ProGANDiscriminator(image_size=16, channels=1, filters=FILTERS))


def at_stage(network, resolution, fading, alpha=1.0):
    staged.set_stage(network, resolution, fading)
    staged.set_alpha(network, alpha)
    return network


class StagedNetworksTest(tf.test.TestCase):
    def test_generator_fade_runs_from_the_lower_stage_to_the_new_block(self):
        generator, _ = networks()
        z = tf.random.stateless_normal([4, 8], seed=[1, 2])
        low = at_stage(generator, 4, False)(z)
        high = at_stage(generator, 8, False)(z)
        self.assertEqual(low.shape, (4, 16, 16, 1))
        self.assertAllClose(at_stage(generator, 8, True, 0.0)(z), low, atol=1e-6)
        self.assertAllClose(at_stage(generator, 8, True, 1.0)(z), high, atol=1e-6)
        self.assertAllClose(at_stage(generator, 8, True, 0.25)(z), 0.75 * low + 0.25 * high,
                            atol=1e-5)
        # At 4 px the output is toRGB_4 nearest-upsampled: constant 4 × 4 blocks.
        blocks = low.numpy().reshape(4, 4, 4, 4, 4, 1)
        self.assertAllClose(blocks, np.broadcast_to(blocks[:, :, :1, :, :1], blocks.shape))

    def test_discriminator_fade_enters_through_the_lower_resolution_at_alpha_zero(self):
        _, discriminator = networks()
        images = tf.random.stateless_uniform([4, 16, 16, 1], seed=[3, 4], minval=-1, maxval=1)
        low = at_stage(discriminator, 4, False)(images)
        high = at_stage(discriminator, 8, False)(images)
        self.assertAllClose(at_stage(discriminator, 8, True, 0.0)(images), low, atol=1e-5)
        self.assertAllClose(at_stage(discriminator, 8, True, 1.0)(images), high, atol=1e-5)
        self.assertNotAllClose(low, high)

    def test_only_the_stages_variables_receive_gradients(self):
        generator, discriminator = networks()
        z = tf.random.stateless_normal([4, 8], seed=[5, 6])
        for resolution, fading in ((4, False), (8, True), (16, False)):
            at_stage(generator, resolution, fading, 0.5)
            at_stage(discriminator, resolution, fading, 0.5)
            with tf.GradientTape(persistent=True) as tape:
                fake = generator(z)
                score = tf.reduce_sum(discriminator(fake))
            for network in (generator, discriminator):
                active = {id(v) for v in staged.active_variables(network)}
                for variable, gradient in zip(
                        network.trainable_variables,
                        tape.gradient(score, network.trainable_variables), strict=True):
                    self.assertEqual(gradient is not None, id(variable) in active,
                                     f"{variable.path} at {resolution} (fading {fading})")

    def test_keras_round_trip_and_bad_filters(self):
        generator, discriminator = networks()
        z = tf.random.stateless_normal([4, 8], seed=[7, 8])
        for network, inputs in ((generator, z), (discriminator, generator(z))):
            path = os.path.join(tempfile.mkdtemp(), "network.keras")
            network.save(path)
            self.assertAllClose(keras.models.load_model(path)(inputs), network(inputs),
                                atol=1e-6)
        # A network saved mid-growth loads at its stage, with its α.
        at_stage(generator, 8, True, 0.25)
        path = os.path.join(tempfile.mkdtemp(), "mid_fade.keras")
        generator.save(path)
        self.assertAllClose(keras.models.load_model(path)(z), generator(z), atol=1e-6)
        with self.assertRaisesRegex(ValueError, r"^generator\.filters: one positive width per "
                                                r"resolution \[4, 8, 16\], got \[8, 8\]"):
            staged.ProGANGenerator(image_size=16, filters=(8, 8))


def model(stabilise=8, fade=8, batch=4, **kwargs):
    generator, discriminator = networks()
    result = ProGAN(generator, discriminator, stabilise_images=stabilise, fade_images=fade,
                    batch_size=batch, ema_decay=0.9, **kwargs)
    result.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99),
                   g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99),
                   objective="wasserstein", penalties={"gp": {"weight": 10.0},
                                                       "drift": {"weight": 0.001}},
                   steps_per_execution=2)
    return result


def reals(batch=4):
    images = np.random.default_rng(0).uniform(-1, 1, (64, 16, 16, 1)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(images).repeat().batch(batch, drop_remainder=True)


class ProGANModelTest(tf.test.TestCase):
    def test_reals_are_faded_like_the_fakes(self):
        progan = model()
        real = tf.random.stateless_uniform([4, 16, 16, 1], seed=[9, 9], minval=-1, maxval=1)
        progan.stage = progan.schedule.at(8)  # the fade to 8 px starts: α = 0
        at_fade_start = progan.prepare_reals(real, tf.constant(2, tf.int64))
        at_four = staged.nearest(staged.pool(real, 4), 4)
        self.assertAllClose(at_fade_start, at_four, atol=1e-6)
        at_fade_end = progan.prepare_reals(real, tf.constant(4, tf.int64))  # 16 images: α = 1
        self.assertAllClose(at_fade_end, staged.nearest(staged.pool(real, 2), 2), atol=1e-6)
        self.assertAllClose(progan.generator.get_layer("output").alpha, 1.0)

    @pytest.mark.slow
    def test_fit_grows_through_the_phases_and_resets_adam_at_each_phase_start(self):
        progan = model()
        progan.fit(reals(), steps_per_epoch=6, epochs=1, verbose=0,
                   callbacks=progan.training_callbacks())
        # 6 steps × 4 images = 24: phases start at 0, 8, 16 → now stabilising at 8 px.
        self.assertEqual((progan.stage.resolution, progan.stage.fading), (8, False))
        self.assertEqual(progan.stage.phase, 2)
        for network in (progan.generator, progan.discriminator, progan.ema_generator):
            self.assertEqual(staged.staged_layers(network)[0].active_resolution, 8)
        # Reset at step 4 (16 images): two steps since.
        self.assertEqual(int(progan.d_optimizer.iterations.numpy()), 2)
        self.assertEqual(int(progan.g_optimizer.iterations.numpy()), 2)
        kept = model(reset_optimizer=False)
        kept.fit(reals(), steps_per_epoch=6, epochs=1, verbose=0,
                 callbacks=kept.training_callbacks())
        self.assertEqual(int(kept.d_optimizer.iterations.numpy()), 6)

    def test_export_serves_the_current_stage_and_tflite_uses_builtins(self):
        progan = model()
        progan.step_counter.assign(3)  # 12 images: in the fade to 8 px, α = 0.5
        expected = progan.sample(4, seed=1)
        self.assertEqual(progan.stage.resolution, 8)
        workdir = tempfile.mkdtemp()
        saved = export_saved_model(progan, workdir, warmup_batch=2)
        loaded = tf.saved_model.load(saved)
        images = loaded.signatures["serving_default"](
            z=tf.constant(progan.latent(4, seed=1)))["images"]
        self.assertAllClose(images, expected, atol=1e-5)
        path = export_tflite(saved, os.path.join(workdir, "g.tflite"))
        runner = TFLiteGenerator(path)
        self.assertAllClose(runner.generate(progan.latent(4, seed=1)), expected, atol=1e-4)

    def test_phases_must_span_whole_executions_and_networks_must_be_staged(self):
        progan = model(stabilise=12)
        with self.assertRaisesRegex(ValueError, r"^progan\.stabilise_images: a multiple of "
                                                r"data\.batch_size × train\.steps_per_execution "
                                                r"\(8\)"):
            progan.fit(reals(), steps_per_epoch=2, epochs=1, verbose=0,
                       callbacks=progan.training_callbacks())
        with self.assertRaisesRegex(ValueError, r"^generator\.name: model progan grows staged "
                                                r"networks; accepted: progan"):
            ProGAN(DCGANGenerator(latent_dim=8, image_size=28, base_filters=8),
                   DCGANDiscriminator(image_size=28, base_filters=8))

    @pytest.mark.slow
    def test_a_run_resumed_mid_fade_ends_where_an_uninterrupted_one_does(self):
        overrides = ["progan.stabilise_images=16", "progan.fade_images=16",
                     "data.batch_size=8", "data.image_size=16", "generator.filters=[8,8,4]",
                     "discriminator.filters=[8,8,4]", "train.steps_per_execution=1",
                     "train.jit_compile=false", "train.steps_per_epoch=3", "sample.grid_size=4"]
        config = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "configs", "progan_fashion_mnist.yaml")
        directory = tempfile.mkdtemp()
        whole = runs.train(config, os.path.join(directory, "whole"),
                           overrides=overrides + ["train.steps=6"])
        runs.train(config, os.path.join(directory, "split"),
                   overrides=overrides + ["train.steps=3"])  # step 3 = 24 images: mid-fade
        resumed = runs.train(config, os.path.join(directory, "split"),
                             overrides=overrides + ["train.steps=6"], resume=True)
        self.assertEqual(resumed.model.stage, whole.model.stage)
        for network in ("generator", "ema_generator"):  # the EMA's blocks are checkpointed
            for mine, theirs in zip(getattr(resumed.model, network).weights,
                                    getattr(whole.model, network).weights, strict=True):
                self.assertAllClose(mine, theirs, atol=1e-5, msg=f"{network} {mine.path}")
        loaded = runs.load_run(os.path.join(directory, "whole"))
        self.assertAllClose(loaded.sample(4, seed=2), whole.model.sample(4, seed=2), atol=1e-5)


@pytest.mark.slow
class ProGANDistributionTest(tf.test.TestCase):
    def test_two_replica_steps_within_a_fade_equal_single_device_steps(self):
        # Starts at step 5, mid-fade: α moves in the graph at every compared step.
        equivalence.assert_two_replicas_equal_one_device(self, ["progan"], steps=7,
                                                         timeout=600)
