"""The imperfect-images benchmark's rows and verdicts (tools/bench_imperfect_images.py)."""

import os
import sys
import tempfile

import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

import bench_imperfect_images as bench  # noqa: E402

from tfgan_suite import config as config_lib  # noqa: E402


def row(group, name, seed, fd):
    return {"group": group, "setting": group, "name": name, "seed": seed, "steps": 10,
            "metrics": {"fd_fmnist": fd, "fd_fmnist_vgg": fd}, "git_revision": "abc",
            "date": "d", "grid": "g.png"}


class RowsTest(tf.test.TestCase):
    def test_every_row_resolves_and_poisson_rows_blur_the_discriminator_input(self):
        for spec in bench.ROWS:
            config = config_lib.load(config_lib.read_yaml(
                os.path.join(bench.ROOT, "configs", spec["recipe"])), list(spec["overrides"]))
            corruption = config["data"]["corruption"]
            self.assertTrue(corruption["image_noise"] != "none"
                            or corruption["measurement"]["kind"] != "none", spec)
            self.assertEqual(config["generator"]["base_filters"], 64)  # same networks
            self.assertEqual(config["discriminator"].get("input_blur", False),
                             spec["group"] == "noise_M", spec)
        self.assertEqual({bench.BEST_NRGAN[k] for k in "AGIM"},
                         {"nrgan_si1", "nrgan_si2", "nrgan_sd2"})


class LongerBudgetTest(tf.test.TestCase):
    def test_the_3x_group_repeats_noise_a_rows_at_three_times_the_budget(self):
        noise_a = {r["name"]: r for r in bench.ROWS if r["group"] == "noise_A"}
        longer = [r for r in bench.ROWS if r["group"] == "noise_A_3x"]
        self.assertEqual([r["name"] for r in longer], ["gan", "ambientgan", "nrgan_si1"])
        for spec in longer:
            self.assertEqual(spec["budget"], 3)
            self.assertEqual(spec["recipe"], noise_a[spec["name"]]["recipe"])
            self.assertEqual(spec["overrides"], noise_a[spec["name"]]["overrides"])
            self.assertNotIn("budget", noise_a[spec["name"]])
        self.assertIn("noise_A_3x", bench.GROUPS)

    def test_the_3x_group_is_judged_by_noise_a_bars_and_lists_its_minutes(self):
        rows = [row("noise_A_3x", name, s, fd + s) | {"minutes": 30}
                for name, fd in (("gan", 50.0), ("ambientgan", 30.0), ("nrgan_si1", 20.0))
                for s in range(2)]
        verdicts = {(v["baseline"], v["metric"]): v for v in bench.summarise(rows)["verdicts"]
                    if v["group"] == "noise_A_3x"}
        self.assertEqual(len(verdicts), 4)  # two bars × two spaces
        self.assertAllClose(verdicts[("gan", "fd_fmnist")]["ratio"], 20.5 / 50.5)
        directory = tempfile.mkdtemp()
        bench.write_markdown({"command": "c", "git_revision": "r", "machine": "m",
                              "tensorflow": "t", "date": "d", "minutes": 10, "parallel": 2},
                             rows, directory)
        with open(os.path.join(directory, "imperfect_images.md"), encoding="utf-8") as handle:
            self.assertIn("| noise_A_3x | nrgan_si1 | 1 | 30 | 10 | abc | d |", handle.read())


class VerdictTest(tf.test.TestCase):
    def test_bars_need_two_seeds_and_two_combined_standard_errors(self):
        rows = ([row("noise_A", "nrgan_si1", s, fd) for s, fd in enumerate((10.0, 12.0))]
                + [row("noise_A", "gan", s, fd) for s, fd in enumerate((40.0, 44.0))]
                + [row("noise_A", "ambientgan", s, fd) for s, fd in enumerate((7.0, 9.0))]
                + [row("convolve_noise", "ambientgan", 0, 5.0),
                   row("convolve_noise", "gan", 0, 50.0)])
        verdicts = {(v["group"], v["baseline"], v["metric"]): v
                    for v in bench.summarise(rows)["verdicts"]}
        # 0.5·42 − 11 = 10 ≥ 2·√(1² + (0.5·2)²) = 2.83
        self.assertTrue(verdicts[("noise_A", "gan", "fd_fmnist")]["meets"])
        # 1.5·8 − 11 = 1 < 2·√(1² + 1.5²) = 3.61
        self.assertFalse(verdicts[("noise_A", "ambientgan", "fd_fmnist")]["meets"])
        self.assertAllClose(verdicts[("noise_A", "ambientgan", "fd_fmnist")]["ratio"], 11 / 8)
        # one seed: never meets, however large the gap
        self.assertFalse(verdicts[("convolve_noise", "gan", "fd_fmnist")]["meets"])

    def test_markdown_lists_verdicts_rows_and_runs(self):
        rows = [row("block_pixels_0.8", name, s, 10.0 + s)
                for name in ("gan", "ambientgan", "restore") for s in range(2)]
        directory = tempfile.mkdtemp()
        bench.write_markdown({"command": "c", "git_revision": "r", "machine": "m",
                              "tensorflow": "t", "date": "d", "minutes": 10, "parallel": 2},
                             rows, directory)
        with open(os.path.join(directory, "imperfect_images.md"), encoding="utf-8") as handle:
            text = handle.read()
        self.assertIn("| block_pixels_0.8 | ambientgan | gan | FD ≤ 0.5 × GAN | fmnist |", text)
        self.assertEqual(text.count("| block_pixels_0.8 | block_pixels_0.8 |"), 3)
        for seed in range(2):  # the runs, with the campaign's minutes for rows without theirs
            self.assertIn(f"| block_pixels_0.8 | restore | {seed} | 10 | 10 | abc | d |", text)

    def test_ambientgan_against_restore_is_met_by_one_measurement_in_both_spaces(self):
        def page(fd_ambient):
            rows = [row("block_patch_14", name, s, fd + s)
                    for name, fd in (("gan", 40.0), ("ambientgan", fd_ambient),
                                     ("restore", 20.0)) for s in range(2)]
            directory = tempfile.mkdtemp()
            bench.write_markdown({"command": "c", "git_revision": "r", "machine": "m",
                                  "tensorflow": "t", "date": "d", "minutes": 10,
                                  "parallel": 2}, rows, directory)
            with open(os.path.join(directory, "imperfect_images.md"),
                      encoding="utf-8") as handle:
                return handle.read()

        # 20 − 10 = 10 > 2·√(0.5² + 0.5²) = 1.41: met; 20 − 19.5 = 0.5 is not.
        self.assertIn("at least one measurement: **met** (block_patch_14)", page(10.0))
        self.assertIn("at least one measurement: missed (of block_patch_14)", page(19.5))
