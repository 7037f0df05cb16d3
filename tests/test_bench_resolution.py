"""The resolution benchmark's rows and bar (tools/bench_resolution.py)."""

import os
import sys
import tempfile

import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

import bench_resolution as bench  # noqa: E402

from tfgan_suite import config as config_lib  # noqa: E402


def row(name, seed, fd):
    metrics = {f"{k}_{s}": v for k, v in (("fd", fd), ("precision", 0.5))
               for s in ("fmnist", "fmnist_vgg")}
    return {"group": bench.GROUP, "setting": "32 px", "name": name, "seed": seed,
            "steps": 100, "steps_per_second": 2.0, "metrics": metrics,
            "git_revision": "abc", "date": "d", "grid": "g.png"}


class ResolutionBenchTest(tf.test.TestCase):
    def test_every_row_resolves_to_its_model_at_32_px(self):
        for spec in bench.ROWS:
            config = config_lib.load(os.path.join(bench.ROOT, "configs", spec["recipe"]),
                                     list(spec["overrides"]))
            self.assertEqual(config["data"]["image_size"], 32)
            expected = "gan" if spec["name"] == "dcgan" else spec["name"]
            self.assertEqual(config["model"], expected)

    def test_bar_and_markdown(self):
        rows = [row("stylegan", 0, 25.0), row("msggan", 0, 40.0)]
        verdicts = {v["model"]: v["meets"] for v in bench.summarise(rows)["verdicts"]}
        self.assertEqual(verdicts, {"stylegan": True, "msggan": False})
        directory = tempfile.mkdtemp()
        for r in rows:
            r |= {"batch_size": 32, "jit_compile": True}
        bench.write_markdown({"command": "c", "git_revision": "r", "machine": "m",
                              "tensorflow": "t", "date": "d", "minutes": 30, "parallel": 2,
                              "speed": {"note": "n", "rows": {"stylegan": {"xla": 100,
                                                                           "no_xla": 50}}}},
                             rows, directory)
        with open(os.path.join(directory, "resolution.md"), encoding="utf-8") as handle:
            text = handle.read()
        self.assertIn("| stylegan | 25.00 ± 0.00 | 1 | **meets** |", text)
        self.assertIn("| msggan | 40.00 ± 0.00 | 1 | missed |", text)
        self.assertIn("| stylegan | 1 | 100 | 64 | yes |", text)
        self.assertIn("| stylegan | 100 | 50 | 2.00 | no XLA |", text)  # the recipe's choice
