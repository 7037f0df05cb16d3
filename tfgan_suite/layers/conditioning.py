"""StackGAN's text conditioning (Zhang et al., "StackGAN: Text to Photo-realistic Image
Synthesis with Stacked Generative Adversarial Networks", ICCV 2017, arXiv:1612.03242;
hanzhanggit/StackGAN ``stageI/model.py``, ``stageI/trainer.py``).

- ``TextEmbedding``: condition id → its description's tokens (a constant table,
  ``data/descriptions.py``) → the mean of learned token embeddings: φ_t, [batch, dim]. It
  stands in for StackGAN's pre-trained char-CNN-RNN sentence embedding.
- ``ConditioningAugmentation``: φ_t → FC → LReLU(0.2) → (μ, log σ), each ``condition_dim``
  wide, and ĉ = μ + σ ⊙ ε with ε ~ N(0, I) given as an input (the model draws it, as part of
  z, statelessly; the reference draws a truncated normal), so the layer is deterministic.
- ``kl_to_standard_normal``: KL(N(μ, diag σ²) ‖ N(0, I)) per dimension,
  −log σ + ½(σ² + μ² − 1), averaged over batch and dimensions (the reference's form, which
  its trainer weights by 2.0).
"""

from __future__ import annotations

from typing import Sequence

import keras
import tensorflow as tf

from tfgan_suite.data import descriptions as descriptions_lib


def kl_to_standard_normal(mu: tf.Tensor, log_sigma: tf.Tensor) -> tf.Tensor:
    """Mean over batch and dimensions of KL(N(μ, σ²) ‖ N(0, 1)); 0 iff μ = 0 and σ = 1."""
    mu, log_sigma = tf.cast(mu, tf.float32), tf.cast(log_sigma, tf.float32)
    return tf.reduce_mean(-log_sigma + 0.5 * (tf.exp(2.0 * log_sigma) + tf.square(mu) - 1.0))


@keras.saving.register_keras_serializable(package="tfgan_suite")
class TextEmbedding(keras.layers.Layer):
    """Condition ids [batch] → φ_t [batch, ``embedding_dim``]: the mean of the learned
    embeddings of the condition's description tokens (padding excluded).

    Args:
        descriptions: one text per condition id (``data/descriptions.py``).
        embedding_dim: width of φ_t.
    """

    def __init__(self, descriptions: Sequence[str], embedding_dim: int = 64, **kwargs):
        super().__init__(**kwargs)
        self.descriptions = list(descriptions_lib.resolve(descriptions))
        self.vocabulary = descriptions_lib.Vocabulary(self.descriptions)
        self.embedding_dim = int(embedding_dim)
        self._table = self.vocabulary.table()

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=(self.vocabulary.size, self.embedding_dim), name="embeddings",
            initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.built = True

    def call(self, condition_ids):
        tokens = tf.gather(tf.constant(self._table), tf.cast(condition_ids, tf.int32))
        mask = tf.cast(tokens > 0, self.compute_dtype)[..., None]
        vectors = tf.gather(tf.cast(self.embeddings, self.compute_dtype), tokens)
        return tf.reduce_sum(vectors * mask, axis=1) / tf.reduce_sum(mask, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.embedding_dim)

    def get_config(self):
        return {**super().get_config(), "descriptions": self.descriptions,
                "embedding_dim": self.embedding_dim}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ConditioningAugmentation(keras.layers.Layer):
    """[φ_t, ε] → [ĉ, μ, log σ]: ĉ = μ + exp(log σ) ⊙ ε (module docstring).

    Args:
        condition_dim: width of ĉ, μ and log σ (StackGAN: 128).
    """

    def __init__(self, condition_dim: int = 128, **kwargs):
        super().__init__(**kwargs)
        self.condition_dim = int(condition_dim)
        self.dense = keras.layers.Dense(2 * self.condition_dim, name="fc")

    def build(self, input_shape):
        self.dense.build(input_shape[0])
        self.built = True

    def call(self, inputs):
        embedding, epsilon = inputs
        statistics = tf.nn.leaky_relu(self.dense(embedding), 0.2)
        mu = statistics[:, :self.condition_dim]
        log_sigma = statistics[:, self.condition_dim:]
        return [mu + tf.exp(log_sigma) * tf.cast(epsilon, mu.dtype), mu, log_sigma]

    def compute_output_shape(self, input_shape):
        shape = (input_shape[0][0], self.condition_dim)
        return [shape, shape, shape]

    def get_config(self):
        return {**super().get_config(), "condition_dim": self.condition_dim}

