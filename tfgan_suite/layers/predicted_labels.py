"""Labels for a projection discriminator when some examples have none (S3GAN, Lucic et al.
2019, "High-Fidelity Image Generation With Fewer Labels"; compare_gan ``gans/s3gan.py``).

y_used = y where a label is given (y ≥ 0), else argmax of the discriminator's own linear
predictor, with no gradient: the projection must not teach the predictor (the predictor
learns from the labelled examples' cross-entropy only).
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_suite")
class PredictedLabels(keras.layers.Layer):
    """Call as ``layer([labels, class_logits])``: int labels [B] (−1 = unlabelled) and
    logits [B, K] → int32 labels [B], the predicted class where the label is −1."""

    def call(self, inputs):
        labels, class_logits = inputs
        labels = tf.reshape(tf.cast(labels, tf.int32), [-1])
        predicted = tf.argmax(tf.stop_gradient(class_logits), axis=-1, output_type=tf.int32)
        return tf.where(labels >= 0, labels, predicted)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0],)

    def compute_output_spec(self, inputs):
        return keras.KerasTensor((inputs[0].shape[0],), dtype="int32")
