"""The resolution benchmark's rows and bars (tools/bench_resolution.py)."""

import os
import sys
import tempfile

import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

import bench_resolution as bench  # noqa: E402

from tfgan_suite import config as config_lib  # noqa: E402


def row(group, name, fd):
    prefix = bench.PREFIX[group]
    metrics = {f"fd_{prefix}": fd, f"fd_{prefix}_vgg": fd + 1.0,
               f"precision_{prefix}": 0.5, f"precision_{prefix}_vgg": 0.4}
    return {"group": group, "setting": "s", "name": name, "seed": 0, "steps": 100,
            "steps_per_second": 2.0, "metrics": metrics, "git_revision": "abc", "date": "d",
            "grid": "g.png", "batch_size": 32, "jit_compile": False}


class ResolutionBenchTest(tf.test.TestCase):
    def test_every_row_resolves_to_its_model_dataset_and_size(self):
        for spec in bench.ROWS:
            config = config_lib.load(os.path.join(bench.ROOT, "configs", spec["recipe"]),
                                     list(spec["overrides"]))
            glyphs = spec["group"] == bench.GLYPHS
            self.assertEqual(config["data"]["name"], "glyphs" if glyphs else "fashion_mnist")
            self.assertEqual(config["data"]["image_size"], 64 if glyphs else 32)
            self.assertEqual(config["model"], "gan" if spec["name"] == "dcgan" else spec["name"])
            if spec["name"] != "dcgan":
                self.assertEqual(len(config["generator"]["filters"]), 5 if glyphs else 4)

    def test_bars_and_markdown(self):
        rows = [row(bench.GROUP, "stylegan", 25.0), row(bench.GROUP, "msggan", 40.0),
                row(bench.GLYPHS, "dcgan", 30.0), row(bench.GLYPHS, "stylegan2", 20.0),
                row(bench.GLYPHS, "msggan", 35.0)]
        verdicts = {(v["rule"], v["model"]): v["meets"]
                    for v in bench.summarise(rows)["verdicts"]}
        self.assertEqual(verdicts, {("FD_fmnist ≤ 32", "stylegan"): True,
                                    ("FD_fmnist ≤ 32", "msggan"): False,
                                    ("best FD_glyphs below dcgan's (30.00)", "stylegan2"): True})
        directory = tempfile.mkdtemp()
        bench.write_markdown({"command": "c", "git_revision": "r", "machine": "m",
                              "tensorflow": "t", "date": "d", "minutes": 30, "parallel": 2,
                              "speed": {"note": "n", "rows": {"stylegan": {"xla": 100,
                                                                           "no_xla": 50}}}},
                             rows, directory)
        with open(os.path.join(directory, "resolution.md"), encoding="utf-8") as handle:
            text = handle.read()
        self.assertIn("| FD_fmnist ≤ 32 | stylegan | 25.00 ± 0.00 | 1 | **meets** |", text)
        self.assertIn("| FD_fmnist ≤ 32 | msggan | 40.00 ± 0.00 | 1 | missed |", text)
        self.assertIn("| fmnist32 | stylegan | 1 | 100 | 64 | no | 25.00 ± 0.00 | 26.00 ± "
                      "0.00 |", text)
        self.assertIn("| glyphs64 | stylegan2 | 1 | 100 | 64 | no | 20.00 ± 0.00 |", text)
        self.assertIn("| stylegan | 100 | 50 | 2.00 | no XLA |", text)  # the recipe's choice
