"""Config schema: defaults, recipes, overrides and the errors users see."""

import os
import tempfile

import tensorflow as tf

from tfgan_suite import config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ConfigTest(tf.test.TestCase):
    def test_defaults_cover_every_documented_field(self):
        resolved = config.load()
        self.assertEqual(resolved["objective"]["name"], "non_saturating")
        self.assertEqual(resolved["train"]["n_critic"], 1)
        self.assertIn("train.steps = 2000", config.describe())

    def test_recipes_load_and_validate(self):
        for recipe in sorted(os.listdir(os.path.join(ROOT, "configs"))):
            resolved = config.load(os.path.join(ROOT, "configs", recipe))
            self.assertIn("generator", resolved)

    def test_overrides_are_typed_yaml_scalars(self):
        resolved = config.load(overrides=["objective.name=hinge", "data.std=0.02", "seed=3",
                                          "penalties.gp.weight=5", "train.ema_decay=null",
                                          "train.d_learning_rate=1e-3"])
        self.assertEqual(resolved["objective"]["name"], "hinge")
        self.assertEqual(resolved["data"]["std"], 0.02)
        self.assertEqual(resolved["seed"], 3)
        self.assertEqual(resolved["penalties"], {"gp": {"weight": 5}})
        self.assertIsNone(resolved["train"]["ema_decay"])
        self.assertEqual(resolved["train"]["d_learning_rate"], 1e-3)

    def test_integer_is_accepted_for_float_fields(self):
        self.assertEqual(config.load(overrides={"data.radius": 2})["data"]["radius"], 2.0)

    def test_unknown_key_lists_valid_keys_at_that_level(self):
        with self.assertRaisesRegex(config.ConfigError,
                                    r"train\.stepz: unknown key; accepted at train: .*"
                                    r"n_critic.*steps"):
            config.load(overrides=["train.stepz=3"])
        with self.assertRaisesRegex(config.ConfigError,
                                    r"bogus: unknown key; accepted at top level: "
                                    r"(\w+, )*data, (\w+, )*model, (\w+, )*train"):
            config.load({"bogus": 1})

    def test_bad_values_name_the_field(self):
        with self.assertRaisesRegex(config.ConfigError, r"data\.batch_size: must be positive, "
                                                        r"got -3"):
            config.load(overrides=["data.batch_size=-3"])
        with self.assertRaisesRegex(config.ConfigError, r"train\.steps: expected int, got 'many'"):
            config.load(overrides=["train.steps=many"])
        with self.assertRaisesRegex(config.ConfigError,
                                    r"distribute\.strategy: unknown value 'tpuz'; accepted: "
                                    r"default, mirrored"):
            config.load(overrides=["distribute.strategy=tpuz"])
        with self.assertRaisesRegex(config.ConfigError, r"--set: expected key=value"):
            config.load(overrides=["objective.name"])

    def test_malformed_yaml_names_file_and_line(self):
        path = os.path.join(tempfile.mkdtemp(), "bad.yaml")
        with open(path, "w") as handle:
            handle.write("seed: 0\ndata: {name: ring\n")
        with self.assertRaisesRegex(config.ConfigError, r"malformed YAML in .*bad\.yaml line"):
            config.load(path)

    def test_missing_file_and_non_mapping(self):
        with self.assertRaisesRegex(config.ConfigError, "file not found"):
            config.load("/nonexistent/recipe.yaml")
        path = os.path.join(tempfile.mkdtemp(), "list.yaml")
        with open(path, "w") as handle:
            handle.write("- 1\n- 2\n")
        with self.assertRaisesRegex(config.ConfigError, "mapping at the top level"):
            config.load(path)
