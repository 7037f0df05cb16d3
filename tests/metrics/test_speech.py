"""The speech measures' defining properties (speech.md §3.7), on synthetic trajectories."""

import itertools

import numpy as np
import tensorflow as tf

from tfgan_suite.metrics import speech


def mcep(frames=50, order=24, seed=0):
    return np.random.default_rng(seed).normal(0, 0.3, (frames, 1 + order))


def brute_force_dtw_cost(x, y):
    """The least summed distance over every monotone path (small sequences only)."""
    n, m = len(x), len(y)
    best = np.inf

    def walk(i, j, total):
        nonlocal best
        total += np.linalg.norm(x[i] - y[j])
        if (i, j) == (n - 1, m - 1):
            best = min(best, total)
            return
        for di, dj in ((1, 0), (0, 1), (1, 1)):
            if i + di < n and j + dj < m:
                walk(i + di, j + dj, total)

    walk(0, 0, 0.0)
    return best


def _reference_dtw_path(x, y):
    """The library's first ``dtw_path`` (a row-by-row double loop, ~0.5 s for 800 × 800
    frames), kept as the reference the vectorised one must reproduce."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    n, m = len(x), len(y)
    cost = np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1))
    total = np.full((n + 1, m + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, n + 1):
        row, above = total[i], total[i - 1]
        diagonal_or_up = np.minimum(above[:-1], above[1:]) + cost[i - 1]
        for j in range(1, m + 1):
            row[j] = min(diagonal_or_up[j - 1], row[j - 1] + cost[i - 1, j - 1])
    path, i, j = [(n - 1, m - 1)], n, m
    while (i, j) != (1, 1):
        steps = ((i - 1, j - 1), (i - 1, j), (i, j - 1))
        i, j = min(steps, key=lambda step: total[step])
        path.append((i - 1, j - 1))
    return path[::-1]


class MelCepstralDistortionTest(tf.test.TestCase):
    def test_identical_sequences_have_zero_distortion(self):
        x = mcep()
        self.assertEqual(speech.mel_cepstral_distortion(x, x), 0.0)

    def test_a_shift_of_c1_by_delta_costs_the_constant_times_delta(self):
        x = mcep()
        y = x.copy()
        y[:, 1] += 0.2
        self.assertAllClose(speech.MCD_CONSTANT, 6.141851, atol=1e-6)
        self.assertAllClose(speech.mel_cepstral_distortion(x, y), 6.141851 * 0.2, atol=1e-5)

    def test_c0_is_excluded_and_the_measure_is_symmetric(self):
        x, y = mcep(seed=0), mcep(seed=1)
        louder = y.copy()
        louder[:, 0] += 3.0
        self.assertAllClose(speech.mel_cepstral_distortion(x, y),
                            speech.mel_cepstral_distortion(x, louder))
        self.assertAllClose(speech.mel_cepstral_distortion(x, y),
                            speech.mel_cepstral_distortion(y, x))

    def test_equals_the_rms_log_spectral_distance_in_db_at_alpha_zero(self):
        """SPTK's cepstrum: log|H(ω)| = c0 + Σ_{m≥1} c_m cos mω. With equal c0, MCD is the
        RMS over ω ∈ [0, π] of the 20·log10 amplitude difference."""
        x, y = mcep(frames=6, seed=2), mcep(frames=6, seed=3)
        y[:, 0] = x[:, 0]
        omega = np.linspace(0.0, np.pi, 20001)
        cosines = np.cos(np.outer(np.arange(x.shape[1]), omega))
        to_db = 20.0 / np.log(10.0)
        per_frame = []
        for a, b in zip(x, y, strict=True):
            difference = to_db * ((a - b) @ cosines)
            per_frame.append(np.sqrt(np.trapezoid(difference ** 2, omega) / np.pi))
        self.assertAllClose(speech.mel_cepstral_distortion(x, y), np.mean(per_frame),
                            rtol=1e-6)

    def test_a_path_and_a_mask_choose_the_frames(self):
        x, y = mcep(frames=4), mcep(frames=6, seed=1)
        path = [(0, 0), (1, 2), (3, 5)]
        expected = np.mean([speech.frame_distortions(x[[i]], y[[j]])[0] for i, j in path])
        self.assertAllClose(speech.mel_cepstral_distortion(x, y, path=path), expected)
        kept = speech.mel_cepstral_distortion(x, y, path=path, mask=[True, False, True])
        self.assertAllClose(kept, np.mean([speech.frame_distortions(x[[i]], y[[j]])[0]
                                           for i, j in (path[0], path[2])]))
        with self.assertRaisesRegex(ValueError, "pass a path="):
            speech.mel_cepstral_distortion(x, y)
        with self.assertRaisesRegex(ValueError, "mask: 2 entries for 3"):
            speech.mel_cepstral_distortion(x, y, path=path, mask=[True, True])

    def test_silence_frames_are_those_40_db_below_the_loudest(self):
        x = mcep(frames=3)
        x[:, 0] = np.array([0.0, -1.0, -5.0])  # 0, -8.7 and -43.4 dB
        self.assertAllEqual(speech.speech_frames(x), [True, True, False])


class DynamicTimeWarpingTest(tf.test.TestCase):
    def test_the_path_is_monotone_and_has_the_least_cost_of_every_path(self):
        rng = np.random.default_rng(4)
        for n, m in itertools.product((1, 3, 5), (1, 4, 6)):
            x, y = rng.normal(size=(n, 3)), rng.normal(size=(m, 3))
            path = speech.dtw_path(x, y)
            self.assertEqual((path[0], path[-1]), ((0, 0), (n - 1, m - 1)))
            for (i0, j0), (i1, j1) in zip(path[:-1], path[1:], strict=True):
                self.assertIn((i1 - i0, j1 - j0), ((1, 0), (0, 1), (1, 1)))
            cost = sum(np.linalg.norm(x[i] - y[j]) for i, j in path)
            self.assertAllClose(cost, brute_force_dtw_cost(x, y), (n, m))

    def test_the_path_is_the_reference_double_loop_s_on_random_inputs(self):
        rng = np.random.default_rng(7)
        for n, m in ((1, 1), (1, 9), (9, 1), (2, 2), (17, 40), (63, 31), (120, 130)):
            x, y = rng.normal(size=(n, 24)), rng.normal(size=(m, 24))
            self.assertEqual(speech.dtw_path(x, y), _reference_dtw_path(x, y), (n, m))

    def test_ties_are_broken_like_the_reference(self):
        """Small integer frames give exact, often equal distances: many equally short paths,
        of which both implementations must pick the same one."""
        rng = np.random.default_rng(8)
        for _ in range(20):
            n, m = rng.integers(1, 25, 2)
            x, y = rng.integers(0, 2, (n, 2)), rng.integers(0, 2, (m, 2))
            self.assertEqual(speech.dtw_path(x, y), _reference_dtw_path(x, y))

    def test_dtw_distance_is_the_mean_distance_on_the_path(self):
        x, y = mcep(frames=40, seed=1), mcep(frames=55, seed=2)
        path = speech.dtw_path(x[:, 1:], y[:, 1:])
        distance = speech.dtw_distance(x[:, 1:], y[:, 1:])
        self.assertAllClose(distance, np.mean([np.linalg.norm(x[i, 1:] - y[j, 1:])
                                               for i, j in path]))
        self.assertAllClose(speech.MCD_CONSTANT * distance,
                            speech.mel_cepstral_distortion_dtw(x, y))
        with self.assertRaisesRegex(ValueError, "at least one frame"):
            speech.dtw_distance(np.zeros((0, 3)), np.zeros((4, 3)))

    def test_a_time_stretched_copy_aligns_back_exactly(self):
        x = mcep(frames=20)
        stretched = np.repeat(x, 2, axis=0)
        self.assertAllClose(speech.mel_cepstral_distortion_dtw(stretched, x), 0.0)

    def test_dtw_mcd_is_never_above_the_diagonal_for_equal_lengths(self):
        for seed in range(5):
            x, y = mcep(frames=30, seed=seed), mcep(frames=30, seed=seed + 10)
            self.assertLessEqual(speech.mel_cepstral_distortion_dtw(x, y),
                                 speech.mel_cepstral_distortion(x, y) + 1e-12)


class GlobalVarianceTest(tf.test.TestCase):
    def test_a_constant_trajectory_has_zero_variance(self):
        self.assertAllEqual(speech.global_variance(np.ones((40, 5)) * 3.0), np.zeros(5))

    def test_variance_scaling_gives_the_target_variance_and_keeps_the_first_dims(self):
        x = mcep(frames=200)
        target = np.linspace(0.5, 2.0, x.shape[1])
        out = speech.variance_scaling(x, target, offset=2)
        self.assertAllClose(speech.global_variance(out)[2:], target[2:])
        self.assertAllEqual(out[:, :2], x[:, :2])
        self.assertAllClose(out.mean(axis=0), x.mean(axis=0))


class CepstralEmphasisTest(tf.test.TestCase):
    def test_emphasis_scales_the_upper_orders_and_keeps_each_frames_energy(self):
        from tfgan_suite.audio.sptk import mc2sp

        rng = np.random.default_rng(0)
        mcep = np.concatenate([rng.normal(size=(20, 1)), 0.3 * rng.normal(size=(20, 24))], 1)
        out = speech.cepstral_emphasis(mcep, alpha=0.41)
        self.assertAllClose(out[:, 1], mcep[:, 1])  # c1 untouched
        self.assertAllClose(out[:, 2:], 1.4 * mcep[:, 2:])
        self.assertAllClose(mc2sp(out, 0.41, 1024).mean(axis=1),
                            mc2sp(mcep, 0.41, 1024).mean(axis=1), rtol=1e-9)
        self.assertGreater(np.abs(out[:, 0] - mcep[:, 0]).max(), 1e-4)  # c0 compensates

    def test_emphasis_by_one_changes_nothing(self):
        mcep = np.random.default_rng(1).normal(size=(5, 25)) * 0.2
        self.assertAllClose(speech.cepstral_emphasis(mcep, 0.41, coefficient=1.0), mcep)


class ModulationSpectrumTest(tf.test.TestCase):
    def test_distance_to_itself_is_zero_and_to_a_smoothed_copy_is_not(self):
        x = mcep(frames=400)
        self.assertEqual(speech.modulation_spectrum_distance(x, x), 0.0)
        kernel = np.ones(9) / 9.0
        smoothed = np.stack([np.convolve(c, kernel, mode="same") for c in x.T], axis=1)
        self.assertGreater(speech.modulation_spectrum_distance(smoothed, x), 0.5)

    def test_reversing_time_leaves_the_spectrum_unchanged(self):
        x = mcep(frames=128 + 64 * 5)
        self.assertAllClose(speech.modulation_spectrum(x), speech.modulation_spectrum(x[::-1]),
                            atol=1e-9)

    def test_shape_is_dims_by_modulation_bins_and_short_utterances_are_padded(self):
        self.assertEqual(speech.modulation_spectrum(mcep(frames=300)).shape, (25, 65))
        self.assertEqual(speech.modulation_spectrum([mcep(frames=50)]).shape, (25, 65))


class SpectralAndProsodyTest(tf.test.TestCase):
    def test_log_spectral_distance_of_a_constant_gain_is_its_db(self):
        amplitude = np.random.default_rng(5).uniform(0.1, 1.0, (10, 257))
        self.assertAllClose(speech.log_spectral_distance(2.0 * amplitude, amplitude),
                            20.0 * np.log10(2.0))
        self.assertEqual(speech.log_spectral_distance(amplitude, amplitude), 0.0)

    def test_log_f0_transform_maps_the_source_statistics_to_the_target(self):
        rng = np.random.default_rng(6)
        source = np.where(rng.uniform(size=500) < 0.7, np.exp(rng.normal(5.0, 0.2, 500)), 0.0)
        target = np.where(rng.uniform(size=400) < 0.6, np.exp(rng.normal(5.6, 0.1, 400)), 0.0)
        transform = speech.LogF0Transform.fit([source], [target])
        mapped = transform(source)
        self.assertAllClose(speech.LogF0Transform.statistics([mapped]),
                            speech.LogF0Transform.statistics([target]))
        self.assertAllEqual(mapped == 0.0, source == 0.0)
        self.assertAllClose(transform.inverse()(mapped), source)
        same = speech.LogF0Transform(5.0, 0.2, 5.0, 0.2)
        self.assertAllClose(same(source), source)

    def test_f0_errors_count_voiced_frames_and_decisions(self):
        a = np.array([100.0, 0.0, 200.0, 150.0])
        b = np.array([100.0 * np.e, 120.0, 0.0, 150.0])
        self.assertAllClose(speech.log_f0_rmse(a, b), np.sqrt(0.5))
        self.assertAllClose(speech.vuv_error(a, b), 0.5)
        self.assertTrue(np.isnan(speech.log_f0_rmse(np.zeros(3), np.ones(3))))


if __name__ == "__main__":
    tf.test.main()
