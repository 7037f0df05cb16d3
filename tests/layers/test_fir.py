"""FIR up / down-sampling (StyleGAN2 §16.5) and the StyleGAN blur (§15.5)."""

import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.layers import (
    Blur2D,
    EqualizedConv2D,
    FIRDownsample2D,
    FIRFilter2D,
    FIRUpsample2D,
)

LAYERS = (FIRUpsample2D, FIRDownsample2D, Blur2D)


def normal(shape, seed):
    return tf.constant(np.random.default_rng(seed).standard_normal(shape), tf.float32)


def upfirdn(image, taps, up, down, pads, gain):
    """One channel through the reference's recipe, written out: zeros after each sample,
    pad, true 2-D convolution with the normalised f⊗f × gain, keep every ``down``-th pixel."""
    kernel = np.outer(taps, taps)
    kernel = kernel / kernel.sum() * gain
    size = image.shape[0] * up
    upsampled = np.zeros([size, size])
    upsampled[::up, ::up] = image
    padded = np.pad(upsampled, [pads, pads])
    flipped = kernel[::-1, ::-1]
    taps_count = len(taps)
    out_size = padded.shape[0] - taps_count + 1
    out = np.array([[(padded[i:i + taps_count, j:j + taps_count] * flipped).sum()
                     for j in range(out_size)] for i in range(out_size)])
    return out[::down, ::down]


class FIRTest(tf.test.TestCase):
    def test_kernels_sum_to_one(self):
        for layer_class in LAYERS:
            self.assertAllClose(layer_class().kernel.sum(), 1.0)
        self.assertAllClose(FIRUpsample2D().kernel, np.outer([1, 3, 3, 1], [1, 3, 3, 1]) / 64)
        self.assertAllClose(Blur2D().kernel, np.outer([1, 2, 1], [1, 2, 1]) / 16)

    def test_matches_the_reference_upfirdn_padding_and_flip(self):
        image = normal([1, 6, 6, 1], 0)
        for taps in ([1, 3, 3, 1], [1, 2, 5, 1], [1, 4, 2]):  # asymmetric taps catch a flip
            p = len(taps) - 2
            up = upfirdn(image[0, ..., 0].numpy(), taps, 2, 1, ((p + 1) // 2 + 1, p // 2), 4)
            self.assertAllClose(FIRUpsample2D(taps)(image)[0, ..., 0], up, atol=1e-5)
            down = upfirdn(image[0, ..., 0].numpy(), taps, 1, 2, ((p + 1) // 2, p // 2), 1)
            self.assertAllClose(FIRDownsample2D(taps)(image)[0, ..., 0], down, atol=1e-5)

    def test_shapes_are_static(self):
        inputs = keras.Input((8, 6, 5))
        self.assertEqual(FIRUpsample2D()(inputs).shape, (None, 16, 12, 5))
        self.assertEqual(FIRDownsample2D()(inputs).shape, (None, 4, 3, 5))
        self.assertEqual(Blur2D()(inputs).shape, (None, 8, 6, 5))
        with self.assertRaisesRegex(ValueError, "even height and width"):
            FIRDownsample2D()(tf.zeros([1, 5, 4, 1]))
        with self.assertRaisesRegex(ValueError, "odd length"):
            Blur2D([1, 1])

    def test_constant_image_is_preserved_away_from_borders(self):
        constant = tf.fill([2, 8, 8, 3], 0.7)
        self.assertAllClose(FIRUpsample2D()(constant)[:, 2:-2, 2:-2], tf.fill([2, 12, 12, 3], 0.7))
        self.assertAllClose(FIRDownsample2D()(constant)[:, 1:-1, 1:-1], tf.fill([2, 2, 2, 3], 0.7))
        self.assertAllClose(Blur2D()(constant)[:, 1:-1, 1:-1], tf.fill([2, 6, 6, 3], 0.7))

    def test_up_then_down_of_a_smooth_image_is_nearly_the_identity(self):
        rows, cols = np.meshgrid(np.arange(16.0), np.arange(16.0), indexing="ij")
        ramp = tf.constant((0.3 * rows - 0.1 * cols)[None, :, :, None], tf.float32)
        smooth = tf.constant(np.sin(2 * np.pi * (rows + 2 * cols) / 40)[None, :, :, None],
                             tf.float32)
        # The round trip is the low-res filter [3, 10, 3]/16 per axis: exact on ramps, gain
        # Π (10 + 6 cos ω)/16 = 0.977 on this sinusoid.
        for image, tolerance in ((ramp, 1e-5), (smooth, 0.03)):
            round_trip = FIRDownsample2D()(FIRUpsample2D()(image))
            self.assertAllClose(round_trip[:, 2:-2, 2:-2], image[:, 2:-2, 2:-2], atol=tolerance)

    def test_second_order_gradients_flow_through(self):
        # An R1-style penalty: ‖∇ₓ D(x)‖² differentiated again w.r.t. D's weights and x.
        x = tf.Variable(normal([2, 8, 8, 2], 1))
        for layer in (FIRUpsample2D(), FIRDownsample2D(), Blur2D()):
            conv = EqualizedConv2D(3, 3)
            with tf.GradientTape(persistent=True) as outer:
                with tf.GradientTape() as inner:
                    score = tf.reduce_sum(tf.tanh(conv(layer(tf.tanh(x)))))
                gradient = inner.gradient(score, x)
                penalty = tf.reduce_sum(tf.square(gradient))
            for target in (conv.kernel, x):
                second = outer.gradient(penalty, target)
                self.assertIsNotNone(second, f"{layer.name} → {target.name}")
                self.assertAllEqual(tf.math.is_finite(second), tf.ones_like(second, tf.bool))
                self.assertGreater(float(tf.reduce_sum(tf.abs(second))), 0.0)

    def test_float16_policy_computes_in_float32_and_returns_float16(self):
        x = normal([1, 4, 4, 2], 2)
        for layer_class in LAYERS:
            expected = layer_class()(x)
            y = layer_class(dtype="mixed_float16")(tf.cast(x, tf.float16))
            self.assertEqual(y.dtype, tf.float16)
            self.assertAllClose(y, expected, atol=5e-3)

    def test_keras_file_round_trip_keeps_config_and_outputs(self):
        inputs = keras.Input((4, 4, 2))
        layers = [FIRUpsample2D([1, 2, 1]), Blur2D([1, 4, 6, 4, 1]), FIRDownsample2D()]
        outputs = inputs
        for layer in layers:
            outputs = layer(outputs)
        model = keras.Model(inputs, outputs)
        path = os.path.join(self.get_temp_dir(), "model.keras")
        model.save(path)
        restored = keras.models.load_model(path)
        x = normal([2, 4, 4, 2], 3)
        self.assertAllClose(restored(x), model(x), atol=1e-6)
        for layer in layers:
            self.assertEqual(restored.get_layer(layer.name).get_config(), layer.get_config())


class FIRFilterTest(tf.test.TestCase):
    def test_matches_the_reference_padding_before_a_stride_two_conv(self):
        image = normal([1, 8, 8, 1], 5)
        filtered = FIRFilter2D(padding=(2, 2))(image)
        self.assertEqual(filtered.shape, (1, 9, 9, 1))
        expected = upfirdn(image.numpy()[0, :, :, 0], [1, 3, 3, 1], 1, 1, (2, 2), 1.0)
        self.assertAllClose(filtered[0, :, :, 0], expected, atol=1e-5)
        # StyleGAN2's conv-down: the 9 × 9 result, then a 3 × 3 stride-2 'valid' conv → 4 × 4.
        conv = EqualizedConv2D(2, 3, strides=2, padding="valid")
        self.assertEqual(conv(filtered).shape, (1, 4, 4, 2))

    def test_bad_padding_is_named_and_config_round_trips(self):
        with self.assertRaisesRegex(ValueError, r"FIRFilter2D padding must be \[before, after\]"):
            FIRFilter2D(padding=(1,))
        layer = FIRFilter2D(taps=[1, 2, 1], padding=(1, 1))
        clone = FIRFilter2D.from_config(layer.get_config())
        image = normal([2, 6, 6, 3], 6)
        self.assertAllClose(clone(image), layer(image))
        self.assertEqual(layer.compute_output_shape((2, 6, 6, 3)), (2, 6, 6, 3))
