"""Specification of the label corruptions (tfgan_suite.data.corruptions)."""
import copy
import json

import numpy as np
import tensorflow as tf
from absl.testing import parameterized
from scipy import stats

from tfgan_suite.data import corruptions as cr

N = 100_000


def clean_labels(n: int = N, num_classes: int = 10, seed: int = 123) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, num_classes, n).astype(np.int32)


def section(kind="none", rate=0.0, class_overlap="none", label_fraction=1.0,
            unlabelled="keep", seed=0) -> dict:
    return {"label_noise": {"kind": kind, "rate": rate}, "class_overlap": class_overlap,
            "label_fraction": label_fraction, "unlabelled": unlabelled, "seed": seed}


class TransitionTest(parameterized.TestCase, tf.test.TestCase):

    @parameterized.parameters(0.0, 0.2, 0.5, 0.9)
    def test_symmetric_rows_sum_to_one_with_known_diagonal_and_off_diagonal(self, rate):
        c = 10
        t = cr.symmetric_transition(c, rate)
        self.assertEqual((t.shape, t.dtype), ((c, c), np.float64))
        self.assertAllClose(t.sum(axis=1), np.ones(c))
        self.assertAllClose(np.diag(t), np.full(c, 1 - rate + rate / c))
        self.assertAllClose(t[~np.eye(c, dtype=bool)], np.full(c * (c - 1), rate / c))

    def test_symmetric_rate_zero_is_identity(self):
        self.assertAllEqual(cr.symmetric_transition(7, 0.0), np.eye(7))

    def test_asymmetric_has_exactly_the_six_flips_off_the_diagonal(self):
        t = cr.asymmetric_transition(10, 0.3)
        rows, cols = np.nonzero(t - np.diag(np.diag(t)))
        off = {(int(i), int(j)): t[i, j] for i, j in zip(rows, cols, strict=True)}
        self.assertEqual(set(off), set(cr.FASHION_MNIST_FLIPS.items()))
        self.assertAllClose(list(off.values()), [0.3] * 6)
        flipped = list(cr.FASHION_MNIST_FLIPS)
        self.assertAllClose(np.diag(t)[flipped], [0.7] * 6)
        self.assertAllClose(np.delete(np.diag(t), flipped), np.ones(4))
        cr.check_transition(t, 10)

    @parameterized.parameters(*[r / 10 for r in range(1, 10)])
    def test_asymmetric_is_invertible_with_det_one_minus_rate_to_the_sixth(self, rate):
        t = cr.asymmetric_transition(10, rate)
        self.assertTrue(cr.is_invertible(t))
        self.assertAllClose(np.linalg.det(t), (1 - rate) ** 6)

    def test_asymmetric_map_makes_three_observed_labels_mostly_another_class(self):
        # Balanced classes: p(y | ỹ = j) is column j of T normalised. At the benchmark's rate
        # images labelled Shirt are mostly T-shirts, Pullover mostly shirts, Sneaker mostly
        # sandals — what misleads a naive model, as rGAN's CIFAR-10 swap beyond 0.5.
        posterior = cr.asymmetric_transition(10, 0.7)
        posterior = posterior / posterior.sum(axis=0, keepdims=True)
        majority = posterior.argmax(axis=0)
        self.assertEqual({j: int(majority[j]) for j in range(10) if majority[j] != j},
                         {6: 0, 2: 6, 7: 5})
        self.assertAllClose(posterior[0, 6], 0.7)
        # Below one half every label's majority is its own class.
        low = cr.asymmetric_transition(10, 0.4)
        self.assertAllEqual(low.argmax(axis=0), np.arange(10))

    def test_cyclic_flip_map_is_singular_at_one_half(self):
        t = cr.asymmetric_transition(10, 0.5, flips={3: 5, 5: 3})
        self.assertFalse(cr.is_invertible(t))
        self.assertTrue(cr.is_invertible(cr.asymmetric_transition(10, 0.4, flips={3: 5, 5: 3})))

    @parameterized.parameters(({3: 3},), ({3: 10},), ({-1: 2},))
    def test_asymmetric_rejects_bad_flips(self, flips):
        with self.assertRaisesRegex(ValueError, "^flips: "):
            cr.asymmetric_transition(10, 0.2, flips=flips)

    @parameterized.parameters(
        ([[0.5, 0.5], [0.2, 0.7]], None, "rows must sum to 1"),
        ([[1.2, -0.2], [0.0, 1.0]], None, ">= 0"),
        ([[1.0, 0.0, 0.0]], None, r"expected shape \[c, c\]"),
        (np.eye(3), 4, r"expected shape \[4, 4\]"))
    def test_check_transition_names_the_field(self, matrix, c, message):
        with self.assertRaisesRegex(ValueError, f"^noise.T: .*{message}"):
            cr.check_transition(matrix, c, field="noise.T")


class ApplyTransitionTest(tf.test.TestCase):

    def test_symmetric_change_rate_is_within_three_sigma(self):
        rate, c = 0.5, 10
        clean = clean_labels()
        noisy = cr.apply_transition(clean, cr.symmetric_transition(c, rate), seed=1)
        self.assertEqual(noisy.dtype, np.int32)
        p = rate * (c - 1) / c
        self.assertLess(abs(np.mean(noisy != clean) - p), 3 * np.sqrt(p * (1 - p) / N))

    def test_joint_of_clean_and_noisy_matches_pi_times_t_by_chi_square(self):
        c = 10
        for t in (cr.symmetric_transition(c, 0.4), cr.asymmetric_transition(c, 0.3)):
            clean = clean_labels()
            noisy = cr.apply_transition(clean, t, seed=2)
            joint = np.zeros((c, c))
            np.add.at(joint, (clean, noisy), 1)
            expected = np.bincount(clean, minlength=c)[:, None] * t
            support = expected > 0
            self.assertAllEqual(joint[~support], np.zeros((~support).sum()))
            statistic = ((joint - expected)[support] ** 2 / expected[support]).sum()
            dof = support.sum() - c   # each row's total is fixed by the clean counts
            self.assertGreater(stats.chi2.sf(statistic, dof), 1e-3)

    def test_is_deterministic_in_the_seed(self):
        clean, t = clean_labels(1000), cr.symmetric_transition(10, 0.5)
        self.assertAllEqual(cr.apply_transition(clean, t, 5), cr.apply_transition(clean, t, 5))
        self.assertNotAllEqual(cr.apply_transition(clean, t, 5), cr.apply_transition(clean, t, 6))

    def test_example_draw_does_not_depend_on_other_labels(self):
        clean, t = clean_labels(1000), cr.symmetric_transition(10, 0.7)
        other = clean.copy()
        other[::2] = (other[::2] + 3) % 10
        a, b = cr.apply_transition(clean, t, 9), cr.apply_transition(other, t, 9)
        self.assertAllEqual(a[1::2], b[1::2])

    def test_rejects_labels_out_of_range(self):
        with self.assertRaisesRegex(ValueError, r"^labels: must be in \[0, 3\)"):
            cr.apply_transition([0, 1, 3], np.eye(3), 0)


class OverlapTest(tf.test.TestCase):

    def test_even_classes_always_map_to_half(self):
        clean = clean_labels()
        observed = cr.overlap_10to5(clean, seed=0)
        even = clean % 2 == 0
        self.assertAllEqual(observed[even], clean[even] // 2)

    def test_odd_classes_split_half_and_half_within_three_sigma(self):
        clean = clean_labels()
        observed = cr.overlap_10to5(clean, seed=0)
        for c in range(1, 10, 2):
            got = observed[clean == c]
            self.assertEqual(set(np.unique(got).tolist()), {c // 2, (c // 2 + 1) % 5})
            n = got.size
            self.assertLess(abs(np.mean(got == c // 2) - 0.5), 3 * np.sqrt(0.25 / n))

    def test_observed_labels_are_in_the_five_observed_classes(self):
        observed = cr.overlap_10to5(clean_labels(), seed=3)
        self.assertEqual(observed.dtype, np.int32)
        self.assertAllInRange(observed, 0, cr.OVERLAP_CLASSES["10to5"] - 1)

    def test_states_sum_to_one_and_their_support_is_the_observed_labels_of_each_class(self):
        classes, states = cr.overlap_states("10to5", 10)
        self.assertAllEqual(classes, np.arange(10))
        self.assertEqual(states.shape, (10, 5))
        self.assertAllClose(states.sum(axis=1), np.ones(10))
        clean = clean_labels(20_000)
        observed = cr.overlap_10to5(clean, seed=4)
        for c in range(10):
            support = set(np.flatnonzero(states[c]).tolist())
            self.assertEqual(support, set(np.unique(observed[clean == c]).tolist()))
            self.assertAllClose(states[c][list(support)], [1 / len(support)] * len(support))


class KeepFractionTest(parameterized.TestCase, tf.test.TestCase):

    @parameterized.parameters(0.01, 0.25, 0.333, 1.0)
    def test_exactly_round_f_n_keep_their_label_and_the_rest_are_unlabelled(self, fraction):
        clean = clean_labels(1001)
        kept = cr.keep_fraction(clean, fraction, seed=0)
        labelled = kept != cr.UNLABELLED
        self.assertEqual(labelled.sum(), round(fraction * 1001))
        self.assertAllEqual(kept[labelled], clean[labelled])
        self.assertAllEqual(kept[~labelled], np.full((~labelled).sum(), cr.UNLABELLED))

    def test_is_deterministic_in_the_seed(self):
        clean = clean_labels(1000)
        self.assertAllEqual(cr.keep_fraction(clean, 0.3, 1), cr.keep_fraction(clean, 0.3, 1))
        self.assertNotAllEqual(cr.keep_fraction(clean, 0.3, 1), cr.keep_fraction(clean, 0.3, 2))


class EstimateTransitionTest(parameterized.TestCase, tf.test.TestCase):

    @staticmethod
    def posteriors(t: np.ndarray, seed: int = 0) -> np.ndarray:
        """Noisy posteriors p(ỹ|x) = p(y|x)ᵀ T: 100 anchors per class (row exactly T[k]),
        1000 mixed examples, and 10 over-confident one-hot outliers per class."""
        c = t.shape[0]
        rng = np.random.default_rng(seed)
        anchors = np.repeat(t, 100, axis=0)
        mixed = rng.dirichlet(np.ones(c), 1000) @ t
        outliers = np.repeat(np.eye(c), 10, axis=0)
        return rng.permutation(np.concatenate([anchors, mixed, outliers]))

    @parameterized.parameters(("symmetric", 0.4), ("asymmetric", 0.3))
    def test_percentile_97_recovers_the_true_t_despite_outliers(self, kind, rate):
        t = getattr(cr, f"{kind}_transition")(10, rate)
        estimate = cr.estimate_transition(self.posteriors(t), percentile=97.0)
        self.assertEqual(estimate.dtype, np.float64)
        self.assertAllClose(estimate, t)

    def test_percentile_100_equals_argmax_anchors(self):
        t = cr.symmetric_transition(10, 0.4)
        p = self.posteriors(t)
        expected = p[p.argmax(axis=0)]
        expected /= expected.sum(axis=1, keepdims=True)
        self.assertAllClose(cr.estimate_transition(p, percentile=100.0), expected)
        self.assertAllClose(expected, np.eye(10))   # the outliers fool the argmax


class ResolveTest(parameterized.TestCase, tf.test.TestCase):

    @parameterized.parameters(
        (section(kind="uniform"), 10, "data.corruption.label_noise.kind: "),
        (section(kind="symmetric", rate=1.0), 10, r"data.corruption.label_noise.rate: "),
        (section(kind="symmetric", rate=-0.1), 10, r"data.corruption.label_noise.rate: "),
        (section(kind="asymmetric", rate=0.2), 8, "data.corruption.label_noise.kind: "),
        (section(class_overlap="10to3"), 10, "data.corruption.class_overlap: "),
        (section(class_overlap="10to5"), 8, "data.corruption.class_overlap: "),
        (section(label_fraction=0), 10, "data.corruption.label_fraction: "),
        (section(label_fraction=1.5), 10, "data.corruption.label_fraction: "),
        (section(unlabelled="ignore"), 10, "data.corruption.unlabelled: "),
        (section(seed=-1), 10, "data.corruption.seed: "),
        (section(seed=True), 10, "data.corruption.seed: "),
        (section(kind="symmetric", rate=0.2, class_overlap="10to5"), 10,
         "data.corruption: label_noise and class_overlap cannot be combined"),
        ({**section(), "extra": 1}, 10, "data.corruption: expected exactly the keys"),
        ({"label_noise": {"kind": "none"}, **{k: v for k, v in section().items()
                                             if k != "label_noise"}}, 10,
         "data.corruption.label_noise: "))
    def test_bad_input_raises_value_error_starting_with_the_field_path(self, spec, c, prefix):
        with self.assertRaisesRegex(ValueError, "^" + prefix.replace(".", r"\.")):
            cr.resolve(spec, c)

    def test_unknown_kind_message_lists_the_accepted_values(self):
        with self.assertRaisesRegex(ValueError, "accepted: none, symmetric, asymmetric"):
            cr.resolve(section(kind="uniform"), 10)

    def test_no_op_section_is_not_active_and_leaves_labels_unchanged(self):
        corruption = cr.resolve(section(), 10)
        self.assertFalse(corruption.active)
        self.assertIsNone(corruption.transition())
        clean = clean_labels(500)
        self.assertAllEqual(corruption.apply(clean), clean)
        self.assertAllEqual(corruption.keep_mask(clean), np.ones(500, dtype=bool))

    def test_observed_classes_and_transition_follow_the_spec(self):
        self.assertEqual(cr.resolve(section(class_overlap="10to5"), 10).observed_classes, 5)
        noisy = cr.resolve(section(kind="asymmetric", rate=0.2), 10)
        self.assertTrue(noisy.active)
        self.assertEqual(noisy.observed_classes, 10)
        self.assertAllEqual(noisy.transition(), cr.asymmetric_transition(10, 0.2))

    def test_apply_never_modifies_its_input_and_is_deterministic(self):
        for spec in (section(kind="symmetric", rate=0.5, label_fraction=0.3),
                     section(class_overlap="10to5", label_fraction=0.5)):
            corruption = cr.resolve(spec, 10)
            clean = clean_labels(2000)
            before = clean.copy()
            first = corruption.apply(clean)
            self.assertAllEqual(clean, before)
            self.assertAllEqual(corruption.apply(clean), first)
            self.assertEqual(first.dtype, np.int32)

    def test_apply_orders_noise_then_fraction_with_seed_plus_one(self):
        corruption = cr.resolve(section(kind="symmetric", rate=0.5, label_fraction=0.4,
                                        seed=7), 10)
        clean = clean_labels(2000)
        noisy = cr.apply_transition(clean, cr.symmetric_transition(10, 0.5), 7)
        self.assertAllEqual(corruption.apply(clean), cr.keep_fraction(noisy, 0.4, 8))

    def test_drop_keeps_exactly_the_labelled_examples(self):
        corruption = cr.resolve(section(label_fraction=0.25, unlabelled="drop"), 10)
        observed = corruption.apply(clean_labels(1000))
        mask = corruption.keep_mask(observed)
        self.assertEqual(mask.sum(), 250)
        self.assertAllEqual(mask, observed != cr.UNLABELLED)

    def test_describe_is_json_serialisable_and_reports_the_realisation(self):
        spec = section(kind="symmetric", rate=0.5, label_fraction=0.5)
        corruption = cr.resolve(copy.deepcopy(spec), 10)
        clean = clean_labels(4000)
        observed = corruption.apply(clean)
        record = json.loads(json.dumps(corruption.describe(clean, observed)))
        self.assertEqual(record["label_noise"], spec["label_noise"])
        self.assertEqual(record["num_labelled"], 2000)
        self.assertAllClose(record["transition"], cr.symmetric_transition(10, 0.5))
        self.assertAllClose(record["change_rate"], 0.45, atol=0.05)
        overlap = cr.resolve(section(class_overlap="10to5"), 10)
        record = json.loads(json.dumps(overlap.describe(clean, overlap.apply(clean))))
        self.assertIsNone(record["transition"])
        self.assertAllClose(record["change_rate"], 0.25, atol=0.05)
