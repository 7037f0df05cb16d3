"""Specification of the Inception Score."""

import numpy as np
import tensorflow as tf

from tfgan_suite.metrics import inception_score


class InceptionScoreTest(tf.test.TestCase):

    def test_one_hot_predictions_spread_evenly_over_n_classes_score_n(self):
        num_classes = 7
        # Tiled identity: every one of the 10 splits holds each class equally often.
        probs = np.tile(np.eye(num_classes), (50, 1))
        mean, std = inception_score(probs, splits=10)
        self.assertAllClose(mean, float(num_classes), rtol=1e-12)
        self.assertAllClose(std, 0.0, atol=1e-12)

    def test_identical_predictions_score_one(self):
        probs = np.tile([[0.2, 0.5, 0.3]], (100, 1))
        mean, std = inception_score(probs)
        self.assertAllClose(mean, 1.0, rtol=1e-12)
        self.assertAllClose(std, 0.0, atol=1e-12)

    def test_single_split_matches_hand_computed_kl(self):
        probs = np.array([[0.5, 0.5], [1.0, 0.0]])
        marginal = np.array([0.75, 0.25])
        kl_first = 0.5 * np.log(0.5 / marginal[0]) + 0.5 * np.log(0.5 / marginal[1])
        kl_second = np.log(1.0 / marginal[0])
        mean, std = inception_score(probs, splits=1)
        self.assertAllClose(mean, np.exp((kl_first + kl_second) / 2), rtol=1e-12)
        self.assertEqual(std, 0.0)

    def test_splits_follow_array_split_and_report_mean_and_std(self):
        # 5 rows in 2 splits -> array_split gives 3 + 2 rows.
        probs = np.array([[1, 0], [0, 1], [1, 0], [1, 0], [1, 0]], dtype=np.float64)
        split_scores = [np.exp(-(2 / 3) * np.log(2 / 3) - (1 / 3) * np.log(1 / 3)), 1.0]
        mean, std = inception_score(probs, splits=2)
        self.assertAllClose(mean, np.mean(split_scores), rtol=1e-12)
        self.assertAllClose(std, np.std(split_scores), rtol=1e-12)

    def test_rows_within_1e_3_of_unit_sum_are_accepted(self):
        probs = np.tile([[0.5004, 0.5]], (10, 1))
        mean, _ = inception_score(probs, splits=2)
        self.assertAllClose(mean, 1.0, rtol=1e-9)

    def test_rejects_rows_that_do_not_sum_to_one(self):
        with self.assertRaisesRegex(ValueError, "probs.*sum to 1.*row 1 sums to 0.9"):
            inception_score(np.array([[0.5, 0.5], [0.6, 0.3]]), splits=1)

    def test_rejects_negative_probabilities_and_non_2d_input(self):
        with self.assertRaisesRegex(ValueError, "probs.*non-negative"):
            inception_score(np.array([[1.5, -0.5], [0.5, 0.5]]), splits=1)
        with self.assertRaisesRegex(ValueError, "probs.*2-D.*\\(4,\\)"):
            inception_score(np.full(4, 0.25), splits=1)

    def test_rejects_more_splits_than_samples(self):
        with self.assertRaisesRegex(ValueError, "splits.*\\[1, num_samples=3\\].*10"):
            inception_score(np.tile([[1.0, 0.0]], (3, 1)), splits=10)


if __name__ == "__main__":
    tf.test.main()
