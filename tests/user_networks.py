"""Subclassed networks as a Keras user writes them (no functional graph, no build()), small
enough for tests: G maps z [batch, 8] to [batch, 8, 8, 1]; D gives one logit per example."""

import keras


class SmallGenerator(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.project = keras.layers.Dense(4 * 4 * 4, activation="relu")
        self.reshape = keras.layers.Reshape((4, 4, 4))
        self.upsample = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same",
                                                     activation="tanh")

    def call(self, z, training=False):
        return self.upsample(self.reshape(self.project(z)))


class SmallDiscriminator(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.features = keras.layers.Conv2D(4, 3, strides=2, padding="same",
                                            activation="leaky_relu")
        self.flatten = keras.layers.Flatten()
        self.logit = keras.layers.Dense(1)

    def call(self, x, training=False):
        return self.logit(self.flatten(self.features(x)))
