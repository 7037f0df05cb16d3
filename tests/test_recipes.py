"""Every recipe in configs/ loads, builds and takes a training step.

The step runs eagerly (``run_eagerly``): with the recipes' real networks, tracing and
optimising each recipe's train graph took ~85 % of the test's time (BigGAN 18.7 s traced
against 2.6 s eager). The graph path of every family's train step is exercised by the
family tests (tests/gans/) and by the equivalence, resume and CLI tests; what this test
guards is that each recipe's config loads, builds its real structure and trains."""

import os
import shutil
import tempfile

import pytest
import tensorflow as tf

from tests.data.test_domains import write_domain
from tfgan_suite import config as config_lib
from tfgan_suite import factory, runs
from tfgan_suite.runs import precision_policy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, "configs")


def recipes() -> list[str]:
    return sorted(name for name in os.listdir(CONFIGS) if name.endswith(".yaml"))


@pytest.mark.slow
class RecipeTest(tf.test.TestCase):
    """Two halves (alternate recipes), so two test workers can share the 50-odd recipes."""

    def test_every_recipe_builds_and_trains_one_step_first_half(self):
        self.assertGreaterEqual(len(recipes()), 10)
        self.check_recipes(recipes()[0::2])

    def test_every_recipe_builds_and_trains_one_step_second_half(self):
        self.check_recipes(recipes()[1::2])

    def check_recipes(self, names: list[str]) -> None:
        for recipe in names:
            with self.subTest(recipe=recipe):
                config = config_lib.load(os.path.join(CONFIGS, recipe), [])
                overrides = ["data.batch_size=4", "train.steps_per_execution=1",
                             "train.jit_compile=false", "train.steps=1"]
                if config["data"]["name"] == "fashion_mnist":
                    # The real networks on the embedded digits (same sizes, 10 labels), so
                    # the test needs no Fashion-MNIST files.
                    overrides += ["data.name=digits",
                                  f"data.image_size={config['data']['image_size'] or 28}"]
                if config["data"]["name"].startswith("tfds:cycle_gan/"):
                    # TFDS's photos are never downloaded here: the recipe's networks on
                    # two folder domains at 32 px (loading cycle_gan itself is tested on a
                    # dataset built offline, tests/data/test_domains.py).
                    overrides += [f"data.name=folder:{self.two_domains()}",
                                  "data.image_size=32"]
                if config["data"]["name"] == "fashion_edges":
                    # Edge maps of the whole train split take minutes: the same domains as
                    # sub-folders of a few 32-px files (paired by name).
                    overrides.append(f"data.name=folder:{self.two_domains()}")
                if config["data"]["name"].startswith("voices:"):
                    # The tiny subset (its first two voices, which `make voices` renders)
                    # instead of the whole corpus: the recipe's networks and losses are the
                    # same; null domains = those two voices.
                    overrides += ["data.subset=tiny", "data.domains=null",
                                  "data.segment_frames=32", "data.converter_steps=20"]
                if (config["generator"] or {}).get("name") == "stackgan2":
                    # Stage-II needs a trained Stage-I run: one step of the Stage-I recipe.
                    overrides.append(f"generator.stage1_run={self.stage1_run(overrides)}")
                config = config_lib.load(os.path.join(CONFIGS, recipe), overrides)
                with precision_policy(config["precision"]):
                    model = factory.build_gan(config, load_run=runs.load_run)
                    factory.compile_gan(model, config)
                    model.run_eagerly = True  # see the module docstring
                    data = factory.dataset(config,
                                           with_labels=getattr(model, "conditional", False))
                    history = model.fit(data, steps_per_epoch=1, epochs=1, verbose=0).history
                for name, values in history.items():
                    self.assertTrue(all(map(lambda v: v == v, values)), (recipe, name))

    def two_domains(self) -> str:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory, True)
        names = [f"{i}.png" for i in range(8)]
        write_domain(os.path.join(directory, "edges"), names, side=32)
        write_domain(os.path.join(directory, "garments"), names, side=32,
                     value=lambda i: 255 - 30 * i)
        return directory

    def stage1_run(self, overrides: list[str]) -> str:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory, True)
        run = os.path.join(directory, "stage1")
        runs.train(os.path.join(CONFIGS, "stackgan1_fashion_mnist.yaml"), run,
                   overrides=overrides + ["train.steps_per_epoch=1", "sample.grid_size=10"])
        return run
