"""Feature normalisation statistics (tfgan_suite.audio.prosody.NormStats) and the voiced-only
log-F0 transform."""

import json

import numpy as np
import tensorflow as tf

from tfgan_suite.audio import prosody


def trajectories(seed=0, dims=25):
    rng = np.random.default_rng(seed)
    scale, shift = rng.uniform(0.1, 3.0, dims), rng.normal(0, 5, dims)
    return [rng.normal(size=(frames, dims)) * scale + shift for frames in (30, 55, 17)]


class NormStatsTest(tf.test.TestCase):
    def test_fit_data_normalises_to_zero_mean_unit_std_per_dimension(self):
        data = trajectories()
        stats = prosody.NormStats.fit(data)
        normalised = stats.normalise(np.concatenate(data))
        self.assertAllClose(normalised.mean(axis=0), np.zeros(25), atol=1e-12)
        self.assertAllClose(normalised.std(axis=0), np.ones(25), atol=1e-12)

    def test_denormalise_inverts_normalise(self):
        stats = prosody.NormStats.fit(trajectories())
        x = np.random.default_rng(1).normal(size=(2, 40, 25))
        self.assertAllClose(stats.denormalise(stats.normalise(x)), x, atol=1e-12)
        self.assertAllClose(stats.normalise(stats.denormalise(x)), x, atol=1e-12)

    def test_one_array_is_one_trajectory(self):
        data = trajectories()[0]
        self.assertAllEqual(prosody.NormStats.fit(data).mean,
                            prosody.NormStats.fit([data]).mean)

    def test_a_constant_dimension_normalises_to_zero_not_nan(self):
        data = np.random.default_rng(2).normal(size=(20, 3))
        data[:, 1] = 4.0
        normalised = prosody.NormStats.fit(data).normalise(data)
        self.assertAllEqual(normalised[:, 1], np.zeros(20))

    def test_the_dict_form_survives_json_and_round_trips(self):
        stats = prosody.NormStats.fit(trajectories())
        again = prosody.NormStats.from_dict(json.loads(json.dumps(stats.to_dict())))
        self.assertAllEqual(again.mean, stats.mean)
        self.assertAllEqual(again.std, stats.std)

    def test_a_dimension_mismatch_is_refused_in_one_line(self):
        stats = prosody.NormStats.fit(trajectories())
        with self.assertRaisesRegex(ValueError,
                                    r"^x: expected features \[\.\.\., 25\], got shape \(10, 24\)$"):
            stats.normalise(np.zeros((10, 24)))
        with self.assertRaisesRegex(ValueError, r"^trajectories: item 1 has shape \(5, 24\)"):
            prosody.NormStats.fit([np.zeros((5, 25)), np.zeros((5, 24))])
        with self.assertRaisesRegex(ValueError, r"^stored: .* missing std$"):
            prosody.NormStats.from_dict({"mean": [0.0]})


class LogF0TransformTest(tf.test.TestCase):
    def test_unvoiced_frames_stay_zero_and_voiced_ones_follow_the_target_statistics(self):
        rng = np.random.default_rng(3)
        source = np.where(rng.random(200) < 0.3, 0.0, np.exp(rng.normal(np.log(120), 0.1, 200)))
        target = np.exp(rng.normal(np.log(220), 0.2, 200))
        mapped = prosody.LogF0Transform.fit([source], [target])(source)
        self.assertAllEqual(mapped == 0, source == 0)
        self.assertAllClose(prosody.LogF0Transform.statistics([mapped]),
                            prosody.LogF0Transform.statistics([target]))


if __name__ == "__main__":
    tf.test.main()
