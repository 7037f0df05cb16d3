"""The memorisation check (metrics/memorisation.py): a generator that copies the training
set is caught, one whose samples are new draws of the data distribution is not."""

import numpy as np
import tensorflow as tf

from tfgan_suite.metrics.memorisation import memorisation_check, nearest_neighbours


def clusters(rng, n: int, centres: np.ndarray) -> np.ndarray:
    """Points of a 10-cluster mixture in 16 dimensions (a stand-in for class features)."""
    return centres[rng.integers(0, len(centres), n)] + rng.standard_normal([n, 16])


class MemorisationTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.rng = np.random.default_rng(0)
        self.centres = 6.0 * self.rng.standard_normal([10, 16])
        self.train = clusters(self.rng, 2000, self.centres)
        self.test = clusters(self.rng, 500, self.centres)

    def test_nearest_neighbours_match_brute_force(self):
        queries = self.rng.standard_normal([37, 16])
        distances, indices = nearest_neighbours(queries, self.train[:300], chunk_size=8)
        brute = np.linalg.norm(queries[:, None] - self.train[None, :300], axis=-1)
        self.assertAllEqual(indices, np.argmin(brute, axis=1))
        self.assertAllClose(distances, brute.min(axis=1), rtol=1e-6)

    def test_a_copying_generator_is_caught_and_a_generalising_one_is_not(self):
        # Copies: training images with a little noise (well inside their own neighbourhood).
        picked = self.rng.integers(0, len(self.train), 500)
        copies = self.train[picked] + 0.01 * self.rng.standard_normal([500, 16])
        copied = memorisation_check(copies, self.train, self.test)
        self.assertLess(copied["median_ratio"], 0.05)
        self.assertGreater(copied["copy_fraction"], 0.95)
        self.assertAllEqual(copied["nearest"], picked)
        # New draws of the same distribution sit as far from the training set as the test
        # images: ratio ≈ 1 and about `quantile` of them below the test images' quantile.
        fresh = memorisation_check(clusters(self.rng, 500, self.centres), self.train,
                                   self.test)
        self.assertBetween(fresh["median_ratio"], 0.85, 1.15)
        self.assertBetween(fresh["copy_fraction"], 0.01, 0.10)
        self.assertEqual(fresh["distances"].shape, (500,))

    def test_bad_input_is_a_one_line_error(self):
        with self.assertRaisesRegex(ValueError, r"quantile: must be in \(0, 1\), got 1.5"):
            memorisation_check(self.test, self.train, self.test, quantile=1.5)
        with self.assertRaisesRegex(ValueError, r"test_features: held-out images at zero "
                                    r"distance from the training set"):
            memorisation_check(self.test, self.train, self.train)
        with self.assertRaisesRegex(ValueError, r"`queries` and `references` must have the "
                                    r"same feature dimension"):
            nearest_neighbours(self.test[:, :4], self.train)
