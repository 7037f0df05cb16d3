"""Translation losses and schedule (gans/translation.py), by the properties that define them."""

import numpy as np
import tensorflow as tf

from tfgan_suite import objectives
from tfgan_suite.gans import translation


def g(x):
    return 2.0 * x + 1.0


def f(y):
    return (y - 1.0) / 2.0


class CycleLossTest(tf.test.TestCase):
    def test_zero_for_exact_inverses_and_positive_otherwise(self):
        x = tf.random.uniform([4, 8, 8, 1], -1, 1, seed=1)
        y = tf.random.uniform([4, 8, 8, 1], -1, 1, seed=2)
        self.assertAllClose(translation.cycle_loss(x, f(g(x)), y, g(f(y))), 0.0, atol=1e-6)
        # A pixel permutation and its inverse are exact too.
        perm = tf.random.shuffle(tf.range(64), seed=3)
        forward = tf.reshape(tf.gather(tf.reshape(x, [4, 64]), perm, axis=1), x.shape)
        back = tf.reshape(tf.gather(tf.reshape(forward, [4, 64]), tf.argsort(perm), axis=1),
                          x.shape)
        self.assertAllClose(translation.cycle_loss(x, back, y, y), 0.0)
        # Not inverse: λ = 10 per direction, summed.
        self.assertAllClose(translation.cycle_loss(x, x + 0.1, y, y - 0.2), 10 * 0.1 + 10 * 0.2,
                            rtol=1e-5)


class IdentityLossTest(tf.test.TestCase):
    def test_zero_when_g_is_the_identity_on_its_target_domain_whatever_f_does(self):
        x = tf.random.uniform([2, 4, 4, 1], seed=4)
        y = tf.random.uniform([2, 4, 4, 1], seed=5)
        # G(y) = y; F is not touched by the G half: the G half alone is 0.
        self.assertAllClose(translation.identity_loss(x, x, y, y), 0.0)
        half = translation.identity_loss(x, x + 0.3, y, y)  # F moves x by 0.3
        self.assertAllClose(half, 10 * 0.5 * 0.3, rtol=1e-5)  # effective weight 5


class AdversarialTest(tf.test.TestCase):
    def test_lsgan_d_halved_and_g_not(self):
        ones, zeros, halves = tf.ones([2, 6, 6, 1]), tf.zeros([2, 6, 6, 1]), tf.fill([2, 6, 6, 1],
                                                                                     0.5)
        self.assertAllClose(objectives.least_squares_d_loss(ones, zeros), 0.0)
        self.assertAllClose(objectives.least_squares_d_loss(halves, halves), 0.25)
        self.assertAllClose(translation.lsgan_generator_loss(ones), 0.0)
        self.assertAllClose(translation.lsgan_generator_loss(zeros), 1.0)  # not halved

    def test_pix2pix_l1_weight(self):
        self.assertAllClose(translation.l1_loss(tf.zeros([1, 2, 2, 1]),
                                                tf.fill([1, 2, 2, 1], 0.01)), 1.0)


class ScheduleTest(tf.test.TestCase):
    def test_constant_then_linear_as_revision_7891385(self):
        values = np.array([float(translation.linear_decay_multiplier(e, 100, 100))
                           for e in range(200)])
        self.assertAllEqual(values[:99], np.ones(99))
        self.assertAllClose(values[99], 1.0 - 0.0 / 101)  # epoch 99: max(0, 0) = 0
        self.assertAllClose(values[100], 1.0 - 1.0 / 101)
        self.assertAllClose(values[199], 1.0 - 100.0 / 101)  # ≈ 0.0099, never 0
        self.assertTrue(np.all(np.diff(values[99:]) < 0))
