"""WORLD through pyworld and the one analysis every system is measured with
(tfgan_suite.audio.world, tfgan_suite.audio.analysis), on synthetic voiced signals: a
150 Hz harmonic series up to the Nyquist frequency shaped by three formants."""

import sys
from unittest import mock

import numpy as np
import tensorflow as tf

from tfgan_suite.audio import analysis, sptk, world
from tfgan_suite.metrics import speech

RATE = 16000


def vowel(seconds=1.0, f0=150.0, formants=((500, 80), (1500, 120), (2500, 160))):
    """Harmonics of ``f0`` below 7.9 kHz with a −6 dB/octave tilt and formant peaks."""
    t = np.arange(int(seconds * RATE)) / RATE
    frequencies = f0 * np.arange(1, int((RATE / 2 - 100) / f0) + 1)
    amplitudes = f0 / frequencies
    for centre, bandwidth in formants:
        amplitudes = amplitudes * (1 + 4 / (1 + ((frequencies - centre) / bandwidth) ** 2))
    wave = np.sin(2 * np.pi * np.outer(t, frequencies)) @ amplitudes
    return 0.3 * wave / np.max(np.abs(wave))


def inner(x, edge=5):
    """Frames away from the ends, where WORLD's windows run off the wave."""
    return x[edge:-edge]


class WorldTestCase(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        try:
            import pyworld  # noqa: F401
        except ImportError:
            self.skipTest("pyworld is not installed (pip install pyworld-prebuilt)")


class CheapTrickSizeTest(tf.test.TestCase):
    def test_fft_size_follows_worlds_formula(self):
        sizes = {8000: 512, 16000: 1024, 22050: 1024, 24000: 1024, 32000: 2048, 48000: 2048}
        for rate, size in sizes.items():
            self.assertEqual(world.cheaptrick_fft_size(rate), size)
        self.assertEqual(world.cheaptrick_fft_size(16000, f0_floor=40.0), 2048)

    def test_without_pyworld_the_error_says_how_to_install_it(self):
        with mock.patch.dict(sys.modules, {"pyworld": None}):
            with self.assertRaisesRegex(ImportError, "pip install pyworld-prebuilt"):
                world.analyse_world(vowel(0.1))


class AnalyseTest(WorldTestCase):
    def test_f0_frames_and_shapes_of_a_150_hz_vowel(self):
        wave = vowel()
        result = analysis.analyse(wave)
        frames = len(wave) // 80 + 1
        self.assertEqual(result.f0.shape, (frames,))
        self.assertEqual(result.mcep.shape, (frames, 25))
        self.assertEqual(result.ap.shape, (frames, 513))
        self.assertEqual((result.sample_rate, result.frame_period, result.alpha),
                         (16000, 5.0, 0.41))
        self.assertTrue(np.all(inner(result.f0) > 0))
        self.assertAllClose(inner(result.f0), np.full(frames - 10, 150.0), rtol=0.03)

    def test_harvest_finds_the_same_f0(self):
        result = analysis.analyse(vowel(0.5, f0=200.0), f0_method="harvest")
        self.assertAllClose(inner(result.f0), np.full(result.frames - 10, 200.0), rtol=0.03)

    def test_the_mel_cepstrum_is_sptks_of_the_cheaptrick_envelope(self):
        wave = vowel(0.3)
        f0, sp, ap = world.analyse_world(wave)
        result = analysis.analyse(wave, order=30)
        self.assertAllClose(result.f0, f0)
        self.assertAllClose(result.mcep, sptk.sp2mc(sp, 30, 0.41))
        self.assertAllClose(result.ap, ap)

    def test_copy_synthesis_reanalysed_is_close_to_the_original(self):
        """Analysis → synthesis → analysis: MCD below 1.5 dB (measured 0.76 dB), while a
        vowel with other formants is more than 3 dB away."""
        original = analysis.analyse(vowel())
        copy = analysis.analyse(analysis.synthesise(original.f0, original.mcep, original.ap))
        frames = min(original.frames, copy.frames)
        distortion = speech.mel_cepstral_distortion(inner(original.mcep[:frames]),
                                                    inner(copy.mcep[:frames]))
        self.assertLess(distortion, 1.5)
        self.assertAllClose(inner(copy.f0[:frames]), inner(original.f0[:frames]), rtol=0.03)
        other = analysis.analyse(vowel(formants=((800, 80), (1200, 120), (2800, 160))))
        self.assertGreater(speech.mel_cepstral_distortion(inner(original.mcep),
                                                          inner(other.mcep)), 3.0)

    def test_an_empty_silent_or_stereo_wave_is_refused_in_one_line(self):
        with self.assertRaisesRegex(
                ValueError,
                r"^wave: expected a mono waveform \[samples\], got shape \(2, 16000\)$"):
            analysis.analyse(np.zeros((2, 16000)))
        for wave in (np.zeros(0), np.zeros(1600)):
            with self.assertRaisesRegex(ValueError, r"^wave: [^\n]*$"):
                analysis.analyse(wave)
        with self.assertRaisesRegex(ValueError, "f0_method: expected one of dio, harvest"):
            analysis.analyse(vowel(0.1), f0_method="crepe")

    def test_synthesise_refuses_mismatched_frames(self):
        result = analysis.analyse(vowel(0.1))
        with self.assertRaisesRegex(ValueError, "same T and bins"):
            analysis.synthesise(result.f0[:-1], result.mcep, result.ap)


class CodedEnvelopeTest(WorldTestCase):
    def test_coded_envelope_has_dims_columns_and_decodes_to_the_envelope_shape(self):
        _, sp, _ = world.analyse_world(vowel(0.3))
        coded = world.code_spectral_envelope(sp, RATE, 24)
        self.assertEqual(coded.shape, (len(sp), 24))
        decoded = world.decode_spectral_envelope(coded, RATE, 1024)
        self.assertEqual(decoded.shape, sp.shape)
        self.assertTrue(np.all(decoded > 0))
        # A smooth approximation of the envelope below 7 kHz (a few dB).
        band = slice(10, 448)
        distance = 10 * np.sqrt(np.mean(np.log10(inner(decoded)[:, band] /
                                                 inner(sp)[:, band]) ** 2))
        self.assertLess(distance, 6.0)

    def test_coded_envelope_is_not_the_mel_cepstrum(self):
        sp = world.analyse_world(vowel(0.2))[1]
        coded = world.code_spectral_envelope(sp, RATE, 25)
        mcep = analysis.analyse(vowel(0.2)).mcep
        self.assertGreater(np.max(np.abs(coded - mcep)), 1.0)

    def test_dims_must_be_fewer_than_the_bins(self):
        with self.assertRaisesRegex(ValueError, r"dims: expected an integer in 1\.\.512"):
            world.code_spectral_envelope(np.ones((2, 513)), RATE, 600)


if __name__ == "__main__":
    tf.test.main()
