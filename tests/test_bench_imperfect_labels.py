"""The imperfect-labels benchmark's verdicts (tools/bench_imperfect_labels.py)."""

import os
import sys
import tempfile

import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

import bench_imperfect_labels as bench  # noqa: E402

from tfgan_suite import config as config_lib  # noqa: E402


def row(group, setting, name, seed, **metrics):
    values = {}
    for key, value in metrics.items():
        values[f"{key}_fmnist"] = value
        values[f"{key}_fmnist_vgg"] = value
    return {"group": group, "setting": setting, "name": name, "seed": seed, "steps": 10,
            "metrics": values, "git_revision": "abc", "date": "d", "grid": "g.png"}


class RowsTest(tf.test.TestCase):
    def test_every_row_resolves_and_the_label_free_row_uses_no_label(self):
        for spec in bench.ROWS:
            config = config_lib.load(config_lib.read_yaml(
                os.path.join(bench.ROOT, "configs", spec["recipe"])), list(spec["overrides"]))
            self.assertEqual(config["generator"]["base_filters"], 32, spec)  # same networks
            if spec["name"] == "ssgan_no_labels":
                self.assertEqual(config["model"], "ssgan")
                self.assertFalse(config["generator"]["conditional"])
                self.assertEqual(config["discriminator"]["conditioning"], "none")
                self.assertEqual(config["data"]["corruption"]["label_fraction"], 1.0)


class VerdictTest(tf.test.TestCase):
    def test_a_model_beats_its_baseline_only_by_more_than_two_combined_standard_errors(self):
        rows = ([row("symmetric", "symmetric μ=0.5", "racgan", s, gan_test_accuracy=a)
                 for s, a in enumerate((0.80, 0.82, 0.84))]
                + [row("symmetric", "symmetric μ=0.5", "acgan", s, gan_test_accuracy=a)
                   for s, a in enumerate((0.60, 0.62, 0.64))]
                + [row("symmetric", "symmetric μ=0.5", "rcgan", s, gan_test_accuracy=a)
                   for s, a in enumerate((0.70, 0.60, 0.80))]
                + [row("symmetric", "symmetric μ=0.5", "cgan", s, gan_test_accuracy=a)
                   for s, a in enumerate((0.65, 0.55, 0.75))])
        verdicts = {(v["model"], v["metric"]): v for v in bench.summarise(rows)["verdicts"]}
        racgan = verdicts[("racgan", "gan_test_accuracy_fmnist")]
        self.assertAllClose(racgan["gain"], 0.20)
        self.assertTrue(racgan["beats"])        # 0.20 > 2·√(2·0.01155²) = 0.033
        rcgan = verdicts[("rcgan", "gan_test_accuracy_fmnist")]
        self.assertAllClose(rcgan["gain"], 0.05)
        self.assertFalse(rcgan["beats"])        # 0.05 < 2·√(2·0.0577²) = 0.163

    def test_lower_is_better_for_fd_and_one_seed_never_beats(self):
        rows = [row("fraction", "10 % labels", "s3gan", 0, fd=10.0, gan_test_accuracy=0.9),
                row("fraction", "10 % labels", "projection_10pct", 0, fd=20.0,
                    gan_test_accuracy=0.5)]
        verdicts = {v["metric"]: v for v in bench.summarise(rows)["verdicts"]}
        self.assertAllClose(verdicts["fd_fmnist"]["gain"], 10.0)
        self.assertFalse(verdicts["fd_fmnist"]["beats"])  # one seed: no standard error

    def test_markdown_renders_every_row(self):
        rows = [row("overlap", "10to5", name, s, dma=0.5 + 0.1 * s, fd=3.0)
                for name in ("cpgan", "acgan", "cgan") for s in range(2)]
        directory = tempfile.mkdtemp()
        bench.write_markdown({"command": "c", "git_revision": "r", "machine": "m",
                              "tensorflow": "t", "date": "d", "minutes": 10, "parallel": 2},
                             rows, directory)
        with open(os.path.join(directory, "imperfect_labels.md"), encoding="utf-8") as handle:
            text = handle.read()
        self.assertIn("| 10to5 | cpgan | acgan | dma_fmnist |", text)
        self.assertEqual(text.count("| overlap | 10to5 |"), 3 + 6)  # 3 summary + 6 runs

    def test_s3gan_is_judged_against_both_fraction_baselines_across_their_settings(self):
        rows = ([row("fraction", "10 % labels", "s3gan", s, fd=10.0 + s, gan_test_accuracy=0.9)
                 for s in range(2)]
                + [row("fraction", "10 % labels", "projection_10pct", s, fd=30.0 + s,
                       gan_test_accuracy=0.5) for s in range(2)]
                # The label-free row has FD only: no GAN-test verdict against it.
                + [row("fraction", "no labels", "ssgan_no_labels", s, fd=10.5 + s)
                   for s in range(2)])
        verdicts = {(v["baseline"], v["metric"]): v for v in bench.summarise(rows)["verdicts"]}
        self.assertTrue(verdicts[("projection_10pct", "fd_fmnist")]["beats"])
        self.assertTrue(verdicts[("projection_10pct", "gan_test_accuracy_fmnist")]["beats"])
        self.assertFalse(verdicts[("ssgan_no_labels", "fd_fmnist")]["beats"])  # 0.5 < 1.41
        self.assertAllClose(verdicts[("ssgan_no_labels", "fd_fmnist")]["gain"], 0.5)
        self.assertNotIn(("ssgan_no_labels", "gan_test_accuracy_fmnist"), verdicts)
