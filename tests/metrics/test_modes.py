"""Specification of mode coverage on Gaussian mixtures (ring and grid, as in PacGAN)."""

import math

import numpy as np
import tensorflow as tf

from tfgan_suite.metrics import mode_coverage

RING_STD = 0.01
GRID_STD = 0.05


def ring_centers(num_modes: int = 8) -> np.ndarray:
    angles = 2 * np.pi * np.arange(num_modes) / num_modes
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid_centers() -> np.ndarray:
    axis = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    return np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)


class ModeCoverageTest(tf.test.TestCase):

    def test_samples_at_every_center_capture_all_modes_with_zero_reverse_kl(self):
        centers = ring_centers()
        samples = np.repeat(centers, 10, axis=0)
        result = mode_coverage(samples, centers, RING_STD)
        self.assertEqual(result["modes"], 8)
        self.assertEqual(result["hq_fraction"], 1.0)
        self.assertAllClose(result["reverse_kl"], 0.0, atol=1e-12)
        self.assertEqual(result["counts"], [10] * 8)

    def test_all_samples_in_one_mode_give_reverse_kl_log_k(self):
        centers = ring_centers()
        samples = np.tile(centers[3], (50, 1)) + 0.5 * RING_STD
        result = mode_coverage(samples, centers, RING_STD)
        self.assertEqual(result["modes"], 1)
        self.assertEqual(result["counts"], [0, 0, 0, 50, 0, 0, 0, 0])
        self.assertAllClose(result["reverse_kl"], math.log(8), rtol=1e-12)

    def test_half_of_the_samples_far_from_every_mode_give_half_high_quality(self):
        centers = ring_centers()
        on_modes = np.repeat(centers, 5, axis=0)
        far_away = np.zeros_like(on_modes)  # the ring's centre is 100 std from every mode
        result = mode_coverage(np.concatenate([on_modes, far_away]), centers, RING_STD)
        self.assertEqual(result["hq_fraction"], 0.5)
        self.assertEqual(result["modes"], 8)
        self.assertAllClose(result["reverse_kl"], 0.0, atol=1e-12)

    def test_reverse_kl_matches_hand_computed_histogram(self):
        centers = np.array([[0.0, 0.0], [10.0, 0.0]])
        samples = np.array([[0.0, 0.0], [0.0, 0.1], [0.1, 0.0], [10.0, 0.0]])
        result = mode_coverage(samples, centers, std=1.0)
        expected = 0.75 * math.log(0.75 * 2) + 0.25 * math.log(0.25 * 2)
        self.assertEqual(result["counts"], [3, 1])
        self.assertAllClose(result["reverse_kl"], expected, rtol=1e-12)

    def test_sample_exactly_at_threshold_times_std_is_high_quality(self):
        centers = np.array([[0.0, 0.0], [100.0, 0.0]])
        samples = np.array([[1.0, 0.0], [0.0, -1.0000001]])
        result = mode_coverage(samples, centers, std=0.5, threshold=2.0)
        self.assertEqual(result["hq_fraction"], 0.5)
        self.assertEqual(result["counts"], [1, 0])

    def test_no_high_quality_samples_give_infinite_reverse_kl(self):
        result = mode_coverage(np.full((4, 2), 50.0), grid_centers(), GRID_STD)
        self.assertEqual(result["modes"], 0)
        self.assertEqual(result["hq_fraction"], 0.0)
        self.assertEqual(result["reverse_kl"], math.inf)

    def test_samples_of_the_true_grid_mixture_cover_all_25_modes(self):
        rng = np.random.default_rng(0)
        centers = grid_centers()
        samples = centers[rng.integers(0, 25, size=2500)] + GRID_STD * rng.normal(size=(2500, 2))
        result = mode_coverage(samples, centers, GRID_STD)
        self.assertEqual(result["modes"], 25)
        # P(‖z‖ ≤ 3) for a 2-D standard normal is 1 − exp(−4.5) ≈ 0.989.
        self.assertAllClose(result["hq_fraction"], 1 - math.exp(-4.5), atol=0.01)
        self.assertLess(result["reverse_kl"], 0.02)

    def test_rejects_mismatched_dims_and_non_positive_std(self):
        with self.assertRaisesRegex(ValueError, "samples.*centers.*same feature dimension"):
            mode_coverage(np.zeros((4, 3)), ring_centers(), RING_STD)
        with self.assertRaisesRegex(ValueError, "std.*positive.*0.0"):
            mode_coverage(np.zeros((4, 2)), ring_centers(), 0.0)


if __name__ == "__main__":
    tf.test.main()
