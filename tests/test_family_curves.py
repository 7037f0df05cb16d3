"""Quality-versus-time curves of the family campaigns (tools/family_curves.py)."""

import os
import sys
import tempfile

import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

import family_curves as curves  # noqa: E402


def run(points, key="fd_fmnist"):
    """A run whose curve has ``points`` [(training minutes, value)]."""
    return {"curve": [{"train_seconds": 60.0 * minutes, "step": 10, key: value}
                      for minutes, value in points]}


class MeanCurveTest(tf.test.TestCase):
    def test_points_land_on_their_nominal_minute_and_seeds_average_where_all_have_one(self):
        seeds = [run([(6.1, 40.0), (12.05, 30.0), (18.2, 20.0), (20.0, 19.0)]),
                 run([(5.9, 44.0), (11.9, 34.0)])]
        # 20.0 min rounds to 18 (period 6) and replaces 18.2's point in the first seed.
        self.assertEqual(curves.seed_values(seeds[0]["curve"], "fd_fmnist", 6.0),
                         {6.0: 40.0, 12.0: 30.0, 18.0: 19.0})
        mean = curves.mean_curve(seeds, "fd_fmnist", 6.0)
        self.assertEqual([minute for minute, _, _ in mean], [6.0, 12.0])
        self.assertAllClose([value for _, value, _ in mean], [42.0, 32.0])
        self.assertAllClose([se for _, _, se in mean], [2.0, 2.0])

    def test_a_seed_without_a_curve_gives_no_mean_curve(self):
        self.assertEqual(curves.mean_curve([run([(6, 1.0)]), {"curve": None}], "fd_fmnist",
                                           6.0), [])


class CompareCurvesTest(tf.test.TestCase):
    def test_crossings_and_the_minute_from_which_the_model_stays_better(self):
        model = [(6, 50.0, 1.0), (12, 40.0, 1.0), (18, 33.0, 1.0), (24, 29.0, 1.0),
                 (30, 26.0, 1.0)]
        baseline = [(6, 45.0, 1.0), (12, 42.0, 1.0), (18, 35.0, 1.0), (24, 30.0, 1.0),
                    (30, 30.0, 1.0)]
        comparison = curves.compare_curves(model, baseline, higher=False)
        self.assertEqual(comparison["crossings"], [(12, "better")])
        self.assertEqual(comparison["better_from"], 12)
        self.assertAllClose(comparison["ratios"][-1], 26.0 / 30.0)
        # The second half (18, 24, 30 min): ratios 0.943, 0.967, 0.867 -> falling.
        self.assertTrue(comparison["falling"])
        sentence = curves.describe_comparison("nrgan", "gan", comparison, "FD")
        self.assertIn("passes at 12 min", sentence)
        self.assertIn("better from 12 min to the end", sentence)

    def test_higher_is_better_metrics_and_a_model_that_falls_behind(self):
        model = [(6, 0.5, 0.0), (12, 0.6, 0.0), (18, 0.55, 0.0)]
        baseline = [(6, 0.4, 0.0), (12, 0.5, 0.0), (18, 0.6, 0.0)]
        comparison = curves.compare_curves(model, baseline, higher=True)
        self.assertEqual(comparison["crossings"], [(6, "better"), (18, "worse")])
        self.assertIsNone(comparison["better_from"])
        self.assertIsNone(comparison["trend_per_10_minutes"])  # two points in the 2nd half
        self.assertIn("not better at the end",
                      curves.describe_comparison("cpgan", "acgan", comparison, "dma"))
        self.assertIsNone(curves.compare_curves(model, [(7, 1.0, 0.0)], higher=True))

    def test_best_and_last_say_how_far_a_curve_falls_back(self):
        summary = curves.best_and_last([(6, 0.90, 0.01), (12, 0.95, 0.01),
                                        (18, 0.85, 0.02)], higher=True)
        self.assertEqual((summary["best_minute"], summary["last_minute"]), (12, 18))
        self.assertAllClose(summary["change_from_best"], -0.10)


class RenderTest(tf.test.TestCase):
    def test_table_has_a_row_per_minute_and_the_plot_is_written(self):
        lines = curves.curve_table({"gan": [(6, 40.0, 1.0), (12, 30.0, 0.5)],
                                    "nrgan": [(6, 35.0, 2.0)]})
        self.assertEqual(lines[0], "| minutes | gan | nrgan |")
        self.assertEqual(lines[2], "| 6 | 40.00 ± 1.00 | 35.00 ± 2.00 |")
        self.assertEqual(lines[3], "| 12 | 30.00 ± 0.50 | — |")
        path = os.path.join(tempfile.mkdtemp(), "curves.png")
        self.assertTrue(curves.plot_curves([("FD", {"gan": [(6, 40.0, 1.0), (12, 30.0, 0.5)]})],
                                           path))
        self.assertTrue(os.path.isfile(path))
        self.assertFalse(curves.plot_curves([("FD", {"gan": []})], path + ".none.png"))
