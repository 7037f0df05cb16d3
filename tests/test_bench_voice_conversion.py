"""The voice-conversion benchmark (tools/bench_voice_conversion.py): its rows resolve to
their recipes with their ablation changed, the saved results stay resumable, and each job
trains its share of the equal CPU budget."""

import json
import os
import sys

import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import bench_voice_conversion as bench  # noqa: E402

from tfgan_suite.gans import GANS  # noqa: E402


class VoiceConversionBenchTest(tf.test.TestCase):
    def test_every_model_row_resolves_to_its_recipe_with_its_change(self):
        rows = bench.plan(bench.GROUPS)
        for row in rows:
            if row["kind"] != "model":
                continue
            with self.subTest(row=(row["setting"], row["name"])):
                domains = row["parts"][0].get("domains")
                config = bench._config(row["model"], row["corpus"], row["overrides"], domains)
                self.assertEqual(config["model"], row["model"])
                self.assertIsNotNone(GANS.get(config["model"]))
        pair = {r["name"]: r for r in rows if r["setting"] == bench.PAIRS[0][3]}
        config = bench._config("cyclegan_vc2", "esp4", pair["VC2 one-step loss"]["overrides"])
        self.assertFalse(config["cyclegan_vc2"]["two_step"])
        self.assertTrue(bench._config("cyclegan_vc2", "esp4", [])["cyclegan_vc2"]["two_step"])
        self.assertEqual(bench._config("cyclegan_vc2", "esp4", pair["VC2 with the 1-D G"]
                                       ["overrides"])["generator"]["name"], "vc_gated_1d")

    def test_the_saved_rows_are_rows_of_the_plan(self):
        """Resuming skips exactly what the json holds: every saved row is a planned one, and
        every model row's configuration has its calibration."""
        path = os.path.join(ROOT, "docs", "results", "voice_conversion.json")
        with open(path, encoding="utf-8") as stream:
            saved = json.load(stream)
        planned = {(r["group"], r["setting"], r["name"]) for r in bench.plan(bench.GROUPS)}
        for entry in saved["rows"]:
            self.assertIn((entry["group"], entry["setting"], entry["name"]), planned)
        for row in bench.plan(bench.GROUPS):
            if row["kind"] == "model":
                self.assertIn(bench._calibration_key(row), saved["calibration"])

    def test_jobs_put_the_main_rows_first_and_the_long_rows_last(self):
        jobs = bench.job_order(bench.plan(bench.GROUPS), seeds=2)
        self.assertEqual(len(jobs), 2 * len(bench.plan(bench.GROUPS)))
        self.assertEqual([seed for _, seed in jobs[:3]], [0, 0, 0])
        self.assertEqual({row["name"] for row, _ in jobs[:9]},
                         {"B0 F0 only", "B1 mean-variance", "B2 parallel MSE"})
        self.assertEqual({row["group"] for row, _ in jobs[-4:]}, {"long"})
        seeds = [seed for row, seed in jobs if row["group"] != "long"]
        self.assertEqual(seeds, sorted(seeds))

    def test_a_job_trains_its_share_of_the_budget_in_whole_executions(self):
        rows = {(r["group"], r["name"]): r for r in bench.plan(bench.GROUPS)}
        spec = bench.job_spec(rows["pairs", "CycleGAN-VC"], 1, "/tmp/out", 15.0, 0.5)
        self.assertEqual([p["steps"] for p in spec["parts"]], [1800])
        self.assertEqual(spec["parts"][0]["out"], "/tmp/out")
        self.assertEqual(spec["seed"], 1)
        self.assertNotIn("clip", spec)
        pairwise = bench.job_spec(rows["many", bench.PAIRWISE], 0, "/tmp/out", 15.0, 0.5,
                                  clip="/tmp/c.wav")
        self.assertEqual([p["steps"] for p in pairwise["parts"]], [300] * 6)
        self.assertEqual(len({p["out"] for p in pairwise["parts"]}), 6)
        self.assertEqual(pairwise["clip"], "/tmp/c.wav")
        self.assertEqual(len(pairwise["directions"]), 12)
        long = bench.job_spec(rows["long", "CycleGAN-VC"], 0, "/tmp/out", 15.0, 0.5)
        self.assertEqual(long["parts"][0]["steps"], 5400)
        baseline = bench.job_spec(rows["pairs", "B2 parallel MSE"], 0, "/tmp/out", 15.0, 0.0)
        self.assertEqual((baseline["kind"], "parts" in baseline), ("parallel_mse", False))
        self.assertIn(baseline["kind"], bench.HANDLERS)

    def test_calibrations_run_on_esp4_pairs_or_all_its_voices(self):
        rows = {(r["group"], r["name"]): r for r in bench.plan(bench.GROUPS)}
        pair = rows["pairs", "CycleGAN-VC2"]
        self.assertEqual(bench.calibration_spec(bench._calibration_key(pair), pair),
                         {"model": "cyclegan_vc2", "corpus": "esp4", "overrides": [],
                          "domains": ["m3", "m6"]})
        star = rows["many", "StarGAN-VC2"]
        self.assertIsNone(bench.calibration_spec(bench._calibration_key(star), star)["domains"])


if __name__ == "__main__":
    tf.test.main()
