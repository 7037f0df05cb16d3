"""Tensor helpers shared by ``objectives`` and ``penalties`` (imports nothing from the package)."""

from __future__ import annotations

import tensorflow as tf


def global_batch_mean(x, axis=None) -> tf.Tensor:
    """Mean over the *global* batch: all-reduced across replicas under a strategy.

    Differentiable (the gradient of an all-sum is an all-sum), so a loss built on batch
    statistics has the same value and gradients on N replicas as on one device. With
    ``axis=None`` it averages every element; otherwise it reduces ``axis`` (which must
    include the batch axis 0).
    """
    x = tf.cast(tf.convert_to_tensor(x), tf.float32)
    context = tf.distribute.get_replica_context()
    if context is None or tf.distribute.get_strategy().num_replicas_in_sync == 1:
        return tf.reduce_mean(x, axis=axis)
    total = tf.reduce_sum(x, axis=axis)
    count = tf.cast(tf.size(x), tf.float32) / tf.cast(tf.size(total), tf.float32)
    total, count = context.all_reduce(tf.distribute.ReduceOp.SUM, [total, count])
    return total / count


_UNIFORM_BITS = 24  # a float32 mantissa holds 24 bits exactly


def stateless_uniform(shape, seed) -> tf.Tensor:
    """U(0, 1) float32 draws (open interval), identical with and without XLA.

    TensorFlow's and XLA's stateless kernels agree on the Philox integers but turn them
    into floats differently, so a ``jit_compile``d step would draw other numbers than the
    same step compiled by TensorFlow. Building floats from the integers here keeps a run
    reproducible whichever compiler runs it.
    """
    bits = tf.random.stateless_uniform(shape, seed=seed, minval=0, maxval=2**_UNIFORM_BITS,
                                       dtype=tf.int32, alg="philox")
    return (tf.cast(bits, tf.float32) + 0.5) * (0.5**_UNIFORM_BITS)


def stateless_normal(shape, seed) -> tf.Tensor:
    """N(0, 1) float32 draws by Box–Muller on ``stateless_uniform`` (XLA-consistent)."""
    shape = tf.convert_to_tensor(shape, tf.int32)
    count = tf.reduce_prod(shape)
    half = (count + 1) // 2
    uniforms = stateless_uniform(tf.stack([2, half]), seed)
    radius = tf.sqrt(-2.0 * tf.math.log(uniforms[0]))
    angle = 2.0 * 3.141592653589793 * uniforms[1]
    normals = tf.concat([radius * tf.cos(angle), radius * tf.sin(angle)], axis=0)
    return tf.reshape(normals[:count], shape)


def global_masked_mean(values, mask) -> tf.Tensor:
    """Mean of ``values`` [B] over the rows where ``mask`` [B] is 1, over the *global* batch
    (all-reduced across replicas, as ``global_batch_mean``); 0 when no row is selected.
    Unselected rows contribute nothing, so they receive exactly zero gradient."""
    values = tf.cast(values, tf.float32)
    mask = tf.cast(mask, tf.float32)
    total = tf.reduce_sum(values * mask)
    count = tf.reduce_sum(mask)
    context = tf.distribute.get_replica_context()
    if context is not None and tf.distribute.get_strategy().num_replicas_in_sync > 1:
        total, count = context.all_reduce(tf.distribute.ReduceOp.SUM, [total, count])
    return total / tf.maximum(count, 1.0)
