"""The Laplacian pyramid (LAPGAN, §9): build then collapse is the identity, the bands are
the definition's, and sides that do not halve are refused with one line."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.layers import PyramidDownsample, PyramidUpsample, laplacian


def images(side, channels=1, seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(
        -1, 1, (3, side, side, channels)).astype(np.float32))


class LaplacianPyramidTest(tf.test.TestCase):
    def test_build_then_collapse_is_the_identity(self):
        for side, channels, levels in ((28, 1, 3), (64, 3, 3), (32, 1, 4), (16, 2, 1)):
            x = images(side, channels)
            bands = laplacian.laplacian_pyramid(x, levels)
            self.assertLen(bands, levels)
            # float32 rounding of (a − b) + b only
            self.assertAllClose(laplacian.collapse(bands), x, atol=1e-6, rtol=0)

    def test_bands_are_differences_of_the_gaussian_pyramid(self):
        x = images(28)
        gaussian = laplacian.gaussian_pyramid(x, 3)
        self.assertEqual([g.shape[1] for g in gaussian], [28, 14, 7])
        self.assertAllClose(gaussian[1], tf.nn.avg_pool2d(x, 2, 2, "VALID"))
        bands = laplacian.laplacian_pyramid(x, 3)
        self.assertAllClose(bands[-1], gaussian[-1])  # h_K = I_K
        for k in range(2):
            self.assertAllClose(bands[k], gaussian[k] - laplacian.upsample(gaussian[k + 1]))

    def test_down_and_up_sampling(self):
        x = images(8)
        self.assertAllClose(laplacian.downsample(x)[:, 0, 0],
                            tf.reduce_mean(x[:, :2, :2], axis=[1, 2]))
        constant = tf.fill([2, 7, 7, 1], 0.25)
        self.assertAllClose(laplacian.upsample(constant), tf.fill([2, 14, 14, 1], 0.25))
        # A smooth (linear) ramp's band-pass is ~0 away from the borders.
        ramp = tf.reshape(tf.linspace(-1.0, 1.0, 16), (1, 1, 16, 1)) * tf.ones((1, 16, 1, 1))
        band = laplacian.laplacian_pyramid(ramp, 2)[0]
        self.assertAllClose(band[:, :, 2:-2], tf.zeros_like(band[:, :, 2:-2]), atol=1e-6)

    def test_sides_that_do_not_halve_are_refused(self):
        self.assertEqual(laplacian.level_sizes(28, 3), [28, 14, 7])
        self.assertEqual(laplacian.level_sizes(64, 3), [64, 32, 16])
        with self.assertRaisesRegex(ValueError, r"^data.image_size: a 3-level Laplacian pyramid "
                                                r"needs a side that halves exactly 2 time\(s\) "
                                                r"\(a multiple of 4\), got 30$"):
            laplacian.level_sizes(30, 3)
        with self.assertRaisesRegex(ValueError, "a multiple of 8"):
            laplacian.gaussian_pyramid(images(28), 4)
        with self.assertRaisesRegex(ValueError, "levels: must be a positive integer"):
            laplacian.level_sizes(28, 0)

    def test_layers_wrap_the_functions_and_round_trip(self):
        x = images(14)
        inputs = keras.Input((14, 14, 1))
        model = keras.Model(inputs, PyramidDownsample()(PyramidUpsample()(inputs)))
        self.assertEqual(model.output.shape, (None, 14, 14, 1))
        self.assertAllClose(model(x), laplacian.downsample(laplacian.upsample(x)))
        clone = keras.Model.from_config(model.get_config())
        self.assertAllClose(clone(x), model(x))
