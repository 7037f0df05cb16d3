"""Waveform input / output and clean-up (tfgan_suite.audio.io): round trips, resampling,
trimming, loudness and the one-line refusals."""

import io as stdlib_io
import logging
import os
import tempfile

import numpy as np
import soundfile
import tensorflow as tf

from tfgan_suite.audio import io

RATE = io.SAMPLE_RATE


def sine(frequency, seconds, rate=RATE, amplitude=0.5):
    return amplitude * np.sin(2 * np.pi * frequency * np.arange(int(seconds * rate)) / rate)


class IoTestCase(tf.test.TestCase):
    def path(self, name="wave.wav"):
        return os.path.join(self.get_temp_dir(), name)


class WavFileTest(IoTestCase):
    def test_write_then_read_is_exact_to_16_bit_quantisation(self):
        wave = np.random.default_rng(0).uniform(-0.99, 0.99, RATE // 4)
        io.write_wav(self.path(), wave)
        back = io.read_wav(self.path())
        self.assertEqual(back.dtype, np.float64)
        self.assertEqual(back.shape, wave.shape)
        # libsndfile writes round(32767·x) and reads n / 32768: at most 1.5 steps of 2^-15.
        self.assertLessEqual(np.max(np.abs(back - wave)), 1.5 / 32768)
        self.assertEqual(soundfile.info(self.path()).subtype, "PCM_16")

    def test_samples_beyond_full_scale_clip_instead_of_wrapping(self):
        io.write_wav(self.path(), np.array([1.5, -2.0, 0.25]))
        self.assertAllClose(io.read_wav(self.path()), [1.0, -1.0, 0.25], atol=1e-4)

    def test_wav_bytes_is_a_complete_wav_file(self):
        wave = sine(440.0, 0.1)
        data = io.wav_bytes(wave)
        self.assertEqual(data[:4], b"RIFF")
        self.assertEqual(data[8:12], b"WAVE")
        back, rate = soundfile.read(stdlib_io.BytesIO(data), dtype="float64")
        self.assertEqual(rate, RATE)
        self.assertLessEqual(np.max(np.abs(back - wave)), 1.5 / 32768)

    def test_two_channels_are_refused_naming_the_file_and_the_mixdown(self):
        soundfile.write(self.path("stereo.wav"), np.zeros((100, 2)) + 0.1, RATE)
        with self.assertRaisesRegex(ValueError, r"stereo\.wav: 2 channels.*sox in\.wav -c 1"):
            io.read_wav(self.path("stereo.wav"))

    def test_a_missing_file_is_named(self):
        with self.assertRaisesRegex(FileNotFoundError, "nowhere.wav"):
            io.read_wav(os.path.join(tempfile.gettempdir(), "nowhere.wav"))


class ResampleTest(IoTestCase):
    def test_22050_to_16000_keeps_a_440_hz_sine_at_440_hz_and_the_duration(self):
        soundfile.write(self.path("cd.wav"), sine(440.0, 0.5, rate=22050), 22050,
                        subtype="PCM_16")
        with self.assertLogs("tfgan_suite", logging.WARNING):
            io._RESAMPLED_RATES.discard(22050)
            wave = io.read_wav(self.path("cd.wav"))
        self.assertEqual(len(wave), 8000)  # 11025 · 16000 / 22050
        spectrum = np.abs(np.fft.rfft(wave * np.hanning(len(wave))))
        frequencies = np.fft.rfftfreq(len(wave), 1.0 / RATE)
        self.assertAllClose(frequencies[np.argmax(spectrum)], 440.0, atol=2.0)

    def test_the_resampling_message_is_given_once_per_rate(self):
        soundfile.write(self.path("a.wav"), sine(300.0, 0.05, rate=11025), 11025)
        soundfile.write(self.path("b.wav"), sine(300.0, 0.05, rate=11025), 11025)
        io._RESAMPLED_RATES.discard(11025)
        with self.assertLogs("tfgan_suite", logging.WARNING) as logs:
            io.read_wav(self.path("a.wav"))
        self.assertIn("11025 Hz to 16000 Hz", logs.output[0])
        with self.assertNoLogs("tfgan_suite", logging.WARNING):
            io.read_wav(self.path("b.wav"))

    def test_resample_uses_the_reduced_ratio_and_is_a_copy_at_equal_rates(self):
        wave = sine(200.0, 0.1)
        self.assertEqual(len(io.resample(wave, 16000, 24000)), 2400)
        same = io.resample(wave, 16000, 16000)
        self.assertAllEqual(same, wave)
        self.assertIsNot(same, wave)
        with self.assertRaisesRegex(ValueError, "rate_out: expected a positive integer"):
            io.resample(wave, 16000, 0)


class CheckSpeechTest(IoTestCase):
    def test_a_mono_wave_is_returned_as_float64(self):
        wave = io.check_speech(np.array([0.0, 0.5, -0.5], np.float32))
        self.assertEqual(wave.dtype, np.float64)

    def test_a_two_dimensional_wave_is_refused_with_its_shape(self):
        with self.assertRaisesRegex(
                ValueError,
                r"^wave: expected a mono waveform \[samples\], got shape \(2, 16000\)$"):
            io.check_speech(np.zeros((2, 16000)))

    def test_silent_empty_and_short_waves_are_refused_in_one_line(self):
        cases = [(np.zeros(1000), "silent"), (np.zeros(0), "empty"),
                 (np.full(10, np.nan), "non-finite")]
        for wave, reason in cases:
            with self.assertRaisesRegex(ValueError, f"^clip: .*{reason}[^\n]*$"):
                io.check_speech(wave, name="clip")
        with self.assertRaisesRegex(ValueError, r"^wave: 0\.500 s long; at least 1\.0 s"):
            io.check_speech(sine(100.0, 0.5), min_seconds=1.0)


class TrimAndLoudnessTest(IoTestCase):
    def test_trim_keeps_the_speech_and_the_pads_and_drops_the_rest(self):
        rng = np.random.default_rng(1)
        speech = sine(220.0, 0.3)
        before, after = (1e-4 * rng.normal(size=int(0.5 * RATE)) for _ in range(2))
        trimmed = io.trim_silence(np.concatenate([before, speech, after]), pad_seconds=0.05)
        # The speech, both 50 ms pads, and at most one 20 ms analysis frame more per side.
        self.assertBetween(len(trimmed), int(0.4 * RATE), int(0.44 * RATE))
        loud = np.flatnonzero(np.abs(trimmed) > 0.01)
        self.assertGreaterEqual(loud[0], int(0.05 * RATE))
        self.assertGreaterEqual(len(trimmed) - 1 - loud[-1], int(0.05 * RATE))
        self.assertAllClose(np.sum(trimmed[loud] ** 2),
                            np.sum(speech[np.abs(speech) > 0.01] ** 2), rtol=1e-12)

    def test_trim_refuses_a_silent_wave(self):
        with self.assertRaisesRegex(ValueError, "silent"):
            io.trim_silence(np.zeros(RATE))

    def test_rms_normalise_reaches_the_target_level(self):
        wave = sine(300.0, 0.2, amplitude=0.01)
        out = io.rms_normalise(wave, target_dbfs=-23.0)
        self.assertAllClose(20 * np.log10(np.sqrt(np.mean(out ** 2))), -23.0, atol=1e-9)

    def test_rms_normalise_never_lets_a_sample_exceed_the_peak_limit(self):
        wave = np.zeros(RATE // 10)
        wave[100] = 1.0  # one click: reaching -10 dBFS RMS would need a peak far above 1
        out = io.rms_normalise(wave, target_dbfs=-10.0)
        self.assertAllClose(np.max(np.abs(out)), io.PEAK_LIMIT)
        self.assertLess(20 * np.log10(np.sqrt(np.mean(out ** 2))), -10.0)


if __name__ == "__main__":
    tf.test.main()
