"""Latent codes (gans/latent.py): draws, the MI bound, attribute filters, decision trees."""

import math

import numpy as np
import tensorflow as tf

from tfgan_suite.gans import latent

CAT = latent.Code("c1", "categorical", size=10)
CONT = latent.Code("c2", "continuous", size=2, weight=0.5)
TREE = latent.Code("tree", "tree", branching=(2, 3, 2), layer_starts=(0, 100, 200))


def uniform(n, k, seed=0):
    return tf.random.stateless_uniform([n, k], [seed, 1])


class CodeTest(tf.test.TestCase):
    def test_information_never_exceeds_the_entropy_for_any_q(self):
        for code in (CAT, CONT, TREE):
            drawn = code.from_uniform(uniform(256, code.uniforms))
            for scale in (0.0, 1.0, 100.0):
                q = scale * tf.random.stateless_normal([256, code.width], [3, 4])
                bound = code.information(q, drawn).numpy()
                self.assertLessEqual(bound.max(), code.entropy() + 1e-6, (code.kind, scale))
        # A Q that recovers the category exactly reaches H(c) = log k.
        drawn = CAT.from_uniform(uniform(64, 1))
        perfect = 1e4 * tf.one_hot(drawn["target"], 10)
        self.assertAllClose(CAT.information(perfect, drawn), np.full(64, math.log(10)))

    def test_categorical_and_continuous_draws(self):
        drawn = CAT.from_uniform(uniform(20000, 1))
        counts = np.bincount(drawn["target"].numpy(), minlength=10)
        self.assertAllClose(counts / 20000, np.full(10, 0.1), atol=0.01)
        self.assertAllEqual(drawn["input"], tf.one_hot(drawn["target"], 10))
        values = CONT.from_uniform(uniform(20000, 2))["input"].numpy()
        self.assertBetween(float(values.min()), -1.0, -0.99)
        self.assertBetween(float(values.max()), 0.99, 1.0)

    def test_tree_has_one_active_node_per_layer_under_the_selected_parent(self):
        drawn = TREE.from_uniform(uniform(500, 3))
        self.assertEqual(TREE.nodes, [2, 6, 12])
        self.assertEqual(TREE.width, 20)
        blocks = np.split(drawn["input"].numpy(), np.cumsum(TREE.nodes)[:-1], axis=1)
        nodes = drawn["nodes"].numpy()
        for layer, block in enumerate(blocks):
            self.assertAllEqual(block.sum(axis=1), np.ones(500))   # one active node
            self.assertAllEqual(np.argmax(block, axis=1), nodes[:, layer])
            self.assertEqual(set(np.unique(block)), {0.0, 1.0})    # the rest exact zeros
        # Each layer's node is a child of the node above it.
        self.assertAllEqual(nodes[:, 1] // 3, nodes[:, 0])
        self.assertAllEqual(nodes[:, 2] // 2, nodes[:, 1])
        self.assertEqual(len(np.unique(nodes[:, 2])), 12)

    def test_tree_loss_touches_only_the_active_parent_and_follows_the_curriculum(self):
        drawn = TREE.from_uniform(uniform(8, 3))
        q = tf.Variable(tf.random.stateless_normal([8, TREE.width], [1, 2]))
        with tf.GradientTape() as tape:
            loss = TREE.weighted_loss(q, drawn, step=150)
        gradient = tape.gradient(loss, q).numpy()
        # layer 3 (starts at 200) is off; layers 1-2 only touch the active parent's block
        self.assertAllEqual(gradient[:, 8:], np.zeros([8, 12]))
        nodes = drawn["nodes"].numpy()
        for row in range(8):
            layer2 = gradient[row, 2:8].reshape(2, 3)
            self.assertAllEqual(layer2[1 - nodes[row, 0]], np.zeros(3))
            self.assertGreater(np.abs(layer2[nodes[row, 0]]).sum(), 0.0)
        self.assertEqual(float(TREE.layer_weight(1, 99)), 0.0)
        self.assertEqual(float(TREE.layer_weight(1, 100)), 1.0)
        before = TREE.weighted_loss(q, drawn, step=0)
        after = TREE.weighted_loss(q, drawn, step=200)
        terms = [float(tf.reduce_mean(math.log(k) - t)) for k, t in
                 zip((2, 3, 2), TREE.layer_information(q, drawn), strict=True)]
        self.assertAllClose(before, terms[0], atol=1e-5)
        self.assertAllClose(after, sum(terms), atol=1e-5)

    def test_fixed_values_and_their_errors(self):
        self.assertAllEqual(CAT.from_value(3, 4)["target"], [3, 3, 3, 3])
        self.assertAllEqual(TREE.from_value([1, 2, 0], 2)["nodes"], [[1, 5, 10]] * 2)
        with self.assertRaisesRegex(ValueError, r"^codes\.c1: a category in 0\.\.9, got 10$"):
            CAT.from_value(10, 1)
        with self.assertRaisesRegex(ValueError, r"^codes\.c2: continuous values lie in"):
            CONT.from_value([0.0, 1.5], 1)
        with self.assertRaisesRegex(ValueError, r"^codes\.tree: a path of one child per layer"):
            TREE.from_value([1, 3, 0], 1)
        codes = latent.CodeSet([CAT, CONT])
        with self.assertRaisesRegex(ValueError, r"^codes: unknown code\(s\) \['c9'\]; this "
                                                r"model has: c1, c2$"):
            codes.fixed({"c9": 1}, np.full([2, 3], 0.5, np.float32))
        with self.assertRaisesRegex(ValueError, r"^codes\.x\.kind: unknown value 'gauss'"):
            latent.parse([{"name": "x", "kind": "gauss"}])
        with self.assertRaisesRegex(ValueError, r"^codes\.t\.layer_starts: one value per"):
            latent.parse([{"name": "t", "kind": "tree", "branching": [2, 2],
                           "layer_starts": [0]}])
        with self.assertRaisesRegex(ValueError, r"^codes: names must be unique"):
            latent.parse([{"name": "a"}, {"name": "a"}])


class FilteredCodeTest(tf.test.TestCase):
    def test_an_attribute_that_is_off_cuts_its_code_from_the_generator_and_the_mi_term(self):
        filtered = latent.Code("shape", "categorical", size=4, attribute=1)
        codes = latent.CodeSet([CAT, filtered])
        drawn = codes.from_uniform(uniform(6, codes.uniforms))
        attributes = tf.constant([[1, 0], [1, 1], [0, 0], [0, 1], [1, 0], [1, 1]], tf.float32)
        raw = tf.Variable(drawn["shape"]["input"])
        q = tf.Variable(tf.random.stateless_normal([6, codes.width], [5, 6]))
        with tf.GradientTape(persistent=True) as tape:
            drawn["shape"]["input"] = raw
            block = codes.generator_input(drawn, attributes)
            toy_generator = tf.reduce_sum(tf.sin(3.0 * block))
            losses = codes.losses(q, drawn, attributes)
        self.assertAllEqual(block[:, 10:].numpy()[[0, 2, 4]], np.zeros([3, 4]))
        gradient = tape.gradient(toy_generator, raw).numpy()
        self.assertAllEqual(gradient[[0, 2, 4]], np.zeros([3, 4]))   # ∂G/∂c_a = 0 exactly
        self.assertGreater(np.abs(gradient[[1, 3, 5]]).sum(), 0.0)
        q_gradient = tape.gradient(losses["mi_shape"], q).numpy()[:, 10:]
        self.assertAllEqual(q_gradient[[0, 2, 4]], np.zeros([3, 4]))  # off codes ignored
        on = np.array([1, 3, 5])
        expected = np.mean(math.log(4) - filtered.information(
            q[:, 10:], drawn["shape"]).numpy()[on])
        self.assertAllClose(losses["mi_shape"], expected, atol=1e-5)
        self.assertEqual(sorted(losses), ["mi_c1", "mi_shape"])
