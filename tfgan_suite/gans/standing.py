"""Standing BatchNorm statistics for a generator that is sampled in inference mode.

A generator's BatchNorm layers normalise with batch statistics while it trains and with
their moving averages when it samples. The EMA generator of ``AdversarialModel`` is never
trained, so by default its moving statistics are *copied* from the raw generator each step
— statistics of activations of other weights. "Standing statistics" (Brock, Donahue &
Simonyan, 2019, BigGAN; the authors' BigGAN-PyTorch exposes them as ``--accumulate_stats
--num_standing_accumulations``, 16 by default) recompute them from the averaged weights
themselves: run the network in training mode over ``K`` batches and store, per BatchNorm
layer, the plain average of the K batch means and of the K batch variances.

Implementation: before the k-th batch (k = 1 … K) every BatchNorm layer's momentum is set to
1 − 1/k, so Keras's update ``moving ← momentum·moving + (1 − momentum)·batch`` keeps the
running mean of the k batch statistics exactly; momenta and ``trainable`` flags are restored
afterwards (Keras 3 BatchNorm only updates its statistics when trainable).

Example:

    batches = [generator_inputs(k) for k in range(16)]
    recompute_batchnorm_statistics(ema_generator, batches)
"""

from __future__ import annotations

from collections.abc import Iterable

import keras


def batchnorm_layers(network: keras.Model) -> list:
    """Every ``BatchNormalization`` layer of ``network``, nested models included."""
    return [layer for layer in network._flatten_layers(include_self=False, recursive=True)
            if isinstance(layer, keras.layers.BatchNormalization)]


def recompute_batchnorm_statistics(network: keras.Model, batches: Iterable) -> int:
    """Replaces the moving mean / variance of every BatchNorm layer of ``network`` by the
    average of its batch statistics over ``batches`` (inputs of ``network``).

    Returns:
        the number of batches used (0 when ``network`` has no BatchNorm layer, in which case
        nothing is run).
    """
    layers = batchnorm_layers(network)
    if not layers:
        return 0
    saved = [(layer, layer.momentum, layer.trainable) for layer in layers]
    count = 0
    try:
        for layer in layers:
            layer.trainable = True
        for count, batch in enumerate(batches, start=1):
            for layer in layers:
                layer.momentum = 1.0 - 1.0 / count
            network(batch, training=True)
    finally:
        for layer, momentum, trainable in saved:
            layer.momentum = momentum
            layer.trainable = trainable
    return count


__all__ = ["batchnorm_layers", "recompute_batchnorm_statistics"]
