"""The squared-error regressor of aligned feature pairs: B2's network (``conversion``'s
parallel baseline) and the converter that over-smooths the postfilters' inputs
(``pairs``) — one network, one training loop.

A residual 1-D CNN on ``[batch, frames, dims]`` standardised features: ``layers`` Conv1D
(``channels``, kernel 5, GELU) and a linear Conv1D back to ``dims``, added to the input.
Trained with Adam on the mean squared error of random aligned crops (``features.segments``
keyed by the seed), it predicts the conditional mean of the target — which is why its
output is over-smoothed (low global variance, flattened modulation spectrum; speech.md
§11.3).
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.data.voices import features as voice_features


def mse_network(dims: int, channels: int, layers: int, seed: int) -> keras.Model:
    """A residual 1-D CNN on ``[batch, frames, dims]`` standardised c1..cD."""
    inputs = keras.Input([None, dims])
    x = inputs
    for index in range(layers):
        x = keras.layers.Conv1D(channels, 5, padding="same", activation="gelu",
                                kernel_initializer=keras.initializers.GlorotUniform(
                                    seed + index), name=f"conv{index}")(x)
    delta = keras.layers.Conv1D(dims, 5, padding="same", name="out",
                                kernel_initializer=keras.initializers.GlorotUniform(
                                    seed + layers))(x)
    return keras.Model(inputs, keras.layers.Add()([inputs, delta]), name="parallel_mse")


def fit_regressor(joined: Sequence[np.ndarray], channels: int = 128, layers: int = 3,
                  segment_frames: int = 64, batch_size: int = 16, steps: int = 1500,
                  learning_rate: float = 1e-3, seed: int = 0
                  ) -> tuple[keras.Model, list[float]]:
    """B2's network trained with squared error on frame-aligned pairs: each of ``joined`` is
    ``[frames, 2·dims]``, input then target, one utterance; utterances shorter than
    ``segment_frames`` are left out. Returns the network and its loss every 100 steps."""
    dims = joined[0].shape[1] // 2
    keep = [j for j in joined if len(j) >= segment_frames]
    if not keep:
        raise ValueError(f"segment_frames: no aligned pair is {segment_frames} frames long")
    stream = iter(voice_features.segments(keep, segment_frames, batch_size, seed))
    network = mse_network(dims, channels, layers, seed)
    optimizer = keras.optimizers.Adam(learning_rate)

    @tf.function(reduce_retracing=True)
    def step(batch):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(network(batch[..., :dims], training=True)
                                            - batch[..., dims:]))
        gradients = tape.gradient(loss, network.trainable_variables)
        optimizer.apply_gradients(zip(gradients, network.trainable_variables, strict=True))
        return loss

    losses = []
    for index in range(steps):
        loss = step(next(stream))
        if index % 100 == 99:
            losses.append(float(loss))
    return network, losses



__all__ = ["fit_regressor", "mse_network"]
