"""Issue #45's campaign groups in the imperfect-labels and imperfect-images benchmarks: their
rows resolve to the intended recipes, the driver hands their curve schedule to the runner,
and the renderers state the verdicts and the curves."""

import argparse
import json
import os
import sys
import tempfile

import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

import bench_imperfect_images as images  # noqa: E402
import bench_imperfect_labels as labels  # noqa: E402
import family_campaign  # noqa: E402

from tfgan_suite import config as config_lib  # noqa: E402

META = {"command": "c", "git_revision": "r", "machine": "m", "tensorflow": "t", "date": "d",
        "minutes": 10, "parallel": 2}


def resolve(spec: dict) -> dict:
    return config_lib.load(config_lib.read_yaml(os.path.join(labels.ROOT, "configs",
                                                             spec["recipe"])),
                           list(spec["overrides"]))


def row(group, setting, name, seed, curve=None, **metrics):
    values = {}
    for key, value in metrics.items():
        values[f"{key}_fmnist"] = value
        values[f"{key}_fmnist_vgg"] = value
    return {"group": group, "setting": setting, "name": name, "seed": seed, "steps": 10,
            "metrics": values, "git_revision": "abc", "date": "d", "grid": "g.png",
            "minutes": 60, "curve": curve, "curve_minutes": 6.0}


def curve(values: dict, minutes=(6, 12, 18, 24)) -> list[dict]:
    """A run's curve: every metric of ``values`` (a function of the minute) in both spaces."""
    return [{"train_seconds": 60.0 * m, "step": m}
            | {f"{key}_{space}": value(m) for key, value in values.items()
               for space in ("fmnist", "fmnist_vgg")} for m in minutes]


def page(module, rows) -> str:
    directory = tempfile.mkdtemp()
    module.write_markdown(META, rows, directory)
    with open(os.path.join(directory, f"{module.NAME}.md"), encoding="utf-8") as handle:
        return handle.read()


class LabelRowsTest(tf.test.TestCase):
    def test_few_label_rows_are_the_chosen_recipe_with_labels_chosen_per_class(self):
        for group, fraction in labels.FEW_LABELS.items():
            specs = {spec["name"]: spec for spec in labels.ISSUE45_ROWS
                     if spec["group"] == group}
            self.assertCountEqual(specs, [f"projection_{100 * fraction:g}pct", "s3gan",
                                          "projection_all_labels", "ssgan_no_labels"])
            for name, spec in specs.items():
                config = resolve(spec)
                self.assertEqual(config["generator"]["base_filters"], 64, name)
                self.assertEqual(config["discriminator"]["dropout"], 0.3, name)
                self.assertEqual(config["objective"]["name"], "non_saturating", name)
                corruption = config["data"]["corruption"]
                expected = {"ssgan_no_labels": 1.0, "projection_all_labels": 1.0}.get(
                    name, fraction)
                self.assertEqual(corruption["label_fraction"], expected, name)
                if expected < 1.0:
                    self.assertEqual(corruption["label_selection"], "per_class")
            self.assertEqual(resolve(specs["ssgan_no_labels"])["model"], "ssgan")
            self.assertEqual(resolve(specs["s3gan"])["data"]["corruption"]["unlabelled"],
                             "keep")
            self.assertEqual(resolve(specs[f"projection_{100 * fraction:g}pct"])["data"][
                "corruption"]["unlabelled"], "drop")

    def test_the_screen_tries_each_candidate_at_one_percent_at_half_the_budget(self):
        screen = [spec for spec in labels.ISSUE45_ROWS if spec["group"] == "screen"]
        self.assertLen(screen, 3 * len(labels.SCREEN_CANDIDATES))
        for spec in screen:
            config = resolve(spec)
            self.assertEqual(spec["budget"], 0.5)
            hinge = spec["setting"] != "g64_lr4"
            self.assertEqual(config["objective"]["name"],
                             "hinge" if hinge else "non_saturating", spec)
            if spec["name"] == "ssgan_no_labels":
                self.assertEqual(config["discriminator"].get("conditioning", "none"), "none")
            else:
                self.assertEqual(config["data"]["corruption"]["label_fraction"], 0.01)
                self.assertEqual(config["data"]["corruption"]["label_selection"], "per_class")

    def test_the_60_minute_rows_carry_their_curve_of_conditional_metrics(self):
        long = [spec for spec in labels.ISSUE45_ROWS if spec["group"] in labels.CURVE_GROUPS]
        self.assertCountEqual([(s["group"], s["name"]) for s in long],
                              [("overlap_60min", "cpgan"), ("overlap_60min", "acgan"),
                               ("overlap_60min", "cpgan_no_dropout"),
                               ("symmetric_60min", "acgan"), ("symmetric_60min", "racgan")])
        for spec in long:
            self.assertEqual((spec["budget"], spec["curve_metrics"]), (6, "[fd,conditional]"))
            config = resolve(spec)
            self.assertEqual(config["discriminator"]["dropout"],
                             0.0 if spec["name"] == "cpgan_no_dropout" else 0.3)
            if spec["group"] == "symmetric_60min":
                self.assertEqual(config["data"]["corruption"]["label_noise"],
                                 {"kind": "symmetric", "rate": 0.5})
        self.assertEqual(len({family_campaign.row_key(s) for s in labels.ALL_ROWS}),
                         len(labels.ALL_ROWS))


class ImageRowsTest(tf.test.TestCase):
    def test_every_reference_row_trains_with_the_reference_recipe(self):
        for spec in images.REFERENCE_ROWS:
            config = resolve(spec)
            generator, discriminator = config["generator"], config["discriminator"]
            self.assertEqual((generator["name"], generator["normalization"],
                              generator["residual_scale"]), ("resnet", "none", 0.1), spec)
            self.assertEqual((discriminator["spectral_norm"], discriminator["pooling"],
                              discriminator["residual_scale"]), (False, "mean", 0.1))
            self.assertEqual(config["penalties"], {"r1": {"weight": 20.0}})
            train = config["train"]
            self.assertEqual((train["beta_1"], train["beta_2"], train["d_learning_rate"],
                              train["g_learning_rate"], train["n_critic"]),
                             (0.0, 0.99, 2e-4, 2e-4, 1))
            letter = spec["group"].split("_")[1]
            self.assertEqual(config["data"]["corruption"]["image_noise"], letter)

    def test_reference_groups_repeat_their_noise_group_and_the_60_minute_ones_curve(self):
        for letter in images.REFERENCE_NOISES:
            plain = [(r["name"], r["overrides"]) for r in images.ROWS
                     if r["group"] == f"noise_{letter}"]
            reference = [(r["name"], r["overrides"]) for r in images.REFERENCE_ROWS
                         if r["group"] == f"reference_{letter}"]
            self.assertEqual(reference, plain)
        long = {(r["group"], r["name"]): r for r in images.REFERENCE_ROWS
                if r["group"].endswith("_60min")}
        self.assertCountEqual(long, [("reference_A_60min", n) for n in
                                     ("gan", "ambientgan", "nrgan_si1")]
                              + [("reference_G_60min", n) for n in
                                 ("gan", "ambientgan", "nrgan_si2")])
        for spec in long.values():
            self.assertEqual((spec["budget"], spec["curve_minutes"], spec["curve_metrics"]),
                             (6, 6.0, "[fd]"))
        self.assertEqual(len({family_campaign.row_key(s) for s in images.ALL_ROWS}),
                         len(images.ALL_ROWS))


class DriverTest(tf.test.TestCase):
    def test_the_curve_schedule_reaches_the_runner_and_the_row_records_its_period(self):
        given = {}

        def runner(tag, recipe, minutes, workdir, n_eval, **kwargs):
            given[tag] = {key: kwargs.get(key) for key in family_campaign.CURVE_KEYS}
            return {"steps": 1, "metrics": {}}

        rows = [{"group": "g", "setting": "s", "name": "curved", "recipe": "r.yaml",
                 "overrides": (), "runner": runner, "curve_minutes": 2.0,
                 "curve_metrics": "[fd,conditional]", "curve_n": 100},
                {"group": "g", "setting": "s", "name": "plain", "recipe": "r.yaml",
                 "overrides": (), "runner": runner}]
        default_results, elsewhere = tempfile.mkdtemp(), tempfile.mkdtemp()
        args = argparse.Namespace(minutes=0.5, seeds=1, only=None, rows=None, parallel=1,
                                  n_eval=10, merge=False, drop=[], keep_runs=None,
                                  results=elsewhere)
        family_campaign.run("t", rows, args, lambda directory: None, default_results, "t.py")
        self.assertEqual(given["g_s_curved"], {"curve_minutes": 2.0, "curve_n": 100,
                                               "curve_metrics": "[fd,conditional]"})
        self.assertEqual(given["g_s_plain"], dict.fromkeys(family_campaign.CURVE_KEYS))
        self.assertFalse(os.listdir(default_results))  # --results: written elsewhere
        with open(os.path.join(elsewhere, "t.json"), encoding="utf-8") as handle:
            saved = {r["name"]: r for r in json.load(handle)["rows"]}
        self.assertEqual(saved["curved"]["curve_minutes"], 2.0)
        self.assertNotIn("curve_minutes", saved["plain"])


class LabelVerdictTest(tf.test.TestCase):
    def fraction_rows(self, s3gan_fd):
        result = []
        for seed in range(2):
            result += [row("fraction_1pct", "1 % labels", "projection_1pct", seed,
                           fd=30.0 + seed, gan_test_accuracy=0.60 + 0.01 * seed),
                       row("fraction_1pct", "1 % labels", "s3gan", seed, fd=s3gan_fd + seed,
                           gan_test_accuracy=0.80 + 0.01 * seed),
                       row("fraction_1pct", "every label", "projection_all_labels", seed,
                           fd=6.0 + seed, gan_test_accuracy=0.90 + 0.01 * seed),
                       row("fraction_1pct", "no labels", "ssgan_no_labels", seed,
                           fd=40.0 + seed)]
        return result

    def test_the_must_show_needs_the_deficit_then_s3gan_beating_the_labelled_only_gan(self):
        text = page(labels, self.fraction_rows(s3gan_fd=12.0))
        self.assertIn("the labelled-only GAN loses to the all-labels one (FD and GAN-test, "
                      "both spaces): **shown**", text)
        self.assertIn("both spaces: **met**", text)
        self.assertIn("| 1 % labels | s3gan | projection_1pct | fd_fmnist |", text)
        text = page(labels, self.fraction_rows(s3gan_fd=30.0))
        self.assertIn("missed (fd_fmnist, fd_fmnist_vgg)", text)

    def test_the_screen_says_whether_it_supports_the_chosen_recipe(self):
        rows = [row("screen", candidate, name, 0, fd=fd, gan_test_accuracy=0.8)
                for candidate, base in (("hinge_sn", 80.0), ("g64_lr4", 30.0),
                                        ("g64_lr4_hinge_sn", 50.0))
                for name, fd in (("ssgan_no_labels", base), ("s3gan", base / 2),
                                 ("projection_1pct", base / 3))]
        text = page(labels, rows)
        self.assertIn("| g64_lr4 (chosen) | 30.00 ± 0.00 | 15.00 ± 0.00 |", text)
        self.assertIn("Lowest FD without labels (SS-GAN): g64_lr4 (30.00); the chosen recipe "
                      "g64_lr4: 30.00 — the screen supports the choice", text)

    def test_the_60_minute_groups_render_curves_and_crossings(self):
        rows = []
        for seed in range(2):
            rows += [row("overlap_60min", "10to5, 6 × the budget", name, seed,
                         curve=curve({"dma": dma, "class_distinct_accuracy": dma,
                                      "class_mutual_accuracy": dma, "fd": lambda m: 30.0}),
                         dma=dma(24) + 0.01 * seed, fd=30.0)
                     for name, dma in (("cpgan", lambda m: 0.30 + 0.01 * m),
                                       ("acgan", lambda m: 0.40),
                                       ("cpgan_no_dropout", lambda m: 0.35))]
        text = page(labels, rows)
        self.assertIn("## Curves: overlap_60min", text)
        self.assertIn("cpgan against acgan (dma, fmnist): passes at 12 min; better from 12 "
                      "min to the end", text)
        self.assertIn("CP-GAN > AC-GAN in class-distinct / mutual accuracy at the end of "
                      "overlap_60min: fmnist: 54.5 against 40.5 (**beats**)", text)
        self.assertIn("| overlap_60min | 10to5, 6 × the budget | cpgan | 1 | 60 | 10 |", text)


class ImageVerdictTest(tf.test.TestCase):
    def test_the_60_minute_reference_group_is_judged_by_issue_45s_bars_with_curves(self):
        rows = []
        for seed in range(2):
            for name, final, fd in (("gan", 60.0, lambda m: 60.0),
                                    ("ambientgan", 30.0, lambda m: 30.0),
                                    ("nrgan_si1", 33.0, lambda m: 70.0 - 1.5 * m)):
                rows.append(row("reference_A_60min", "A", name, seed, fd=final + seed,
                                curve=curve({"fd": fd}, minutes=(6, 12, 18, 24, 30, 36))))
        summary = images.summarise(rows)
        verdicts = {(v["baseline"], v["metric"]): v for v in summary["verdicts"]}
        self.assertEqual(verdicts[("gan", "fd_fmnist")]["rule"], "FD ≤ 0.6 × GAN")
        self.assertTrue(verdicts[("gan", "fd_fmnist")]["meets"])          # 33.5 ≤ 0.6 × 60.5
        self.assertTrue(verdicts[("ambientgan", "fd_fmnist")]["meets"])   # 33.5 ≤ 1.2 × 30.5
        text = page(images, rows)
        self.assertIn("## FD versus training time: reference_A_60min", text)
        # NR-GAN's curve: 61, 52, 43, 34, 25, 16 against the GAN's 60 and AmbientGAN†'s 30.
        self.assertIn("nrgan_si1 against gan (FD, fmnist): passes at 12 min", text)
        self.assertIn("ratio falling over the second half", text)
        self.assertIn("≤ 0.6 (on the means) from 24 min", text)
        self.assertIn("nrgan_si1 against ambientgan (FD, fmnist): passes at 30 min", text)
        self.assertIn("≤ 1.2 (on the means) from 24 min", text)
