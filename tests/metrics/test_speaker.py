"""The independent judges of converted speech (speech.md §11.4) on synthetic "speakers":
mel-cepstral trajectories drawn around per-speaker means with per-speaker spreads, with a
varying c0 and silent frames at both ends."""

import json
import os

import numpy as np
import tensorflow as tf
from scipy.signal import lfilter
from sklearn.linear_model import LogisticRegression

from tfgan_suite.metrics import intervals, speaker, speech

ORDER = 24


def smooth_noise(rng, frames, dims, memory=0.8):
    """Unit-variance AR(1) noise along time: trajectories that move like cepstra."""
    white = rng.normal(size=(frames, dims)) * np.sqrt(1.0 - memory ** 2)
    return lfilter([1.0], [1.0, -memory], white, axis=0)


def utterances(speaker_seed, count, seed, frames=(80, 140), spread=0.0, silence=10,
               log_f0=5.0):
    """``count`` utterances (mcep list, F0 list) of the speaker ``speaker_seed``: c1..c24
    around its mean vector with its per-dimension std (``spread`` 0 gives every speaker the
    same distribution), c0 varying over speech frames and 60 dB lower on ``silence`` frames
    at each end (whose c1.. are wild: the judges must not look at them), voiced F0 around
    exp(log_f0) on the speech frames."""
    voice = np.random.default_rng(1000 + speaker_seed)
    mean = spread * voice.normal(0.0, 1.0, ORDER)
    std = 0.3 * np.exp(0.5 * spread * voice.normal(0.0, 1.0, ORDER))
    rng = np.random.default_rng(seed)
    mceps, f0s = [], []
    for _ in range(count):
        length = int(rng.integers(*frames))
        cepstrum = mean + std * smooth_noise(rng, length, ORDER)
        c0 = rng.normal(0.0, 0.5, (length, 1))
        cepstrum[:silence] = cepstrum[-silence:] = rng.normal(0.0, 3.0, (silence, ORDER))
        c0[:silence] = c0[-silence:] = -7.0  # −61 dB: silence
        f0 = np.exp(log_f0 + 0.1 * smooth_noise(rng, length, 1)[:, 0])
        f0[:silence] = f0[-silence:] = 0.0
        mceps.append(np.concatenate([c0, cepstrum], axis=1))
        f0s.append(f0)
    return mceps, f0s


def corpus(speakers=3, count=20, seed=0, **options):
    """Utterances of ``speakers`` speakers ``s0, s1, ...``: (mceps, f0s, names)."""
    mceps, f0s, names = [], [], []
    for index in range(speakers):
        m, f = utterances(index, count, seed=100 * seed + index, **options)
        mceps += m
        f0s += f
        names += [f"s{index}"] * count
    return mceps, f0s, names


class UtteranceStatisticsTest(tf.test.TestCase):
    def test_is_the_mean_and_std_of_c1_onwards_over_the_speech_frames(self):
        (mcep,), (f0,) = utterances(0, 1, seed=1, spread=1.0)
        statistics = speaker.utterance_statistics(mcep)
        speech_part = mcep[10:-10, 1:]
        self.assertEqual(statistics.shape, (2 * ORDER,))
        self.assertAllClose(statistics[:ORDER], speech_part.mean(axis=0))
        self.assertAllClose(statistics[ORDER:], speech_part.std(axis=0))

    def test_f0_adds_the_log_f0_mean_and_std_over_voiced_frames(self):
        (mcep,), (f0,) = utterances(0, 1, seed=1)
        statistics = speaker.utterance_statistics(mcep, f0)
        self.assertEqual(statistics.shape, (2 * ORDER + 2,))
        self.assertAllClose(statistics[:-2], speaker.utterance_statistics(mcep))
        log_f0 = np.log(f0[f0 > 0])
        self.assertAllClose(statistics[-2:], [log_f0.mean(), log_f0.std()])
        with self.assertRaisesRegex(ValueError, "f0: .*voiced"):
            speaker.utterance_statistics(mcep, np.zeros(len(mcep)))
        with self.assertRaisesRegex(ValueError, "mcep: expected a mel-cepstrum"):
            speaker.utterance_statistics(np.zeros(5))


class LinearSpeakerJudgeTest(tf.test.TestCase):
    def test_separable_speakers_are_all_recognised(self):
        judge = speaker.LinearSpeakerJudge().fit(*corpus(spread=1.0)[::2])
        mceps, _, names = corpus(spread=1.0, seed=1)
        self.assertEqual(judge.speakers, ("s0", "s1", "s2"))
        self.assertEqual(judge.accuracy(mceps, names), 1.0)
        self.assertEqual(judge.predict(mceps[:2]), names[:2])
        probabilities = judge.predict_proba(mceps)
        self.assertEqual(probabilities.shape, (len(mceps), 3))
        self.assertAllClose(probabilities.sum(axis=1), np.ones(len(mceps)))

    def test_identical_speakers_are_judged_at_chance(self):
        judge = speaker.LinearSpeakerJudge().fit(*corpus(speakers=2, spread=0.0)[::2])
        mceps, _, names = corpus(speakers=2, count=150, spread=0.0, seed=1)
        self.assertBetween(judge.accuracy(mceps, names), 0.4, 0.6)

    def test_its_probabilities_are_scikit_learn_s_logistic_regression(self):
        for speakers in (2, 3):  # two: scikit-learn's binary model, as a softmax
            mceps, _, names = corpus(speakers=speakers, spread=0.3)
            judge = speaker.LinearSpeakerJudge().fit(mceps, names)
            features = np.stack([speaker.utterance_statistics(m) for m in mceps])
            standardised = (features - features.mean(0)) / features.std(0)
            model = LogisticRegression(C=1.0, max_iter=1000).fit(standardised, names)
            self.assertAllClose(judge.predict_proba(mceps), model.predict_proba(standardised),
                                atol=1e-9)

    def test_c0_changes_nothing(self):
        mceps, _, names = corpus(spread=0.3)
        judge = speaker.LinearSpeakerJudge().fit(mceps, names)
        louder = [m + np.eye(1 + ORDER)[0] * 2.5 for m in mceps]  # every c0 + 2.5 (+22 dB)
        self.assertAllEqual(judge.predict_proba(louder), judge.predict_proba(mceps))
        judge_of_louder = speaker.LinearSpeakerJudge().fit(louder, names)
        self.assertAllClose(judge_of_louder.predict_proba(mceps), judge.predict_proba(mceps))

    def test_f0_is_heard_only_with_f0(self):
        """Speakers with one spectrum and different F0: only the second judge tells them
        apart, and scaling F0 changes nothing for the first (the F0-only baseline stays the
        source)."""
        train, test = ([], [], []), ([], [], [])
        for name, log_f0 in (("low", 4.6), ("high", 5.4)):
            for seed, split in ((0, train), (1, test)):
                mceps, f0s = utterances(0, 30, seed=seed, log_f0=log_f0)
                for items, new in zip(split, (mceps, f0s, [name] * 30), strict=True):
                    items.extend(new)
        with_f0 = speaker.LinearSpeakerJudge(with_f0=True).fit(train[0], train[2],
                                                               f0s=train[1])
        self.assertEqual(with_f0.accuracy(test[0], test[2], f0s=test[1]), 1.0)
        spectral = speaker.LinearSpeakerJudge().fit(train[0], train[2], f0s=train[1])
        doubled = [2.0 * f0 for f0 in test[1]]
        self.assertAllEqual(spectral.predict_proba(test[0], f0s=doubled),
                            spectral.predict_proba(test[0], f0s=test[1]))
        self.assertAllEqual(spectral.predict_proba(test[0]),
                            spectral.predict_proba(test[0], f0s=test[1]))
        self.assertLess(spectral.accuracy(test[0], test[2]), 0.8)
        with self.assertRaisesRegex(ValueError, "f0s: this judge hears F0"):
            with_f0.predict_proba(test[0])
        with self.assertRaisesRegex(ValueError, r"f0s\[0\]: 5 frames"):
            with_f0.predict_proba(test[0][:1], f0s=[np.ones(5)])

    def test_a_dictionary_or_file_round_trip_gives_identical_probabilities(self):
        mceps, f0s, names = corpus(spread=0.3)
        for judge in (speaker.LinearSpeakerJudge().fit(mceps, names),
                      speaker.LinearSpeakerJudge(with_f0=True).fit(mceps, names, f0s)):
            stored = json.loads(json.dumps(judge.to_dict()))
            restored = speaker.LinearSpeakerJudge.from_dict(stored)
            self.assertEqual(restored.speakers, judge.speakers)
            self.assertAllEqual(restored.predict_proba(mceps, f0s),
                                judge.predict_proba(mceps, f0s))
            path = os.path.join(self.get_temp_dir(), "judge.json")
            judge.save(path)
            self.assertAllEqual(speaker.LinearSpeakerJudge.load(path).predict_proba(mceps, f0s),
                                judge.predict_proba(mceps, f0s))

    def test_errors_name_the_argument(self):
        mceps, _, names = corpus(speakers=2, count=3)
        judge = speaker.LinearSpeakerJudge()
        with self.assertRaisesRegex(ValueError, "not fitted"):
            judge.predict(mceps)
        with self.assertRaisesRegex(ValueError, "speakers: a judge needs at least two"):
            judge.fit(mceps, ["s0"] * len(mceps))
        with self.assertRaisesRegex(ValueError, "speakers: 2 names for 6 utterances"):
            judge.fit(mceps, names[:2])
        with self.assertRaisesRegex(ValueError, "mceps: expected a list"):
            judge.fit(mceps[0], names)
        with self.assertRaisesRegex(ValueError, "stored: expected a 'linear' judge"):
            speaker.LinearSpeakerJudge.from_dict({"kind": "cnn"})


class CnnSpeakerJudgeTest(tf.test.TestCase):
    OPTIONS = {"steps": 120, "batch_size": 16, "channels": 16, "segment": 32}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.train = corpus(count=12, spread=0.5)
        cls.judge = speaker.CnnSpeakerJudge(seed=3, **cls.OPTIONS).fit(*cls.train[::2])

    def test_learns_separable_speakers_and_retrains_identically_with_its_seed(self):
        mceps, f0s, names = corpus(count=8, spread=0.5, seed=1)
        self.assertEqual(self.judge.speakers, ("s0", "s1", "s2"))
        self.assertEqual(self.judge.accuracy(mceps, names), 1.0)
        again = speaker.CnnSpeakerJudge(seed=3, **self.OPTIONS).fit(*self.train[::2])
        self.assertAllClose(again.predict_proba(mceps), self.judge.predict_proba(mceps),
                            atol=1e-6)
        other = speaker.CnnSpeakerJudge(seed=4, **dict(self.OPTIONS, steps=10))
        other.fit(*self.train[::2])
        self.assertNotAllClose(other.predict_proba(mceps), self.judge.predict_proba(mceps))

    def test_ignores_f0_and_c0_and_saves_identically(self):
        mceps, f0s, _ = corpus(count=4, spread=0.5, seed=2)
        probabilities = self.judge.predict_proba(mceps)
        self.assertEqual(probabilities.shape, (len(mceps), 3))
        self.assertAllEqual(self.judge.predict_proba(mceps, f0s=[2.0 * f for f in f0s]),
                            probabilities)
        louder = [m + np.eye(1 + ORDER)[0] * 2.5 for m in mceps]
        self.assertAllClose(self.judge.predict_proba(louder), probabilities)
        path = os.path.join(self.get_temp_dir(), "cnn.json")
        self.judge.save(path)
        restored = speaker.CnnSpeakerJudge.load(path)
        self.assertEqual(restored.config, self.judge.config)
        self.assertAllClose(restored.predict_proba(mceps), probabilities, atol=1e-7)

    def test_judges_utterances_shorter_than_a_segment(self):
        short, _, names = corpus(count=2, spread=0.5, seed=3, frames=(30, 40), silence=3)
        self.assertEqual(self.judge.predict_proba(short).shape, (len(short), 3))
        speaker.CnnSpeakerJudge(**dict(self.OPTIONS, steps=2)).fit(short, names)

    def test_rejects_a_bad_configuration(self):
        with self.assertRaisesRegex(ValueError, "segment: expected an integer >= 1"):
            speaker.CnnSpeakerJudge(segment=0)
        with self.assertRaisesRegex(ValueError, "not fitted"):
            speaker.CnnSpeakerJudge().predict_proba(self.train[0])


def stretch(trajectory, factor):
    """``trajectory`` resampled to ``factor`` times its length (linear interpolation)."""
    length = int(round(len(trajectory) * factor))
    old, new = np.arange(len(trajectory)), np.linspace(0, len(trajectory) - 1, length)
    return np.stack([np.interp(new, old, column) for column in trajectory.T], axis=1)


class ContentRetrievalTest(tf.test.TestCase):
    def sentences(self, count=8, seed=0):
        rng = np.random.default_rng(seed)
        return [np.concatenate([rng.normal(0, 0.5, (length, 1)),
                                smooth_noise(rng, length, ORDER, memory=0.9)], axis=1)
                for length in rng.integers(60, 100, count)]

    def test_finds_each_sentence_among_time_warped_variants(self):
        references = self.sentences()
        rng = np.random.default_rng(1)
        order = rng.permutation(len(references))
        converted = [stretch(references[i], rng.uniform(0.8, 1.25)) for i in order]
        converted = [c + rng.normal(0, 0.2, c.shape) for c in converted]
        for decimation in (1, 2):
            hits, nearest = speaker.content_retrieval(converted, references, order,
                                                      decimation=decimation)
            self.assertEqual(hits.dtype, bool)
            self.assertAllEqual(hits, np.ones(len(order), bool))
            self.assertAllEqual(nearest, order)
        hits, _ = speaker.content_retrieval(converted, references, np.roll(order, 1))
        self.assertFalse(hits.any())

    def test_removing_the_mean_ignores_a_constant_spectral_offset(self):
        """A speaker's average spectrum shifts every frame; the plain measure then prefers a
        wrong sentence with that shift, cepstral mean normalisation the right one."""
        first, second = self.sentences(count=2, seed=4)
        shift = np.r_[0.0, np.full(ORDER, 3.0)]
        references = [first, second + shift]
        converted = [stretch(first, 1.1) + shift]
        hits, _ = speaker.content_retrieval(converted, references, [0])
        self.assertFalse(hits[0])
        hits, _ = speaker.content_retrieval(converted, references, [0], remove_mean=True)
        self.assertTrue(hits[0])

    def test_the_nearest_reference_has_the_least_mcd_dtw(self):
        references = self.sentences(count=5, seed=2)
        converted = self.sentences(count=3, seed=3)
        _, nearest = speaker.content_retrieval(converted, references, [0, 0, 0])
        for utterance, index in zip(converted, nearest, strict=True):
            distortions = [speech.mel_cepstral_distortion_dtw(utterance, reference)
                           for reference in references]
            self.assertEqual(index, int(np.argmin(distortions)))

    def test_errors_name_the_argument(self):
        references = self.sentences(count=2)
        with self.assertRaisesRegex(ValueError, "truth: 1 indices for 2 utterances"):
            speaker.content_retrieval(references, references, [0])
        with self.assertRaisesRegex(ValueError, r"truth: indices must lie in \[0, 2\)"):
            speaker.content_retrieval(references, references, [0, 2])
        with self.assertRaisesRegex(ValueError, "decimation: expected a positive integer"):
            speaker.content_retrieval(references, references, [0, 1], decimation=0)


class BootstrapTest(tf.test.TestCase):
    def test_the_interval_surrounds_the_estimate_and_is_deterministic(self):
        values = np.random.default_rng(0).normal(3.0, 1.0, 40)
        estimate, low, high = intervals.bootstrap_ci(values)
        self.assertEqual(estimate, np.mean(values))
        self.assertLess(low, estimate)
        self.assertLess(estimate, high)
        self.assertEqual(intervals.bootstrap_ci(values), (estimate, low, high))
        self.assertNotEqual(intervals.bootstrap_ci(values, seed=1), (estimate, low, high))
        # the interval of a mean is about ±1.96 standard errors
        self.assertAllClose(high - low, 2 * 1.96 * values.std() / np.sqrt(40), rtol=0.15)

    def test_the_interval_shrinks_with_more_utterances(self):
        rng = np.random.default_rng(1)
        widths = []
        for count in (25, 100, 400):  # the width halves each time, about
            _, low, high = intervals.bootstrap_ci(rng.normal(0.0, 1.0, count))
            widths.append(high - low)
        self.assertLess(widths[1], 0.75 * widths[0])
        self.assertLess(widths[2], 0.75 * widths[1])

    def test_booleans_give_a_rate_and_a_narrower_level_a_narrower_interval(self):
        hits = np.arange(20) < 15
        estimate, low, high = intervals.bootstrap_ci(hits)
        self.assertEqual(estimate, 0.75)
        self.assertTrue(0.5 <= low < 0.75 < high <= 1.0)
        _, low_80, high_80 = intervals.bootstrap_ci(hits, level=0.8)
        self.assertLess(high_80 - low_80, high - low)
        self.assertEqual(intervals.bootstrap_ci(np.ones(5)), (1.0, 1.0, 1.0))
        median = intervals.bootstrap_ci([1.0, 2.0, 10.0], statistic=np.median)
        self.assertEqual(median[0], 2.0)

    def test_the_paired_difference_cancels_what_the_utterances_share(self):
        rng = np.random.default_rng(2)
        difficulty = rng.normal(0.0, 3.0, 50)  # per-utterance, shared by both systems
        a = difficulty + 1.0 + rng.normal(0.0, 0.1, 50)
        b = difficulty + rng.normal(0.0, 0.1, 50)
        estimate, low, high = intervals.bootstrap_difference(a, b)
        self.assertAllClose(estimate, np.mean(a) - np.mean(b))
        self.assertTrue(0.9 < low < estimate < high < 1.1)
        _, low_a, high_a = intervals.bootstrap_ci(a)
        self.assertGreater(high_a - low_a, 10 * (high - low))  # unpaired: lost in the spread
        self.assertEqual(intervals.bootstrap_difference(a, a), (0.0, 0.0, 0.0))

    def test_errors_name_the_argument(self):
        with self.assertRaisesRegex(ValueError, "values: expected a non-empty vector"):
            intervals.bootstrap_ci([])
        with self.assertRaisesRegex(ValueError, r"level: expected a coverage in \(0, 1\)"):
            intervals.bootstrap_ci([1.0], level=95)
        with self.assertRaisesRegex(ValueError, "a and b: expected one value per utterance"):
            intervals.bootstrap_difference([1.0, 2.0], [1.0])


class JudgeConversionsTest(tf.test.TestCase):
    def test_rates_of_a_half_converted_toy_system(self):
        """Half the "conversions" are the target speaking (success), half the source
        (failure, e.g. the F0-only baseline): acceptance and retention are both 1/2."""
        judge = speaker.LinearSpeakerJudge().fit(*corpus(spread=1.0)[::2])
        target_speech, _, _ = corpus(speakers=2, count=10, spread=1.0, seed=1)
        converted = target_speech[10:15] + target_speech[:5]  # s1 speaking, then s0
        sources, targets = ["s0"] * 10, ["s1"] * 10
        result = speaker.judge_conversions(judge, converted, sources, targets)
        self.assertEqual(set(result), {"target_acceptance", "source_retention",
                                       "target_posterior"})
        self.assertEqual(result["target_acceptance"][0], 0.5)
        self.assertEqual(result["source_retention"][0], 0.5)
        posterior = judge.predict_proba(converted)[:, 1].mean()
        self.assertAllClose(result["target_posterior"][0], posterior)
        for estimate, low, high in result.values():
            self.assertTrue(low <= estimate <= high)
        with self.assertRaisesRegex(ValueError, r"targets: \['s9'\] unknown to the judge"):
            speaker.judge_conversions(judge, converted, sources, ["s9"] * 10)


if __name__ == "__main__":
    tf.test.main()
