"""Control measures (metrics/control.py): NMI, within-group NMI, toggle accuracy."""

import numpy as np
import tensorflow as tf
from sklearn.metrics import normalized_mutual_info_score

from tfgan_suite.metrics import control


class ControlMetricsTest(tf.test.TestCase):
    def test_nmi_matches_scikit_learn_and_its_limits(self):
        rng = np.random.default_rng(0)
        a, b = rng.integers(0, 10, 5000), rng.integers(0, 7, 5000)
        self.assertAllClose(control.nmi(a, b), normalized_mutual_info_score(a, b), atol=1e-9)
        self.assertLess(control.nmi(a, b), 0.01)            # independent
        renamed = (a * 7 + 3) % 10                          # a bijection of a
        self.assertAllClose(control.nmi(a, renamed), 1.0)
        noisy = np.where(rng.random(5000) < 0.5, a, rng.integers(0, 10, 5000))
        self.assertAllClose(control.nmi(a, noisy), normalized_mutual_info_score(a, noisy),
                            atol=1e-9)
        self.assertEqual(control.nmi(a, np.zeros_like(a)), 0.0)
        with self.assertRaisesRegex(ValueError, r"^nmi: two labelings"):
            control.nmi([1, 2], [1])

    def test_within_group_nmi_and_toggle_accuracy(self):
        judged = np.array([0, 0, 2, 2, 5, 7, 5, 7])
        code = np.array([1, 1, 0, 0, 3, 4, 3, 4])
        scores = control.within_group_nmi(code, judged, {"tops": [0, 2], "feet": [5, 7],
                                                         "bags": [8]})
        self.assertAllClose(scores["tops"], 1.0)
        self.assertAllClose(scores["feet"], 1.0)
        self.assertTrue(np.isnan(scores["bags"]))
        self.assertAllClose(control.toggle_accuracy([0, 1, 1, 2], [0, 1, 2, 2]), 0.75)
