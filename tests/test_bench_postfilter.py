"""The postfilter benchmark (tools/bench_postfilter.py): its rows resolve to their recipes,
the equal-CPU budget arithmetic, and the report's pooling, tables and verdicts."""

import json
import os
import sys
import tempfile

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

import bench_postfilter as bench  # noqa: E402
import bench_postfilter_report as report  # noqa: E402
import speech_campaign  # noqa: E402

from tfgan_suite.gans import GANS  # noqa: E402


def utterances(n, mcd, gv, msd, natural, seed=0):
    rng = np.random.default_rng(seed)
    return [{"sentence": str(i), "source": "rms", "target": "kal",
             "mcd": mcd + 0.01 * rng.normal(), "mcd_dtw": mcd,
             "gv_ratio_upper": gv + 0.01 * rng.normal(), "msd_upper": msd + 0.01 * rng.normal(),
             "natural_linear": natural, "natural_cnn": natural, "judge_linear": "kal",
             "judge_cnn": "kal", "content_hit": True} for i in range(n)]


def entry(group, name, seed, rows, **extra):
    return {"group": group, "setting": "s", "name": name, "seed": seed, "rows": rows} | extra


class PostfilterBenchTest(tf.test.TestCase):
    def test_every_model_row_resolves_to_its_recipe_and_model(self):
        for row in bench.plan(bench.GROUPS):
            if row["kind"] != "model":
                continue
            with self.subTest(row=row["name"]):
                config = bench._config(row["group"], row["overrides"])
                self.assertEqual(config["model"], bench.RECIPES[row["group"]][1])
                self.assertIsNotNone(GANS.get(config["model"]))
        stft = {r["name"]: r for r in bench.plan(["stft"])}
        self.assertEqual(bench._config("stft", stft["GAN-PF K=1"]["overrides"])
                         ["generator"]["bands"], 1)
        self.assertEqual(bench._config("stft", stft["GAN-PF K=4"]["overrides"])
                         ["generator"]["bands"], 4)

    def test_a_budget_is_whole_executions_of_its_calibrated_steps(self):
        self.assertEqual(speech_campaign.budget_steps(15, 0.2), 4500)
        self.assertEqual(speech_campaign.budget_steps(15, 0.7), 1280)
        self.assertEqual(speech_campaign.budget_steps(0.001, 5.0), 10)

    def test_the_diagnostic_row_trains_four_budgets_once_and_last(self):
        rows = bench.plan(bench.GROUPS)
        jobs = bench.job_order(rows, seeds=2)
        long = [(row["name"], seed) for row, seed in jobs if row["name"] in bench.LONG]
        self.assertEqual(long, [("GAN-PF, 4× budget (diagnostic)", 0)])
        self.assertIn(jobs[-1][0]["name"], bench.LONG)
        self.assertEqual(sum(1 for row, _ in jobs if row["name"] == "GAN-PF"), 2)
        self.assertEqual(sum(1 for row, _ in jobs if row["kind"] == "natural"), 2)  # 2 groups
        per_step = 0.5
        long_row = next(row for row in rows if row["name"] in bench.LONG)
        plain = next(row for row in rows if row["name"] == "GAN-PF")
        self.assertEqual(bench.row_steps(long_row, 15.0, per_step), 7200)
        self.assertEqual(bench.row_steps(plain, 15.0, per_step), 1800)

    def test_the_report_pools_seeds_and_gives_the_verdicts(self):
        rows = [entry("ganpf", "no postfilter", 0, utterances(30, 6.2, 0.6, 0.28, 0.0)),
                entry("ganpf", "squared-error postfilter", 0,
                      utterances(30, 6.0, 0.62, 0.27, 0.0), steps=4000, cpu_seconds=900)]
        for seed in (0, 1):
            rows.append(entry("ganpf", "GAN-PF", seed,
                              utterances(30, 6.5, 0.95, 0.10, 1.0, seed), steps=3000,
                              cpu_seconds=880))
        for name, lsd_gv in (("GAN-PF K=1", 2.0), ("GAN-PF K=4", 1.0), ("no postfilter", 3.0)):
            rows.append(entry("stft", name, 0,
                              [{"sentence": "0", "lsd": 5.0, "gv_ratio_upper": 0.8,
                                "msd_upper": lsd_gv / 10 + 0.001 * i, "natural_linear": 0.2,
                                "natural_cnn": 0.2} for i in range(10)], lsd_gv=lsd_gv))
        saved = {"meta": {"commands": ["python tools/bench_postfilter.py"], "minutes": 15},
                 "precondition": {"mcep": {"gv_ratio": 0.52, "msd": 0.68, "msd_floor": 0.05,
                                           "dims": "10..24"}},
                 "rows": rows, "calibration": {}}
        path = os.path.join(tempfile.mkdtemp(), "postfilter.json")
        with open(path, "w", encoding="utf-8") as stream:
            json.dump(saved, stream)
        report.render(path)
        with open(path[:-5] + ".md", encoding="utf-8") as stream:
            text = stream.read()
        self.assertIn("| GAN-PF | 2 |", text)  # two seeds pooled into one row
        self.assertIn("**holds** (GV ratio 0.520", text)
        self.assertIn("GAN-PF beats no postfilter on MSD, GV ratio and the naturalness judges: "
                      "**yes**", text)
        self.assertIn("GAN-PF beats the squared-error postfilter on MSD, GV ratio and the "
                      "naturalness judges: **yes**", text)
        self.assertIn("K = 4 beats K = 1 on LSD-GV and MSD: **yes**", text)
        self.assertIn("K = 4 beats no postfilter on LSD-GV and MSD: **yes**", text)

    def test_each_gan_vc_variant_is_judged_against_the_squared_error_converter(self):
        def converted(mcd, msd, gv, seed):
            rng = np.random.default_rng(seed)
            return {"rows": [{"mcd": mcd + 0.05 * rng.normal(), "mcd_dtw": mcd,
                              "content_hit": True, "judge_linear": "kal", "judge_cnn": "kal",
                              "target": "kal", "source": "rms"} for _ in range(30)],
                    "directions": [{"msd": msd + 0.001 * rng.normal(),
                                    "gv_ratio": gv + 0.001 * rng.normal()} for _ in range(4)]}

        rows = {"squared error (same G)": [converted(6.0, 0.30, 0.60, s) for s in (0, 1)],
                "GAN-VC": [converted(12.0, 0.20, 0.70, s) for s in (0, 1)],
                "GAN-VC + squared error": [converted(6.0, 0.22, 0.85, s) for s in (0, 1)]}
        _, cells = report.group_table("ganvc", rows)
        lines = report.verdicts({}, {"ganvc": cells})
        self.assertLen(lines, 2)
        self.assertIn("- GAN-VC: MSD and GV closer", lines[0])
        self.assertIn("**no** (MSD yes, GV yes, MCD 12.", lines[0])  # the MCD gives it away
        self.assertIn("- GAN-VC + squared error: MSD and GV closer", lines[1])
        self.assertIn("**yes**", lines[1])

    def test_a_gv_ratio_closer_to_one_must_separate_to_count(self):
        self.assertTrue(report._gv_better((0.9, 0.88, 0.92), (0.6, 0.58, 0.62)))
        self.assertFalse(report._gv_better((0.9, 0.7, 0.95), (0.8, 0.75, 0.85)))
        self.assertFalse(report._gv_better((1.6, 1.55, 1.65), (0.8, 0.78, 0.82)))

    def test_the_table_links_the_listening_page_and_plots_only_once_written(self):
        results = tempfile.mkdtemp()
        self.assertEqual(report.listening_section(results), [])
        os.makedirs(os.path.join(results, "postfilter"))
        for name in ("listening.html", "gv_ms_stft.png"):
            with open(os.path.join(results, "postfilter", name), "w", encoding="utf-8"):
                pass
        text = "\n".join(report.listening_section(results))
        self.assertIn("(postfilter/listening.html)", text)
        self.assertIn("(postfilter/gv_ms_stft.png)", text)
        self.assertNotIn("gv_ms_ganpf", text)
