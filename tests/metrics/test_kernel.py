"""Specification of the kernel distance (KID)."""

import numpy as np
import tensorflow as tf

from tfgan_suite.metrics import kernel_distance
from tfgan_suite.metrics.kernel import unbiased_mmd2


def brute_force_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² by explicit double loops over k(a, b) = (a·b/d + 1)³."""
    m, dim = x.shape

    def kernel(a, b):
        return (sum(a[t] * b[t] for t in range(dim)) / dim + 1.0) ** 3

    xx = sum(kernel(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(kernel(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(kernel(x[i], y[j]) for i in range(m) for j in range(m))
    return xx / (m * (m - 1)) + yy / (m * (m - 1)) - 2.0 * xy / (m * m)


class KernelDistanceTest(tf.test.TestCase):

    def test_unbiased_mmd2_matches_brute_force_double_loop(self):
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)) + 0.5
        self.assertAllClose(unbiased_mmd2(x, y), brute_force_mmd2(x, y), rtol=1e-12)

    def test_single_full_subset_equals_brute_force_estimate(self):
        # With m = n every subset is a permutation, and MMD² is permutation invariant.
        rng = np.random.default_rng(1)
        x, y = rng.normal(size=(7, 4)), rng.normal(size=(7, 4)) * 2.0
        mean, std = kernel_distance(x, y, subsets=3, subset_size=1000)
        self.assertAllClose(mean, brute_force_mmd2(x, y), rtol=1e-12)
        self.assertAllClose(std, 0.0, atol=1e-12)

    def test_kernel_distance_is_near_zero_for_two_samples_of_one_distribution(self):
        rng = np.random.default_rng(2)
        feat_a, feat_b = rng.normal(size=(800, 16)), rng.normal(size=(800, 16))
        mean, std = kernel_distance(feat_a, feat_b, subsets=20, subset_size=400)
        self.assertLess(abs(mean), 0.01)
        self.assertGreater(std, 0.0)

    def test_kernel_distance_is_clearly_positive_for_a_shifted_distribution(self):
        rng = np.random.default_rng(3)
        feat_a, feat_b = rng.normal(size=(800, 16)), rng.normal(size=(800, 16)) + 0.5
        same_mean, _ = kernel_distance(feat_a, rng.normal(size=(800, 16)), subsets=20,
                                       subset_size=400)
        shifted_mean, shifted_std = kernel_distance(feat_a, feat_b, subsets=20, subset_size=400)
        self.assertGreater(shifted_mean, 0.05)
        self.assertGreater(shifted_mean, 10 * shifted_std)
        self.assertGreater(shifted_mean, 20 * abs(same_mean))

    def test_kernel_distance_is_deterministic_for_a_seed(self):
        rng = np.random.default_rng(4)
        feat_a, feat_b = rng.normal(size=(300, 8)), rng.normal(size=(200, 8))
        first = kernel_distance(feat_a, feat_b, subsets=5, subset_size=50, seed=7)
        again = kernel_distance(feat_a, feat_b, subsets=5, subset_size=50, seed=7)
        other = kernel_distance(feat_a, feat_b, subsets=5, subset_size=50, seed=8)
        self.assertEqual(first, again)
        self.assertNotEqual(first, other)

    def test_subset_size_is_capped_by_the_smaller_set(self):
        rng = np.random.default_rng(5)
        feat_a, feat_b = rng.normal(size=(40, 8)), rng.normal(size=(25, 8))
        mean, std = kernel_distance(feat_a, feat_b, subsets=4, subset_size=1000)
        self.assertTrue(np.isfinite(mean) and np.isfinite(std))

    def test_kernel_distance_rejects_mismatched_feature_dims(self):
        with self.assertRaisesRegex(ValueError, "feat_a.*feat_b.*same feature dimension"):
            kernel_distance(np.ones((10, 4)), np.ones((10, 3)))

    def test_kernel_distance_rejects_non_positive_subsets(self):
        with self.assertRaisesRegex(ValueError, "subsets.*positive integer.*0"):
            kernel_distance(np.ones((10, 4)), np.ones((10, 4)), subsets=0)
        with self.assertRaisesRegex(ValueError, "subset_size.*>= 2.*1"):
            kernel_distance(np.ones((10, 4)), np.ones((10, 4)), subset_size=1)


if __name__ == "__main__":
    tf.test.main()
