"""evaluate_run / tfgan eval and EvaluationCallback on tiny toy and digits runs."""

import glob
import json
import math
import os
import shutil
import tempfile
from unittest import mock

import numpy as np
import pytest
import tensorflow as tf

from tests.shared_cache import isolated_cache, use_isolated_cache
from tfgan_suite import cache, cli, data, evaluation, runs
from tfgan_suite import config as config_lib
from tfgan_suite.data import corruptions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAST_TRAIN = ["train.steps_per_execution=10", "train.jit_compile=false", "data.batch_size=32"]
TOY_OVERRIDES = ["generator.hidden_units=[16]", "discriminator.hidden_units=[16]",
                 "train.steps=40", "train.steps_per_epoch=20", "sample.toy_points=200",
                 *FAST_TRAIN]
DIGITS_OVERRIDES = ["data.name=digits", "data.image_size=28", "generator.base_filters=8",
                    "discriminator.base_filters=8", "train.steps=20",
                    "train.steps_per_epoch=10", "sample.grid_size=16", *FAST_TRAIN]


class RealDigitsSampler:
    """A perfect conditional "generator": real digits train images of the requested class."""

    conditional = True
    num_classes = 10

    def __init__(self):
        self.images, self.labels = data.load_arrays("digits", "train")

    def sample(self, n, seed=0, labels=None):
        rng = np.random.default_rng(seed)
        if labels is None:
            return self.images[rng.choice(len(self.images), n)]
        return np.stack([self.images[rng.choice(np.flatnonzero(self.labels == label))]
                         for label in labels])


class ToyEvaluationTest(tf.test.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix="tfgan_eval_toy_")
        cls.run_dir = os.path.join(cls.workdir, "run")
        runs.train(os.path.join(ROOT, "configs", "toy2d.yaml"), out=cls.run_dir,
                   overrides=TOY_OVERRIDES, verbose=0)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.workdir, ignore_errors=True)
        super().tearDownClass()

    def test_toy_run_reports_mode_coverage_merged_into_metrics_json(self):
        result = runs.evaluate_run(self.run_dir, n=300)
        self.assertEqual(result["kind"], "toy")
        self.assertEqual(result["metrics"]["n_modes"], 8)
        for key in ("modes", "hq_fraction", "reverse_kl", "counts"):
            self.assertIn(key, result["metrics"])
        with open(os.path.join(self.run_dir, "metrics.json"), encoding="utf-8") as handle:
            stored = json.load(handle)
        self.assertIn("steps", stored)  # the training summary is kept
        self.assertEqual(stored["evaluation"]["metrics"]["modes"], result["metrics"]["modes"])

    def test_cli_eval_writes_the_requested_file_and_prints_a_summary(self):
        out = os.path.join(self.workdir, "eval.json")
        with mock.patch("builtins.print") as printed:
            status = cli.main(["eval", "--run", self.run_dir, "--out", out, "--n", "200"])
        self.assertEqual(status, 0)
        with open(out, encoding="utf-8") as handle:
            self.assertEqual(json.load(handle)["evaluation"]["n_fake"], 200)
        lines = " ".join(str(call.args[0]) for call in printed.call_args_list)
        self.assertIn(out, lines)
        self.assertIn("modes=", lines)

    def test_cli_eval_of_a_missing_run_is_bad_input(self):
        missing = os.path.join(self.workdir, "no_such_run")
        self.assertEqual(cli.main(["eval", "--run", missing]), cli.EXIT_BAD_INPUT)

    def test_callback_keeps_the_best_checkpoint_and_logs_scalars(self):
        model = runs.load_run(self.run_dir)
        log_dir = os.path.join(self.workdir, "callback_logs")
        best_dir = os.path.join(self.workdir, "best")
        callback = evaluation.EvaluationCallback(model.run_config, log_dir=log_dir,
                                                 best_dir=best_dir, n=200,
                                                 monitor="hq_fraction")
        callback.set_model(model)
        callback.on_epoch_end(0)
        self.assertTrue(tf.train.latest_checkpoint(best_dir) or
                        glob.glob(os.path.join(best_dir, "ckpt*")))
        with open(os.path.join(best_dir, "best.json"), encoding="utf-8") as handle:
            best = json.load(handle)
        self.assertEqual(best["monitor"], "hq_fraction")
        self.assertEqual(best["epoch"], 1)
        callback.on_epoch_end(1)  # same weights, same seed: not an improvement
        with open(os.path.join(best_dir, "best.json"), encoding="utf-8") as handle:
            self.assertEqual(json.load(handle)["epoch"], 1)
        self.assertLen(callback.history, 2)
        self.assertNotEmpty(glob.glob(os.path.join(log_dir, "events.out.tfevents.*")))

    def test_distances_are_lower_is_better_and_scores_higher_is_better(self):
        for name in ("fd_fmnist", "kid_fmnist_mean", "intra_fd_digits_mean", "reverse_kl"):
            self.assertTrue(evaluation.lower_is_better(name), name)
        for name in ("precision_fmnist", "coverage_digits", "modes", "hq_fraction"):
            self.assertFalse(evaluation.lower_is_better(name), name)


@pytest.mark.slow
class DigitsEvaluationTest(tf.test.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix="tfgan_eval_digits_")
        use_isolated_cache(cls, "tfgan_eval_digits_cache_")
        cls.run_dir = os.path.join(cls.workdir, "run")
        runs.train(os.path.join(ROOT, "configs", "dcgan_fashion_mnist.yaml"), out=cls.run_dir,
                   overrides=DIGITS_OVERRIDES, verbose=0)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.workdir, ignore_errors=True)
        super().tearDownClass()

    def test_image_run_gives_finite_feature_space_metrics_named_after_the_space(self):
        result = runs.evaluate_run(self.run_dir, n=500)
        metrics = result["metrics"]
        expected = [f"{name}_{space}" for space in ("digits", "digits_vgg")
                    for name in ("fd", "kid", "precision", "recall", "density", "coverage")]
        expected = [f"{name}_mean" if name.startswith("kid") else name for name in expected]
        expected += ["kid_digits_std", "kid_digits_vgg_std"]
        self.assertCountEqual(metrics, expected)
        for name in expected:
            self.assertTrue(math.isfinite(metrics[name]), f"{name}={metrics[name]}")
        self.assertGreater(metrics["fd_digits"], 0.0)
        # The digits test split has 360 images: min(n, test size) of each.
        self.assertEqual(result["n_real"], 360)
        self.assertEqual(result["n_fake"], 360)
        extractor = result["feature_extractor"]
        self.assertEqual(extractor["name"], "DomainClassifier(digits, 8px)")
        self.assertGreater(extractor["test_accuracy"], 0.85)
        spaces = result["feature_extractors"]
        self.assertEqual(spaces["digits_vgg"]["name"], "DomainClassifier(digits, 8px, vgg)")
        self.assertNotEqual(spaces["digits_vgg"]["key"], spaces["digits"]["key"])

    def test_callback_evaluates_a_subset_of_groups(self):
        model = runs.load_run(self.run_dir)
        callback = evaluation.EvaluationCallback(model.run_config, n=100,
                                                 metrics=("fd", "kid"))
        callback.set_model(model)
        callback.on_epoch_end(0)
        self.assertEqual(callback.monitor, "fd_digits")
        self.assertCountEqual(
            [k for k in callback.history[0] if k not in ("epoch", "step")],
            ["fd_digits", "kid_digits_mean", "kid_digits_std", "fd_digits_vgg",
             "kid_digits_vgg_mean", "kid_digits_vgg_std"])

    def test_one_space_can_be_chosen_and_an_unknown_one_is_rejected(self):
        config = runs.load_run(self.run_dir).run_config
        evaluator = evaluation.Evaluator(config, n=100, spaces=["digits_vgg"])
        self.assertCountEqual(evaluator.evaluate(RealDigitsSampler(), ["fd"]),
                              ["fd_digits_vgg"])
        with self.assertRaisesRegex(ValueError, "accepted: .*'digits_vgg'"):
            evaluation.Evaluator(config, n=100, spaces=["digits_inception"])

    def test_unknown_metric_group_is_rejected_with_the_accepted_ones(self):
        model = runs.load_run(self.run_dir)
        evaluator = evaluation.Evaluator(model.run_config, n=50)
        with self.assertRaisesRegex(ValueError, "accepted: .*'fd'"):
            evaluator.evaluate(model, groups=["fid"])

    def test_conditional_model_gets_gan_test_accuracy_and_intra_class_fd(self):
        config = runs.load_run(self.run_dir).run_config
        evaluator = evaluation.Evaluator(config, n=300)
        metrics = evaluator.evaluate(RealDigitsSampler())
        # Real images of the requested class: accuracy is the classifier's own.
        self.assertGreater(metrics["gan_test_accuracy_digits"], 0.85)
        self.assertLen(metrics["intra_fd_digits"], 10)
        self.assertGreater(metrics["gan_test_accuracy_digits_vgg"], 0.85)
        self.assertAllClose(metrics["intra_fd_digits_mean"],
                            np.mean(list(metrics["intra_fd_digits"].values())))
        self.assertLess(metrics["fd_digits"], 50.0)


class OverlapSampler(RealDigitsSampler):
    """A 10to5 "generator" of probability vectors: real digits of the class whose state it is
    given (``faithful``), or of the argmax class's even original class (blind to mixtures,
    like a model that never learnt the class-mutual images)."""

    num_classes = 5
    label_vectors = True

    def __init__(self, faithful):
        super().__init__()
        self.faithful = faithful
        self.classes, self.states = corruptions.overlap_states("10to5")

    def sample(self, n, seed=0, labels=None):
        if labels is None or np.asarray(labels).ndim != 2:
            return super().sample(n, seed, labels)
        wanted = []
        for row in np.asarray(labels):
            match = np.flatnonzero(np.all(np.isclose(self.states, row), axis=1))
            wanted.append(match[0] if self.faithful else 2 * int(np.argmax(row)))
        return super().sample(n, seed, wanted)


class ClassOverlapEvaluationTest(tf.test.TestCase):
    """Under 10to5 the conditional group is the class-distinct / class-mutual accuracy."""

    def test_dma_scores_the_class_each_state_should_yield(self):
        config = config_lib.load({"model": "cpgan", "data": {
            "name": "digits", "corruption": {"class_overlap": "10to5"}},
            "generator": {"name": "dcgan", "conditional": True,
                          "label_input": "probabilities"},
            "discriminator": {"name": "dcgan", "conditioning": "auxiliary"}})
        evaluator = evaluation.Evaluator(config, n=300, spaces=["digits"])
        faithful = evaluator.evaluate(OverlapSampler(True), groups=["conditional"])
        self.assertEqual(sorted(faithful), ["class_distinct_accuracy_digits",
                                            "class_mutual_accuracy_digits", "dma_digits"])
        self.assertGreater(faithful["dma_digits"], 0.85)  # the classifier's own accuracy
        self.assertAllClose(faithful["dma_digits"], (faithful["class_distinct_accuracy_digits"]
                                                     + faithful["class_mutual_accuracy_digits"])
                            / 2)
        blind = evaluator.evaluate(OverlapSampler(False), groups=["conditional"])
        self.assertGreater(blind["class_distinct_accuracy_digits"], 0.85)
        self.assertLess(blind["class_mutual_accuracy_digits"], 0.1)


class FakeMonotonic:
    """A clock that advances only when told (``advance``)."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.mark.slow
class CurveTest(tf.test.TestCase):
    """Evaluation every N minutes of training time: the quality-versus-time curve."""

    def test_paused_time_is_not_training_time(self):
        from tfgan_suite.callbacks import TrainingClock

        fake = FakeMonotonic()
        with mock.patch("tfgan_suite.callbacks.time.monotonic", fake):
            clock = TrainingClock()
            clock.start()
            fake.advance(10.0)
            with clock.paused():
                fake.advance(7.0)
            fake.advance(5.0)
            self.assertAllClose(clock.elapsed(), 15.0)
            self.assertAllClose(clock.paused_seconds, 7.0)

    def setUp(self):
        super().setUp()
        cache_dir = isolated_cache("tfgan_curve_cache_")
        self.addCleanup(shutil.rmtree, cache_dir, ignore_errors=True)
        environment = mock.patch.dict(os.environ, {cache.CACHE_DIR_ENV: cache_dir})
        environment.start()
        self.addCleanup(environment.stop)

    def test_callback_evaluates_when_due_and_once_at_the_end_with_the_clock_paused(self):
        from tfgan_suite.callbacks import TrainingClock

        model = RealDigitsSampler()
        model.step_counter = tf.Variable(0, dtype=tf.int64)
        model.get_weights = lambda: [np.zeros(1)]
        config = {"data": {"name": "digits"}}
        fake = FakeMonotonic()
        with mock.patch("tfgan_suite.callbacks.time.monotonic", fake):
            clock = TrainingClock()
            callback = evaluation.EvaluationCallback(config, n=100, every_minutes=1.0,
                                                     clock=clock)
            callback.set_model(model)
            clock.start()
            callback.on_train_begin()
            original = callback.evaluator.evaluate

            def slow_evaluate(*args, **kwargs):
                fake.advance(30.0)  # evaluation takes 30 s of wall clock
                return original(*args, **kwargs)

            callback.evaluator.evaluate = slow_evaluate
            for _ in range(5):  # 25 s of training per batch end: due at 60 s and 120 s
                fake.advance(25.0)
                model.step_counter.assign_add(10)
                callback.on_train_batch_end(0)
            callback.on_train_end()
        seconds = [row["train_seconds"] for row in callback.history]
        self.assertEqual([row["step"] for row in callback.history], [30, 50])
        # 75 s and 125 s of training: the evaluations' own 30 s are not counted.
        self.assertAllClose(seconds, [75.0, 125.0])
        self.assertAllClose(clock.paused_seconds, 60.0)
        model.step_counter.assign_add(10)
        with mock.patch("tfgan_suite.callbacks.time.monotonic", fake):
            callback.on_train_end()  # a later step: the final point is added
        self.assertEqual(callback.history[-1]["step"], 60)

    def test_run_with_a_curve_writes_it_to_metrics_json(self):
        workdir = tempfile.mkdtemp(prefix="tfgan_curve_")
        self.addCleanup(shutil.rmtree, workdir, ignore_errors=True)
        run = runs.train(os.path.join(ROOT, "configs", "dcgan_fashion_mnist.yaml"),
                         out=os.path.join(workdir, "run"),
                         overrides=DIGITS_OVERRIDES + ["eval.every_minutes=0.0001",
                                                       "eval.n=100"], verbose=0)
        curve = run.metrics["curve"]
        self.assertNotEmpty(curve)
        self.assertEqual(curve[-1]["step"], run.metrics["steps"])
        self.assertIn("fd_digits_vgg", curve[-1])
        self.assertEqual(sorted(row["train_seconds"] for row in curve),
                         [row["train_seconds"] for row in curve])
        self.assertLessEqual(run.metrics["training_seconds"] + run.metrics["evaluation_seconds"],
                             run.metrics["elapsed_seconds"] + 1e-6)
        self.assertGreater(run.metrics["evaluation_seconds"], 0.0)


def code_sampler(follows):
    """An InfoGAN (codes c1: 10-way, t: a 2 × 5 tree) whose "generator" draws real digits:
    the class is the value of code ``follows`` (c1, or the tree's leaf), the other code
    ignored."""
    from tfgan_suite.gans import InfoGAN
    from tfgan_suite.networks import DCGANDiscriminator, DCGANGenerator

    codes = [{"name": "c1", "kind": "categorical", "size": 10},
             {"name": "t", "kind": "tree", "branching": [2, 5]}]
    model = InfoGAN(DCGANGenerator(latent_dim=4 + 22, image_size=28, base_filters=4),
                    DCGANDiscriminator(image_size=28, base_filters=4, q_width=22), codes=codes)
    images, labels = data.load_arrays("digits", "train")

    def generate(z, block, batch_size):
        classes = np.argmax(block[:, :10] if follows == "c1" else block[:, 12:], axis=1)
        rng = np.random.default_rng(1)
        return np.stack([images[rng.choice(np.flatnonzero(labels == c))] for c in classes])

    object.__setattr__(model, "_generate", generate)
    return model


class CodesEvaluationTest(tf.test.TestCase):
    """The ``codes`` group: NMI of each categorical code (each tree layer) vs the judge."""

    def test_nmi_is_high_for_the_code_that_decides_the_class_and_low_for_the_other(self):
        config = config_lib.load({"model": "infogan", "data": {"name": "digits"}})
        evaluator = evaluation.Evaluator(config, n=300, spaces=["digits"])
        by_c1 = evaluator.evaluate(code_sampler("c1"), groups=["codes"])
        self.assertEqual(sorted(by_c1), ["nmi_c1_digits", "nmi_t_layer1_digits",
                                         "nmi_t_layer2_digits", "nmi_t_layer2_within_digits"])
        self.assertGreater(by_c1["nmi_c1_digits"], 0.8)
        self.assertLess(by_c1["nmi_t_layer2_digits"], 0.1)
        by_tree = evaluator.evaluate(code_sampler("t"), groups=["codes"])
        self.assertGreater(by_tree["nmi_t_layer2_digits"], 0.8)
        self.assertLess(by_tree["nmi_c1_digits"], 0.1)
        # layer 1 splits the classes 0-4 / 5-9: NMI = log 2 / ((log 2 + log 10) / 2) ≈ 0.46
        self.assertAllClose(by_tree["nmi_t_layer1_digits"], 0.46, atol=0.08)
        # within each first-layer node the child decides the class
        self.assertGreater(by_tree["nmi_t_layer2_within_digits"], 0.8)
        self.assertLess(by_c1["nmi_t_layer2_within_digits"], 0.15)
