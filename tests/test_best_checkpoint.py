"""eval.keep_best: the best checkpoint is kept across resumes and loaded by default."""

import json
import os
import shutil
import tempfile
from unittest import mock

import numpy as np
import tensorflow as tf

from tfgan_suite import cli, evaluation, runs
from tfgan_suite import config as config_lib
from tfgan_suite.arguments import cli_words

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOY = os.path.join(ROOT, "configs", "toy2d.yaml")
OVERRIDES = ["generator.hidden_units=[16]", "discriminator.hidden_units=[16]",
             "train.steps=60", "train.steps_per_epoch=20", "sample.toy_points=200",
             "train.steps_per_execution=10", "train.jit_compile=false", "data.batch_size=32",
             "eval.every_epochs=1", "eval.keep_best=hq_fraction"]


class ScriptedEvaluator:
    """Returns the next of ``values`` as ``hq_fraction`` at each evaluation."""

    default_monitor = "hq_fraction"
    mixture = None

    def __init__(self, values):
        self.values = list(values)

    def evaluate(self, model, groups):
        return {"hq_fraction": self.values.pop(0)}


def _train(out, values, overrides=(), resume=False):
    with mock.patch.object(evaluation, "make_evaluator",
                           lambda *args, **kwargs: ScriptedEvaluator(values)):
        return runs.train(None if resume else TOY, out, overrides=OVERRIDES + list(overrides),
                          resume=resume, verbose=0)


class KeepBestTest(tf.test.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix="tfgan_best_")
        cls.run_dir = os.path.join(cls.workdir, "run")
        # Epoch 2 (step 40) is the best; the run stops at 40, then resumes to 60 where the
        # third evaluation is worse than the kept one.
        _train(cls.run_dir, [0.2, 0.9], overrides=["train.steps=40"])
        _train(cls.run_dir, [0.5], overrides=["train.steps=60"], resume=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.workdir, ignore_errors=True)
        super().tearDownClass()

    def test_a_resumed_run_keeps_the_best_of_every_session(self):
        kept = runs.best_checkpoint(self.run_dir)
        self.assertEqual((kept["monitor"], kept["value"], kept["step"]), ("hq_fraction", 0.9, 40))

    def test_auto_loads_the_best_and_latest_the_last_checkpoint(self):
        best = runs.load_run(self.run_dir)
        latest = runs.load_run(self.run_dir, checkpoint="latest")
        self.assertEqual(best.loaded_checkpoint["kind"], "best")
        self.assertEqual(int(best.step_counter.numpy()), 40)
        self.assertEqual(int(latest.step_counter.numpy()), 60)
        # Different weights, so different samples from the same seed.
        self.assertNotAllClose(best.sample(16, seed=0), latest.sample(16, seed=0))
        self.assertAllClose(best.sample(16, seed=0),
                            runs.load_run(self.run_dir, checkpoint="best").sample(16, seed=0))

    def test_cli_sample_and_eval_use_the_best_by_default(self):
        out = os.path.join(self.workdir, "samples.npy")
        self.assertEqual(cli.main(["sample", "--run", self.run_dir, "--n", "8", "--out", out]), 0)
        best = runs.load_run(self.run_dir, checkpoint="best")
        self.assertAllClose(np.load(out), best.sample(8, seed=0))
        self.assertEqual(cli.main(["sample", "--run", self.run_dir, "--n", "8", "--out", out,
                                   "--checkpoint", "latest"]), 0)
        self.assertNotAllClose(np.load(out), best.sample(8, seed=0))
        result = runs.evaluate_run(self.run_dir, n=200)
        self.assertEqual((result["checkpoint"], result["step"]), ("best", 40))

    def test_without_keep_best_the_latest_is_loaded_and_best_is_refused_when_absent(self):
        run_dir = os.path.join(self.workdir, "plain")
        runs.train(TOY, run_dir, overrides=OVERRIDES[:8] + ["train.steps=20"], verbose=0)
        model = runs.load_run(run_dir)
        self.assertEqual(model.loaded_checkpoint["kind"], "latest")
        # Python callers read the argument's Python name; the CLI its flag.
        with self.assertRaisesRegex(runs.RunError, "^checkpoint=: .* kept no best"):
            runs.load_run(run_dir, checkpoint="best")
        with self.assertRaisesRegex(ValueError, "^checkpoint=: expected one of auto, best"):
            runs.load_run(run_dir, checkpoint="first")
        with cli_words(), self.assertRaisesRegex(ValueError, "^--checkpoint: expected one of"):
            runs.load_run(run_dir, checkpoint="first")

    def test_keep_best_needs_evaluations_and_agrees_with_monitor(self):
        with self.assertRaisesRegex(config_lib.ConfigError,
                                    "eval.keep_best: 'fd_fmnist' needs evaluations"):
            config_lib.load(None, ["eval.keep_best=fd_fmnist"])
        with self.assertRaisesRegex(config_lib.ConfigError, "differs from eval.monitor"):
            config_lib.load(None, ["eval.keep_best=fd_fmnist", "eval.every_epochs=1",
                                   "eval.monitor=kid_fmnist"])
        loaded = config_lib.load(None, ["eval.keep_best=fd_fmnist", "eval.every_epochs=1"])
        self.assertEqual(loaded["eval"]["keep_best"], "fd_fmnist")

    def test_best_json_records_the_step_of_the_kept_weights(self):
        with open(os.path.join(self.run_dir, "best", "best.json"), encoding="utf-8") as handle:
            self.assertEqual(json.load(handle)["epoch"], 2)
