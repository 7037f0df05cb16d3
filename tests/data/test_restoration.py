"""Restore-then-GAN: classical restorations of corrupted training images (scikit-image)."""

import os
import tempfile
from unittest import mock

import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite import config as config_lib
from tfgan_suite import factory
from tfgan_suite.data import restoration
from tfgan_suite.data.image_corruptions import ImageCorruption


def smooth_images(n=8, size=28):
    """Soft blobs in [−1, 1]: what the classical priors (smoothness) expect."""
    grid = np.linspace(-1.0, 1.0, size)
    xx, yy = np.meshgrid(grid, grid)
    images = [np.tanh(3.0 * (0.5 - ((xx - 0.1 * k) ** 2 + yy ** 2))) for k in range(n)]
    return np.stack(images)[..., None].astype(np.float32)


def mse(a, b):
    return float(np.mean((a - b) ** 2))


class RestorationTest(tf.test.TestCase):
    def check_restores(self, corruption, method, border=0):
        """At least halves the error (away from a ``border`` the method cannot fix)."""
        clean = smooth_images()
        corrupted = corruption.apply(clean)
        restored = restoration.restore(corrupted, method, corruption)
        self.assertEqual(restored.shape, clean.shape)
        self.assertEqual(restored.dtype, np.float32)
        self.assertBetween(float(restored.min()), -1.0, 1.0)
        inner = slice(border, 28 - border)
        before = mse(corrupted[:, inner, inner], clean[:, inner, inner])
        after = mse(restored[:, inner, inner], clean[:, inner, inner])
        print(corruption.noise, corruption.measurement, method, f"{before:.4f} -> {after:.4f}",
              f"(whole image {mse(corrupted, clean):.4f} -> {mse(restored, clean):.4f})")
        self.assertLess(after, 0.5 * before)
        self.assertLess(mse(restored, clean), mse(corrupted, clean))

    def test_auto_methods_undo_much_of_each_corruption(self):
        self.check_restores(ImageCorruption(noise="A"), "auto")  # nl_means
        self.check_restores(ImageCorruption(measurement="block_pixels", parameter=0.5),
                            "auto")  # inpaint_biharmonic
        # wiener: the measurement's zero padding biases the outermost pixels
        self.check_restores(ImageCorruption(measurement="convolve_noise", parameter=0.02),
                            "auto", border=4)
        self.check_restores(ImageCorruption(noise="A"), "tv_chambolle")

    def test_auto_picks_by_corruption_and_mismatches_are_refused(self):
        self.assertEqual(restoration.method_for("auto", ImageCorruption(noise="M")), "nl_means")
        self.assertEqual(restoration.method_for(
            "auto", ImageCorruption(measurement="block_patch", parameter=14)),
            "inpaint_biharmonic")
        with self.assertRaisesRegex(ValueError, r"^data\.corruption\.restore: keep_patch"):
            restoration.method_for("auto", ImageCorruption(measurement="keep_patch",
                                                           parameter=14))
        with self.assertRaisesRegex(ValueError, r"^data\.corruption\.restore: unknown value "
                                                r"'median'; accepted: none, auto,"):
            restoration.method_for("median", ImageCorruption(noise="A"))
        with self.assertRaisesRegex(ValueError, r"inpaint_biharmonic needs blocked pixels"):
            restoration.method_for("inpaint_biharmonic", ImageCorruption(noise="A"))
        with self.assertRaisesRegex(ValueError, r"wiener deconvolves"):
            restoration.method_for("wiener", ImageCorruption(noise="A"))
        with self.assertRaisesRegex(ValueError, r"restores corrupted images; set"):
            restoration.method_for("nl_means", ImageCorruption())

    def test_cached_restoration_is_computed_once(self):
        corruption = ImageCorruption(noise="A")
        images = corruption.apply(smooth_images(4))
        directory = tempfile.mkdtemp()
        first = restoration.cached_restore(images, "auto", corruption, {"k": 1}, directory)
        with mock.patch.object(restoration, "restore", side_effect=AssertionError("again")):
            again = restoration.cached_restore(images, "auto", corruption, {"k": 1}, directory)
        self.assertAllEqual(first, again)
        self.assertLen(os.listdir(os.path.join(directory, "restored")), 1)

    @pytest.mark.slow
    def test_training_arrays_are_restored_when_the_config_says_so(self):
        overrides = {"data.name": "digits", "data.image_size": 28,
                     "data.corruption.measurement.kind": "block_pixels",
                     "data.corruption.measurement.p": 0.5}
        measured, _ = factory.training_arrays(config_lib.load(None, overrides))
        with mock.patch.dict(os.environ, {"TFGAN_CACHE_DIR": tempfile.mkdtemp()}):
            config = config_lib.load(None, overrides | {"data.corruption.restore": "auto"})
            restored, _ = factory.training_arrays(config)
            record = factory.corruption_record(config)
        self.assertEqual(record["images"]["restore"], "inpaint_biharmonic")
        self.assertGreater(np.mean(measured == 0.0), 0.4)
        self.assertLess(np.mean(restored == 0.0), 0.05)  # the holes are filled
        with self.assertRaisesRegex(ValueError, r"^data\.corruption\.restore: nl_means "
                                                r"restores corrupted images"):
            factory.image_corruption(config_lib.load(None, {"data.name": "digits",
                                                            "data.corruption.restore":
                                                            "nl_means"}))


class NoiseSigmaTest(tf.test.TestCase):
    def test_immerkaer_estimate_recovers_the_std_of_white_noise_on_smooth_images(self):
        clean = (smooth_images(1)[0] + 1.0) / 2.0
        for sigma in (0.02, 0.1):
            noisy = clean + np.random.default_rng(0).normal(0.0, sigma, clean.shape)
            self.assertAllClose(restoration.noise_sigma(noisy), sigma, rtol=0.25)
        self.assertLess(restoration.noise_sigma(clean), 0.01)
