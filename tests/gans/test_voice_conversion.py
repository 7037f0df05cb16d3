"""CycleGAN-VC / VC2 (the CycleGAN step with its speech options) and StarGAN-VC / VC2: the
defining properties of speech.md §7–§10, with recording mock networks where a property is
about what a network is fed (the steps then run eagerly, so a layer can keep its inputs)."""

import os
import sys

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.gans import CycleGANVC, CycleGANVC2, StarGANVC, StarGANVC2
from tfgan_suite.gans.stargan_vc import one_hot

FRAMES, DIMS, BATCH, DOMAINS = 8, 4, 2, 3
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


@keras.saving.register_keras_serializable(package="tests_voice_conversion")
class Recorder(keras.layers.Layer):
    """Passes its inputs through and keeps (when run eagerly) what it was called on."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def call(self, inputs):
        if tf.executing_eagerly():
            self.calls.append([np.array(x) for x in tf.nest.flatten(inputs)])
        return inputs[0] if isinstance(inputs, (list, tuple)) else inputs


def affine_translator(scale: float, shift: float, name: str) -> keras.Model:
    """G(x) = scale·x + shift on features [T, D] (a Dense with a diagonal kernel)."""
    features = keras.Input((None, DIMS))
    dense = keras.layers.Dense(DIMS, name=f"{name}_affine")
    out = dense(features)
    dense.set_weights([np.eye(DIMS, dtype=np.float32) * scale,
                       np.full(DIMS, shift, np.float32)])
    return keras.Model(features, out, name=name)


def recording_discriminator(name: str) -> keras.Model:
    """One logit per frame: the mean of its coefficients (a fixed Dense), recorded."""
    features = keras.Input((FRAMES, DIMS))
    recorded = Recorder(name=f"{name}_recorder")(features)
    dense = keras.layers.Dense(1, name=f"{name}_logit")
    out = dense(recorded)
    dense.set_weights([np.full((DIMS, 1), 1.0 / DIMS, np.float32), np.zeros(1, np.float32)])
    return keras.Model(features, out, name=name)


def pair_batches(steps: int = 1):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(steps * BATCH, FRAMES, DIMS)).astype(np.float32)
    b = rng.normal(size=(steps * BATCH, FRAMES, DIMS)).astype(np.float32)
    return a, b, tf.data.Dataset.from_tensor_slices((a, b)).batch(BATCH)


def cyclegan_vc(cls=CycleGANVC, **options):
    model = cls(affine_translator(2.0, 1.0, "g_ab"), recording_discriminator("d_b"),
                generator_ba=affine_translator(0.5, -0.5, "g_ba"),
                discriminator_a=recording_discriminator("d_a"), domains=("m3", "f2"),
                pool_shape=(FRAMES, DIMS), **options)
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0),
                  objective="least_squares", run_eagerly=True)
    return model


def recorder_calls(network: keras.Model) -> list:
    return next(layer for layer in network.layers if isinstance(layer, Recorder)).calls


class CycleGANVCTest(tf.test.TestCase):
    def test_cycle_loss_is_zero_for_inverse_affine_translators(self):
        # G(x) = 2x + 1 and F(y) = (y − 1)/2 = 0.5y − 0.5 invert each other exactly.
        _, _, batches = pair_batches()
        history = cyclegan_vc().fit(batches, epochs=1, verbose=0)
        self.assertAllClose(history.history["cycle"], [0.0], atol=1e-6)

    def test_identity_weight_is_five_until_identity_steps_then_zero(self):
        model = cyclegan_vc(identity_steps=3)
        self.assertAllClose([float(model.identity_weight(s)) for s in (0, 2, 3, 100)],
                            [5.0, 5.0, 0.0, 0.0])
        self.assertAllClose(float(cyclegan_vc().identity_weight(10 ** 6)), 5.0)

    def test_identity_loss_is_logged_while_on_and_zero_after(self):
        _, _, batches = pair_batches(3)
        model = cyclegan_vc(identity_steps=2)
        history = model.fit(batches.repeat(), steps_per_epoch=1, epochs=3, verbose=0)
        identity = history.history["identity"]
        self.assertGreater(identity[0], 0.0)
        self.assertGreater(identity[1], 0.0)
        self.assertEqual(identity[2], 0.0)

    def test_two_step_loss_feeds_cycle_discriminators_the_cycle_reconstructions(self):
        a, b, batches = pair_batches()
        model = cyclegan_vc(CycleGANVC2)
        self.assertTrue(model.two_step)
        model.fit(batches, epochs=1, verbose=0)
        a_cycled = 0.5 * (2.0 * a + 1.0) - 0.5          # F(G(a))
        b_cycled = 2.0 * (0.5 * b - 0.5) + 1.0          # G(F(b))
        calls_a = recorder_calls(model.cycle_discriminator_a)
        calls_b = recorder_calls(model.cycle_discriminator_b)
        # G's update: D′_A(F(G(a))); D's update: D′_A(a) then D′_A(F(G(a))) again (fixed).
        self.assertAllClose(calls_a[0][0], a_cycled, atol=1e-5)
        self.assertAllClose(calls_a[1][0], a)
        self.assertAllClose(calls_a[2][0], a_cycled, atol=1e-5)
        self.assertAllClose(calls_b[0][0], b_cycled, atol=1e-5)
        self.assertLen(calls_a, 3)

    def test_two_step_discriminators_share_no_variable_with_the_first_ones(self):
        model = cyclegan_vc(CycleGANVC2)
        first = {id(v) for n in (model.discriminator, model.discriminator_a)
                 for v in n.weights}
        second = {id(v) for n in (model.cycle_discriminator_a, model.cycle_discriminator_b)
                  for v in n.weights}
        self.assertEmpty(first & second)
        held = {id(v) for v in model._all_discriminator_variables()}
        self.assertEqual(held, first | second)

    def test_without_the_two_step_loss_the_losses_are_cycleganvcs(self):
        _, _, batches = pair_batches()
        one = cyclegan_vc(CycleGANVC2, two_step=False).fit(batches, epochs=1, verbose=0)
        vc1 = cyclegan_vc().fit(batches, epochs=1, verbose=0)
        self.assertNotIn("cycle_adversarial", one.history)
        for key in ("g_loss", "cycle", "identity", "d_loss"):
            self.assertAllClose(one.history[key], vc1.history[key])

    def test_converter_names_the_speakers_and_refuses_other_directions(self):
        model = cyclegan_vc()
        features = np.ones((1, 8, DIMS), np.float32)
        self.assertAllClose(model.converter("m3", "f2")(features), 3.0 * features)
        self.assertAllClose(model.converter("f2", "m3")(features), 0.0 * features)
        with self.assertRaisesRegex(ValueError, "source: unknown speaker 'x'"):
            model.converter("x", "f2")
        with self.assertRaisesRegex(ValueError, "target: this model has no m3 -> m3"):
            model.converter("m3", "m3")

    def test_image_batches_are_refused_with_the_shape(self):
        model = cyclegan_vc()
        images = tf.zeros((2, 8, 8, 1))
        with self.assertRaisesRegex(ValueError, "speech features .*got shape"):
            model.unpack_batch((images, images))


def code_generator(num_inputs: int, name: str = "g") -> keras.Model:
    """G(x, [c,] c') = x + (target index)·1, recorded: converting back with swapped codes
    is not the identity, so which codes it got shows."""
    features = keras.Input((None, DIMS))
    codes = [keras.Input((DOMAINS,)) for _ in range(num_inputs - 1)]
    recorded = Recorder(name=f"{name}_recorder")([features, *codes])
    target = codes[-1]
    index = keras.layers.Dense(1, use_bias=False, name=f"{name}_index")
    shift = index(target)
    out = keras.layers.Add()([recorded, keras.layers.Reshape((1, 1))(shift) *
                              tf.ones((1, 1, DIMS))])
    index.set_weights([np.arange(DOMAINS, dtype=np.float32)[:, None]])
    return keras.Model([features, *codes], out, name=name)


def code_discriminator(num_inputs: int, name: str = "d") -> keras.Model:
    features = keras.Input((FRAMES, DIMS))
    codes = [keras.Input((DOMAINS,)) for _ in range(num_inputs - 1)]
    recorded = Recorder(name=f"{name}_recorder")([features, *codes])
    pooled = keras.layers.GlobalAveragePooling1D()(recorded)
    out = keras.layers.Dense(1, name=f"{name}_logit")(
        keras.layers.Concatenate()([pooled, *codes]))
    return keras.Model([features, *codes], out, name=name)


def stargan(cls=StarGANVC2, g_inputs: int = 3, d_inputs: int = 3, **options):
    model = cls(code_generator(g_inputs), code_discriminator(d_inputs),
                domains=("m3", "m6", "f2"), seed=3, **options)
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0),
                  objective="least_squares", run_eagerly=True)
    return model


def labelled_batches():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(BATCH * 2, FRAMES, DIMS)).astype(np.float32)
    labels = np.array([0, 1, 2, 1], np.int32)
    return x, labels, tf.data.Dataset.from_tensor_slices((x, labels)).batch(BATCH * 2)


class StarGANVCTest(tf.test.TestCase):
    def test_targets_differ_from_sources_and_cover_the_other_speakers(self):
        model = stargan()
        labels = tf.constant(np.repeat(np.arange(DOMAINS), 200).astype(np.int32))
        target, random_source = (t.numpy() for t in model.draw_codes(labels, 5))
        self.assertFalse(np.any(target == labels.numpy()))
        for source in range(DOMAINS):
            self.assertEqual(set(target[labels.numpy() == source]),
                             set(range(DOMAINS)) - {source})
        self.assertEqual(set(random_source), set(range(DOMAINS)))

    def test_source_target_d_scores_reals_at_random_code_and_fakes_at_the_pair(self):
        x, labels, batches = labelled_batches()
        model = stargan()
        model.fit(batches, epochs=1, verbose=0)
        target, random_source = model.draw_codes(tf.constant(labels), 0)
        calls = recorder_calls(model.discriminator)
        real, fake = calls[0], calls[1]  # the discriminator update: reals, then fakes
        self.assertAllClose(real[0], x)
        self.assertAllClose(real[1], one_hot(random_source, DOMAINS))
        self.assertAllClose(real[2], one_hot(labels, DOMAINS))
        self.assertAllClose(fake[1], one_hot(labels, DOMAINS))
        self.assertAllClose(fake[2], one_hot(target, DOMAINS))
        shift = target.numpy().astype(np.float32)[:, None, None]
        self.assertAllClose(fake[0], x + shift)   # G(x, c_x, c′)

    def test_target_only_d_sees_only_the_target_code(self):
        x, labels, batches = labelled_batches()
        model = stargan(StarGANVC, g_inputs=2, d_inputs=2, classifier_weight=0.0)
        model.fit(batches, epochs=1, verbose=0)
        target, _ = model.draw_codes(tf.constant(labels), 0)
        real, fake = recorder_calls(model.discriminator)[:2]
        self.assertLen(real, 2)
        self.assertAllClose(real[1], one_hot(labels, DOMAINS))
        self.assertAllClose(fake[1], one_hot(target, DOMAINS))

    def test_cycle_swaps_the_codes_and_identity_repeats_the_source(self):
        x, labels, batches = labelled_batches()
        model = stargan()
        model.fit(batches, epochs=1, verbose=0)
        target, _ = model.draw_codes(tf.constant(labels), 0)
        c_x, c_t = one_hot(labels, DOMAINS), one_hot(target, DOMAINS)
        calls = recorder_calls(model.generator)
        # D update: G(x, c_x, c′); G update: the same, the cycle, the identity.
        cycle, identity = calls[2], calls[3]
        self.assertAllClose(cycle[1], c_t)
        self.assertAllClose(cycle[2], c_x)
        self.assertAllClose(identity[1], c_x)
        self.assertAllClose(identity[2], c_x)
        self.assertAllClose(identity[0], x)

    def test_identity_weight_schedule(self):
        model = stargan(identity_steps=10)
        self.assertAllClose([float(model.identity_weight_at(s)) for s in (0, 9, 10)],
                            [5.0, 5.0, 0.0])

    def test_the_adversarial_option_must_match_the_discriminators_codes(self):
        with self.assertRaisesRegex(ValueError, "adversarial source_target needs D"):
            stargan(d_inputs=2)
        with self.assertRaisesRegex(ValueError, "classifier_weight: 1.0 needs a domain"):
            stargan(StarGANVC, g_inputs=2, d_inputs=2)

    def test_vc2_defaults_are_source_target_without_classifier(self):
        model = stargan()
        self.assertEqual((model.adversarial, model.classifier_weight),
                         ("source_target", 0.0))
        self.assertIsNone(model.classifier)
        self.assertEqual(StarGANVC2.section, "stargan_vc2")

    def test_converter_feeds_the_pair_of_codes(self):
        model = stargan()
        converted = model.converter("m3", "f2")(tf.zeros((1, 8, DIMS)))
        self.assertAllClose(converted, 2.0 * np.ones((1, 8, DIMS)))  # target index 2


class ResumeTest(tf.test.TestCase):
    """Each speech model: 1 step, a checkpoint, a fresh model restored from it and 1 more
    step on the batch that follows equal 2 uninterrupted steps (the stateless draws are
    keyed by the step, the checkpoint holds every network, optimizer and the step)."""

    def test_kill_and_resume_equals_an_unbroken_run(self):
        import speech_models  # tests/gans: the tiny speech models

        for name in ("cyclegan_vc", "cyclegan_vc2", "stargan_vc", "stargan_vc2"):
            with self.subTest(model=name):
                speech_models.assert_resume_equals_unbroken(self, name, self.get_temp_dir())
