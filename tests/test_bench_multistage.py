"""The multi-stage benchmark (tools/bench_multistage.py): its rows, the StackGAN chain's
Stage-I row, the comparisons and the table; every-level pictures of LAPGAN and StackGAN."""

import os
import sys
import tempfile

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

import bench_multistage as bench  # noqa: E402

from tfgan_suite import config as config_lib  # noqa: E402
from tfgan_suite import runs  # noqa: E402


def row(name, seed, fd, gan_test=None, stage1=None):
    metrics = {"fd_fmnist": fd, "fd_fmnist_vgg": fd + 1.0}
    if gan_test is not None:
        metrics |= {"gan_test_accuracy_fmnist": gan_test, "gan_test_accuracy_fmnist_vgg": gan_test}
    result = {"group": "g", "setting": "s", "name": name, "seed": seed, "steps": 100,
              "elapsed_seconds": 600.0, "metrics": metrics, "git_revision": "abc", "n_eval": 100,
              "machine": "m", "cores": 1, "date": "d", "grid": f"{name}.png",
              "parameters": {"generator": 10, "generator_trainable": 8, "discriminator": 5}}
    if stage1 is not None:
        result["stage1"] = dict(stage1, name="stage1 tag")
    return result


class MultistageBenchTest(tf.test.TestCase):
    def test_every_row_resolves_to_its_model(self):
        models = {"dcgan": "gan", "cgan": "cgan", "stackgan": "stackgan"}
        for spec in bench.ROWS:
            config = config_lib.load(os.path.join(bench.ROOT, "configs", spec["recipe"]),
                                     list(spec["overrides"]))
            name = spec["name"].removesuffix("_64")
            self.assertEqual(config["model"], models.get(name, name))
            glyphs = spec["group"] == "glyphs"
            self.assertEqual(config["data"]["name"], "glyphs" if glyphs else "fashion_mnist")
            if glyphs:
                self.assertEqual(config["data"]["image_size"], 64)
        # The glyph StackGAN chain: Stage-I at 16 px on the same description ids.
        chain = next(s for s in bench.ROWS if s["name"] == "stackgan_64")
        first = config_lib.load(os.path.join(bench.ROOT, "configs", bench.STAGE1_RECIPE),
                                list(chain["runner"].keywords["stage1_overrides"]))
        second = config_lib.load(os.path.join(bench.ROOT, "configs", chain["recipe"]),
                                 list(chain["overrides"]))
        for config, side in ((first, 16), (second, 64)):
            self.assertEqual(config["data"]["label_view"], "glyph_description")
            self.assertEqual(config["discriminator"]["descriptions"], "glyphs")
            self.assertEqual(config["discriminator"]["image_size"], side)
        self.assertEqual(first["generator"]["descriptions"], "glyphs")
        self.assertEqual(config_lib.load(os.path.join(bench.ROOT, "configs",
                                                      bench.STAGE1_RECIPE), [])
                         ["generator"]["name"], "stackgan1")

    def test_stage_one_rows_comparisons_and_markdown(self):
        rows = []
        for seed in (0, 1):
            rows += [row("dcgan", seed, 30.0 + seed), row("lapgan", seed, 20.0 + seed),
                     row("cgan", seed, 25.0, 0.80 + 0.01 * seed),
                     row("stackgan", seed, 22.0 + 3 * seed, 0.85,
                         stage1=row("x", seed, 40.0 + seed, 0.60))]
        expanded = bench.expanded(rows)
        self.assertEqual([r["name"] for r in expanded].count("stackgan_stage1"), 2)
        verdicts = {(v["model"], v["reference"], v["name"], v["space"]): v["beats"]
                    for v in bench.summarise(rows)["verdicts"]}
        self.assertTrue(verdicts[("lapgan", "dcgan", "fd", "fmnist")])
        self.assertTrue(verdicts[("stackgan", "stackgan_stage1", "gan_test_accuracy",
                                  "fmnist_vgg")])
        self.assertFalse(verdicts[("stackgan", "cgan", "fd", "fmnist")])  # 23.5 ± 1.5 vs 25
        meta = {"command": "python tools/bench_multistage.py", "git_revision": "abc",
                "machine": "m", "tensorflow": "2", "date": "d", "minutes": 10.0, "parallel": 2}
        with tempfile.TemporaryDirectory() as directory:
            bench.write_markdown(meta, rows, directory)
            with open(os.path.join(directory, "multistage.md"), encoding="utf-8") as handle:
                text = handle.read()
        self.assertIn("| lapgan | dcgan | fd | fmnist | 20.50 | 30.50 | 10.00 | 1.41 | "
                      "**beats** |", text)
        self.assertIn("| stackgan_stage1 | 8 (+2 frozen or statistics) / 5 | 2 |", text)

    def test_glyph_rows_read_the_glyph_spaces(self):
        glyph = dict(row("lapgan_64", 0, 1.0), group="glyphs",
                     metrics={"fd_glyphs": 12.5, "fd_glyphs_vgg": 7.25, "fd_fmnist": 99.0})
        entry = bench.summarise([glyph])["table"][("glyphs", "s", "lapgan_64")]
        self.assertEqual(entry["values"]["fd_fmnist"], [12.5])
        self.assertEqual(entry["values"]["fd_fmnist_vgg"], [7.25])

    @pytest.mark.slow
    def test_lapgan_picture_shows_every_level(self):
        overrides = ["data.name=digits", "data.image_size=28", "train.steps=1",
                     "train.steps_per_epoch=1", "train.steps_per_execution=1",
                     "train.jit_compile=false", "data.batch_size=8", "sample.grid_size=4",
                     "generator.filters=[8, 8, 8]", "discriminator.filters=[4, 4, 4]",
                     "generator.latent_dim=8"]
        with tempfile.TemporaryDirectory() as directory:
            run = os.path.join(directory, "run")
            runs.train(os.path.join(bench.ROOT, "configs", "lapgan_fashion_mnist.yaml"), run,
                       overrides=overrides)
            self.assertEqual(bench.count_parameters(run)["discriminator"],
                             runs.load_run(run).discriminator.count_params())
            path = bench.stage_picture(run, os.path.join(directory, "levels.png"))
            picture = np.asarray(Image.open(path))
        # 3 levels × 8 draws of 28 px (2 px padding, the PNG upscaled by an integer factor).
        scale = picture.shape[1] // (8 * 30 + 2)
        self.assertEqual(picture.shape[:2], (scale * (3 * 30 + 2), scale * (8 * 30 + 2)))
