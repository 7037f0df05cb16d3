"""Specification of the Fréchet distance and the streaming FeatureStats."""

import warnings

import numpy as np
import scipy.linalg
import tensorflow as tf

from tfgan_suite.metrics import FeatureStats, frechet_distance, frechet_distance_from_moments


def reference_frechet_distance(feat_a: np.ndarray, feat_b: np.ndarray) -> float:
    """Independent reference: Tr((Σ_aΣ_b)^½) = Σ sqrt(eig(Σ_a^½ Σ_b Σ_a^½)), all symmetric."""
    mu_a, mu_b = feat_a.mean(axis=0), feat_b.mean(axis=0)
    sigma_a, sigma_b = np.cov(feat_a, rowvar=False), np.cov(feat_b, rowvar=False)
    eigvals_a, eigvecs_a = scipy.linalg.eigh(sigma_a)
    sqrt_sigma_a = (eigvecs_a * np.sqrt(np.clip(eigvals_a, 0, None))) @ eigvecs_a.T
    middle = sqrt_sigma_a @ sigma_b @ sqrt_sigma_a
    trace_sqrt = np.sum(np.sqrt(np.clip(scipy.linalg.eigvalsh(middle), 0, None)))
    return float(
        np.sum((mu_a - mu_b) ** 2) + np.trace(sigma_a) + np.trace(sigma_b) - 2 * trace_sqrt
    )


def correlated_features(seed: int, num_samples: int, dim: int, shift: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(dim, dim)) / np.sqrt(dim)
    return rng.normal(size=(num_samples, dim)) @ mixing + shift


class FrechetDistanceTest(tf.test.TestCase):

    def test_frechet_distance_of_unit_shift_in_2048_dims_is_2048(self):
        dim = 2048
        identity = np.eye(dim)
        distance = frechet_distance_from_moments(np.zeros(dim), identity, np.ones(dim), identity)
        self.assertAllClose(distance, 2048.0, rtol=1e-9)

    def test_frechet_distance_in_1d_is_squared_mean_plus_squared_std_difference(self):
        rng = np.random.default_rng(1)
        samples_a = rng.normal(loc=0.5, scale=2.0, size=(400, 1))
        samples_b = rng.normal(loc=-1.0, scale=0.7, size=(300, 1))
        mean_a, mean_b = samples_a.mean(), samples_b.mean()
        std_a, std_b = samples_a.std(ddof=1), samples_b.std(ddof=1)
        expected = (mean_a - mean_b) ** 2 + (std_a - std_b) ** 2
        self.assertAllClose(frechet_distance(samples_a, samples_b), expected, rtol=1e-10)

    def test_frechet_distance_of_a_set_with_itself_is_zero(self):
        features = correlated_features(seed=2, num_samples=500, dim=32, shift=3.0)
        self.assertAllClose(frechet_distance(features, features), 0.0, atol=1e-8)

    def test_frechet_distance_matches_eigenvalue_reference_to_1e_6_relative(self):
        feat_a = correlated_features(seed=3, num_samples=600, dim=48, shift=0.0)
        feat_b = correlated_features(seed=4, num_samples=500, dim=48, shift=0.3)
        expected = reference_frechet_distance(feat_a, feat_b)
        self.assertGreater(expected, 1.0)
        self.assertAllClose(frechet_distance(feat_a, feat_b), expected, rtol=1e-6)

    def test_frechet_distance_accepts_float32_and_tensors(self):
        feat_a = correlated_features(seed=5, num_samples=200, dim=8, shift=0.0)
        feat_b = correlated_features(seed=6, num_samples=200, dim=8, shift=1.0)
        expected = frechet_distance(feat_a.astype(np.float32), feat_b.astype(np.float32))
        actual = frechet_distance(tf.constant(feat_a, tf.float32), tf.constant(feat_b, tf.float32))
        self.assertAllClose(actual, expected, rtol=1e-12)

    def test_frechet_distance_of_singular_covariances_is_exact(self):
        # sqrtm(Σ₁Σ₂) of this pair is singular (pytorch-fid retries it with 1e-6·I added):
        # Σ₁Σ₂ = 0, so FD = Tr(Σ₁) + Tr(Σ₂) = 2.
        sigma1, sigma2 = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])
        distance = frechet_distance_from_moments(np.zeros(2), sigma1, np.zeros(2), sigma2)
        self.assertAllClose(distance, 2.0, rtol=0, atol=1e-12)

    def test_frechet_distance_with_fewer_samples_than_features_matches_sqrtm_silently(self):
        # Rank-deficient covariances (the report's small n in wide feature spaces): no
        # LinAlgWarning, and the value of scipy's sqrtm to round-off.
        feat_a = correlated_features(seed=11, num_samples=40, dim=64, shift=0.0)
        feat_b = correlated_features(seed=12, num_samples=30, dim=64, shift=0.2)
        sigma_a, sigma_b = np.cov(feat_a, rowvar=False), np.cov(feat_b, rowvar=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            trace_sqrt = np.trace(scipy.linalg.sqrtm(sigma_a @ sigma_b)).real
        diff = feat_a.mean(axis=0) - feat_b.mean(axis=0)
        expected = diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2 * trace_sqrt
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            distance = frechet_distance(feat_a, feat_b)
        self.assertAllClose(distance, expected, rtol=1e-6)

    def test_frechet_distance_rejects_large_imaginary_part_of_sqrtm(self):
        # Σ₁Σ₂ with a negative eigenvalue has no real square root: not a valid covariance pair.
        with self.assertRaisesRegex(ValueError, "imaginary"):
            frechet_distance_from_moments(np.zeros(2), np.diag([1.0, -1.0]), np.zeros(2), np.eye(2))

    def test_frechet_distance_rejects_mismatched_feature_dims(self):
        with self.assertRaisesRegex(ValueError, "feat_a.*feat_b.*same feature dimension.*4.*5"):
            frechet_distance(np.ones((10, 4)), np.ones((10, 5)))

    def test_frechet_distance_rejects_one_dimensional_and_single_row_inputs(self):
        with self.assertRaisesRegex(ValueError, "feat_a.*2-D"):
            frechet_distance(np.ones(10), np.ones((10, 1)))
        with self.assertRaisesRegex(ValueError, "feat_b.*at least 2 row"):
            frechet_distance(np.ones((10, 3)), np.ones((1, 3)))

    def test_frechet_distance_from_moments_rejects_mismatched_covariance_shape(self):
        with self.assertRaisesRegex(ValueError, "sigma2.*shape \\(3, 3\\)"):
            frechet_distance_from_moments(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2))


class FeatureStatsTest(tf.test.TestCase):

    def test_streaming_moments_over_uneven_batches_equal_one_shot_numpy(self):
        features = correlated_features(seed=7, num_samples=1000, dim=16, shift=2.0)
        stats = FeatureStats()
        for batch in np.array_split(features, [1, 64, 65, 300, 999]):
            stats.update(batch)
        self.assertEqual(stats.count, 1000)
        self.assertAllClose(stats.mean, features.mean(axis=0), rtol=1e-12, atol=1e-12)
        self.assertAllClose(
            stats.covariance, np.cov(features, rowvar=False), rtol=1e-10, atol=1e-12
        )

    def test_frechet_distance_of_streamed_stats_equals_one_shot_computation(self):
        feat_a = correlated_features(seed=8, num_samples=700, dim=24, shift=0.0)
        feat_b = correlated_features(seed=9, num_samples=500, dim=24, shift=0.5)
        stats_a, stats_b = FeatureStats(num_features=24), FeatureStats()
        for batch in np.array_split(feat_a, 7):
            stats_a.update(batch)
        for batch in np.array_split(feat_b, 3):
            stats_b.update(batch)
        one_shot = frechet_distance(feat_a, feat_b)
        self.assertAllClose(frechet_distance(stats_a, stats_b), one_shot, rtol=1e-9)
        self.assertAllClose(frechet_distance(stats_a, feat_b), one_shot, rtol=1e-9)

    def test_streaming_float32_batches_with_large_offset_keep_float64_accuracy(self):
        rng = np.random.default_rng(10)
        features = (rng.normal(size=(4000, 4)) + 1e4).astype(np.float32)
        stats = FeatureStats()
        for batch in np.array_split(features, 40):
            stats.update(batch)
        expected = np.cov(features.astype(np.float64), rowvar=False)
        self.assertEqual(stats.covariance.dtype, np.float64)
        self.assertAllClose(stats.covariance, expected, rtol=1e-9, atol=1e-9)

    def test_update_rejects_batch_with_different_feature_dimension(self):
        stats = FeatureStats().update(np.zeros((3, 4)))
        with self.assertRaisesRegex(ValueError, "batch.*4 features.*\\(2, 5\\)"):
            stats.update(np.zeros((2, 5)))

    def test_covariance_needs_two_samples(self):
        with self.assertRaisesRegex(ValueError, "count.*>= 2"):
            _ = FeatureStats().update(np.zeros((1, 3))).covariance


if __name__ == "__main__":
    tf.test.main()
