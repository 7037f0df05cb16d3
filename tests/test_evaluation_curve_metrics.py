"""Evaluation during training computes the conditional metrics the 60-minute campaigns of
issue #45 follow (evaluation.EvaluationCallback with ``eval.metrics: [fd, conditional]``):
class-distinct / mutual accuracy under class overlap, GAN-test and intra-FD under label
noise, at every point of the quality-versus-time curve."""

import os
import shutil
import tempfile
from unittest import mock

import tensorflow as tf

from tests.shared_cache import use_isolated_cache
from tfgan_suite import evaluation, runs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["data.name=digits", "data.image_size=28", "generator.base_filters=8",
        "discriminator.base_filters=8", "train.steps=20", "train.steps_per_epoch=10",
        "train.steps_per_execution=10", "train.jit_compile=false", "data.batch_size=32",
        "sample.grid_size=16", "eval.every_minutes=0.0001", "eval.n=100",
        "eval.metrics=[fd,conditional]"]


class ConditionalCurveTest(tf.test.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix="tfgan_curve_metrics_")
        use_isolated_cache(cls, "tfgan_curve_metrics_cache_")
        # The primary space only: every space is measured by the same code
        # (tests/test_evaluation.py), and one space halves the curve's evaluations.
        primary = evaluation.feature_spaces

        def primary_only(dataset):
            return dict(list(primary(dataset).items())[:1])

        cls.spaces = mock.patch.object(evaluation, "feature_spaces", primary_only)
        cls.spaces.start()

    @classmethod
    def tearDownClass(cls):
        cls.spaces.stop()
        shutil.rmtree(cls.workdir, ignore_errors=True)
        super().tearDownClass()

    def curve(self, recipe: str, out: str) -> list[dict]:
        run = runs.train(os.path.join(ROOT, "configs", recipe),
                         out=os.path.join(self.workdir, out), overrides=TINY, verbose=0)
        curve = run.metrics["curve"]
        self.assertNotEmpty(curve)
        self.assertEqual(curve[-1]["step"], run.metrics["steps"])
        return curve

    def test_class_overlap_curve_has_class_distinct_and_mutual_accuracy(self):
        for point in self.curve("cpgan_fashion_mnist_10to5.yaml", "cpgan"):
            for metric in ("fd", "dma", "class_distinct_accuracy", "class_mutual_accuracy"):
                self.assertIn(f"{metric}_digits", point)
            self.assertAllInRange(point["dma_digits"], 0.0, 1.0)

    def test_label_noise_curve_has_gan_test_and_the_mean_intra_fd(self):
        for point in self.curve("acgan_fashion_mnist_noisy.yaml", "acgan"):
            self.assertAllInRange(point["gan_test_accuracy_digits"], 0.0, 1.0)
            self.assertGreater(point["intra_fd_digits_mean"], 0.0)
            # Per-class intra-FD is a mapping, not a scalar: the curve keeps the mean.
            self.assertNotIn("intra_fd_digits", point)
