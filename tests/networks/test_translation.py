"""Translators and the PatchGAN (networks/translation.py): shapes, reflection padding,
instance norm, pix2pix's dropout placement, the receptive field computed and measured."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import networks
from tfgan_suite.networks import translation


def layers_of(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


class ReflectionPadTest(tf.test.TestCase):
    def test_pads_with_the_reflection_without_repeating_the_edge(self):
        image = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
        padded = translation.ReflectionPad2D(1)(image)[0, :, :, 0]
        self.assertAllEqual(padded[0], [4, 3, 4, 5, 4])  # row 1 reflected above row 0
        self.assertAllEqual(padded[1], [1, 0, 1, 2, 1])
        self.assertEqual(translation.ReflectionPad2D(3).compute_output_shape(
            (None, 32, 32, 1)), (None, 38, 38, 1))


class ResNetTranslatorTest(tf.test.TestCase):
    def test_keeps_the_side_pads_by_reflection_and_uses_instance_norm(self):
        for side in (32, 64):
            net = networks.build_generator({"name": "resnet_translator", "image_size": side,
                                            "channels": 1, "filters": 4, "blocks": 2})
            out = net(tf.random.uniform([2, side, side, 1], -1, 1))
            self.assertEqual(out.shape, (2, side, side, 1))
            self.assertLessEqual(float(tf.reduce_max(tf.abs(out))), 1.0)  # tanh
        # 7×7 in and out, and two 3×3 per residual block: every one reflection-padded.
        pads = layers_of(net, translation.ReflectionPad2D)
        self.assertLen(pads, 2 + 2 * 2)
        for layer in layers_of(net, keras.layers.Conv2D):
            if layer.strides == (1, 1) and not isinstance(layer, keras.layers.Conv2DTranspose):
                self.assertIsInstance(layer._inbound_nodes[0].parent_nodes[0].operation,
                                      translation.ReflectionPad2D, layer.name)
        norms = layers_of(net, keras.layers.GroupNormalization)
        self.assertLen(norms, 1 + 2 + 2 * 2 + 2)
        for norm in norms:
            self.assertEqual(norm.groups, norm.input.shape[-1])  # one group per channel
            self.assertFalse(norm.center or norm.scale)  # no affine parameters (CycleGAN)

    def test_instance_norm_normalises_each_image_and_channel_alone(self):
        net = networks.build_generator({"name": "resnet_translator", "image_size": 8,
                                        "filters": 2, "blocks": 1})
        layer = layers_of(net, keras.layers.GroupNormalization)[0]
        x = tf.random.normal([3, 5, 5, 2]) * tf.constant([1.0, 7.0]) + tf.constant([2.0, -3.0])
        y = layer(x)
        self.assertAllClose(tf.reduce_mean(y, axis=[1, 2]), tf.zeros([3, 2]), atol=1e-5)
        self.assertAllClose(tf.math.reduce_std(y, axis=[1, 2]), tf.ones([3, 2]), atol=1e-3)

    def test_bad_options_are_refused_in_one_line(self):
        with self.assertRaisesRegex(ValueError, r"generator.image_size: .*multiple of 4, "
                                                r"got 30"):
            networks.build_generator({"name": "resnet_translator", "image_size": 30})
        with self.assertRaisesRegex(ValueError, r"generator.norm: unknown value 'layer'; "
                                                r"accepted: instance, batch, none"):
            networks.build_generator({"name": "resnet_translator", "norm": "layer"})


class UNetTranslatorTest(tf.test.TestCase):
    def test_shape_skips_and_pix2pix_dropout_placement(self):
        # pix2pix's num_downs − 5 dropout blocks: none at 32 px, one at 64, three at 256.
        for side, dropouts in ((32, 0), (64, 1), (256, 3)):
            net = networks.build_generator({"name": "unet_translator", "image_size": side,
                                            "channels": 3, "filters": 2})
            self.assertLen(layers_of(net, keras.layers.Dropout), dropouts, side)
            self.assertLen(layers_of(net, keras.layers.Concatenate), int(np.log2(side)) - 1)
        out = net(tf.random.uniform([1, 256, 256, 3], -1, 1), training=False)
        self.assertEqual(out.shape, (1, 256, 256, 3))
        with self.assertRaisesRegex(ValueError, r"generator.image_size: .*power of two ≥ 8, "
                                                r"got 48"):
            networks.build_generator({"name": "unet_translator", "image_size": 48})


class PatchGANTest(tf.test.TestCase):
    def test_receptive_field_and_map_sides(self):
        self.assertEqual([translation.receptive_field(n) for n in (1, 2, 3)], [16, 34, 70])
        for side, strided, cells in ((256, 3, 30), (64, 3, 6), (32, 3, 2), (32, 2, 6)):
            net = networks.build_discriminator({"name": "patchgan", "image_size": side,
                                                "filters": 2, "strided_layers": strided})
            self.assertEqual(net.outputs[0].shape[1:], (cells, cells, 1), (side, strided))
            self.assertEqual(translation.output_side(side, strided), cells)
        self.assertEqual(net.receptive_field, 34)
        with self.assertRaisesRegex(ValueError, "discriminator.image_size: 8 px leaves no patch"):
            networks.build_discriminator({"name": "patchgan", "image_size": 8})

    def test_one_patch_logit_sees_exactly_a_70_by_70_window(self):
        # Without normalisation (instance statistics see the whole image), the gradient of
        # one central logit on a 256² input is non-zero on a 70 × 70 window and nowhere else.
        keras.utils.set_random_seed(0)
        net = networks.build_discriminator({"name": "patchgan", "image_size": 256,
                                            "filters": 2, "norm": "none"})
        images = tf.random.normal([1, 256, 256, 1])
        with tf.GradientTape() as tape:
            tape.watch(images)
            logit = net(images)[0, 15, 15, 0]
        footprint = np.abs(tape.gradient(logit, images).numpy()[0, :, :, 0]) > 0
        rows, columns = np.flatnonzero(footprint.any(1)), np.flatnonzero(footprint.any(0))
        self.assertEqual(rows[-1] - rows[0] + 1, 70)
        self.assertEqual(columns[-1] - columns[0] + 1, 70)
        # Back through the two stride-1 convs (start − 1 each, pad 1) and three stride-2
        # ones (2·start − 1): cell 15 starts at pixel 97.
        self.assertEqual(rows[0], 97)
        self.assertEqual(footprint.sum(), 70 * 70)

    def test_pix2pix_judges_the_pair(self):
        net = networks.build_discriminator({"name": "patchgan", "image_size": 32,
                                            "channels": 1, "condition_channels": 1,
                                            "filters": 2, "strided_layers": 2,
                                            "norm": "batch"})
        self.assertLen(net.inputs, 2)
        out = net([tf.zeros([2, 32, 32, 1]), tf.ones([2, 32, 32, 1])])
        self.assertEqual(out.shape, (2, 6, 6, 1))
