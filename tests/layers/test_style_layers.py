"""AdaIN, noise inputs, modulated convolution and toRGB / fromRGB (StyleGAN §15.5,
StyleGAN2 §16.5)."""

import functools
import math
import os

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.layers import (
    AdaIN,
    FIRUpsample2D,
    FromRGB,
    ModulatedConv2D,
    NoiseInput,
    ScaledLeakyReLU,
    ToRGB,
)


@functools.cache
def grouped_conv_gradients_supported() -> bool:
    """Whether this host's TensorFlow differentiates a grouped convolution: its CPU kernels
    do only through oneDNN, which is off on CPUs without AVX-512 features."""
    x, kernel = tf.Variable(tf.ones([1, 3, 3, 4])), tf.Variable(tf.ones([1, 1, 2, 4]))
    with tf.GradientTape() as tape:
        y = tf.nn.conv2d(x, kernel, 1, "SAME")  # 2 groups of 2 input channels
    try:
        tape.gradient(y, [x, kernel])
    except tf.errors.InvalidArgumentError:
        return False
    return True


def normal(shape, seed):
    return tf.constant(np.random.default_rng(seed).standard_normal(shape), tf.float32)


def set_styles(layer, bias, kernel_scale=0.0, seed=0):
    """Make the layer's style map A return ``bias`` (+ a random linear part if asked)."""
    style = layer.style
    style.kernel.assign(normal(style.kernel.shape, seed) * kernel_scale)
    style.bias.assign(bias)


class AdaINTest(tf.test.TestCase):
    def test_each_output_channel_has_mean_y_b_and_std_abs_y_s_plus_one(self):
        x = normal([3, 6, 6, 4], 0) * [0.1, 1.0, 5.0, 30.0] + [0.0, -2.0, 7.0, 1.0]
        w = normal([3, 5], 1)
        layer = AdaIN()
        layer([x, w])
        set_styles(layer, normal([8], 2), kernel_scale=1.0, seed=3)
        y = layer([x, w])
        style = layer.style(w)
        scale, bias = style[:, :4], style[:, 4:]
        self.assertAllClose(tf.reduce_mean(y, axis=[1, 2]), bias, atol=1e-5)
        self.assertAllClose(tf.math.reduce_std(y, axis=[1, 2]), tf.abs(scale + 1.0), rtol=1e-4)

    def test_output_is_independent_of_the_inputs_own_statistics(self):
        x = normal([2, 5, 5, 3], 4)
        w = normal([2, 6], 5)
        layer = AdaIN()
        self.assertAllClose(layer([x * [0.5, 3.0, 40.0] - 9.0, w]), layer([x, w]), atol=1e-4)

    def test_zero_style_is_instance_norm_without_affine(self):
        x = normal([2, 4, 4, 6], 6) * 3.0 + 1.0
        w = normal([2, 3], 7)
        layer = AdaIN()
        layer([x, w])
        set_styles(layer, tf.zeros([12]))
        instance_norm = keras.layers.GroupNormalization(groups=-1, epsilon=1e-8, center=False,
                                                        scale=False)
        self.assertAllClose(layer([x, w]), instance_norm(x), atol=1e-5)


class NoiseInputTest(tf.test.TestCase):
    def test_zero_strength_at_initialisation_is_deterministic(self):
        x = normal([2, 4, 4, 3], 8)
        for per_channel in (True, False):
            layer = NoiseInput(per_channel=per_channel)
            first, second = layer(x), layer(x)
            self.assertAllEqual(first, x)
            self.assertAllEqual(second, first)
            self.assertAllEqual(layer.strength, np.zeros([3] if per_channel else []))

    def test_given_noise_is_used_exactly_and_broadcast_over_channels(self):
        x = normal([2, 4, 4, 3], 9)
        noise = normal([2, 4, 4, 1], 10)
        per_channel = NoiseInput()
        per_channel(x)
        per_channel.strength.assign([1.0, -2.0, 0.5])
        self.assertAllClose(per_channel(x, noise=noise), x + noise * [1.0, -2.0, 0.5])
        scalar = NoiseInput(per_channel=False)
        scalar(x)
        scalar.strength.assign(3.0)
        self.assertEqual(scalar.strength.shape, ())
        self.assertAllClose(scalar(x, noise=noise), x + 3.0 * noise)
        with self.assertRaisesRegex(ValueError, r"noise must have shape \[B, H, W, 1\]"):
            scalar(x, noise=tf.zeros([2, 4, 4, 3]))

    def test_drawn_noise_is_one_image_per_sample_shared_by_the_channels(self):
        x = tf.zeros([3, 5, 5, 4])
        layer = NoiseInput(per_channel=False)
        layer(x)
        layer.strength.assign(1.0)
        tf.random.set_seed(0)
        y = layer(x)
        self.assertAllEqual(y, tf.tile(y[..., :1], [1, 1, 1, 4]))
        self.assertNotAllClose(y[0], y[1])
        self.assertNotAllClose(layer(x), y)  # a fresh draw per call
        self.assertNear(float(tf.math.reduce_std(y)), 1.0, 0.2)

    def test_per_channel_strength_only_affects_its_own_channel(self):
        x = normal([2, 4, 4, 3], 11)
        layer = NoiseInput()
        layer(x)
        layer.strength.assign([0.0, 0.7, 0.0])
        y = layer(x)
        self.assertAllEqual(tf.gather(y, [0, 2], axis=-1), tf.gather(x, [0, 2], axis=-1))
        self.assertNotAllClose(y[..., 1], x[..., 1])


def reference_modulated_conv(layer, x, w):
    """Each sample convolved with its own kernel, written out from the paper's formula."""
    channels = x.shape[-1]
    k = layer.kernel_size
    styles = (w @ layer.style.effective_kernel + layer.style.bias).numpy() + 1.0
    kernel = layer.kernel.numpy() / math.sqrt(k * k * channels)
    outputs = []
    for b in range(x.shape[0]):
        sample_kernel = kernel * styles[b][None, None, :, None]
        if layer.demodulate:
            sample_kernel /= np.sqrt((sample_kernel ** 2).sum(axis=(0, 1, 2)) + 1e-8)
        outputs.append(tf.nn.conv2d(x[b:b + 1], sample_kernel.astype(np.float32), 1, "SAME"))
    return tf.concat(outputs, axis=0) + layer.bias


class ModulatedConv2DTest(tf.test.TestCase):
    def setUp(self):
        keras.utils.set_random_seed(0)

    def test_matches_per_sample_convolution_with_the_modulated_kernel(self):
        x = normal([3, 6, 6, 4], 12)
        w = normal([3, 5], 13)
        for demodulate in (True, False):
            for fused in (False, True):
                layer = ModulatedConv2D(6, 3, demodulate=demodulate, fused=fused)
                layer([x, w])
                layer.bias.assign(normal([6], 14))
                self.assertAllClose(layer([x, w]), reference_modulated_conv(layer, x, w),
                                    atol=1e-5)

    def test_fused_equals_non_fused(self):
        x = normal([4, 8, 8, 6], 15)
        w = normal([4, 7], 16)
        for demodulate in (True, False):
            non_fused = ModulatedConv2D(5, 3, demodulate=demodulate)
            fused = ModulatedConv2D(5, 3, demodulate=demodulate, fused=True)
            expected = non_fused([x, w])
            fused([x, w])
            fused.set_weights(non_fused.get_weights())
            self.assertLess(float(tf.reduce_max(tf.abs(fused([x, w]) - expected))), 1e-5)

    def test_per_sample_kernels_differ_per_sample(self):
        layer = ModulatedConv2D(4, 3)
        x = tf.tile(normal([1, 5, 5, 3], 17), [3, 1, 1, 1])
        w = tf.concat([normal([2, 6], 18), normal([1, 6], 18)[:1]], axis=0)  # rows 0 and 2 equal
        y = layer([x, w])
        kernels = layer.modulated_kernels(w)
        self.assertEqual(kernels.shape, (3, 3, 3, 3, 4))
        self.assertNotAllClose(kernels[0], kernels[1])
        self.assertNotAllClose(y[0], y[1])
        self.assertAllClose(y[0], y[2])

    def test_demodulated_output_has_unit_std_away_from_borders(self):
        x = normal([4, 20, 20, 8], 19)
        w = normal([4, 5], 20)
        layer = ModulatedConv2D(16, 3)
        layer([x, w])
        set_styles(layer, normal([8], 21) * 2.0, kernel_scale=1.0, seed=22)  # s far from 1
        interior = layer([x, w])[:, 1:-1, 1:-1, :]
        per_channel = tf.math.reduce_std(interior, axis=[0, 1, 2])
        self.assertNear(float(tf.reduce_mean(per_channel)), 1.0, 0.02)
        self.assertAllInRange(per_channel, 0.9, 1.1)

    def test_demodulated_output_is_invariant_to_scaling_the_style(self):
        x = normal([2, 5, 5, 4], 23)
        w = normal([2, 3], 24)
        base = normal([4], 25)
        for fused in (False, True):
            layer = ModulatedConv2D(3, 3, fused=fused)
            layer([x, w])
            set_styles(layer, base)  # s = base + 1 for every sample
            expected = layer([x, w])
            set_styles(layer, 3.7 * (base + 1.0) - 1.0)  # s × 3.7
            self.assertAllClose(layer([x, w]), expected, atol=1e-5)

    def test_modulated_to_rgb_without_demodulation_scales_with_the_style(self):
        x = normal([2, 4, 4, 6], 26)
        w = normal([2, 3], 27)
        base = normal([6], 28)
        to_rgb = ToRGB(3, modulated=True)
        to_rgb([x, w])
        set_styles(to_rgb.conv, base)
        expected = to_rgb([x, w])
        set_styles(to_rgb.conv, 3.7 * (base + 1.0) - 1.0)
        self.assertAllClose(to_rgb([x, w]), 3.7 * expected, atol=1e-5)  # bias is 0 at init
        self.assertFalse(to_rgb.conv.demodulate)

    def test_second_order_gradients_flow_through_both_paths(self):
        # Path-length style: ‖∂(Σ y·probe)/∂w‖² differentiated w.r.t. the layer's weights.
        x = normal([2, 5, 5, 3], 29)
        w = tf.Variable(normal([2, 4], 30))
        for fused in (False, True) if grouped_conv_gradients_supported() else (False,):
            layer = ModulatedConv2D(3, 3, fused=fused)
            with tf.GradientTape() as outer:
                with tf.GradientTape() as inner:
                    y = layer([x, w])
                    score = tf.reduce_sum(y * tf.sin(y))
                penalty = tf.reduce_sum(tf.square(inner.gradient(score, w)))
            for gradient in outer.gradient(penalty, layer.trainable_variables):
                self.assertIsNotNone(gradient)
                self.assertAllEqual(tf.math.is_finite(gradient), tf.ones_like(gradient, tf.bool))

    def test_fused_gradients_on_a_host_without_grouped_conv_gradients(self):
        if grouped_conv_gradients_supported():
            self.skipTest("this host's TensorFlow has grouped-conv gradients (oneDNN on): "
                          "the fused path is differentiated in the test above")
        layer = ModulatedConv2D(3, 3, fused=True)
        x, w = normal([2, 5, 5, 3], 29), normal([2, 4], 30)
        with tf.GradientTape() as tape:
            y = layer([x, w])
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "grouped convolutions"):
            tape.gradient(y, layer.trainable_variables)
        self.assertAllEqual(tf.math.is_finite(y), tf.ones_like(y, tf.bool))  # forward works

    def test_bad_arguments_are_named(self):
        with self.assertRaisesRegex(ValueError, "kernel_size must be odd"):
            ModulatedConv2D(4, 2)
        with self.assertRaisesRegex(ValueError, r"called on \[x, w\]"):
            ToRGB(modulated=True)(tf.zeros([1, 4, 4, 2]))


class RGBTest(tf.test.TestCase):
    def test_to_rgb_is_a_linear_one_by_one_conv_with_gain_one(self):
        x = normal([2, 3, 3, 8], 40)
        to_rgb = ToRGB(3)
        to_rgb(x)
        to_rgb.conv.bias.assign([0.1, -0.2, 0.3])
        kernel = to_rgb.conv.kernel.numpy()[0, 0] / math.sqrt(8)
        self.assertAllClose(to_rgb(x), x @ kernel + [0.1, -0.2, 0.3], atol=1e-5)

    def test_from_rgb_is_a_one_by_one_conv_with_gain_sqrt2_then_leaky_relu(self):
        x = normal([2, 3, 3, 3], 41)
        from_rgb = FromRGB(5)
        y = from_rgb(x)
        pre = x @ (from_rgb.conv.kernel.numpy()[0, 0] * math.sqrt(2.0) / math.sqrt(3))
        self.assertAllClose(y, tf.where(pre > 0, pre, 0.2 * pre), atol=1e-5)


class SerialisationTest(tf.test.TestCase):
    def test_keras_file_round_trip_keeps_config_and_outputs(self):
        images = keras.Input((4, 4, 3))
        w = keras.Input((5,))
        noise = keras.Input((4, 4, 1))
        layers = [FromRGB(6, negative_slope=0.1), NoiseInput(per_channel=False), AdaIN(),
                  ModulatedConv2D(6, 3), ModulatedConv2D(4, 1, demodulate=False, fused=True),
                  ToRGB(2), ToRGB(3, modulated=True, fused=True)]
        from_rgb, noise_input, adain, conv, fused, to_rgb, modulated_to_rgb = layers
        h = noise_input(from_rgb(images), noise=noise)
        h = fused([conv([adain([h, w]), w]), w])
        model = keras.Model([images, w, noise], [to_rgb(h), modulated_to_rgb([h, w])])
        noise_input.strength.assign(0.5)
        inputs = [normal([2, 4, 4, 3], 31), normal([2, 5], 32), normal([2, 4, 4, 1], 33)]
        path = os.path.join(self.get_temp_dir(), "model.keras")
        model.save(path)
        restored = keras.models.load_model(path)
        self.assertAllClose(restored(inputs), model(inputs), atol=1e-6)
        for layer in layers:
            self.assertEqual(restored.get_layer(layer.name).get_config(), layer.get_config())

    def test_generator_layers_convert_to_tflite_builtins(self):
        images = keras.Input((4, 4, 3), batch_size=2)
        w = keras.Input((5,), batch_size=2)
        h = AdaIN()([NoiseInput()(FromRGB(6)(images)), w])
        h = ModulatedConv2D(6, 3, fused=True)([ModulatedConv2D(6, 3)([h, w]), w])
        model = keras.Model([images, w], ToRGB(3, modulated=True)([FIRUpsample2D()(h), w]))
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint("serve", lambda x, w: {"images": model([x, w])},
                             input_signature=[tf.TensorSpec([2, 4, 4, 3], name="x"),
                                              tf.TensorSpec([2, 5], name="w")])
        saved = os.path.join(self.get_temp_dir(), "saved")
        archive.write_out(saved, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        interpreter = tf.lite.Interpreter(model_content=converter.convert())
        inputs = [normal([2, 4, 4, 3], 34), normal([2, 5], 35)]
        outputs = interpreter.get_signature_runner()(x=inputs[0], w=inputs[1])["images"]
        self.assertAllClose(outputs, model(inputs), atol=1e-5)


class ScaledLeakyReLUTest(tf.test.TestCase):
    def test_unit_gaussian_input_gives_second_moment_1_04(self):
        x = normal([200_000], 11)
        y = ScaledLeakyReLU()(x)
        self.assertNear(float(tf.reduce_mean(tf.square(y))), 1.04, 0.01)
        self.assertAllClose(y, math.sqrt(2.0) * tf.nn.leaky_relu(x, 0.2))
        clone = ScaledLeakyReLU.from_config(ScaledLeakyReLU(0.1, 2.0).get_config())
        self.assertAllClose(clone(tf.constant([-1.0, 1.0])), [-0.2, 2.0])
