"""NR-GAN noises and AmbientGAN measurements (tfgan_suite.data.image_corruptions)."""

import numpy as np
import tensorflow as tf

from tfgan_suite.data import image_corruptions as ic

SEED = tf.constant([3, 4], tf.int64)


def grey(batch=64, side=28, channels=1):
    """Mid-grey images: x₀₁ = 0.5, far enough from 0 and 1 that clipping is rare."""
    return tf.zeros([batch, side, side, channels])


def noise_of(kind, images=None, seed=SEED, **kwargs):
    images = grey() if images is None else images
    return ((ic.noise(kind, images, seed, **kwargs) + 1.0) / 2.0
            - (images + 1.0) / 2.0).numpy()


class NoiseTest(tf.test.TestCase):
    def test_additive_gaussian_has_the_stated_standard_deviation(self):
        n = noise_of("A")
        self.assertAllClose(n.std(), 25 / 255, rtol=0.02)
        self.assertAllClose(n.mean(), 0.0, atol=2e-3)

    def test_brown_noise_keeps_the_standard_deviation_and_is_correlated(self):
        n = noise_of("G")[:, 2:-2, 2:-2, 0]  # interior: the zero border lowers the edges
        self.assertAllClose(n.std(), 25 / 255, rtol=0.05)
        lag1 = np.corrcoef(n[:, :, :-1].ravel(), n[:, :, 1:].ravel())[0, 1]
        # The reference blurs with OpenCV's getGaussianKernel(5, 0) = [1 4 6 4 1]/16 per axis;
        # a separable kernel's lag-1 correlation is Σ a_j a_j+1 / Σ a_j² = 56/70 along a row.
        self.assertAllClose(ic.gaussian_kernel(5, 0.0)[2] / ic.gaussian_kernel(5, 0.0)[2, 2],
                            [1 / 6, 4 / 6, 1.0, 4 / 6, 1 / 6])
        self.assertAllClose(lag1, 0.8, atol=0.02)
        white = noise_of("A")[:, :, :, 0]
        self.assertLess(abs(np.corrcoef(white[:, :, :-1].ravel(),
                                        white[:, :, 1:].ravel())[0, 1]), 0.05)

    def test_poisson_noise_keeps_the_mean_with_variance_x_over_lambda(self):
        for differentiable in (False, True):
            n = noise_of("M", differentiable=differentiable)
            self.assertAllClose(n.mean(), 0.0, atol=3e-3)
            self.assertAllClose(n.var(), 0.5 / 30, rtol=0.05)
        counts = (noise_of("M") + 0.5) * 30  # exact Poisson: integer counts / λ
        self.assertAllClose(counts, np.round(counts), atol=1e-4)

    def test_multiplicative_noise_scales_with_the_signal(self):
        bright = tf.fill([64, 28, 28, 1], 0.6)  # x₀₁ = 0.8
        self.assertAllClose(noise_of("I", bright).std(), 25 / 255 * 0.8, rtol=0.03)
        self.assertAllClose(noise_of("I").std(), 25 / 255 * 0.5, rtol=0.03)

    def test_local_noise_fills_one_patch_of_the_stated_size(self):
        changed = np.abs(noise_of("C")) > 0
        self.assertAllEqual(changed.sum(axis=(1, 2, 3)), np.full(64, 256))
        sizes = (np.abs(noise_of("D")) > 0).sum(axis=(1, 2, 3))
        self.assertTrue(((sizes >= 64) & (sizes <= 576)).all())
        self.assertGreater(len(set(sizes.tolist())), 5)

    def test_uniform_and_mixture_noise_stay_in_their_ranges(self):
        uniform = noise_of("E")
        self.assertLessEqual(np.abs(uniform).max(), 50 / 255 + 1e-6)
        self.assertAllClose(uniform.std(), 50 / 255 / np.sqrt(3), rtol=0.02)
        mixture = noise_of("F")
        expected = np.sqrt(0.7 * 15 ** 2 + 0.2 * 25 ** 2 + 0.1 * 50 ** 2 / 3) / 255
        self.assertAllClose(mixture.std(), expected, rtol=0.03)

    def test_every_noise_is_deterministic_in_its_seed_and_stays_in_range(self):
        images = tf.random.stateless_uniform([8, 28, 28, 1], [1, 1], -1, 1)
        for kind in ic.NOISES:
            first = ic.noise(kind, images, SEED).numpy()
            self.assertAllEqual(first, ic.noise(kind, images, SEED).numpy(), msg=kind)
            self.assertNotAllClose(first, ic.noise(kind, images, tf.constant([3, 5])).numpy(),
                                   msg=kind)
            self.assertBetween(float(first.min()), -1.0, 1.0)
            self.assertBetween(float(first.max()), -1.0, 1.0)

    def test_fake_path_noise_passes_gradients_to_the_image_but_not_through_the_signal(self):
        images = tf.Variable(tf.zeros([4, 28, 28, 1]))
        for kind in ("I", "M"):
            with tf.GradientTape() as tape:
                noisy = ic.noise(kind, images, SEED, differentiable=True)
                total = tf.reduce_sum(noisy)
            gradient = tape.gradient(total, images).numpy()
            # y = clip(x₀₁ + n(x̃)), x̃ without gradient: ∂y/∂x = 1 wherever not clipped.
            unclipped = gradient[np.abs(noisy.numpy()) < 1]
            self.assertAllClose(unclipped, np.ones_like(unclipped))

    def test_unknown_noise_names_the_accepted_ones(self):
        with self.assertRaisesRegex(ValueError, r"^data\.corruption\.image_noise: unknown value "
                                                r"'Z'; accepted: A, B"):
            ic.noise("Z", grey(), SEED)


class MeasurementTest(tf.test.TestCase):
    def test_block_pixels_zeroes_a_fraction_p_and_its_jacobian_is_the_mask(self):
        images = tf.Variable(tf.ones([16, 28, 28, 1]))
        weights = tf.random.stateless_normal([16, 28, 28, 1], [2, 2])
        with tf.GradientTape() as tape:
            measured = ic.block_pixels(images, SEED, p=0.8)
            total = tf.reduce_sum(measured * weights)
        mask = measured.numpy()  # ones where kept, zeros where blocked
        self.assertAllClose(1.0 - mask.mean(), 0.8, atol=0.01)
        self.assertAllClose(tape.gradient(total, images), weights.numpy() * mask)

    def test_patches_block_or_keep_exactly_k_squared_pixels(self):
        ones = tf.ones([8, 28, 28, 1])
        blocked = ic.block_patch(ones, SEED, patch=14).numpy()
        kept = ic.keep_patch(ones, SEED, patch=14).numpy()
        self.assertAllEqual((blocked == 0).sum(axis=(1, 2, 3)), np.full(8, 196))
        self.assertAllEqual((kept != 0).sum(axis=(1, 2, 3)), np.full(8, 196))
        self.assertAllEqual(blocked + kept, ones.numpy())  # same seed, same patch

    def test_convolve_noise_is_the_blur_plus_independent_gaussian_noise(self):
        images = tf.random.stateless_uniform([8, 28, 28, 1], [5, 5], -1, 1)
        blurred = ic.convolve_noise(images, SEED, sigma=0.0)
        kernel = ic.gaussian_kernel(5, 1.0)
        self.assertAllClose(kernel.sum(), 1.0)
        self.assertAllClose(blurred, ic.depthwise_blur(images, kernel), atol=1e-6)
        # Linear in x: the blur of a sum is the sum of the blurs.
        other = tf.random.stateless_uniform([8, 28, 28, 1], [6, 6], -1, 1)
        self.assertAllClose(ic.convolve_noise(images + other, SEED, 0.0),
                            blurred + ic.convolve_noise(other, SEED, 0.0), atol=1e-5)
        noisy = ic.convolve_noise(images, SEED, sigma=0.2) - blurred
        self.assertAllClose(float(tf.math.reduce_std(noisy)), 0.2, rtol=0.03)
        fresh = ic.convolve_noise(images, tf.constant([9, 9]), 0.2) - blurred
        self.assertLess(abs(np.corrcoef(noisy.numpy().ravel(),
                                        fresh.numpy().ravel())[0, 1]), 0.05)

    def test_bad_parameters_name_the_field_and_the_accepted_range(self):
        for p in (1.0, -0.1):
            with self.assertRaisesRegex(ValueError, r"^data\.corruption\.measurement\.p: "
                                                    r"must be in \[0, 1\)"):
                ic.block_pixels(grey(), SEED, p=p)
        with self.assertRaisesRegex(ValueError, r"^data\.corruption\.measurement\.patch: "
                                                r"must be an integer in \[1, 28\]"):
            ic.block_patch(grey(), SEED, patch=29)
        with self.assertRaisesRegex(ValueError,
                                    r"^data\.corruption\.measurement\.sigma: must be >= 0"):
            ic.convolve_noise(grey(), SEED, sigma=-1.0)
        with self.assertRaisesRegex(ValueError, r"^data\.corruption\.measurement\.kind: unknown "
                                                r"value 'blur'; accepted: block_pixels"):
            ic.measure("blur", grey(), SEED)


class ReplicaRowsTest(tf.test.TestCase):
    def test_a_replicas_rows_get_the_draws_of_the_whole_batch(self):
        images = tf.random.stateless_uniform([16, 28, 28, 1], [7, 7], -1, 1)
        for corrupt in (lambda x, rows: ic.noise("D", x, SEED, rows=rows),
                        lambda x, rows: ic.noise("M", x, SEED, True, rows=rows),
                        lambda x, rows: ic.measure("block_patch", x, SEED, rows, patch=9),
                        lambda x, rows: ic.measure("convolve_noise", x, SEED, rows,
                                                   sigma=0.1)):
            whole = corrupt(images, None).numpy()
            halves = [corrupt(images[:8], (0, 16)), corrupt(images[8:], (8, 16))]
            self.assertAllClose(np.concatenate(halves), whole, atol=1e-6)


class ImageCorruptionConfigTest(tf.test.TestCase):
    def section(self, **changes):
        return {"image_noise": "none", "measurement": {"kind": "none", "p": 0.5, "patch": 14,
                                                       "sigma": 0.1}, "seed": 1} | changes

    def test_the_training_set_is_corrupted_once_per_example(self):
        spec = ic.resolve(self.section(image_noise="A"))
        images = np.zeros([2 * ic.CHUNK + 10, 8, 8, 1], np.float32)
        noisy = spec.apply(images)
        self.assertAllEqual(noisy, spec.apply(images))
        self.assertAllEqual(noisy[:ic.CHUNK], spec.apply(images[:ic.CHUNK]))
        self.assertAllClose(noisy.std() / 2, 25 / 255, rtol=0.02)
        self.assertFalse(ic.resolve(self.section()).active)

    def test_bad_sections_name_the_field(self):
        for changes, pattern in (
                ({"image_noise": "Q"}, r"^data\.corruption\.image_noise: unknown value 'Q'"),
                ({"measurement": {"kind": "blur"}},
                 r"^data\.corruption\.measurement\.kind: unknown value 'blur'"),
                ({"measurement": {"kind": "block_pixels", "p": 1.0}},
                 r"^data\.corruption\.measurement\.p: must be in \[0, 1\)"),
                ({"measurement": {"kind": "convolve_noise", "sigma": -0.5}},
                 r"^data\.corruption\.measurement\.sigma: must be >= 0"),
                ({"image_noise": "A", "measurement": {"kind": "block_patch", "patch": 4}},
                 r"^data\.corruption: image_noise and measurement cannot be combined")):
            with self.assertRaisesRegex(ValueError, pattern):
                ic.resolve(self.section(**changes))
