"""Lists of sublayers and variables in a custom layer reach ``tf.train.Checkpoint``
(``layers/tracked_lists.py``), and the suite's list-holding networks restore every weight."""

import os
import tempfile

import keras
import tensorflow as tf

from tfgan_suite.layers.tracked_lists import ListTracking
from tfgan_suite.networks import (
    MSGGANGenerator,
    ProGANDiscriminator,
    ProGANGenerator,
    StyleGAN2Generator,
    StyleGANGenerator,
)


class Stack(ListTracking, keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [keras.layers.Dense(3, name=f"d{i}") for i in range(2)]

    def build(self, input_shape):
        self.offsets = [self.add_weight(name=f"o{i}", shape=(3,), initializer="random_normal",
                                        trainable=False) for i in range(2)]
        shape = input_shape
        for block in self.blocks:
            block.build(shape)
            shape = (*shape[:-1], 3)

    def call(self, x):
        for block, offset in zip(self.blocks, self.offsets, strict=True):
            x = block(x) + offset
        return x


def restored_copy(make):
    """(original, a differently initialised copy restored from the original's checkpoint)."""
    keras.utils.set_random_seed(0)
    original = make()
    keras.utils.set_random_seed(1)
    copy = make()
    path = tf.train.Checkpoint(net=original).save(os.path.join(tempfile.mkdtemp(), "c"))
    tf.train.Checkpoint(net=copy).restore(path).assert_existing_objects_matched()
    return original, copy


class ListTrackingTest(tf.test.TestCase):
    def assertSameWeights(self, a, b):
        self.assertEqual(len(a.weights), len(b.weights))
        for mine, theirs in zip(a.weights, b.weights, strict=True):
            self.assertAllEqual(mine, theirs, msg=mine.path)

    def test_listed_sublayers_and_variables_are_checkpointed(self):
        def make():
            layer = Stack()
            layer(tf.zeros([1, 4]))
            return layer

        original, copy = restored_copy(make)
        self.assertSameWeights(original, copy)

    def test_every_weight_of_the_list_holding_networks_restores(self):
        small = dict(latent_dim=8, image_size=16, channels=1, filters=(8, 8, 4))
        for make in (lambda: StyleGANGenerator(w_dim=8, mapping_layers=2, **small),
                     lambda: StyleGAN2Generator(w_dim=8, mapping_layers=2, **small),
                     lambda: ProGANGenerator(**small),
                     lambda: ProGANDiscriminator(image_size=16, channels=1, filters=(8, 8, 4)),
                     lambda: MSGGANGenerator(**small)):
            original, copy = restored_copy(make)
            self.assertSameWeights(original, copy)
