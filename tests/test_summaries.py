"""TensorBoard summaries of a run, read back from its event files: the config as text and as
hparams, learning rates, final metrics, eval scalars and per-epoch image grids; and the
run's provenance.json."""

import glob
import json
import math
import os
import shutil
import tempfile

import tensorflow as tf
import yaml
from tensorboard.plugins.hparams import plugin_data_pb2

from tfgan_suite import callbacks, runs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OVERRIDES = ["generator.hidden_units=[16]", "discriminator.hidden_units=[16]",
             "train.steps=40", "train.steps_per_epoch=20", "sample.toy_points=200",
             "train.steps_per_execution=10", "train.jit_compile=false", "data.batch_size=32",
             "eval.every_epochs=1", "eval.n=200", "train.g_learning_rate=0.0003"]


def read_events(directory: str) -> list:
    """(tag, step, plugin name, summary value) of every value in ``directory``'s own event
    files (not its sub-directories)."""
    found = []
    for path in sorted(glob.glob(os.path.join(directory, "events.out.tfevents.*"))):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                found.append((value.tag, event.step, value.metadata.plugin_data.plugin_name,
                              value))
    return found


class RunSummariesTest(tf.test.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix="tfgan_summaries_")
        cls.run_dir = os.path.join(cls.workdir, "toy_run")
        cls.trained = runs.train(os.path.join(ROOT, "configs", "toy2d.yaml"), cls.run_dir,
                             overrides=OVERRIDES, verbose=0)
        cls.events = read_events(os.path.join(cls.run_dir, "logs"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.workdir, ignore_errors=True)
        super().tearDownClass()

    def values(self, tag):
        return [(step, value) for name, step, _, value in self.events if name == tag]

    def test_config_is_a_text_summary_that_parses_back_to_the_config(self):
        (step, value), = self.values("config")
        self.assertEqual(step, 0)
        text = tf.make_ndarray(value.tensor).item().decode()
        self.assertTrue(text.startswith("```\n") and text.endswith("```"))
        self.assertEqual(yaml.safe_load(text.strip("`\n")), self.trained.config)

    def test_hparams_session_holds_the_flattened_config(self):
        data = [plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content)
                for _, _, plugin, value in self.events if plugin == "hparams"]
        starts = [d.session_start_info for d in data if d.HasField("session_start_info")]
        self.assertLen(starts, 1)
        hparams = starts[0].hparams
        self.assertEqual(hparams["train.steps"].number_value, 40)
        self.assertEqual(hparams["model"].string_value, self.trained.config["model"])
        self.assertEqual(hparams["generator.hidden_units"].string_value, "[16]")
        self.assertEqual(starts[0].group_name, "toy_run")

    def test_hparams_experiment_lists_final_and_eval_metrics(self):
        data = [plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content)
                for _, _, plugin, value in self.events if plugin == "hparams"]
        experiment, = [d.experiment for d in data if d.HasField("experiment")]
        metrics = {(m.name.group, m.name.tag) for m in experiment.metric_infos}
        self.assertIn(("", "final/d_loss"), metrics)
        self.assertIn(("eval", "eval/modes"), metrics)
        self.assertIn("train.g_learning_rate", {h.name for h in experiment.hparam_infos})
        final = dict((step, tf.make_ndarray(v.tensor).item()) for step, v in
                     self.values("final/d_loss"))
        self.assertAllClose(final[40], self.trained.metrics["losses"]["d_loss"], rtol=1e-5)
        eval_steps = [step for name, step, _, _ in read_events(
            os.path.join(self.run_dir, "logs", "eval")) if name == "eval/modes"]
        self.assertEqual(eval_steps, [20, 40])

    def test_learning_rates_are_logged_at_each_epoch_along_the_schedule(self):
        rates = {step: float(tf.make_ndarray(v.tensor)) for step, v in self.values("lr/g")}
        self.assertEqual(sorted(rates), [20, 40])
        self.assertEqual(self.trained.config["train"]["lr_schedule"], "cosine")  # toy2d.yaml
        cosine = [3e-4 * 0.5 * (1.0 + math.cos(math.pi * step / 40)) for step in (20, 40)]
        self.assertAllClose([rates[20], rates[40]], cosine, atol=1e-9)
        self.assertLen(self.values("lr/d"), 2)

    def test_sample_grids_are_image_summaries_per_epoch(self):
        images = [(step, value) for tag, step, plugin, value in read_events(
            os.path.join(self.run_dir, "logs", "samples")) if plugin == "images"]
        self.assertEqual([step for step, _ in images], [20, 40])
        width, height, png = tf.make_ndarray(images[0][1].tensor)
        decoded = tf.io.decode_png(png)
        self.assertEqual(decoded.shape[:2], (int(height), int(width)))

    def test_provenance_records_each_session(self):
        with open(os.path.join(self.run_dir, "provenance.json"), encoding="utf-8") as handle:
            sessions = json.load(handle)
        self.assertLen(sessions, 1)
        self.assertEqual(sessions[0]["start_step"], 0)
        self.assertEqual(sessions[0]["tensorflow"], tf.__version__)
        for key in ("started", "revision", "machine", "keras"):
            self.assertIn(key, sessions[0])


class HparamsOfTest(tf.test.TestCase):

    def test_nested_values_flatten_to_tensorboard_types(self):
        flat = callbacks.hparams_of({"a": {"b": 1, "c": None, "d": [1, 2], "e": {}},
                                     "f": True, "g": "x", "h": 0.5})
        self.assertEqual(flat, {"a.b": 1, "a.c": "null", "a.d": "[1, 2]", "a.e": "{}",
                                "f": True, "g": "x", "h": 0.5})
