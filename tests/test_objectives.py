"""Objectives: values on fixed logits worked out by hand (TF-GAN's conventions)."""

import math

import numpy as np
import tensorflow as tf

from tfgan_suite import objectives

REAL = np.array([2.0, -1.0], np.float32)
FAKE = np.array([0.5, -3.0], np.float32)


def softplus(x):
    return math.log1p(math.exp(x))


class ObjectiveValuesTest(tf.test.TestCase):
    def assertLoss(self, value, expected):
        self.assertAllClose(float(value), expected, rtol=1e-5, atol=1e-6)

    def test_minimax_and_non_saturating_share_the_discriminator_loss(self):
        # mean softplus(-real) + mean softplus(fake)
        expected = (softplus(-2.0) + softplus(1.0)) / 2 + (softplus(0.5) + softplus(-3.0)) / 2
        for name in ("minimax", "non_saturating"):
            obj = objectives.get(name)
            self.assertLoss(obj.d_loss(REAL, FAKE), expected)

    def test_minimax_generator_loss_is_negated_fake_cross_entropy(self):
        expected = -(softplus(0.5) + softplus(-3.0)) / 2
        self.assertLoss(objectives.get("minimax").g_loss(None, FAKE), expected)

    def test_non_saturating_generator_loss(self):
        expected = (softplus(-0.5) + softplus(3.0)) / 2
        self.assertLoss(objectives.get("non_saturating").g_loss(None, FAKE), expected)

    def test_label_smoothing_follows_tf_losses_convention(self):
        # label 1 smoothed by s = 0.25 becomes 1 - s/2 = 0.875
        obj = objectives.get("non_saturating", label_smoothing=0.25)
        real_term = np.mean([0.875 * softplus(-x) + 0.125 * softplus(x) for x in REAL])
        fake_term = np.mean([softplus(x) for x in FAKE])
        self.assertLoss(obj.d_loss(REAL, FAKE), real_term + fake_term)

    def test_least_squares_has_tf_gan_half_factor(self):
        obj = objectives.get("least_squares")
        expected_d = 0.5 * ((2 - 1) ** 2 + (-1 - 1) ** 2) / 2 + 0.5 * (0.5**2 + 3.0**2) / 2
        self.assertLoss(obj.d_loss(REAL, FAKE), expected_d)  # 1.25 + 2.3125
        self.assertLoss(obj.g_loss(None, FAKE), 0.5 * ((0.5 - 1) ** 2 + (-3 - 1) ** 2) / 2)

    def test_wasserstein_is_mean_fake_minus_mean_real(self):
        obj = objectives.get("wasserstein")
        self.assertLoss(obj.d_loss(REAL, FAKE), (-1.25) - 0.5)
        self.assertLoss(obj.g_loss(None, FAKE), 1.25)

    def test_hinge(self):
        obj = objectives.get("hinge")
        # relu(1-2)=0, relu(1+1)=2 -> 1.0 ; relu(1.5)=1.5, relu(-2)=0 -> 0.75
        self.assertLoss(obj.d_loss(REAL, FAKE), 1.75)
        self.assertLoss(obj.g_loss(None, FAKE), 1.25)

    def test_rsgan_is_pairwise(self):
        obj = objectives.get("rsgan")
        self.assertLoss(obj.d_loss(REAL, FAKE), (softplus(-1.5) + softplus(-2.0)) / 2)
        self.assertLoss(obj.g_loss(REAL, FAKE), (softplus(1.5) + softplus(2.0)) / 2)

    def test_relativistic_average_losses(self):
        mean_real, mean_fake = 0.5, -1.25
        real_rel = REAL - mean_fake  # [3.25, 0.25]
        fake_rel = FAKE - mean_real  # [0, -3.5]
        sp = np.vectorize(softplus)
        relu = np.vectorize(lambda v: max(0.0, v))
        cases = {
            "ragan": (np.mean(sp(-real_rel)) + np.mean(sp(fake_rel)),
                      np.mean(sp(-fake_rel)) + np.mean(sp(real_rel))),
            "ralsgan": (np.mean((real_rel - 1) ** 2) + np.mean((fake_rel + 1) ** 2),
                        np.mean((fake_rel - 1) ** 2) + np.mean((real_rel + 1) ** 2)),
            "rahinge": (np.mean(relu(1 - real_rel)) + np.mean(relu(1 + fake_rel)),
                        np.mean(relu(1 - fake_rel)) + np.mean(relu(1 + real_rel))),
        }
        for name, (d_expected, g_expected) in cases.items():
            obj = objectives.get(name)
            self.assertTrue(obj.uses_real_in_g)
            self.assertLoss(obj.d_loss(REAL, FAKE), d_expected)
            self.assertLoss(obj.g_loss(REAL, FAKE), g_expected)

    def test_acgan_terms_are_softmax_cross_entropies(self):
        logits_real = np.array([[2.0, 0.0], [0.0, 1.0]], np.float32)
        logits_fake = np.array([[0.0, 0.0], [3.0, 0.0]], np.float32)
        one_hot = np.array([[1, 0], [0, 1]], np.float32)

        def xent(logits):
            log_probs = logits - np.log(np.exp(logits).sum(1, keepdims=True))
            return -np.mean((one_hot * log_probs).sum(1))

        self.assertLoss(objectives.acgan_d_loss(logits_real, logits_fake, one_hot),
                        xent(logits_real) + xent(logits_fake))
        self.assertLoss(objectives.acgan_g_loss(logits_fake, one_hot), xent(logits_fake))

    def test_every_objective_returns_a_scalar(self):
        for name in objectives.names():
            obj = objectives.get(name)
            self.assertEqual(obj.d_loss(REAL, FAKE).shape, ())
            self.assertEqual(obj.g_loss(REAL, FAKE).shape, ())


class ObjectiveErrorsTest(tf.test.TestCase):
    def test_unknown_objective_lists_accepted_names(self):
        with self.assertRaisesRegex(ValueError, r"objective\.name.*'nope'.*hinge.*wasserstein"):
            objectives.get("nope")

    def test_label_smoothing_rejected_for_other_objectives(self):
        with self.assertRaisesRegex(ValueError, "label_smoothing"):
            objectives.get("hinge", label_smoothing=0.1)
