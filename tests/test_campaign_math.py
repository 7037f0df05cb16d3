"""The seed campaign's statistics (tools/fashion_mnist_campaign.py): what its verdicts mean."""

import argparse
import json
import os
import sys
import tempfile

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

import fashion_mnist_campaign as campaign  # noqa: E402


def row(name, seed, fd, fd_vgg, curve=None, machine="CPU A, 2 cores"):
    return {"name": name, "seed": seed, "steps": 100, "machine": machine, "curve": curve,
            "metrics": {"fd_fmnist": fd, "fd_fmnist_vgg": fd_vgg}}


class CampaignMathTest(tf.test.TestCase):

    def test_mean_and_standard_error_of_the_mean(self):
        mean, se = campaign.mean_se([1.0, 2.0, 3.0])
        self.assertAllClose(mean, 2.0)
        self.assertAllClose(se, 1.0 / np.sqrt(3.0))
        self.assertEqual(campaign.mean_se([4.0]), (4.0, 0.0))

    def test_bar_needs_half_the_baseline_by_two_combined_standard_errors(self):
        baseline = (14.0, 0.4)  # half: 7.0 ± 0.2
        self.assertTrue(campaign.meets_bar((6.0, 0.3), baseline))   # 1.0 ≥ 2·0.36
        self.assertFalse(campaign.meets_bar((6.5, 0.3), baseline))  # 0.5 < 0.72
        self.assertFalse(campaign.meets_bar((7.5, 0.0), baseline))

    def test_minutes_to_reach_is_the_first_mean_curve_point_at_or_below_the_target(self):
        curves = [[{"train_seconds": 60 * m, "fd_fmnist": v} for m, v in points]
                  for points in ([(3, 20.0), (6, 10.0), (9, 8.0)],
                                 [(3, 30.0), (6, 12.0), (9, 6.0), (12, 5.0)])]
        rows = [{"curve": c} for c in curves]
        minutes, values = campaign.mean_curve(rows, "fd_fmnist")
        self.assertAllClose(minutes, [3.0, 6.0, 9.0])  # the points both seeds have
        self.assertAllClose(values, [25.0, 11.0, 7.0])
        self.assertAllClose(campaign.minutes_to_reach((minutes, values), 11.0), 6.0)
        self.assertIsNone(campaign.minutes_to_reach((minutes, values), 1.0))

    def test_summary_is_per_machine_and_judges_against_the_baseline_of_that_machine(self):
        rows = [row("dcgan_tutorial", s, 14.0 + s, 16.0 + s) for s in range(3)]
        rows += [row("ours", s, 5.0 + 0.1 * s, 9.0 + 0.1 * s) for s in range(3)]
        rows += [row("ours", 0, 1.0, 1.0, machine="CPU B, 2 cores")]
        summary = campaign.summarise(rows)
        self.assertCountEqual(summary, ["CPU A", "CPU B"])
        ours = summary["CPU A"]["ours"]
        self.assertEqual(ours["seeds"], [0, 1, 2])
        self.assertTrue(ours["fd_fmnist_meets_bar"])        # 5.1 vs half of 15 = 7.5
        self.assertFalse(ours["fd_fmnist_vgg_meets_bar"])   # 9.1 vs half of 17 = 8.5
        self.assertAllClose(ours["fd_fmnist_ratio"], 5.1 / 15.0)
        self.assertNotIn("fd_fmnist_ratio", summary["CPU B"]["ours"])  # no baseline there


class FamilyCampaignBudgetTest(tf.test.TestCase):
    def test_a_row_with_a_budget_trains_that_multiple_of_the_minutes_and_records_it(self):
        import family_campaign

        given = {}

        def runner(tag, recipe, minutes, workdir, n_eval, **kwargs):
            given[tag] = minutes
            return {"steps": 1, "metrics": {}}

        rows = [{"group": "g", "setting": "s", "name": name, "recipe": "r.yaml",
                 "overrides": (), "runner": runner, **extra}
                for name, extra in (("plain", {}), ("longer", {"budget": 3}))]
        results = tempfile.mkdtemp()
        args = argparse.Namespace(minutes=0.5, seeds=1, only=None, rows=None, parallel=1,
                                  n_eval=10, merge=False, drop=[], keep_runs=None)
        family_campaign.run("t", rows, args, lambda directory: None, results, "t.py")
        self.assertEqual(given, {"g_s_plain": 0.5, "g_s_longer": 1.5})
        with open(os.path.join(results, "t.json"), encoding="utf-8") as handle:
            saved = json.load(handle)
        self.assertEqual({r["name"]: r["minutes"] for r in saved["rows"]},
                         {"plain": 0.5, "longer": 1.5})


class FamilyCampaignMachinesTest(tf.test.TestCase):
    """Family campaigns span sittings: each group's rows come from one machine."""

    def test_a_group_is_never_measured_on_two_machines(self):
        import family_campaign

        rows = [{"group": "symmetric", "machine": "CPU A, 2 cores, Linux 1"},
                {"group": "overlap", "machine": "CPU B, 2 cores, Linux 2"}]
        self.assertEqual(family_campaign.machines_by_group(rows),
                         {"symmetric": "CPU A, 2 cores", "overlap": "CPU B, 2 cores"})
        jobs = [({"group": "overlap"}, 1), ({"group": "fraction"}, 0)]
        family_campaign.check_machines(rows, jobs, "CPU B, 2 cores, Linux 3")
        with self.assertRaisesRegex(SystemExit, r"--merge: group 'symmetric' was measured on "
                                    r"CPU A, 2 cores, this is CPU B, 2 cores; .* add --drop "
                                    r"symmetric"):
            family_campaign.check_machines(rows, [({"group": "symmetric"}, 2)],
                                           "CPU B, 2 cores, Linux 3")
        meta = {"command": "c", "git_revision": "r", "machine": "CPU B", "tensorflow": "2",
                "date": "d", "minutes": 10.0, "parallel": 2}
        lines = family_campaign.header("T", meta, "same", rows)
        self.assertIn("- machines by group (each group measured on one machine; compare rows "
                      "within a group only): symmetric: CPU A, 2 cores; overlap: CPU B, "
                      "2 cores", lines)
        self.assertFalse(any("machines by group" in line
                             for line in family_campaign.header("T", meta, "same", rows[:1])))


if __name__ == "__main__":
    tf.test.main()
