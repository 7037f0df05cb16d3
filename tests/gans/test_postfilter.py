"""The postfilters and GAN-VC (gans/postfilter.py): the properties that define them
(speech.md §4–§6), tiny networks on random crops."""

import os
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite import networks
from tfgan_suite.gans import GANS

sys.path.insert(0, os.path.dirname(__file__))
from equivalence import assert_two_replicas_equal_one_device  # noqa: E402

FRAMES, DIMS = 16, 9


def crops(seed=0, batch=4, dims=DIMS):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(batch, FRAMES, dims)).astype(np.float32),
            rng.normal(size=(batch, FRAMES, dims)).astype(np.float32))


def ganpf(**options):
    keras.utils.set_random_seed(0)
    shared = {"dims": DIMS, "frames": FRAMES, "channels": 4}
    return GANS.get("ganpf")(networks.build_generator({"name": "ganpf"}, **shared),
                             networks.build_discriminator({"name": "ganpf"}, **shared),
                             **options)


def ganvc(discriminator=None, **options):
    keras.utils.set_random_seed(0)
    generator = networks.build_generator({"name": "vc_gated_1d", "channels": 4, "blocks": 1},
                                         dims=DIMS)
    discriminator = discriminator or networks.build_discriminator(
        {"name": "vc_full", "channels": 4}, dims=DIMS, frames=FRAMES)
    options = {"domains": ("s", "t"), "feature_layer": "d3_glu",
               "similarity_weight": 1.0} | options
    return GANS.get("ganvc")(generator, discriminator, **options)


def pooled_discriminator():
    """A D whose layer ``pooled`` averages over time: blind to where a frame is."""
    features = keras.Input((FRAMES, DIMS))
    hidden = keras.layers.Dense(5, activation="tanh", name="frames")(features)
    pooled = keras.layers.GlobalAveragePooling1D(name="pooled")(hidden)
    return keras.Model(features, keras.layers.Dense(1, name="logit")(pooled))


class SequenceGANTest(tf.test.TestCase):
    def test_the_untrained_postfilter_is_the_identity(self):
        model = ganpf()
        x, _ = crops()
        self.assertAllEqual(model.generate(x), x)

    def test_similarity_is_zero_when_the_output_equals_the_target(self):
        model = ganvc()
        x, y = crops()
        _, features_of_y = model.discriminate(tf.constant(y), None)
        terms = model.extra_g_losses(features_of_y, (tf.constant(x), tf.constant(y)))
        self.assertAllClose(terms["similarity"], 0.0)
        _, features_of_x = model.discriminate(tf.constant(x), None)
        self.assertGreater(float(model.extra_g_losses(
            features_of_x, (tf.constant(x), tf.constant(y)))["similarity"]), 1e-4)

    def test_similarity_is_blind_to_what_its_layer_ignores(self):
        model = ganvc(pooled_discriminator(), feature_layer="pooled")
        x, y = crops()
        shifted = np.roll(y, 5, axis=1)  # the same frames elsewhere in time
        _, features = model.discriminate(tf.constant(shifted), None)
        terms = model.extra_g_losses(features, (tf.constant(x), tf.constant(y)))
        self.assertAllClose(terms["similarity"], 0.0, atol=1e-6)

    def test_the_discriminator_learns_from_its_own_loss_only(self):
        """One step of SGD: D moves by −lr·∇L_D(y, G(x)) exactly — the similarity term
        (large here: λ_sim 100) reaches G only."""
        model = ganvc(similarity_weight=100.0)
        model.compile(d_optimizer=keras.optimizers.SGD(0.1),
                      g_optimizer=keras.optimizers.SGD(0.1), objective="least_squares")
        x, y = crops()
        start = [v.numpy() for v in model.discriminator.trainable_variables]
        fake = model.generator(x, training=True)
        with tf.GradientTape() as tape:
            loss = model.objective.d_loss(model.discriminator(y, training=True),
                                          model.discriminator(fake, training=True))
        gradients = tape.gradient(loss, model.discriminator.trainable_variables)
        model.train_on_batch((x, y))
        for before, gradient, after in zip(start, gradients,
                                           model.discriminator.trainable_variables,
                                           strict=True):
            self.assertAllClose(after.numpy(), before - 0.1 * gradient.numpy(), atol=1e-5)

    def test_the_squared_error_baseline_never_runs_the_discriminator(self):
        model = ganpf(adversarial=False, mse_weight=1.0)
        model.compile(d_optimizer="adam", g_optimizer=keras.optimizers.Adam(1e-2),
                      objective="least_squares")
        d_start = model.discriminator.get_weights()
        g_start = model.generator.get_weights()
        logs = model.fit(tf.data.Dataset.from_tensors(crops()).repeat(3), epochs=1,
                         verbose=0).history
        for a, b in zip(d_start, model.discriminator.get_weights(), strict=True):
            self.assertAllEqual(a, b)
        self.assertTrue(any(np.abs(a - b).max() > 0 for a, b in zip(
            g_start, model.generator.get_weights(), strict=True)))
        self.assertEqual(sorted(logs), ["mse"])  # no d_loss / g_loss: nothing adversarial
        self.assertEqual(int(model.step_counter.numpy()), 3)

    def test_the_squared_error_skips_the_coefficients_passed_through(self):
        model = ganpf(mse_weight=1.0)
        x, y = crops()
        x[..., 0] += 100.0  # c0 passes through: not the postfilter's error
        _, terms = model.fakes_for_discriminator(None, (tf.constant(x), tf.constant(y)),
                                                 tf.constant(0, tf.int64), 0)
        self.assertAllClose(terms["mse"], np.mean((x[..., 1:] - y[..., 1:]) ** 2), rtol=1e-5)

    def test_the_noise_is_a_function_of_the_step(self):
        """The same step draws the same z (replicas, resumed runs); another step another."""
        model = ganpf()
        x, y = crops()
        model.generator.get_layer("band0_residual").set_weights(
            [w + 0.1 for w in model.generator.get_layer("band0_residual").get_weights()])
        condition = (tf.constant(x), tf.constant(y))

        def fake(step):
            return model.fakes_for_discriminator(None, condition, tf.constant(step, tf.int64),
                                                 0)[0].numpy()

        self.assertAllEqual(fake(3), fake(3))
        self.assertGreater(np.abs(fake(3) - fake(4)).max(), 1e-4)

    def test_bad_options_name_their_field(self):
        for options, field in (({"similarity_weight": 1.0, "feature_layer": None},
                                "ganvc.feature_layer"),
                               ({"feature_layer": "nowhere"}, "ganvc.feature_layer"),
                               ({"mse_weight": -1.0}, "ganvc.mse_weight")):
            with self.subTest(options=options):
                with self.assertRaisesRegex(ValueError, f"^{field}"):
                    ganvc(**options)
        with self.assertRaisesRegex(ValueError, "^ganpf.mse_weight"):
            ganpf(adversarial=False)
        with self.assertRaisesRegex(ValueError, "^generator.name"):
            GANS.get("ganpf")(networks.build_generator({"name": "dcgan"}),
                              networks.build_discriminator({"name": "dcgan"}))

    def test_image_batches_are_refused_with_the_shape(self):
        model = ganpf()
        with self.assertRaisesRegex(ValueError, "speech features"):
            model.unpack_batch((tf.zeros([2, 8, 8, 1]), tf.zeros([2, 8, 8, 1])))

    def test_stft_postfilter_gets_four_bands_by_default(self):
        generator, discriminator = GANS.get("ganpf_stft").network_options(
            {}, None, {"name": "ganpf"}, {"name": "ganpf", "bands": 1})
        self.assertEqual((generator["bands"], generator["overlap"], generator["offset"]),
                         (4, 16, 0))
        self.assertEqual(discriminator["bands"], 1)  # the recipe's choice stands

    def test_ganvc_converts_its_one_direction(self):
        model = ganvc()
        self.assertEqual(model.speaker_directions(), [("s", "t")])
        with self.assertRaisesRegex(ValueError, "no t -> s direction"):
            model.converter("t", "s")
        x, _ = crops()
        self.assertAllClose(model.converter("s", "t")(tf.constant(x)),
                            model.generator(x, training=False))


class ResumeTest(tf.test.TestCase):
    """1 step, a checkpoint, a fresh model restored from it and 1 more step equal 2 steps."""

    def test_kill_and_resume_equals_an_unbroken_run(self):
        import speech_models

        for name in ("ganpf", "ganpf_stft", "ganvc"):
            with self.subTest(model=name):
                speech_models.assert_resume_equals_unbroken(self, name, self.get_temp_dir())


@pytest.mark.slow
class TwoReplicaTest(tf.test.TestCase):
    """The banded STFT postfilter (``ganpf``'s step and noise draws with K = 2 bands) and
    GAN-VC (the similarity's feature model); ``ganpf`` is the same step with one band, so
    it is not run a third time (the suite's time)."""

    def test_two_replicas_equal_one_device(self):
        assert_two_replicas_equal_one_device(self, ["ganpf_stft", "ganvc"])
