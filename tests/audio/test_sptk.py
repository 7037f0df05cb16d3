"""The SPTK mel-cepstrum in numpy (tfgan_suite.audio.sptk): SPTK's recursion, pysptk's
conversions and their defining properties (speech.md §1.1, §1.2, §3.7)."""

import time

import numpy as np
import tensorflow as tf

from tfgan_suite.audio import sptk

FFT_SIZE = 1024
OMEGA = np.linspace(0.0, np.pi, FFT_SIZE // 2 + 1)


def literal_freqt(c, m2, a):
    """SPTK's freqt recursion transcribed statement by statement, one sequence at a time."""
    b = 1 - a * a
    g = np.zeros(m2 + 1)
    for i in range(len(c) - 1, -1, -1):
        d = g.copy()
        g[0] = c[i] + a * d[0]
        if m2 >= 1:
            g[1] = b * d[0] + a * d[1]
        for j in range(2, m2 + 1):
            g[j] = d[j - 1] + a * (d[j] - g[j - 1])
    return g


def all_pole(poles, omega=OMEGA):
    """The power spectrum 1 / Π |1 − p e^{−jω}|² of an all-pole filter (smooth, positive)."""
    power = np.ones_like(omega)
    for pole in poles:
        power /= np.abs(1 - pole * np.exp(-1j * omega)) ** 2
    return power


FORMANTS = all_pole([0.9 * np.exp(0.4j), 0.9 * np.exp(-0.4j), 0.8 * np.exp(1.5j),
                     0.8 * np.exp(-1.5j)])


class McepAlphaTest(tf.test.TestCase):
    def test_the_commonly_quoted_constants(self):
        self.assertEqual(sptk.mcep_alpha(16000), 0.41)
        self.assertEqual(sptk.mcep_alpha(22050), 0.455)
        self.assertEqual(sptk.mcep_alpha(8000), 0.312)
        self.assertEqual(sptk.mcep_alpha(44100), 0.544)

    def test_a_rate_must_be_positive(self):
        with self.assertRaisesRegex(ValueError, "sample_rate: expected a positive rate"):
            sptk.mcep_alpha(0)


class FreqtTest(tf.test.TestCase):
    def test_matches_sptks_recursion_for_both_signs_of_alpha_and_any_lengths(self):
        rng = np.random.default_rng(0)
        c = rng.normal(size=(3, 60)) * 0.9 ** np.arange(60)
        for order, alpha in ((24, 0.41), (24, -0.41), (80, 0.455), (1, 0.3), (0, 0.3)):
            expected = np.stack([literal_freqt(row, order, alpha) for row in c])
            self.assertAllClose(sptk.freqt(c, order, alpha), expected, atol=1e-12)

    def test_alpha_zero_truncates_or_zero_pads(self):
        c = np.arange(1.0, 11.0)
        self.assertAllEqual(sptk.freqt(c, 4, 0.0), c[:5])
        self.assertAllEqual(sptk.freqt(c, 14, 0.0), np.concatenate([c, np.zeros(5)]))

    def test_warping_with_minus_alpha_undoes_alpha_given_enough_coefficients(self):
        c = np.random.default_rng(1).normal(size=(4, 25)) * 0.7 ** np.arange(25)
        there = sptk.freqt(c, 200, 0.41)
        self.assertAllClose(sptk.freqt(there, 24, -0.41), c, atol=1e-12)
        # Too few coefficients in between lose part of c.
        self.assertGreater(np.max(np.abs(sptk.freqt(sptk.freqt(c, 24, 0.41), 24, -0.41) - c)),
                           1e-3)

    def test_frames_on_the_leading_axes_are_independent(self):
        c = np.random.default_rng(2).normal(size=(2, 3, 30))
        batched = sptk.freqt(c, 24, 0.41)
        self.assertEqual(batched.shape, (2, 3, 25))
        self.assertAllClose(batched[1, 2], sptk.freqt(c[1, 2], 24, 0.41))

    def test_arguments_are_checked(self):
        with self.assertRaisesRegex(ValueError, r"alpha: expected an all-pass constant in"):
            sptk.freqt(np.ones(3), 2, 1.0)
        with self.assertRaisesRegex(ValueError, "order: expected a non-negative integer"):
            sptk.freqt(np.ones(3), -1, 0.4)


class MelCepstrumTest(tf.test.TestCase):
    def test_a_warped_single_pole_has_the_closed_form_cepstrum(self):
        """log 1/(1 − β z̃⁻¹) = Σ β^m z̃^{−m} / m: the mel-cepstrum of the power spectrum
        1/|1 − β e^{−jω̃}|² is c_m = β^m / m (c0 = 0), at α = 0 (no warping) and α = 0.41."""
        beta, order = 0.6, 30
        m = np.arange(1, order + 1)
        for alpha in (0.0, 0.41):
            power = all_pole([beta], sptk.warped_frequency(OMEGA, alpha))
            mcep = sptk.sp2mc(power, order, alpha)
            self.assertAllClose(mcep[0], 0.0, atol=1e-12)
            self.assertAllClose(mcep[1:], beta ** m / m, atol=1e-12)

    def test_the_cosine_series_on_the_warped_axis_is_the_log_amplitude(self):
        """SPTK's convention, Σ_m c_m cos(m ω̃) = ½ log P: a cepstrum of log amplitude, so
        the MCD constant (10/ln 10)·√2 turns it into dB."""
        alpha = 0.41
        mcep = sptk.sp2mc(FORMANTS, 120, alpha)
        series = np.cos(np.outer(sptk.warped_frequency(OMEGA, alpha), np.arange(121))) @ mcep
        self.assertAllClose(series, 0.5 * np.log(FORMANTS), atol=1e-7)

    def test_round_trip_is_exact_at_alpha_zero_and_full_order(self):
        power = np.exp(np.random.default_rng(3).normal(size=(5, FFT_SIZE // 2 + 1)))
        back = sptk.mc2sp(sptk.sp2mc(power, FFT_SIZE // 2, 0.0), 0.0, FFT_SIZE)
        self.assertAllClose(np.log(back), np.log(power), atol=1e-10)

    def test_round_trip_of_a_smooth_envelope_converges_with_the_order(self):
        """Log-spectral distance (dB, RMS over bins) of mc2sp(sp2mc(P)) against P, α = 0.41,
        for a 35 dB-range four-pole envelope: measured 0.011 dB at order 24, 0.00057 dB at
        order 40, 1.2e-5 dB at order 60."""
        errors = []
        for order in (24, 40, 60):
            back = sptk.mc2sp(sptk.sp2mc(FORMANTS, order, 0.41), 0.41, FFT_SIZE)
            errors.append(10 * np.sqrt(np.mean(np.log10(back / FORMANTS) ** 2)))
        self.assertLess(errors[0], 0.02)
        self.assertLess(errors[2], 2e-5)
        self.assertAllEqual(np.diff(errors) < 0, [True, True])

    def test_doubling_the_amplitude_adds_ln_2_to_c0_only(self):
        mcep = sptk.sp2mc(FORMANTS, 24, 0.41)
        louder = sptk.sp2mc(4.0 * FORMANTS, 24, 0.41)
        self.assertAllClose(louder - mcep, np.r_[np.log(2.0), np.zeros(24)], atol=1e-12)

    def test_conversion_of_5_seconds_of_frames_is_a_matrix_product(self):
        power = np.exp(np.random.default_rng(4).normal(size=(1000, FFT_SIZE // 2 + 1)))
        sptk.mc2sp(sptk.sp2mc(power[:2], 24, 0.41), 0.41, FFT_SIZE)  # builds the matrices
        start = time.perf_counter()
        mcep = sptk.sp2mc(power, 24, 0.41)
        back = sptk.mc2sp(mcep, 0.41, FFT_SIZE)
        elapsed = time.perf_counter() - start
        self.assertEqual((mcep.shape, back.shape), ((1000, 25), (1000, 513)))
        self.assertLess(elapsed, 0.5)  # ~0.02 s here; a loop over frames takes seconds

    def test_non_positive_powers_and_odd_fft_sizes_are_refused(self):
        with self.assertRaisesRegex(ValueError, "power_spectrum: expected finite positive"):
            sptk.sp2mc(np.r_[1.0, 0.0, 1.0], 4, 0.41)
        with self.assertRaisesRegex(ValueError, "fft_size: expected an even FFT length"):
            sptk.mc2sp(np.zeros(5), 0.41, 511)


if __name__ == "__main__":
    tf.test.main()
