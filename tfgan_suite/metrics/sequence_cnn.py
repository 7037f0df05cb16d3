"""The small 1-D CNN of the speech judges (``speaker.CnnSpeakerJudge``,
``naturalness.CnnNaturalnessJudge``): Conv1D(channels, kernel_size) → ReLU →
Conv1D(channels, kernel_size) → ReLU → global average pooling over time → Dense(outputs),
seeded initialisers; trained with Adam on random crops of standardised feature sequences.
Fully convolutional, so a trained judge reads a whole utterance at once.
"""

from __future__ import annotations

from typing import Callable

import keras
import numpy as np
import tensorflow as tf


def check_config(seed: int, channels: int, segment: int, steps: int, batch_size: int,
                 kernel_size: int, learning_rate: float, least_batch: int = 1) -> dict:
    """The judge's configuration, or a one-line error naming the bad argument."""
    for name, value, least in (("channels", channels, 1), ("segment", segment, 1),
                               ("steps", steps, 1), ("batch_size", batch_size, least_batch),
                               ("kernel_size", kernel_size, 1)):
        if int(value) != value or value < least:
            raise ValueError(f"{name}: expected an integer >= {least}, got {value!r}")
    return {"seed": int(seed), "channels": int(channels), "segment": int(segment),
            "steps": int(steps), "batch_size": int(batch_size),
            "kernel_size": int(kernel_size), "learning_rate": float(learning_rate)}


def build(dims: int, outputs: int, config: dict, name: str, input_name: str = "frames",
          output_name: str = "logits") -> keras.Model:
    """The network ``[batch, frames, dims]`` → logits ``[batch, outputs]``."""
    seed = config["seed"]
    inputs = keras.Input((None, dims), name=input_name)
    x = inputs
    for index in range(2):
        x = keras.layers.Conv1D(
            config["channels"], config["kernel_size"], padding="same", activation="relu",
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed + index),
            name=f"conv{index}")(x)
    x = keras.layers.GlobalAveragePooling1D(name="average")(x)
    logits = keras.layers.Dense(outputs, name=output_name,
                                kernel_initializer=keras.initializers.GlorotUniform(
                                    seed=seed + 2))(x)
    return keras.Model(inputs, logits, name=name)


def crop(sequence: np.ndarray, segment: int, rng: np.random.Generator) -> np.ndarray:
    """A uniform ``segment``-frame crop of ``sequence`` (a shorter one repeated to fill
    it)."""
    if len(sequence) < segment:
        sequence = np.resize(sequence, (segment, sequence.shape[1]))  # repeats it
    start = rng.integers(0, len(sequence) - segment + 1)
    return sequence[start:start + segment]


def train(network: keras.Model, config: dict,
          batches: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]],
          loss: Callable[[tf.Tensor, tf.Tensor], tf.Tensor]) -> None:
    """``config["steps"]`` Adam steps on ``loss(labels, logits)`` of ``batches(rng)``, the
    generator seeded with ``config["seed"]``."""
    optimizer = keras.optimizers.Adam(config["learning_rate"])

    @tf.function
    def step(batch, labels):
        with tf.GradientTape() as tape:
            value = tf.reduce_mean(loss(labels, network(batch, training=True)))
        variables = network.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(value, variables), variables,
                                      strict=True))
        return value

    rng = np.random.default_rng(config["seed"])
    for _ in range(config["steps"]):
        step(*batches(rng))


def restore(network: keras.Model, weights) -> keras.Model:
    """``network`` with the stored ``weights`` (lists, in ``get_weights`` order)."""
    network.set_weights([np.asarray(weight, np.float32) for weight in weights])
    return network


__all__ = ["build", "check_config", "crop", "restore", "train"]
