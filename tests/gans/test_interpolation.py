"""Interpolation strips: ``latent.slerp`` / ``latent.lerp`` as pure functions, and
``interpolate`` on a plain, a conditional and an InfoGAN model (z slerped with the codes
fixed, or a continuous code lerped with z fixed), through ``tfgan sample --interpolate``."""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import runs
from tfgan_suite.gans import AdversarialModel, ConditionalGAN, InfoGAN, latent
from tfgan_suite.networks import DCGANDiscriminator, DCGANGenerator

CODES = [{"name": "c1", "kind": "categorical", "size": 4},
         {"name": "c2", "kind": "continuous", "size": 2}]


def _angle(a, b):
    cosine = np.sum(a * b, -1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.arccos(np.clip(cosine, -1.0, 1.0))


class SlerpLerpTest(tf.test.TestCase):
    def test_slerp_turns_by_equal_angles_keeps_equal_norms_and_ends_at_the_endpoints(self):
        rng = np.random.default_rng(0)
        a, b = rng.normal(size=(5, 16)), rng.normal(size=(5, 16))
        b *= (np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1))[:, None]  # |a| = |b|
        t = np.linspace(0.0, 1.0, 7)
        path = latent.slerp(a, b, t)
        self.assertEqual(path.shape, (5, 7, 16))
        self.assertAllClose(path[:, 0], a)
        self.assertAllClose(path[:, -1], b)
        self.assertAllClose(np.linalg.norm(path, axis=-1),
                            np.repeat(np.linalg.norm(a, axis=1)[:, None], 7, axis=1))
        omega = _angle(a, b)
        self.assertAllClose(_angle(a[:, None, :], path), omega[:, None] * t[None, :],
                            atol=1e-6)
        path = latent.slerp(a, 3.0 * b, t)  # unequal norms: the ends are still exact
        self.assertAllClose(path[:, -1], 3.0 * b)

    def test_slerp_falls_back_to_lerp_for_parallel_rows_and_lerp_is_linear(self):
        a = np.array([[1.0, 2.0], [1.0, 0.0]])
        b = np.array([[2.0, 4.0], [-1.0, 0.0]])  # parallel, opposite
        t = [0.0, 0.25, 1.0]
        expected = latent.lerp(a, b, t)
        self.assertAllClose(expected[:, 1], 0.75 * a + 0.25 * b)
        self.assertAllClose(latent.slerp(a, b, t), expected)
        self.assertTrue(np.all(np.isfinite(latent.slerp(np.zeros((1, 3)), np.ones((1, 3)),
                                                        t))))
        with self.assertRaisesRegex(ValueError, r"^interpolation: endpoints must both be "
                                                r"\[n, d\]"):
            latent.slerp(np.zeros((2, 3)), np.zeros((3, 3)), t)


def _plain():
    keras.utils.set_random_seed(0)
    return AdversarialModel(DCGANGenerator(latent_dim=8, image_size=28, base_filters=8),
                            DCGANDiscriminator(image_size=28, base_filters=8), latent_dim=8)


def _info():
    keras.utils.set_random_seed(0)
    return InfoGAN(DCGANGenerator(latent_dim=8 + 6, image_size=28, base_filters=8),
                   DCGANDiscriminator(image_size=28, base_filters=8, q_width=6),
                   codes=CODES)


class InterpolateTest(tf.test.TestCase):
    def test_z_strips_run_from_one_seeds_samples_to_the_next_seeds(self):
        model = _plain()
        strips = model.interpolate(3, steps=4, seed=5)
        self.assertEqual(strips.shape, (3, 4, 28, 28, 1))
        self.assertAllClose(strips[:, 0], model.sample(3, seed=5), atol=1e-5)
        self.assertAllClose(strips[:, -1], model.sample(3, seed=6), atol=1e-5)
        self.assertNotAllClose(strips[:, 1], strips[:, 0])
        z = model.latent(3, 5), model.latent(3, 6)
        middle = model._generate(latent.slerp(*z, [0.5])[:, 0].astype(np.float32), None, 8)
        self.assertAllClose(model.interpolate(3, steps=3, seed=5)[:, 1], middle, atol=1e-5)
        with self.assertRaisesRegex(ValueError, r"^steps: an interpolation needs at least 2"):
            model.interpolate(3, steps=1)
        with self.assertRaisesRegex(ValueError, r"^labels: this model is unconditional"):
            model.interpolate(3, labels=[1, 2, 3])

    def test_conditional_strips_keep_each_rows_class(self):
        keras.utils.set_random_seed(0)
        model = ConditionalGAN(
            DCGANGenerator(latent_dim=8, image_size=28, base_filters=8, num_classes=3,
                           conditional=True),
            DCGANDiscriminator(image_size=28, base_filters=8, num_classes=3,
                               conditioning="projection"),
            num_classes=3)
        strips = model.interpolate(2, steps=3, seed=0, labels=[2, 0])
        self.assertAllClose(strips[:, 0], model.sample(2, seed=0, labels=[2, 0]), atol=1e-5)
        self.assertAllClose(strips[:, -1], model.sample(2, seed=1, labels=[2, 0]), atol=1e-5)

    def test_infogan_strips_along_z_fix_the_codes_and_along_a_continuous_code_fix_z(self):
        model = _info()
        fixed = {"c1": 3, "c2": [0.5, -0.5]}
        strips = model.interpolate(2, steps=4, seed=1, codes=fixed)
        self.assertAllClose(strips[:, 0], model.sample(2, seed=1, codes=fixed), atol=1e-5)
        self.assertAllClose(strips[:, -1], model.sample(2, seed=2, codes=fixed), atol=1e-5)
        # Along c2: z and c1 of seed 1 throughout; c2 from its seed-1 to its seed-2 draw.
        strips = model.interpolate(2, steps=3, seed=1, along="c2")
        self.assertAllClose(strips[:, 0], model.sample(2, seed=1), atol=1e-5)
        ends = [model.drawn_codes(2, s)["c2"]["input"] for s in (1, 2)]
        z = model.latent(2, 1)
        for step, value in ((1, (ends[0] + ends[1]) / 2), (2, ends[1])):
            block = model.code_block(2, seed=1, per_row={"c2": value})
            self.assertAllClose(strips[:, step], model._generate(z, block, 8), atol=1e-5)
        with self.assertRaisesRegex(ValueError, r"^along: one of z, c2 \(z or a continuous "
                                                r"code\), got 'c1'$"):
            model.interpolate(2, along="c1")
        with self.assertRaisesRegex(ValueError, r"^along: c2 is interpolated"):
            model.interpolate(2, along="c2", codes={"c2": [0.0, 0.0]})

    def test_cli_writes_strips_and_refuses_what_cannot_be_interpolated(self):
        model = _info()
        out = os.path.join(tempfile.mkdtemp(), "strips.npy")
        runs.sample_to_file(model, 3, out, seed=4, codes={"c1": 1}, interpolate="z", steps=5)
        strips = np.load(out)
        self.assertEqual(strips.shape, (3, 5, 28, 28, 1))
        self.assertAllClose(strips, model.interpolate(3, 5, seed=4, codes={"c1": 1}))
        png = os.path.join(tempfile.mkdtemp(), "strips.png")
        runs.sample_to_file(model, 2, png, interpolate="c2", steps=4)
        self.assertTrue(os.path.getsize(png) > 0)
        with self.assertRaisesRegex(ValueError, r"^--interpolate: cannot be combined with a "
                                                r"--code sweep"):
            runs.sample_to_file(model, 2, out, interpolate="z", sweep=("c1", [0, 1]))
        with self.assertRaisesRegex(ValueError, r"^--interpolate: this run's model has no "
                                                r"latent codes; accepted: z, got 'c2'$"):
            runs.sample_to_file(_plain(), 2, out, interpolate="c2")
