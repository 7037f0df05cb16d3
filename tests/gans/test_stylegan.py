"""StyleGAN and StyleGAN2: the style networks (slots, truncation in W, mixing, stored noise,
the skip generator and the residual discriminator), the models' defining properties (w̄
tracking, style mixing regularisation, path length and its running mean, lazy intervals),
sampling, exports and the 2-replica = 1-device equivalence."""

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
from tfgan_suite.gans import StyleGAN, StyleGAN2
from tfgan_suite.gans import stylegan as stylegan_lib
from tfgan_suite.networks import (
    DCGANGenerator,
    StyleGAN2Discriminator,
    StyleGAN2Generator,
    StyleGANDiscriminator,
    StyleGANGenerator,
    style,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import equivalence  # noqa: E402  (tests/gans/equivalence.py)

FILTERS = (8, 8, 4)  # 4, 8, 16 px: 6 style slots
BATCH4 = np.zeros([4, 16, 16, 1], np.float32)  # a batch of 4 reals (only its size matters)
KINDS = {"stylegan": (StyleGANGenerator, StyleGANDiscriminator, StyleGAN),
         "stylegan2": (StyleGAN2Generator, StyleGAN2Discriminator, StyleGAN2)}


def networks(kind="stylegan", seed=0):
    generator_cls, discriminator_cls, _ = KINDS[kind]
    keras.utils.set_random_seed(seed)
    return (generator_cls(latent_dim=8, w_dim=8, mapping_layers=2, image_size=16, channels=1,
                          filters=FILTERS),
            discriminator_cls(image_size=16, channels=1, filters=FILTERS))


def model(kind="stylegan", compile_it=True, **options):
    generator, discriminator = networks(kind)
    gan = KINDS[kind][2](generator, discriminator, seed=3, **options)
    if compile_it:
        gan.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                    g_optimizer=keras.optimizers.Adam(1e-3), objective="non_saturating",
                    penalties={"r1": {"weight": 1.0}}, jit_compile=False)
    return gan


def images(n=8, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 16, 16, 1)).astype(np.float32)


class StyleNetworksTest(tf.test.TestCase):
    def test_slots_and_shapes(self):
        for kind in KINDS:
            generator, discriminator = networks(kind)
            self.assertEqual(generator.num_slots, 2 * 4 - 2)
            self.assertEqual(style.num_slots(32), 8)
            ws = generator.styles(tf.zeros([3, 8]))
            self.assertEqual(ws.shape, (3, 6, 8))
            self.assertEqual(generator(tf.zeros([3, 8])).shape, (3, 16, 16, 1))
            self.assertEqual(discriminator(tf.zeros([4, 16, 16, 1])).shape, (4, 1))

    def test_mapping_normalises_z_and_keeps_the_lr_multiplier(self):
        generator, _ = networks()
        mapping = generator.mapping
        z = tf.random.stateless_normal([4, 8], seed=[1, 1])
        self.assertAllClose(mapping(z), mapping(3.0 * z), atol=1e-5)  # second-moment norm
        kernel = mapping.dense[0]
        self.assertEqual(kernel.lr_multiplier, 0.01)
        self.assertNear(float(np.std(kernel.kernel.numpy())), 100.0, 40.0)

    def test_generator_on_z_is_deterministic_with_stored_noise(self):
        for kind in KINDS:
            generator, _ = networks(kind)
            for layer in generator.synthesis.noise:  # noise matters once strengths are set
                layer.strength.assign(tf.ones_like(layer.strength))
            z = tf.random.stateless_normal([2, 8], seed=[2, 2])
            self.assertAllClose(generator(z), generator(z))
            synthesis = generator.synthesis
            ws = generator.styles(z)
            fresh = [tf.random.stateless_normal([2, h, w, 1], seed=[i, 9])
                     for i, (h, w) in enumerate(synthesis.noise_shapes)]
            self.assertNotAllClose(synthesis(ws, noise=fresh), generator(z))
            with self.assertRaisesRegex(ValueError, "noise images expected"):
                synthesis(ws, noise=fresh[:1])

    def test_truncation_psi_one_is_identity_and_psi_zero_is_the_average_image(self):
        for kind in KINDS:
            generator, _ = networks(kind)
            w_avg = tf.random.stateless_normal([8], seed=[4, 4])
            generator.slots.w_avg.assign(w_avg)
            z = tf.random.stateless_normal([3, 8], seed=[5, 5])
            self.assertAllClose(generator.truncated(z, 1.0), generator(z), atol=1e-5)
            average = generator.synthesis(tf.tile(w_avg[None, None], [1, 6, 1]))
            self.assertAllClose(generator.truncated(z, 0.0),
                                tf.tile(average, [3, 1, 1, 1]), atol=1e-5)

    def test_truncation_cutoff_only_moves_the_slots_before_it(self):
        ws = tf.random.stateless_normal([2, 6, 8], seed=[6, 6])
        w_avg = tf.random.stateless_normal([8], seed=[7, 7])
        truncated = style.truncate(ws, w_avg, 0.5, cutoff=2)
        self.assertAllClose(truncated[:, 2:], ws[:, 2:])
        self.assertAllClose(truncated[:, :2], w_avg + 0.5 * (ws[:, :2] - w_avg), atol=1e-6)
        per_row = style.truncate(ws, w_avg, tf.constant([0.0, 1.0]))
        self.assertAllClose(per_row[0], tf.tile(w_avg[None], [6, 1]), atol=1e-6)
        self.assertAllClose(per_row[1], ws[1], atol=1e-6)

    def test_bad_psi_and_cutoffs_are_named(self):
        generator, _ = networks()
        with self.assertRaisesRegex(ValueError, r"truncation: ψ must be in \[0, 1\], got 1.5"):
            generator.truncated(tf.zeros([1, 8]), 1.5)
        with self.assertRaisesRegex(ValueError, r"--mix: an integer in \[1, 6\]"):
            generator.mixed(tf.zeros([1, 8]), tf.zeros([1, 8]), 7)
        with self.assertRaisesRegex(ValueError, r"stylegan.truncation_cutoff: an integer in "
                                                r"\[1, 6\]"):
            StyleGAN(*networks(), truncation_cutoff=9)
        with self.assertRaisesRegex(ValueError, "generator.name: model stylegan trains a style "
                                                "generator; accepted: stylegan, stylegan2"):
            StyleGAN(DCGANGenerator(latent_dim=8, image_size=32, channels=1, base_filters=4),
                     networks()[1])
        with self.assertRaisesRegex(ValueError, "image_size: style networks need a power of "
                                                "two ≥ 8, got 28"):
            StyleGANGenerator(image_size=28, filters=(4, 4, 4))
        with self.assertRaisesRegex(ValueError, r"generator.filters: one positive width per "
                                                r"resolution \[4, 8, 16\]"):
            StyleGANGenerator(image_size=16, filters=(4, 4))

    def test_stylegan2_skip_generator_sums_every_resolutions_rgb(self):
        generator, _ = networks("stylegan2")
        synthesis = generator.synthesis
        ws = generator.styles(tf.random.stateless_normal([2, 8], seed=[8, 8]))
        full = synthesis(ws)
        # Zeroing the 16 px toRGB's kernel and bias leaves the up-sampled 8 px image.
        rgb16 = synthesis.to_rgb[-1].conv
        saved = [v.numpy() for v in (rgb16.kernel, rgb16.bias)]
        rgb16.kernel.assign(tf.zeros_like(rgb16.kernel))
        without = synthesis(ws)
        rgb16.kernel.assign(saved[0])
        self.assertNotAllClose(full, without)
        self.assertGreater(float(tf.math.reduce_std(without)), 0.0)
        self.assertEqual([slot for slot in (synthesis._rgb_slot(i)
                                            for i in range(len(synthesis.specs)))
                          if slot is not None], [1, 3, 5])

    def test_keras_round_trip_keeps_outputs_and_w_avg(self):
        for kind in KINDS:
            generator, discriminator = networks(kind)
            generator.slots.w_avg.assign(tf.fill([8], 0.25))
            z = tf.random.stateless_normal([2, 8], seed=[9, 9])
            x = tf.random.stateless_uniform([4, 16, 16, 1], seed=[9, 9])
            with tempfile.TemporaryDirectory() as directory:
                for network, inputs in ((generator, z), (discriminator, x)):
                    path = os.path.join(directory, f"{network.name}.keras")
                    network.save(path)
                    loaded = keras.saving.load_model(path)
                    self.assertEqual(type(loaded), type(network))
                    self.assertAllClose(loaded(inputs), network(inputs), atol=1e-6)
                loaded = keras.saving.load_model(os.path.join(directory,
                                                              f"{generator.name}.keras"))
                self.assertAllClose(loaded.slots.w_avg, tf.fill([8], 0.25))


class StyleGANModelTest(tf.test.TestCase):
    def test_w_avg_moves_five_thousandths_of_the_batch_mean(self):
        gan = model(compile_it=False)
        w = tf.random.stateless_normal([6, 8], seed=[1, 3])
        gan.track_w_avg(w)
        self.assertAllClose(gan.generator.slots.w_avg, 0.005 * tf.reduce_mean(w, 0), atol=1e-7)

    def test_mixing_with_probability_one_splits_the_slots_at_a_crossover_in_1_to_slots(self):
        gan = model(compile_it=False, mixing_probability=1.0)
        z = tf.random.stateless_normal([4, 8], seed=[2, 3])
        first = gan.generator.styles(z)
        crossovers = set()
        for step in range(40):
            ws = gan.style_latents(z, step, stream=10, training=False)
            second = gan.generator.styles(gan._latent(4, step, 10))
            same_first = np.all(np.isclose(ws, first), axis=(0, 2))
            same_second = np.all(np.isclose(ws, second), axis=(0, 2))
            crossover = int(np.argmin(same_first)) if not same_first.all() else 6
            self.assertTrue(same_first[:crossover].all() and same_second[crossover:].all())
            crossovers.add(crossover)
        self.assertEqual(crossovers, set(range(1, 6)))  # never 0, never "no mixing"

    def test_mixing_with_probability_zero_keeps_one_w(self):
        gan = model(compile_it=False, mixing_probability=0.0)
        z = tf.random.stateless_normal([4, 8], seed=[2, 3])
        self.assertAllClose(gan.style_latents(z, 5, stream=10, training=False),
                            gan.generator.styles(z))

    def test_mixing_probability_is_respected_over_updates(self):
        gan = model(compile_it=False, mixing_probability=0.9)
        z = tf.random.stateless_normal([2, 8], seed=[2, 4])
        first = gan.generator.styles(z)
        mixed = [not np.allclose(gan.style_latents(z, step, 10, training=False), first)
                 for step in range(200)]
        self.assertNear(np.mean(mixed), 0.9, 0.07)

    @pytest.mark.slow
    def test_training_tracks_w_avg_and_is_reproducible(self):
        results = []
        for _ in range(2):
            gan = model(ema_decay=0.9)
            gan.fit(tf.data.Dataset.from_tensor_slices(images()).batch(4), epochs=1,
                    verbose=0)
            results.append(gan)
        self.assertGreater(float(tf.reduce_max(tf.abs(results[0].generator.slots.w_avg))), 0)
        for mine, theirs in zip(results[0].generator.weights, results[1].generator.weights,
                                strict=True):
            self.assertAllClose(mine, theirs, msg=mine.path)
        # The EMA copy follows w̄ (a non-trainable weight: copied every step).
        self.assertAllClose(results[0].ema_generator.slots.w_avg,
                            results[0].generator.slots.w_avg)

    def test_sample_is_deterministic_and_truncation_is_psi_in_w(self):
        gan = model()
        gan.generator.slots.w_avg.assign(tf.fill([8], 0.5))
        self.assertAllClose(gan.sample(5, seed=1), gan.sample(5, seed=1))
        zero = gan.sample(3, seed=1, truncation=0.0)
        self.assertAllClose(zero[0], zero[2], atol=1e-5)
        self.assertAllClose(gan.sample(3, seed=1, truncation=1.0), gan.sample(3, seed=1),
                            atol=1e-5)
        with self.assertRaisesRegex(ValueError, r"truncation: ψ must be in \[0, 1\]"):
            gan.sample(2, truncation=-0.1)

    def test_w_strips_lerp_the_styles_between_the_z_strips_ends(self):
        gan = model()
        strips = gan.interpolate(2, steps=5, seed=3, along="w")
        self.assertEqual(strips.shape[:2], (2, 5))
        self.assertAllClose(strips[:, 0], gan.sample(2, seed=3), atol=1e-5)
        self.assertAllClose(strips[:, -1], gan.sample(2, seed=4), atol=1e-5)
        generator = gan.sampling_generator
        w_from = generator.styles(tf.constant(gan.latent(2, 3)))
        w_to = generator.styles(tf.constant(gan.latent(2, 4)))
        middle = generator.synthesis(0.5 * (w_from + w_to), training=False).numpy()
        self.assertAllClose(strips[:, 2], middle, atol=1e-5)
        # The mapping is not linear: the W midpoint is not the image of the z slerp's.
        self.assertNotAllClose(strips[:, 2], gan.interpolate(2, steps=5, seed=3)[:, 2])
        with self.assertRaisesRegex(ValueError, "style models interpolate along z or w"):
            gan.interpolate(2, along="c1")

    def test_style_mix_grid_takes_coarse_styles_from_rows_and_fine_from_columns(self):
        gan = model()
        grid = gan.style_mix(2, 3, crossover=6)  # every slot from the row's z
        rows = gan.sample(2, seed=0)
        for j in range(3):
            self.assertAllClose(grid[:, j], rows, atol=1e-5)
        fine = gan.style_mix(2, 3, crossover=1)
        self.assertNotAllClose(fine[0, 0], fine[0, 1])
        with self.assertRaisesRegex(ValueError, r"--mix: an integer in \[1, 6\]"):
            gan.style_mix(2, 2, crossover=0)


class PathLengthTest(tf.test.TestCase):
    def test_lengths_of_an_isometry_times_a_equal_a(self):
        # img = Σ_l a·Q_l w_l, Q_l [16, 32] with orthonormal rows; a unit-norm probe y:
        # every slot's gradient a·Q_lᵀ y has norm a, so every length is a.
        gan = model("stylegan2", compile_it=False)
        rng = np.random.default_rng(0)
        q = np.stack([np.linalg.qr(rng.normal(size=(32, 16)))[0].T for _ in range(3)])
        a = 1.7

        def synthesise(ws):
            return tf.reshape(a * tf.einsum("lpw,blw->bp", tf.constant(q, tf.float32), ws),
                              [-1, 4, 4, 1])

        ws = tf.random.stateless_normal([5, 3, 32], seed=[1, 1])
        probe = rng.normal(size=(5, 4, 4, 1))
        probe /= np.linalg.norm(probe.reshape(5, -1), axis=1)[:, None, None, None]
        lengths = stylegan_lib.path_lengths(synthesise, ws, tf.constant(probe, tf.float32))
        self.assertAllClose(lengths, np.full(5, a), atol=1e-5)
        gan.pl_mean.assign(a)
        self.assertNear(float(gan.path_length_penalty(lengths, True)), 0.0, 1e-4)

    def test_running_mean_is_updated_first_and_only_when_due(self):
        gan = model("stylegan2", compile_it=False)
        lengths = tf.constant([1.0, 2.0, 3.0, 6.0])
        penalty = gan.path_length_penalty(lengths, tf.constant(True))
        self.assertNear(float(gan.pl_mean.numpy()), 0.01 * 3.0, 1e-7)
        self.assertNear(float(penalty), float(np.mean((lengths.numpy() - 0.03) ** 2)), 1e-5)
        self.assertEqual(float(gan.path_length_penalty(lengths, tf.constant(False))), 0.0)
        self.assertNear(float(gan.pl_mean.numpy()), 0.03, 1e-7)

    def test_penalty_fires_every_interval_scaled_by_it(self):
        gan = model("stylegan2", pl_interval=3, pl_weight=2.0)
        terms = []
        for step in range(7):
            gan.step_counter.assign(step)
            before = float(gan.pl_mean.numpy())
            value = gan.generator_regularisation(BATCH4, tf.constant(step, tf.int64))
            terms.append((float(value["pl"]), float(gan.pl_mean.numpy()) != before))
        fired = [step for step, (value, moved) in enumerate(terms) if moved]
        self.assertEqual(fired, [0, 3, 6])
        self.assertTrue(all(value == 0.0 for step, (value, _) in enumerate(terms)
                            if step not in fired))
        # The term on a due step is weight × interval × mean((length − a)²).
        gan.pl_mean.assign(0.0)
        step = tf.constant(0, tf.int64)
        lengths = gan.path_lengths(tf.constant(2), step, stylegan_lib.base.regularisation_stream(
            gan.n_critic, 0))
        expected = 2.0 * 3 * float(np.mean((lengths.numpy() - 0.01 * np.mean(lengths)) ** 2))
        gan.pl_mean.assign(0.0)
        value = gan.generator_regularisation(BATCH4, step)["pl"]
        self.assertNear(float(value), expected, 1e-4 * max(1.0, expected))

    def test_pl_has_a_gradient_for_the_mapping_and_the_synthesis(self):
        gan = model("stylegan2")
        with tf.GradientTape() as tape:
            value = gan.generator_regularisation(BATCH4, tf.constant(0, tf.int64))["pl"]
        variables = gan.generator.trainable_variables
        gradients = tape.gradient(value, variables)
        moved = {v.path.split("/")[0] for v, g in zip(variables, gradients, strict=True)
                 if g is not None and float(tf.reduce_max(tf.abs(g))) > 0}
        self.assertIn("mapping", moved)
        self.assertIn("synthesis", moved)

    @pytest.mark.slow
    def test_training_logs_pl_and_bad_options_are_named(self):
        gan = model("stylegan2", pl_interval=2)
        history = gan.fit(tf.data.Dataset.from_tensor_slices(images()).batch(4), epochs=1,
                          verbose=0)
        self.assertIn("pl", history.history)
        self.assertGreater(float(gan.pl_mean.numpy()), 0.0)
        with self.assertRaisesRegex(ValueError, "stylegan2.pl_interval: a positive integer"):
            model("stylegan2", compile_it=False, pl_interval=0)
        with self.assertRaisesRegex(ValueError, r"stylegan2.pl_decay: a number in \[0, 1\]"):
            model("stylegan2", compile_it=False, pl_decay=2.0)


@pytest.mark.slow
class StyleExportTest(tf.test.TestCase):
    def test_saved_model_has_sample_truncated_and_tflite_matches(self):
        for kind in KINDS:
            gan = model(kind, ema_decay=0.9)
            gan.sampling_generator.slots.w_avg.assign(tf.fill([8], 0.3))
            with tempfile.TemporaryDirectory() as directory:
                path = export_saved_model(gan, directory)
                loaded = tf.saved_model.load(path)
                seeds = tf.constant([1, 2, 3], tf.int64)
                from_seeds = loaded.signatures["sample_from_seeds"](seeds=seeds)["images"]
                untruncated = loaded.signatures["sample_truncated"](
                    seeds=seeds, truncation=tf.ones([3]))["images"]
                self.assertAllClose(untruncated, from_seeds, atol=1e-5)
                average = loaded.signatures["sample_truncated"](
                    seeds=seeds, truncation=tf.zeros([3]))["images"]
                self.assertAllClose(average[0], average[2], atol=1e-5)
                tflite = export_tflite(path, os.path.join(directory, "g.tflite"))
                z = gan.latent(2, seed=4)
                self.assertAllClose(TFLiteGenerator(tflite).generate(z),
                                    gan.sampling_generator(z, training=False), atol=1e-4)


@pytest.mark.slow
class StyleRecipeTest(tf.test.TestCase):
    def test_recipes_train_resume_and_sample_from_the_cli_path(self):
        for recipe in ("stylegan_fashion_mnist.yaml", "stylegan2_fashion_mnist.yaml"):
            config = os.path.join(os.path.dirname(__file__), "..", "..", "configs", recipe)
            overrides = ["data.image_size=16", "train.steps=4", "train.steps_per_epoch=2",
                         "train.steps_per_execution=2", "train.jit_compile=false",
                         "data.batch_size=8", "generator.filters=[8, 8, 4]",
                         "discriminator.filters=[8, 8, 4]", "generator.w_dim=8",
                         "generator.latent_dim=8", "sample.grid_size=4"]
            with tempfile.TemporaryDirectory() as directory:
                run = runs.train(config, os.path.join(directory, "run"), overrides=overrides)
                self.assertEqual(run.metrics["steps"], 4)
                loaded = runs.load_run(os.path.join(directory, "run"))
                self.assertIsInstance(loaded, StyleGAN)
                # The checkpoint holds the EMA generator's every weight (list-held layers
                # and stored noise included): the loaded run samples what the trained did.
                self.assertAllClose(loaded.sample(4, seed=3), run.model.sample(4, seed=3),
                                    atol=1e-5)
                out = os.path.join(directory, "mix.png")
                runs.sample_to_file(loaded, 3, out, mix=2)
                self.assertTrue(os.path.isfile(out))
                with self.assertRaisesRegex(ValueError, "--mix: cannot be combined with "
                                                        "labels, truncation"):
                    runs.sample_to_file(loaded, 3, out, mix=2, labels=np.zeros(3, np.int32),
                                        truncation=0.5)
                strips = os.path.join(directory, "w.npy")
                runs.sample_to_file(loaded, 2, strips, interpolate="w", steps=3)
                self.assertAllClose(np.load(strips), loaded.interpolate(2, 3, along="w"))


@pytest.mark.slow
class StyleDistributionTest(tf.test.TestCase):
    def test_two_replica_steps_equal_single_device_steps(self):
        equivalence.assert_two_replicas_equal_one_device(self, ["stylegan", "stylegan2"])
