"""The control benchmark's rows and bars (tools/bench_control.py)."""

import os
import sys
import tempfile

import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

import bench_control as bench  # noqa: E402

from tfgan_suite import config as config_lib  # noqa: E402


def row(name, seed, **metrics):
    values = {f"{k}_{s}": v for k, v in metrics.items() for s in ("fmnist", "fmnist_vgg")}
    return {"group": name, "setting": "s", "name": name, "seed": seed, "steps": 5,
            "metrics": values, "git_revision": "abc", "date": "d", "grid": "g.png"}


class ControlBenchTest(tf.test.TestCase):
    def test_every_row_resolves_and_lambda_zero_zeroes_every_weight(self):
        for spec in bench.ROWS:
            config = config_lib.load(os.path.join(bench.ROOT, "configs", spec["recipe"]),
                                     list(spec["overrides"]))
            self.assertEqual(config["model"], spec["name"].split("_")[0])
        config = config_lib.load(os.path.join(bench.ROOT, "configs",
                                              "infogan_fashion_mnist.yaml"), [bench.LAMBDA0])
        self.assertEqual([c["weight"] for c in config["infogan"]["codes"]], [0.0, 0.0])

    def test_bars_need_three_seeds_and_the_markdown_shows_them(self):
        rows = [row("infogan", s, nmi_c1=0.6, fd=10.0) for s in range(3)]
        rows += [row("cfgan", s, toggle_accuracy=0.95, nmi_tops=0.2, nmi_footwear=0.5)
                 for s in range(2)]
        verdicts = {(v["model"], v["rule"], v["space"]): v["meets"]
                    for v in bench.summarise(rows)["verdicts"]}
        self.assertTrue(verdicts[("infogan", "NMI(c1, class) ≥ 0.5", "fmnist")])
        self.assertFalse(verdicts[("cfgan", "toggle accuracy ≥ 90 %", "fmnist")])  # 2 seeds
        directory = tempfile.mkdtemp()
        bench.write_markdown({"command": "c", "git_revision": "r", "machine": "m",
                              "tensorflow": "t", "date": "d", "minutes": 10, "parallel": 2,
                              "kmeans": {"fmnist": 0.61}}, rows, directory)
        with open(os.path.join(directory, "control.md"), encoding="utf-8") as handle:
            text = handle.read()
        self.assertIn("| infogan | NMI(c1, class) ≥ 0.5 | fmnist | 0.600 ± 0.000 | 3 | "
                      "**meets** |", text)
        self.assertIn("fmnist 0.610", text)

    def test_every_row_draws_a_control_grid_and_interpolation_strips(self):
        from tfgan_suite import factory

        shapes = {"infogan": [(80, 28, 28, 1), (48, 28, 28, 1), (48, 28, 28, 1)],
                  "cfgan": [(64, 28, 28, 1), (48, 28, 28, 1)],
                  "dtlcgan": [(160, 28, 28, 1), (48, 28, 28, 1)]}
        for spec in [bench.ROWS[i] for i in (0, 2, 3, 4)]:  # all but infogan_lambda0
            config = config_lib.load(
                os.path.join(bench.ROOT, "configs", spec["recipe"]),
                list(spec["overrides"]) + ["generator.base_filters=8",
                                           "discriminator.base_filters=8"])
            model = factory.build_gan(config)
            pictures = bench.pictures_of(spec["name"], model)
            self.assertEqual([images.shape for _, _, images, _ in pictures],
                             shapes[spec["name"].split("_")[0]], spec["name"])
            self.assertEqual({columns for *_, columns in pictures}, {8})
            self.assertEqual(pictures[-1][0], "slerp_z")
