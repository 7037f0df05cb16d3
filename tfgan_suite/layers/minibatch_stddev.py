"""Minibatch standard deviation: append mean_{H,W,c}(√(Var_group(x) + 1e-8)) as extra maps.

Karras et al. 2018, "Progressive Growing of GANs" (tkarras/progressive_growing_of_gans
``networks.py``, ``minibatch_stddev_layer``; the same layer in NVlabs/stylegan and
NVlabs/stylegan2). Used in the discriminator's 4×4 head, before the last conv: it lets D
see how varied a batch is, which discourages mode collapse.

Groups are contiguous: samples 0 … G−1 form the first, G … 2G−1 the second, and so on.
The reference reshapes the batch to [G, M, …] instead (sample n in group n mod M), which
makes a group's members depend on the batch size; contiguous groups are the same samples
whether a global batch runs on one device or is split contiguously across replicas (each
replica's batch a multiple of G), so a 2-replica step equals the 1-device step. Both draw
groups of G samples of a shuffled batch, so the statistic is the same in distribution. The
variance is the population variance over the group (divide by G).
"""

from __future__ import annotations

import keras
import tensorflow as tf

_EPSILON = 1e-8


@keras.saving.register_keras_serializable(package="tfgan_suite")
class MinibatchStddev(keras.layers.Layer):
    """[B, H, W, C] → [B, H, W, C + num_features].

    G = min(group_size, B) and B must be a multiple of G (the whole batch when
    ``group_size`` ≥ B, as ProGAN's Theano version). For each group and each of the
    ``num_features`` channel splits: the standard deviation over the group of every
    pixel/channel (+1e-8 inside the square root), averaged over H, W and the split's
    channels, tiled over H × W and over the group's samples. Identical samples therefore
    give √1e-8 = 1e-4, not 0. Computed in float32.

    Args:
        group_size: samples per group (ProGAN TF and StyleGAN 1/2: 4).
        num_features: extra feature maps; C must be divisible by it (default 1).

    Call arguments:
        inputs: ``[B, H, W, C]``. A static B not divisible by G raises ``ValueError``; a
            dynamic one fails a ``tf.debugging`` assertion at run time.
    """

    def __init__(self, group_size: int = 4, num_features: int = 1, **kwargs):
        super().__init__(**kwargs)
        for field, value in (("group_size", group_size), ("num_features", num_features)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"MinibatchStddev {field} must be a positive int, "
                                 f"got {value!r}")
        self.group_size, self.num_features = group_size, num_features

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(f"MinibatchStddev expects [B, H, W, C] with static C, "
                             f"got {input_shape}")
        if input_shape[-1] % self.num_features:
            raise ValueError(f"MinibatchStddev num_features={self.num_features} must divide "
                             f"the {input_shape[-1]} input channels")

    def call(self, inputs):
        batch = inputs.shape[0]
        if batch is not None:
            group = min(self.group_size, batch)
            if batch % group:
                raise ValueError(f"MinibatchStddev: batch {batch} is not divisible by "
                                 f"group_size={self.group_size}; use a batch that is a "
                                 f"multiple of group_size, or group_size >= batch")
            checks = []
        else:
            batch = tf.shape(inputs)[0]
            group = tf.minimum(self.group_size, batch)
            checks = [tf.debugging.assert_equal(
                batch % group, 0,
                message=f"MinibatchStddev: batch not divisible by group_size={self.group_size}")]
        _, height, width, channels = inputs.shape
        if height is None or width is None:
            height, width = tf.shape(inputs)[1], tf.shape(inputs)[2]
        features = self.num_features
        with tf.control_dependencies(checks):
            x = tf.cast(inputs, tf.float32)
            y = tf.reshape(x, [-1, group, height, width, features, channels // features])
        y = y - tf.reduce_mean(y, axis=1, keepdims=True)
        y = tf.sqrt(tf.reduce_mean(tf.square(y), axis=1) + _EPSILON)  # [M, H, W, F, c]
        y = tf.reduce_mean(y, axis=[1, 2, 4])  # [M, F]
        # [B, F]: each group's values for its G samples.
        y = tf.reshape(tf.tile(y[:, None, :], [1, group, 1]), [-1, features])
        y = tf.tile(y[:, None, None, :], [1, height, width, 1])  # [B, H, W, F]
        return tf.concat([inputs, tf.cast(y, inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.num_features)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size,
                "num_features": self.num_features}
