"""StackGAN's conditioning (§10's tests): KL is 0 at μ = 0, σ = 1 and positive otherwise; CA
samples have mean μ and variance σ², gradients reach μ and σ, two draws for one text differ;
the text embedding is a bag of its description's tokens; descriptions and their errors."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.data import descriptions as descriptions_lib
from tfgan_suite.data import glyphs
from tfgan_suite.layers import ConditioningAugmentation, TextEmbedding
from tfgan_suite.layers.conditioning import kl_to_standard_normal

TEXTS = ["a red top", "a blue top", "a red shoe", "boots"]


class KLTest(tf.test.TestCase):
    def test_kl_is_zero_at_the_standard_normal_and_positive_elsewhere(self):
        zeros = tf.zeros([4, 6])
        self.assertEqual(float(kl_to_standard_normal(zeros, zeros)), 0.0)
        for mu, log_sigma in ((0.5, 0.0), (0.0, 0.3), (0.0, -0.3), (-1.0, 1.0)):
            value = float(kl_to_standard_normal(tf.fill([2, 3], mu), tf.fill([2, 3], log_sigma)))
            sigma2 = np.exp(2 * log_sigma)
            self.assertGreater(value, 0.0)
            self.assertAllClose(value, -log_sigma + 0.5 * (sigma2 + mu ** 2 - 1.0))


class ConditioningAugmentationTest(tf.test.TestCase):
    def layer(self):
        keras.utils.set_random_seed(3)
        layer = ConditioningAugmentation(condition_dim=3)
        layer.build([(None, 5), (None, 3)])
        return layer

    def test_samples_have_mean_mu_and_variance_sigma_squared(self):
        layer = self.layer()
        n = 40000
        embedding = tf.tile(tf.constant([[0.3, -1.0, 2.0, 0.5, 1.5]]), [n, 1])
        epsilon = tf.random.stateless_normal([n, 3], seed=[1, 2])
        condition, mu, log_sigma = layer([embedding, epsilon])
        self.assertAllClose(tf.reduce_mean(condition, 0), mu[0], atol=4 * 1.5 / np.sqrt(n) + 1e-3)
        self.assertAllClose(tf.math.reduce_variance(condition, 0), tf.exp(2.0 * log_sigma[0]),
                            rtol=0.03)
        self.assertAllClose(condition, mu + tf.exp(log_sigma) * epsilon, atol=1e-6)

    def test_two_draws_for_one_text_differ_and_gradients_reach_mu_and_sigma(self):
        layer = self.layer()
        embedding = tf.constant([[0.3, -1.0, 2.0, 0.5, 1.5]] * 2)
        epsilon = tf.random.stateless_normal([2, 3], seed=[4, 4])
        with tf.GradientTape() as tape:
            condition, _, _ = layer([embedding, epsilon])
            loss = tf.reduce_sum(condition * epsilon)  # d/dσ needs ε ≠ 0
        self.assertGreater(float(tf.reduce_max(tf.abs(condition[0] - condition[1]))), 1e-3)
        bias_gradient = tape.gradient(loss, layer.dense.bias).numpy()
        self.assertTrue(np.all(bias_gradient[:3] != 0), bias_gradient)  # μ's half
        self.assertTrue(np.all(bias_gradient[3:] != 0), bias_gradient)  # log σ's half


class TextEmbeddingTest(tf.test.TestCase):
    def test_the_embedding_is_the_mean_of_the_description_tokens(self):
        layer = TextEmbedding(TEXTS, embedding_dim=4)
        vectors = layer(tf.constant([0, 1, 2, 3])).numpy()
        vocabulary = descriptions_lib.Vocabulary(TEXTS)
        table = layer.embeddings.numpy()

        def token(word):
            return table[vocabulary.tokens.index(word) + 1]

        self.assertAllClose(vectors[0], (token("a") + token("red") + token("top")) / 3)
        self.assertAllClose(vectors[3], token("boots"))  # padding is not averaged in
        # "a red top" and "a blue top" differ by one token only.
        self.assertAllClose(vectors[0] - vectors[1], (token("red") - token("blue")) / 3,
                            atol=1e-6)
        clone = TextEmbedding.from_config(layer.get_config())
        self.assertEqual(clone.descriptions, TEXTS)


class DescriptionsTest(tf.test.TestCase):
    def test_vocabulary_table_and_ids(self):
        vocabulary = descriptions_lib.Vocabulary(TEXTS)
        self.assertEqual(vocabulary.tokens, ("a", "blue", "boots", "red", "shoe", "top"))
        self.assertEqual(vocabulary.table().shape, (4, 3))
        self.assertAllEqual(vocabulary.encode("boots"), [3, 0, 0])
        self.assertEqual(vocabulary.condition_of("a  red shoe"), 2)

    def test_unknown_tokens_and_texts_are_named(self):
        vocabulary = descriptions_lib.Vocabulary(descriptions_lib.FASHION_MNIST)
        accepted = ("a, an, ankle, bag, boot, coat, dress, of, or, pair, pullover, sandal, "
                    "shirt, sneaker, t-shirt, top, trousers")
        with self.assertRaisesRegex(ValueError, r"^text: unknown token 'red' in 'a red dress'; "
                                                rf"accepted: {accepted}$"):
            vocabulary.condition_of("a red dress")
        with self.assertRaisesRegex(ValueError, r"^text: 'a dress or top' describes no "
                                                r"condition; accepted: 'a t-shirt or top'"):
            vocabulary.condition_of("a dress or top")
        with self.assertRaisesRegex(ValueError, "descriptions: unknown set 'cifar'; accepted: "
                                                "fashion_mnist, glyphs, or a list of texts"):
            descriptions_lib.resolve("cifar")

    def test_glyph_descriptions_name_character_weight_and_slant(self):
        texts = descriptions_lib.glyph_descriptions()
        self.assertLen(texts, 62 * len(glyphs.WEIGHTS) * 2)
        ids = descriptions_lib.glyph_condition_ids([0, 26, 61], [3, 1, 0], [True, False, False])
        self.assertEqual([texts[i] for i in ids], ["A bold italic", "a regular upright",
                                                   "9 light upright"])
