"""Translation scores (metrics/translation.py)."""

import numpy as np
import tensorflow as tf

from tfgan_suite.metrics import translation


class FakeClassifier:
    """Labels an image by its mean brightness: class 1 when bright."""

    image_size = 28

    def accuracy(self, images, labels):
        assert images.shape[1] == 28, images.shape
        predicted = (images.mean(axis=(1, 2, 3)) > 0).astype(np.int32)
        return float(np.mean(predicted == labels))


class TranslationScoresTest(tf.test.TestCase):
    def test_exact_outputs_score_perfectly_and_opposites_worst(self):
        rng = np.random.default_rng(0)
        truth = rng.uniform(-1, 1, [3, 32, 32, 1]).astype(np.float32)
        self.assertEqual(translation.l1(truth, truth), 0.0)
        self.assertAllClose(translation.ssim(truth, truth), 1.0)
        black, white = -np.ones([2, 32, 32, 1]), np.ones([2, 32, 32, 1])
        self.assertEqual(translation.l1(black, white), 1.0)
        self.assertLess(translation.ssim(truth, -truth), 0.0)  # anti-correlated structure
        self.assertAllClose(translation.l1(truth + 0.2, truth), 0.1, atol=1e-6)
        with self.assertRaisesRegex(ValueError, "the same \\[N, H, W, C\\] shape"):
            translation.l1(truth, truth[:2])

    def test_class_preservation_crops_the_padding_not_resizes(self):
        images = -np.ones([4, 32, 32, 1], np.float32)
        images[:2, 2:30, 2:30] = 1.0  # two bright garments, padded with black
        self.assertEqual(translation.crop_centre(images, 28).shape, (4, 28, 28, 1))
        self.assertEqual(translation.class_preserved(FakeClassifier(), images, [1, 1, 0, 0]),
                         1.0)
        self.assertEqual(translation.class_preserved(FakeClassifier(), images, [0, 1, 0, 1]),
                         0.5)
        with self.assertRaisesRegex(ValueError, "side: 40 px is larger"):
            translation.crop_centre(images, 40)
