"""Discriminator saliency (viz/saliency.py) through tf-keras-vis: the map of a linear
critic is its weights' magnitude, conditional and patch discriminators are scored on their
adversarial logit, GradCAM++ attaches to each family's last convolution, and bad input is a
one-line error."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.networks import PatchGANDiscriminator
from tfgan_suite.networks.dcgan import DCGANDiscriminator
from tfgan_suite.viz.saliency import discriminator_saliency, last_convolution


def linear_critic(weights: np.ndarray) -> keras.Model:
    """D(x) = Σ w·x over an 8×8×1 image (no bias)."""
    images = keras.Input((8, 8, 1))
    dense = keras.layers.Dense(1, use_bias=False)
    logit = dense(keras.layers.Flatten()(images))
    dense.kernel.assign(weights.reshape(-1, 1))
    return keras.Model(images, logit)


class SaliencyTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.rng = np.random.default_rng(0)
        self.images = self.rng.uniform(-1, 1, (3, 8, 8, 1)).astype(np.float32)

    def test_a_linear_critic_s_map_is_the_magnitude_of_its_weights(self):
        weights = 0.1 * self.rng.choice([-1.0, 1.0], (8, 8)).astype(np.float32)
        weights[2:5, 3:6] = -5.0  # the pixels the critic weights most
        critic = linear_critic(weights)
        for method in ("saliency", "smoothgrad"):
            maps = discriminator_saliency(critic, self.images, method=method,
                                          smooth_samples=4)
            self.assertEqual(maps.shape, (3, 8, 8))
            self.assertTrue(np.all(np.isfinite(maps)) and np.all(maps >= 0))
            # The gradient of a linear critic is its weights, whatever the image.
            self.assertAllClose(maps, np.broadcast_to(np.abs(weights), maps.shape), rtol=1e-5)
            block = maps[:, 2:5, 3:6]
            self.assertGreater(block.min(), 10 * np.delete(maps.reshape(3, -1), [
                r * 8 + c for r in range(2, 5) for c in range(3, 6)], axis=1).max())

    def test_conditional_and_patch_discriminators_score_their_adversarial_logit(self):
        keras.utils.set_random_seed(0)
        conditional = DCGANDiscriminator(image_size=28, base_filters=8, num_classes=10,
                                         conditioning="projection")
        images = self.rng.uniform(-1, 1, (2, 28, 28, 1)).astype(np.float32)
        maps = discriminator_saliency(conditional, images, labels=[3, 7])
        self.assertEqual(maps.shape, (2, 28, 28))
        self.assertTrue(np.all(np.isfinite(maps)) and np.all(maps >= 0))
        self.assertGreater(float(maps.max()), 0.0)
        # The labels are really the second input: other classes, other maps.
        self.assertNotAllClose(maps, discriminator_saliency(conditional, images,
                                                            labels=[4, 1]))
        patch = PatchGANDiscriminator(image_size=16, filters=4, strided_layers=2)
        batch = self.rng.uniform(-1, 1, (2, 16, 16, 1))
        np.random.seed(123)
        before = np.random.get_state()[1].copy()
        maps = discriminator_saliency(patch, batch, method="smoothgrad", smooth_samples=3)
        # SmoothGrad is seeded and leaves numpy's global generator as it found it.
        self.assertAllEqual(np.random.get_state()[1], before)
        self.assertAllClose(maps, discriminator_saliency(patch, batch, method="smoothgrad",
                                                         smooth_samples=3))
        self.assertEqual(maps.shape, (2, 16, 16))
        self.assertTrue(np.all(np.isfinite(maps)) and np.all(maps >= 0))

    def test_gradcam_plus_plus_on_the_last_convolution_of_each_family(self):
        keras.utils.set_random_seed(1)
        images = self.rng.uniform(-1, 1, (2, 28, 28, 1)).astype(np.float32)
        cases = [(DCGANDiscriminator(image_size=28, base_filters=8, num_classes=10,
                                     conditioning="projection"), images, [3, 7], "conv_1"),
                 (DCGANDiscriminator(image_size=28, base_filters=8, spectral_norm=True),
                  images, None, "sn_conv_1"),
                 (PatchGANDiscriminator(image_size=16, filters=4, strided_layers=2),
                  images[:, :16, :16], None, None)]
        for discriminator, batch, labels, layer in cases:
            if layer is not None:
                self.assertEqual(last_convolution(discriminator), layer)
            maps = discriminator_saliency(discriminator, batch, labels=labels,
                                          method="gradcam++")
            self.assertEqual(maps.shape, batch.shape[:3])
            self.assertTrue(np.all(np.isfinite(maps)) and np.all(maps >= 0))
            self.assertGreater(float(maps.max()), 0.0)

    def test_bad_input_is_a_one_line_error(self):
        critic = linear_critic(np.ones((8, 8), np.float32))
        with self.assertRaisesRegex(ValueError, r"method: unknown value 'gradcam'; accepted: "
                                    r"saliency, smoothgrad, gradcam\+\+"):
            discriminator_saliency(critic, self.images, method="gradcam")
        with self.assertRaisesRegex(ValueError, r"method: gradcam\+\+ needs a convolutional "
                                    r"layer in the discriminator; .* has none \(accepted for "
                                    r"it: saliency, smoothgrad\)"):
            discriminator_saliency(critic, self.images, method="gradcam++")
        with self.assertRaisesRegex(ValueError, r"images: this discriminator takes "
                                    r"\[N, 8, 8, 1\] images, got shape \[3, 8, 8, 3\]"):
            discriminator_saliency(critic, np.zeros((3, 8, 8, 3)))
        with self.assertRaisesRegex(ValueError, r"labels: this discriminator is "
                                    r"unconditional; pass labels=None"):
            discriminator_saliency(critic, self.images, labels=[0, 1, 2])
