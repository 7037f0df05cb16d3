"""The projection discriminator's output (Miyato & Koyama 2018, "cGANs with Projection
Discriminator").

D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩: an unconditional linear logit ψ on the features φ(x)
plus the inner product of a learned class embedding with the same features. The label
enters only through that inner product, which is what makes the discriminator's
conditional term the log density ratio of a class-conditional model of the paper's form.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfgan_suite.layers.spectral import maybe_spectral_norm


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ProjectionHead(keras.layers.Layer):
    """Call as ``head([features, labels])``: features [B, D], integer labels [B] → [B, 1].

    Args:
        num_classes: number of classes of the embedding table.
        spectral_norm: spectrally normalise ψ (the embedding is normalised in the paper's
            code too; here it is left plain, as in most reimplementations).
    """

    def __init__(self, num_classes: int, spectral_norm: bool = True, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"ProjectionHead num_classes must be a positive int, "
                             f"got {num_classes!r}")
        self.num_classes = num_classes
        self.spectral_norm = spectral_norm

    def build(self, input_shape):
        features_shape, _ = input_shape
        self.linear = maybe_spectral_norm(keras.layers.Dense(1, name="psi"), self.spectral_norm)
        self.linear.build(features_shape)
        self.embedding = keras.layers.Embedding(self.num_classes, features_shape[-1],
                                                embeddings_initializer="glorot_uniform",
                                                name="class_embedding")
        self.embedding.build((None,))

    def call(self, inputs, training=None):
        features, labels = inputs
        labels = tf.reshape(tf.cast(labels, tf.int32), [-1])
        unconditional = self.linear(features, training=training)
        embedded = tf.cast(self.embedding(labels), features.dtype)
        projection = tf.reduce_sum(embedded * features, axis=-1, keepdims=True)
        return unconditional + projection

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "spectral_norm": self.spectral_norm}
