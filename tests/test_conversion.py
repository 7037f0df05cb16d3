"""The conversion baselines (B0 F0 only, B1 mean-variance, B2 parallel MSE), their run
directories, the WAV-to-WAV path and the feature pipelines they train on."""

import os
import tempfile
from unittest import mock

import numpy as np
import tensorflow as tf

from tfgan_suite import conversion
from tfgan_suite.audio import io as audio_io
from tfgan_suite.audio.analysis import Analysis
from tfgan_suite.data.voices import features as voice_features
from tfgan_suite.metrics import speech as speech_metrics


def fake_analysis(rng, frames=120, mean=0.0, scale=1.0, f0=120.0, dims=25):
    """A synthetic analysis: smooth mel-cepstra around ``mean`` with spread ``scale``, c0
    high (speech) except a few silent frames, voiced F0 around ``f0``."""
    mcep = mean + scale * np.cumsum(rng.normal(size=(frames, dims)), axis=0) / 5.0
    mcep[:, 0] = 2.0
    mcep[:5, 0] = -10.0  # silence at the start
    pitch = f0 * np.exp(0.05 * rng.normal(size=frames))
    pitch[::7] = 0.0
    return Analysis(f0=pitch, mcep=mcep, ap=np.full((frames, 513), 0.5), sample_rate=16000,
                    frame_period=5.0, alpha=0.41)


def statistics_of(rng):
    voices = {"a": dict(mean=0.0, scale=1.0, f0=110.0), "b": dict(mean=1.5, scale=0.5,
                                                                    f0=220.0)}
    analyses = {v: [fake_analysis(rng, **o) for _ in range(6)] for v, o in voices.items()}
    return {v: conversion.SpeakerStatistics.fit(a) for v, a in analyses.items()}, analyses


class BaselineTest(tf.test.TestCase):
    def test_f0_only_keeps_the_spectrum_and_maps_log_f0_statistics(self):
        rng = np.random.default_rng(0)
        statistics, analyses = statistics_of(rng)
        source = analyses["a"][0]
        f0, mcep, ap = conversion.F0Only(statistics).convert(source, "a", "b")
        self.assertAllEqual(mcep, source.mcep)
        self.assertAllEqual(ap, source.ap)
        self.assertAllEqual(f0 > 0, source.f0 > 0)  # unvoiced stays unvoiced
        mapped = np.concatenate([conversion.F0Only(statistics).convert(a, "a", "b")[0]
                                 for a in analyses["a"]])
        self.assertNear(np.log(mapped[mapped > 0]).mean(), statistics["b"].log_f0_mean, 1e-6)
        self.assertNear(np.log(mapped[mapped > 0]).std(), statistics["b"].log_f0_std, 1e-6)

    def test_mean_variance_gives_the_source_training_frames_the_target_statistics(self):
        rng = np.random.default_rng(1)
        statistics, analyses = statistics_of(rng)
        converter = conversion.MeanVariance(statistics)
        converted = [converter.convert(a, "a", "b")[1] for a in analyses["a"]]
        speech = np.concatenate([c[speech_metrics.speech_frames(a.mcep)]
                                 for c, a in zip(converted, analyses["a"], strict=True)])
        self.assertAllClose(speech[:, 1:].mean(0), statistics["b"].mcep.mean[1:], atol=1e-9)
        self.assertAllClose(speech[:, 1:].std(0), statistics["b"].mcep.std[1:], atol=1e-9)
        self.assertAllEqual(converted[0][:, 0], analyses["a"][0].mcep[:, 0])  # c0 passes

    def test_unknown_speakers_are_named(self):
        statistics, analyses = statistics_of(np.random.default_rng(2))
        with self.assertRaisesRegex(ValueError, r"unknown speaker 'c'; known: a, b"):
            conversion.F0Only(statistics).convert(analyses["a"][0], "a", "c")

    def test_aligned_pair_undoes_a_time_stretch(self):
        rng = np.random.default_rng(3)
        target = np.cumsum(rng.normal(size=(60, 25)), axis=0)
        source = np.repeat(target, 2, axis=0)  # every frame said twice as long
        self.assertAllClose(conversion.aligned_pair(source, target), target)

    def test_parallel_mse_learns_an_affine_map_and_its_run_round_trips(self):
        rng = np.random.default_rng(4)
        statistics, analyses = statistics_of(rng)
        pairs = []
        for a in analyses["a"]:
            target_mcep = a.mcep.copy()
            target_mcep[:, 1:] = 1.5 + 0.5 * a.mcep[:, 1:]
            pairs.append((a, Analysis(a.f0 * 2, target_mcep, a.ap, 16000, 5.0, 0.41)))
        converter = conversion.ParallelMse(statistics, channels=16, layers=1,
                                           segment_frames=32, batch_size=4, steps=200,
                                           learning_rate=3e-3)
        losses = converter.fit_pair("a", "b", pairs)
        self.assertLen(losses, 2)  # every 100 steps
        source, (_, truth) = analyses["a"][0], pairs[0]
        _, mcep, _ = converter.convert(source, "a", "b")
        error = np.sqrt(np.mean((mcep[:, 1:] - truth.mcep[:, 1:]) ** 2))
        unchanged = np.sqrt(np.mean((source.mcep[:, 1:] - truth.mcep[:, 1:]) ** 2))
        self.assertLess(error, 0.2 * unchanged)
        with self.assertRaisesRegex(ValueError, "no network for b -> a"):
            converter.convert(source, "b", "a")
        with tempfile.TemporaryDirectory() as directory:
            conversion.save_converter(converter, directory, corpus="toy")
            loaded, record = conversion.load_converter(directory)
        self.assertEqual(record["corpus"], "toy")
        self.assertEqual(conversion.directions_of(loaded), [("a", "b")])
        self.assertAllClose(loaded.convert(source, "a", "b")[1], mcep, atol=1e-6)

    def test_a_directory_without_a_converter_is_not_a_conversion_run(self):
        with tempfile.TemporaryDirectory() as directory:
            self.assertFalse(conversion.is_converter_run(directory))
            with self.assertRaisesRegex(FileNotFoundError, "not a speech conversion run"):
                conversion.load_converter(directory)


class ConvertFilesTest(tf.test.TestCase):
    def _voice(self, pitch):
        t = np.arange(16000) / 16000.0
        phase = 2 * np.pi * np.cumsum(np.full(t.shape, pitch)) / 16000.0
        return 0.3 * np.sign(np.sin(phase)) * np.hanning(len(t)) + 0.01 * np.sin(7 * phase)

    def test_files_convert_with_the_named_direction_and_bad_input_is_named(self):
        rng = np.random.default_rng(5)
        statistics, _ = statistics_of(rng)
        converter = conversion.F0Only(statistics)
        with tempfile.TemporaryDirectory() as directory:
            source = os.path.join(directory, "in")
            os.makedirs(source)
            audio_io.write_wav(os.path.join(source, "one.wav"), self._voice(110.0))
            written = conversion.convert_files(converter, source, os.path.join(directory, "o"),
                                               "a", "b")
            self.assertEqual([os.path.basename(p) for p in written], ["one.wav"])
            # WORLD synthesises whole 5 ms frames: the length is the input's within one.
            self.assertLessEqual(abs(len(audio_io.read_wav(written[0])) - 16000), 80)
            with self.assertRaisesRegex(ValueError, "has 2 directions; name them"):
                conversion.convert_files(converter, source, directory)
            with self.assertRaisesRegex(FileNotFoundError, "in: .*missing.wav: no such"):
                conversion.convert_files(converter, os.path.join(directory, "missing.wav"),
                                         directory, "a", "b")
            audio_io.write_wav(os.path.join(directory, "silent.wav"), np.zeros(16000))
            with self.assertRaisesRegex(ValueError, "silent.wav: silent waveform"):
                conversion.convert_files(converter, os.path.join(directory, "silent.wav"),
                                         os.path.join(directory, "o"), "a", "b")


class FeaturePipelineTest(tf.test.TestCase):
    def test_segments_are_crops_of_the_utterances_and_keyed_by_the_step(self):
        rng = np.random.default_rng(6)
        utterances = [rng.normal(size=(n, 3)).astype(np.float32) for n in (40, 90, 64)]
        stream = voice_features.segments(utterances, segment_frames=32, batch_size=5, seed=3)
        first = [b.numpy() for b in stream.take(3)]
        again = [b.numpy() for b in stream.take(3)]
        self.assertAllEqual(first[2], again[2])
        self.assertEqual(first[0].shape, (5, 32, 3))
        for crop in np.concatenate(first):
            self.assertTrue(any(
                any(np.array_equal(crop, u[s:s + 32]) for s in range(len(u) - 31))
                for u in utterances))
        other = voice_features.segments(utterances, segment_frames=32, batch_size=5, seed=4)
        self.assertNotAllClose(next(iter(other)).numpy(), first[0])

    def test_short_utterances_and_bad_sizes_are_named(self):
        with self.assertRaisesRegex(ValueError, r"1 of 2 are shorter than one segment "
                                                r"\(64 frames\), e.g. #1 with 10 frames"):
            voice_features.segments([np.zeros((70, 2)), np.zeros((10, 2))], 64)
        with self.assertRaisesRegex(ValueError, "segment_frames: expected a positive integer"):
            voice_features.segments([np.zeros((70, 2))], 0)

    def test_unpaired_segments_draw_the_domains_independently(self):
        a = [np.full((50, 2), 1.0, np.float32)]
        b = [np.full((50, 2), 2.0, np.float32)]
        source, target = next(iter(voice_features.unpaired_segments(a, b, 16, 2)))
        self.assertAllEqual(source.numpy(), np.ones((2, 16, 2)))
        self.assertAllEqual(target.numpy(), np.full((2, 16, 2), 2.0))

    def test_utterances_come_whole_and_in_order(self):
        arrays = [np.full((n, 2), n, np.float32) for n in (3, 5)]
        got = [u.numpy() for u in voice_features.utterances(arrays)]
        self.assertEqual([g.shape for g in got], [(1, 3, 2), (1, 5, 2)])
        self.assertAllEqual(got[1][0], arrays[1])

    def test_analyses_are_cached_and_a_damaged_entry_is_remade(self):
        t = np.arange(8000) / 16000.0
        wave = 0.3 * np.sign(np.sin(2 * np.pi * 120 * t)) + 0.01 * np.sin(2 * np.pi * 900 * t)
        with tempfile.TemporaryDirectory() as directory, \
                mock.patch.dict(os.environ, {"TFGAN_CACHE_DIR": directory}):
            path = os.path.join(directory, "x.wav")
            audio_io.write_wav(path, wave)
            first = voice_features.analysed(path)
            entries = os.listdir(os.path.join(directory, "voices", "analysis"))
            self.assertLen(entries, 1)
            with open(os.path.join(directory, "voices", "analysis", entries[0]), "wb") as f:
                f.write(b"damaged")
            again = voice_features.analysed(path)
            self.assertAllClose(again.mcep, first.mcep)
            copy = voice_features.copy_synthesised(path)
            self.assertLessEqual(abs(copy.frames - first.frames), 1)  # synthesis: whole frames
            self.assertLen(os.listdir(os.path.join(directory, "voices", "analysis")), 2)


if __name__ == "__main__":
    tf.test.main()
