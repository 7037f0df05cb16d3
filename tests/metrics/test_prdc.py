"""Specification of precision/recall (≤ radius) and density/coverage (< radius)."""

import numpy as np
import scipy.spatial.distance
import tensorflow as tf

from tfgan_suite.metrics import density_coverage, precision_recall


def on_a_line(*coordinates: float) -> np.ndarray:
    """Points on the real line as a (n, 1) feature matrix."""
    return np.asarray(coordinates, dtype=np.float64)[:, None]


def reference_prdc(real: np.ndarray, fake: np.ndarray, k_pr: int, k_dc: int) -> dict:
    """The four metrics straight from their definitions, with full scipy distance matrices."""
    real_real = scipy.spatial.distance.cdist(real, real)
    fake_fake = scipy.spatial.distance.cdist(fake, fake)
    real_fake = scipy.spatial.distance.cdist(real, fake)
    # Column 0 of each sorted row is the point itself (distance 0), so index k is the k-th NN.
    real_radius_pr = np.sort(real_real, axis=1)[:, k_pr]
    fake_radius_pr = np.sort(fake_fake, axis=1)[:, k_pr]
    real_radius_dc = np.sort(real_real, axis=1)[:, k_dc]
    return {
        "precision": np.mean(np.any(real_fake <= real_radius_pr[:, None], axis=0)),
        "recall": np.mean(np.any(real_fake <= fake_radius_pr[None, :], axis=1)),
        "density": np.sum(real_fake < real_radius_dc[:, None]) / (k_dc * fake.shape[0]),
        "coverage": np.mean(real_fake.min(axis=1) < real_radius_dc),
    }


class PrecisionRecallTest(tf.test.TestCase):

    def test_precision_counts_a_fake_point_exactly_at_the_real_radius(self):
        # Real 0..9 with k=3: radius 3 at the ends, 2 inside. Fake 12 is exactly 3 from real 9.
        real, fake = on_a_line(*range(10)), on_a_line(12.0, 12.5, 40.0, 50.0)
        self.assertAllClose(precision_recall(real, fake, k=3)["precision"], 0.25)

    def test_recall_counts_a_real_point_exactly_at_the_fake_radius(self):
        real, fake = on_a_line(12.0, 12.5, 40.0, 50.0), on_a_line(*range(10))
        result = precision_recall(real, fake)
        self.assertAllClose(result["recall"], 0.25)

    def test_recall_is_precision_with_roles_swapped(self):
        rng = np.random.default_rng(0)
        real, fake = rng.normal(size=(120, 5)), rng.normal(size=(90, 5)) * 1.5
        forward, backward = precision_recall(real, fake), precision_recall(fake, real)
        self.assertEqual(forward["recall"], backward["precision"])
        self.assertEqual(forward["precision"], backward["recall"])

    def test_identical_sets_have_full_precision_and_recall(self):
        features = np.random.default_rng(1).normal(size=(50, 4))
        self.assertEqual(precision_recall(features, features), {"precision": 1.0, "recall": 1.0})

    def test_precision_recall_rejects_k_not_below_the_number_of_points(self):
        with self.assertRaisesRegex(ValueError, "k.*smaller.*fake_feat.*k=3 with 3 points"):
            precision_recall(np.zeros((10, 2)), np.zeros((3, 2)), k=3)

    def test_precision_recall_rejects_mismatched_feature_dims(self):
        with self.assertRaisesRegex(ValueError, "real_feat.*fake_feat.*same feature dim.*2 and 3"):
            precision_recall(np.zeros((10, 2)), np.zeros((10, 3)))


class DensityCoverageTest(tf.test.TestCase):

    def test_density_and_coverage_exclude_a_fake_point_exactly_at_the_real_radius(self):
        # Real 0..9 with k=5: radius 5 at real 9 and 4 at real 8. Fake 14 lies exactly 5 from
        # real 9 (excluded by the strict <); fake 13.5 lies 4.5 from real 9 (included).
        real, fake = on_a_line(*range(10)), on_a_line(14.0, 13.5)
        result = density_coverage(real, fake, k=5)
        self.assertAllClose(result["density"], 1 / (5 * 2))
        self.assertAllClose(result["coverage"], 1 / 10)

    def test_hand_worked_density_and_coverage_with_k_2(self):
        # Real radii (k=2): [2, 1, 1, 1, 2]. Fake 0.5 is inside reals 0 and 1; fake 6 is exactly
        # 2 from real 4 (not inside); fake 20 is inside none.
        real, fake = on_a_line(0, 1, 2, 3, 4), on_a_line(0.5, 6.0, 20.0)
        result = density_coverage(real, fake, k=2)
        self.assertAllClose(result["density"], 2 / (2 * 3))
        self.assertAllClose(result["coverage"], 2 / 5)
        self.assertAllClose(precision_recall(real, fake, k=2)["precision"], 2 / 3)

    def test_identical_sets_have_full_coverage(self):
        features = np.random.default_rng(2).normal(size=(60, 3))
        self.assertEqual(density_coverage(features, features)["coverage"], 1.0)

    def test_density_coverage_needs_only_real_points_above_k(self):
        result = density_coverage(on_a_line(*range(10)), on_a_line(4.5), k=5)
        self.assertAllClose(result["coverage"], 1.0)

    def test_density_coverage_rejects_k_not_below_the_number_of_real_points(self):
        with self.assertRaisesRegex(ValueError, "k.*smaller.*real_feat.*k=5 with 5 points"):
            density_coverage(np.zeros((5, 2)), np.zeros((10, 2)))

    def test_density_coverage_rejects_non_2d_features(self):
        with self.assertRaisesRegex(ValueError, "fake_feat.*2-D.*\\(10,\\)"):
            density_coverage(np.zeros((10, 2)), np.zeros(10))


class ChunkedDistancesTest(tf.test.TestCase):

    def test_all_four_metrics_match_full_scipy_distance_matrices(self):
        rng = np.random.default_rng(3)
        real, fake = rng.normal(size=(230, 16)), rng.normal(size=(170, 16)) * 1.2 + 0.2
        expected = reference_prdc(real, fake, k_pr=3, k_dc=5)
        actual = {**precision_recall(real, fake, chunk_size=64),
                  **density_coverage(real, fake, chunk_size=64)}
        self.assertAllClose(actual, expected, rtol=1e-12)

    def test_chunk_size_does_not_change_the_results(self):
        rng = np.random.default_rng(4)
        real, fake = rng.normal(size=(150, 6)), rng.normal(size=(110, 6)) + 0.3
        for chunk_size in (1, 7, 1000):
            with self.subTest(chunk_size=chunk_size):
                self.assertEqual(precision_recall(real, fake, chunk_size=chunk_size),
                                 precision_recall(real, fake, chunk_size=50))
                self.assertEqual(density_coverage(real, fake, chunk_size=chunk_size),
                                 density_coverage(real, fake, chunk_size=50))

    def test_float32_features_agree_with_float64(self):
        rng = np.random.default_rng(5)
        real, fake = rng.normal(size=(200, 32)), rng.normal(size=(200, 32)) + 0.1
        low = {**precision_recall(real.astype(np.float32), fake.astype(np.float32)),
               **density_coverage(real.astype(np.float32), fake.astype(np.float32))}
        high = {**precision_recall(real, fake), **density_coverage(real, fake)}
        self.assertAllClose(low, high, atol=0.011)

    def test_rejects_non_positive_chunk_size(self):
        with self.assertRaisesRegex(ValueError, "chunk_size.*positive integer.*0"):
            precision_recall(np.zeros((10, 2)), np.zeros((10, 2)), chunk_size=0)


if __name__ == "__main__":
    tf.test.main()
