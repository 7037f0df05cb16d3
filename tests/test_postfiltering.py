"""Applying and judging a postfilter (postfiltering.py, ``tfgan postfilter``, ``tfgan eval``
of a postfilter run): an untrained postfilter is the identity in natural units, files and
waves go through, the evaluation compares before and after on the hidden truth, and a real
run of the tiny corpus trains, postfilters and evaluates from the command line."""

import json
import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import cli, networks, postfiltering, runs
from tfgan_suite.audio import stft as audio_stft
from tfgan_suite.audio.prosody import NormStats
from tfgan_suite.data.voices import pairs as voice_pairs
from tfgan_suite.gans import GANS

DIMS = 25


def untrained(dims=DIMS, features="mcep", offset=1):
    keras.utils.set_random_seed(0)
    spec = {"name": "ganpf", "channels": 4, "offset": offset}
    model = GANS.get("ganpf")(networks.build_generator(spec, dims=dims),
                              networks.build_discriminator(spec, dims=dims, frames=16))
    rng = np.random.default_rng(0)
    statistics = NormStats(rng.normal(size=dims), rng.uniform(0.5, 2.0, dims))
    record = {"pair_data": {"features": features}, "target_statistics": statistics}
    return postfiltering.Postfilter(model, record)


class PostfilterTest(tf.test.TestCase):
    def test_an_untrained_postfilter_returns_its_input(self):
        postfilter = untrained()
        features = np.random.default_rng(1).normal(size=(37, DIMS))
        out = postfilter(features)
        self.assertAllEqual(out[:, 0], features[:, 0])  # passed through exactly
        self.assertAllClose(out, features, atol=1e-5)

    def test_a_spectrogram_postfilter_resynthesises_with_the_waves_phase(self):
        postfilter = untrained(dims=257, features="stft", offset=0)
        t = np.arange(8000) / 16000.0
        wave = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
        out = postfilter.wave(wave)
        self.assertEqual(out.shape, ((len(wave) // 80) * 80,))
        self.assertAllClose(out[400:-400], wave[400:len(out) - 400], atol=1e-3)

    def test_features_of_the_wrong_width_are_refused_with_the_shape(self):
        with self.assertRaisesRegex(ValueError, r"^features: expected a mel-cepstrum c0..c24 "
                                                r"\[frames, 25\], got shape \(10, 24\)"):
            untrained()(np.zeros((10, 24)))

    def test_arrays_are_postfiltered_file_by_file(self):
        postfilter = untrained()
        directory = tempfile.mkdtemp()
        features = np.random.default_rng(2).normal(size=(20, DIMS))
        np.save(os.path.join(directory, "a.npy"), features)
        written = postfiltering.postfilter_files(postfilter, directory,
                                                 os.path.join(directory, "out"))
        self.assertEqual([os.path.basename(p) for p in written], ["a.npy"])
        self.assertAllClose(np.load(written[0]), features, atol=1e-5)
        with self.assertRaisesRegex(ValueError, "^in: expected a .wav or .npy file"):
            postfiltering.postfilter_files(postfilter, __file__, directory)

    def test_evaluation_of_the_identity_changes_nothing(self):
        postfilter = untrained()
        rng = np.random.default_rng(3)
        targets = [rng.normal(size=(140, DIMS)) for _ in range(4)]
        inputs = [0.5 * t for t in targets]
        statistics = postfilter.statistics
        pairs = voice_pairs.PairSet(
            tuple(statistics.normalise(x).astype(np.float32) for x in inputs),
            tuple(statistics.normalise(y).astype(np.float32) for y in targets),
            ("0", "1", "2", "3"), statistics, statistics, "mcep", 1)
        result = postfiltering.evaluate(postfilter, pairs)
        for key in ("distance", "gv_ratio", "msd"):
            self.assertAllClose(result["input"][key], result["postfiltered"][key], rtol=1e-4)
        self.assertAllClose(result["input"]["gv_ratio"], 0.25, rtol=1e-3)  # half the scale


class PhaseTest(tf.test.TestCase):
    def test_a_waves_own_magnitudes_with_its_phase_give_the_wave_back(self):
        wave = np.random.default_rng(0).normal(size=4000) * 0.1
        back = audio_stft.with_phase_of(audio_stft.log_stft_magnitude(wave), wave)
        self.assertAllClose(back[400:-400], wave[400:len(back) - 400], atol=1e-6)


class PostfilterRunTest(tf.test.TestCase):
    """The recipe on the tiny esp4 corpus: 2 steps, then the command line."""

    def test_train_postfilter_and_evaluate_from_the_command_line(self):
        out = os.path.join(self.get_temp_dir(), "run")
        runs.train(os.path.join(os.path.dirname(__file__), "..", "configs", "ganpf_mix4.yaml"),
                   out, overrides=["data.name=voices:esp4", "data.subset=tiny",
                                   "data.domains=null", "data.segment_frames=32",
                                   "data.converter_steps=20", "data.batch_size=4",
                                   "train.steps=2", "train.steps_per_epoch=2",
                                   "train.steps_per_execution=1", "generator.channels=4",
                                   "discriminator.channels=4"], verbose=0)
        self.assertTrue(runs.is_postfilter_run(out))
        record = runs.load_postfilter(out).record
        self.assertEqual((record["source"], record["target"]), ("m3", "m6"))
        source = os.path.join(self.get_temp_dir(), "features.npy")
        np.save(source, np.random.default_rng(0).normal(size=(12, DIMS)))
        self.assertEqual(cli.main(["postfilter", "--run", out, "--in", source, "--out",
                                   os.path.join(self.get_temp_dir(), "pf")]), 0)
        self.assertEqual(cli.main(["eval", "--run", out]), 0)
        with open(os.path.join(out, "metrics.json"), encoding="utf-8") as stream:
            result = json.load(stream)["postfilter_evaluation"]
        self.assertEqual(result["utterances"], 6)  # the tiny corpus's hidden test split
        self.assertLess(result["input"]["gv_ratio"], 1.5)
