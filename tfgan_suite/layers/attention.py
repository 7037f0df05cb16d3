"""SAGAN self-attention (Zhang et al. 2019, "Self-Attention Generative Adversarial Networks").

For a feature map x [B, H, W, C]: f = W_f x, g = W_g x (C/8 channels), h = W_h x (C/2
channels), attention β = softmax(fᵀg) over the N = H·W positions, o = W_v (β h) back to C
channels, and the output γ·o + x with a learnable scalar γ initialised to 0 — so the block
starts as the identity and the network learns how much non-local evidence to use. As in
the authors' code, g and h are max-pooled 2×2 (N/4 keys), which quarters the cost. All four
1×1 projections are optionally spectrally normalised (SAGAN uses SN in G and D).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfgan_suite.layers.spectral import maybe_spectral_norm


@keras.saving.register_keras_serializable(package="tfgan_suite")
class SelfAttention(keras.layers.Layer):
    """y = γ · attention(x) + x, γ = 0 at initialisation; shape-preserving.

    Args:
        spectral_norm: spectrally normalise the 1×1 projections.
        pool_keys: max-pool keys and values 2×2 (as SAGAN); needs even H and W.
    """

    def __init__(self, spectral_norm: bool = True, pool_keys: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.spectral_norm = spectral_norm
        self.pool_keys = pool_keys

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels < 8:
            raise ValueError(f"SelfAttention needs >= 8 channels, got {channels}")
        if self.pool_keys and (input_shape[1] % 2 or input_shape[2] % 2):
            raise ValueError(f"SelfAttention pool_keys=True needs even height and width, "
                             f"got {input_shape[1]}×{input_shape[2]}")

        def projection(filters, name):
            conv = keras.layers.Conv2D(filters, 1, use_bias=False, name=name,
                                       kernel_initializer="orthogonal")
            return maybe_spectral_norm(conv, self.spectral_norm)

        self.query = projection(channels // 8, "query")
        self.key = projection(channels // 8, "key")
        self.value = projection(channels // 2, "value")
        self.out = projection(channels, "out")
        shape = tuple(input_shape)
        pooled = (shape[0], shape[1] // 2, shape[2] // 2, shape[3]) if self.pool_keys else shape
        self.query.build(shape)
        self.key.build(pooled)
        self.value.build(pooled)
        self.out.build((*shape[:3], channels // 2))
        self.gamma = self.add_weight(name="gamma", shape=(), initializer="zeros")

    def call(self, x, training=None):
        batch = tf.shape(x)[0]
        height, width, channels = x.shape[1], x.shape[2], x.shape[3]
        keys_in = tf.nn.max_pool2d(x, 2, 2, "VALID") if self.pool_keys else x
        query = tf.reshape(self.query(x, training=training), [batch, -1, channels // 8])
        key = tf.reshape(self.key(keys_in, training=training), [batch, -1, channels // 8])
        value = tf.reshape(self.value(keys_in, training=training), [batch, -1, channels // 2])
        logits = tf.matmul(query, key, transpose_b=True)  # [B, N, N_keys]
        attention = tf.nn.softmax(tf.cast(logits, tf.float32), axis=-1)
        attended = tf.matmul(tf.cast(attention, value.dtype), value)
        attended = tf.reshape(attended, [batch, height, width, channels // 2])
        output = self.out(attended, training=training)
        return x + tf.cast(self.gamma, x.dtype) * output

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "spectral_norm": self.spectral_norm,
                "pool_keys": self.pool_keys}
