"""The projection discriminator's label enters only through ⟨embed(y), φ(x)⟩."""

import numpy as np
import tensorflow as tf

from tfgan_suite.layers import ProjectionHead


class ProjectionHeadTest(tf.test.TestCase):
    def test_output_is_linear_logit_plus_inner_product(self):
        head = ProjectionHead(num_classes=4, spectral_norm=False)
        features = tf.random.stateless_normal([5, 6], seed=[1, 2])
        labels = tf.constant([0, 1, 2, 3, 1])
        output = head([features, labels])
        kernel, bias = head.linear.kernel.numpy(), head.linear.bias.numpy()
        table = head.embedding.embeddings.numpy()
        expected = (features.numpy() @ kernel + bias
                    + np.sum(table[labels.numpy()] * features.numpy(), axis=1, keepdims=True))
        self.assertAllClose(output, expected, atol=1e-5)

    def test_label_effect_is_the_embedding_difference_projected(self):
        head = ProjectionHead(num_classes=3)
        features = tf.random.stateless_normal([4, 8], seed=[3, 4])
        a = head([features, tf.fill([4], 0)], training=False)
        b = head([features, tf.fill([4], 2)], training=False)
        table = head.embedding.embeddings.numpy()
        self.assertAllClose(b - a, features.numpy() @ (table[2] - table[0])[:, None], atol=1e-5)
        # Zero features: the label has no effect at all.
        zeros = tf.zeros([2, 8])
        self.assertAllClose(head([zeros, tf.constant([0, 1])], training=False),
                            head([zeros, tf.constant([2, 2])], training=False))

    def test_errors(self):
        with self.assertRaisesRegex(ValueError, "num_classes must be a positive int"):
            ProjectionHead(num_classes=0)
