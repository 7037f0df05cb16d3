"""Aligned speech pairs (data/voices/pairs.py): the crops pair the same frames, the
over-smoothed inputs are cross-fitted, the precondition measures smoothing, and real pairs of
the tiny esp4 corpus come out aligned and cached."""

import os
from unittest import mock

import numpy as np
import tensorflow as tf

from tfgan_suite.audio.prosody import NormStats
from tfgan_suite.data.voices import corpus as voice_corpus
from tfgan_suite.data.voices import pairs
from tfgan_suite.metrics import speech


def textured(rng, frames=300, dims=12):
    """AR(1) trajectories with frame-to-frame texture."""
    x = np.zeros((frames, dims))
    for t in range(1, frames):
        x[t] = 0.8 * x[t - 1] + rng.normal(size=dims)
    return x


def smoothed(x, width=9):
    kernel = np.ones(width) / width
    return np.stack([np.convolve(x[:, d], kernel, mode="same") for d in range(x.shape[1])], 1)


def pair_set(inputs, targets):
    dims = targets[0].shape[1]
    unit = NormStats(np.zeros(dims), np.ones(dims))
    return pairs.PairSet(tuple(inputs), tuple(targets),
                         tuple(str(i) for i in range(len(targets))), unit, unit, "mcep", 1)


class PairedSegmentsTest(tf.test.TestCase):
    def test_inputs_and_targets_are_cropped_at_the_same_frames(self):
        rng = np.random.default_rng(0)
        targets = [rng.normal(size=(n, 5)).astype(np.float32) for n in (40, 70, 90)]
        inputs = [t + 100.0 * (i + 1) for i, t in enumerate(targets)]  # which pair, visibly
        stream = pairs.paired_segments(pair_set(inputs, targets), segment_frames=16,
                                       batch_size=8, seed=3)
        for x, y in stream.take(3):
            self.assertEqual(x.shape, (8, 16, 5))
            offset = (x - y).numpy()
            # every crop: one pair's constant offset, so x and y are the same frames
            self.assertAllClose(offset, np.broadcast_to(offset[:, :1, :1], offset.shape))

    def test_pairs_shorter_than_a_crop_are_refused_with_the_field(self):
        short = [np.zeros((8, 3), np.float32)] * 2
        with self.assertRaisesRegex(ValueError, "^data.segment_frames"):
            pairs.paired_segments(pair_set(short, short), segment_frames=16)


class CrossFittingTest(tf.test.TestCase):
    def test_each_fold_is_converted_by_a_converter_that_never_saw_it(self):
        rng = np.random.default_rng(0)
        x = [rng.normal(size=(20, 4)).astype(np.float32) for _ in range(7)]
        y = [rng.normal(size=(20, 4)).astype(np.float32) for _ in range(7)]
        trained_on = []

        class Recorder:
            def __init__(self, seen):
                self.seen = seen

            def __call__(self, batch, training=False):
                return np.zeros_like(batch)  # the converted coefficients: zeros

        def fit(inputs, targets, passthrough, steps, seed):
            seen = {id(a) for a in inputs}
            trained_on.append(seen)
            return Recorder(seen)

        with mock.patch.object(pairs, "_fit_converter", fit), \
                mock.patch.object(pairs, "_convert", lambda network, s, p: (network, s)):
            converted = pairs._cross_fitted(x, y, 1, folds=2, steps=1, seed=0)
        self.assertLen(trained_on, 2)
        for index, (network, sequence) in enumerate(converted):
            self.assertIs(sequence, x[index])
            self.assertNotIn(id(x[index]), network.seen)  # never trained on its own input
            self.assertLen(network.seen, 7 - len(x[index % 2::2]))

    def test_passed_through_coefficients_are_kept_and_the_rest_converted(self):
        sequence = np.arange(12, dtype=np.float32).reshape(4, 3)
        out = pairs._convert(lambda batch, training=False: np.asarray(batch) * 0 - 1,
                             sequence, 1)
        self.assertAllEqual(out[:, 0], sequence[:, 0])
        self.assertAllEqual(out[:, 1:], -np.ones((4, 2)))


class OversmoothingTest(tf.test.TestCase):
    def test_a_moving_average_is_measured_as_over_smoothed(self):
        rng = np.random.default_rng(0)
        natural = [textured(rng) for _ in range(8)]
        result = speech.oversmoothing([smoothed(x) for x in natural], natural, first=2)
        self.assertLess(result["gv_ratio"], 0.8)
        self.assertGreater(result["msd"], 3 * result["msd_floor"])
        same = speech.oversmoothing(natural, natural, first=2)
        self.assertAllClose(same["gv_ratio"], 1.0)
        self.assertAllClose(same["msd"], 0.0)


class CorpusPairsTest(tf.test.TestCase):
    """Real pairs: the tiny esp4 corpus (2 voices, 4 P-train sentences)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.corpus = voice_corpus.load_corpus("esp4", subset="tiny")

    def test_parallel_mcep_pairs_are_on_the_targets_frames(self):
        made = pairs.make_pairs(self.corpus, "m3", "m6", "p-train", "parallel", "mcep",
                                use_cache=False)
        self.assertLen(made.targets, 4)
        for x, y in zip(made.inputs, made.targets, strict=True):
            self.assertEqual(x.shape, y.shape)
            self.assertEqual(y.shape[1], 25)
        # y is the target's natural mel-cepstrum, standardised
        first = self.corpus.pairs("p-train", "m3", "m6")[0][1]
        natural = pairs.natural_features(self.corpus, first, "mcep")
        self.assertAllClose(made.natural_units(made.targets[:1])[0], natural, atol=1e-4)

    def test_stft_pairs_have_257_bins_on_the_analysis_frames(self):
        made = pairs.make_pairs(self.corpus, "m3", "m6", "p-train", "parallel", "stft",
                                use_cache=False)
        mcep = pairs.make_pairs(self.corpus, "m3", "m6", "p-train", "parallel", "mcep",
                                use_cache=False)
        self.assertEqual(made.dims, 257)
        self.assertEqual([len(y) for y in made.targets], [len(y) for y in mcep.targets])

    def test_oversmoothed_pairs_are_cached_and_keep_c0(self):
        options = dict(split="p-train", inputs="oversmoothed", features="mcep",
                       converter_steps=20)
        directory = self.get_temp_dir()
        real_path = pairs._cache_path

        def cache_path(*arguments):  # the pairs cached here (analyses where they are)
            return os.path.join(directory, os.path.basename(real_path(*arguments)))

        with mock.patch.object(pairs, "_cache_path", cache_path):
            made = pairs.make_pairs(self.corpus, "m3", "m6", **options)
            self.assertLen(os.listdir(directory), 1)
            with mock.patch.object(pairs, "_cross_fitted",
                                   side_effect=AssertionError("trained again")):
                again = pairs.make_pairs(self.corpus, "m3", "m6", **options)
        parallel = pairs.make_pairs(self.corpus, "m3", "m6", "p-train", "parallel", "mcep",
                                    use_cache=False)
        for a, b in zip(made.inputs, again.inputs, strict=True):
            self.assertAllEqual(a, b)
        for over, source in zip(made.inputs, parallel.inputs, strict=True):
            self.assertAllClose(over[:, 0], source[:, 0])  # c0 passes through
            self.assertGreater(np.abs(over[:, 1:] - source[:, 1:]).max(), 1e-3)

    def test_bad_options_name_their_argument(self):
        for options, field in (({"inputs": "noisy"}, "inputs"), ({"features": "mfcc"},
                                                                  "features"),
                               ({"split": "np-train"}, "split"), ({"folds": 1}, "folds")):
            with self.subTest(options=options):
                with self.assertRaisesRegex(ValueError, f"^{field}:"):
                    pairs.make_pairs(self.corpus, "m3", "m6", **options)
