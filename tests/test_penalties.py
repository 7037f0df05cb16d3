"""Penalties: the properties that define them."""

import numpy as np
import tensorflow as tf

from tfgan_suite import penalties


def linear_critic(w):
    w = tf.constant(w, tf.float32)
    return lambda x: tf.reduce_sum(x * w, axis=-1, keepdims=True)


class GradientPenaltyTest(tf.test.TestCase):
    def setUp(self):
        rng = np.random.default_rng(0)
        self.real = tf.constant(rng.normal(size=(16, 3)), tf.float32)
        self.fake = tf.constant(rng.normal(size=(16, 3)), tf.float32)
        self.epsilon = tf.constant(rng.uniform(size=16), tf.float32)

    def test_gradient_penalty_is_zero_for_unit_lipschitz_linear_critic(self):
        w = np.array([0.6, 0.0, 0.8])
        gp = penalties.gradient_penalty(linear_critic(w), self.real, self.fake, self.epsilon)
        self.assertAllClose(gp, 0.0, atol=1e-8)

    def test_gradient_penalty_of_linear_critic_is_squared_norm_excess(self):
        w = np.array([3.0, 0.0, 4.0])  # ‖w‖ = 5 → (5 − 1)² = 16
        gp = penalties.gradient_penalty(linear_critic(w), self.real, self.fake, self.epsilon)
        self.assertAllClose(gp, 16.0, rtol=1e-5)

    def test_one_sided_penalty_ignores_small_gradients(self):
        w = np.array([0.3, 0.0, 0.4])  # ‖w‖ = 0.5
        two_sided = penalties.gradient_penalty(linear_critic(w), self.real, self.fake,
                                               self.epsilon)
        one_sided = penalties.gradient_penalty(linear_critic(w), self.real, self.fake,
                                               self.epsilon, one_sided=True)
        self.assertAllClose(two_sided, 0.25, rtol=1e-5)
        self.assertAllClose(one_sided, 0.0, atol=1e-8)

    def test_interpolation_uses_one_weight_per_example_between_real_and_fake(self):
        x_hat = penalties.interpolate(self.real, self.fake, self.epsilon)
        expected = (self.epsilon[:, None] * self.real
                    + (1 - self.epsilon[:, None]) * self.fake)
        self.assertAllClose(x_hat, expected)

    def test_r1_of_linear_critic_is_half_gamma_squared_norm(self):
        w = np.array([1.0, 2.0, 2.0])  # ‖w‖² = 9
        self.assertAllClose(penalties.r1_penalty(linear_critic(w), self.real, gamma=10.0),
                            0.5 * 10.0 * 9.0, rtol=1e-5)
        self.assertAllClose(penalties.r2_penalty(linear_critic(w), self.fake, gamma=2.0),
                            9.0, rtol=1e-5)

    def test_r1_is_zero_where_the_critic_is_flat(self):
        critic = lambda x: tf.reduce_sum(tf.square(x), axis=-1, keepdims=True)  # noqa: E731
        zeros = tf.zeros((4, 3))
        self.assertAllClose(penalties.r1_penalty(critic, zeros, gamma=1.0), 0.0)

    def test_dragan_is_zero_for_unit_lipschitz_linear_critic(self):
        noise = tf.random.stateless_uniform(self.real.shape, seed=[1, 2])
        value = penalties.dragan_penalty(linear_critic([0.0, 1.0, 0.0]), self.real, noise,
                                         self.epsilon)
        self.assertAllClose(value, 0.0, atol=1e-8)

    def test_drift_is_mean_squared_real_logit(self):
        self.assertAllClose(penalties.drift_penalty(tf.constant([[1.0], [3.0]])), 5.0)

    def test_orthogonal_regularization_is_zero_for_orthogonal_kernel(self):
        q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(8, 8)))
        self.assertAllClose(penalties.orthogonal_regularization([tf.constant(q, tf.float32)]),
                            0.0, atol=1e-9)
        self.assertGreater(float(penalties.orthogonal_regularization(
            [tf.ones((4, 4), tf.float32)])), 1.0)

    def test_clip_weights_bounds_every_variable(self):
        variables = [tf.Variable([[-1.0, 0.005], [0.5, -0.002]]), tf.Variable([2.0])]
        penalties.clip_weights(variables, 0.01)
        for variable in variables:
            self.assertLessEqual(float(tf.reduce_max(tf.abs(variable))), 0.01)


class PenaltyRegistryTest(tf.test.TestCase):
    def test_registry_builds_by_name_with_defaults(self):
        self.assertEqual(penalties.get("gp").weight, 10.0)
        self.assertEqual(penalties.get("r1", weight=0.5, interval=16).interval, 16)
        self.assertEqual(penalties.names(), ["clip", "dragan", "drift", "gp", "r1", "r2"])

    def test_unknown_penalty_and_option_are_named(self):
        with self.assertRaisesRegex(ValueError, r"penalties.*'nope'.*accepted: clip"):
            penalties.get("nope")
        with self.assertRaisesRegex(ValueError, r"penalties\.gp: unknown option\(s\) gamma"):
            penalties.get("gp", gamma=1.0)
        with self.assertRaisesRegex(ValueError, "interval"):
            penalties.get("r1", interval=0)
