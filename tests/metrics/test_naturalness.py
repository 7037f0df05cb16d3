"""The naturalness judges (issue #41, speech.md §11.3–§11.4 family) on synthetic data:
"natural" mel-cepstra are AR(1) trajectories with frame-to-frame texture, "synthetic" ones
the same trajectories smoothed along time by a 9-frame moving average, as an MSE-trained
converter over-smooths (lower GV, less high modulation-frequency power)."""

import json
import os

import numpy as np
import tensorflow as tf
from scipy.ndimage import uniform_filter1d
from scipy.signal import lfilter
from sklearn.linear_model import LogisticRegression

from tfgan_suite.metrics import naturalness

ORDER = 8  # c1..c8: 9 coefficients with c0


def ar1(rng, frames, dims, memory=0.8):
    """Unit-variance AR(1) noise along time."""
    white = rng.normal(size=(frames, dims)) * np.sqrt(1.0 - memory ** 2)
    return lfilter([1.0], [1.0, -memory], white, axis=0)


def smooth(trajectory, width=9):
    """A ``width``-frame moving average along time: the over-smoothed version."""
    return uniform_filter1d(trajectory, width, axis=0, mode="nearest")


def pairs(count, seed, frames=(100, 300), silence=10):
    """``count`` natural mel-cepstra ``[frames, 1 + ORDER]`` and their smoothed versions
    (c1.. smoothed; c0 kept): c0 varies over speech frames and is 60 dB lower on ``silence``
    frames at each end, whose c1.. are wild (the judges must not look at them)."""
    rng = np.random.default_rng(seed)
    natural, synthetic = [], []
    for _ in range(count):
        length = int(rng.integers(*frames))
        cepstrum = rng.normal(0.0, 0.2, ORDER) + 0.3 * ar1(rng, length, ORDER)
        c0 = rng.normal(0.0, 0.5, (length, 1))
        if silence:
            cepstrum[:silence] = cepstrum[-silence:] = rng.normal(0.0, 3.0, (silence, ORDER))
            c0[:silence] = c0[-silence:] = -7.0  # −61 dB: silence
        natural.append(np.concatenate([c0, cepstrum], axis=1))
        synthetic.append(np.concatenate([c0, smooth(cepstrum)], axis=1))
    return natural, synthetic


def spectrogram_pairs(count, seed, frames=(100, 300), bins=12):
    """Log-magnitude "spectrograms" ``[frames, bins]`` and their smoothed versions."""
    rng = np.random.default_rng(seed)
    natural = [np.linspace(0.0, -3.0, bins) + 0.5 * ar1(rng, int(rng.integers(*frames)), bins)
               for _ in range(count)]
    return natural, [smooth(x) for x in natural]


class TextureFeaturesTest(tf.test.TestCase):
    def test_white_noise_has_unit_modulation_power_in_every_band(self):
        rng = np.random.default_rng(0)
        bands = len(naturalness.MODULATION_BANDS) - 1
        for length, checked in ((400, slice(0, bands)), (12, slice(bands - 2, bands))):
            features = np.stack([naturalness.texture_features(rng.normal(size=(length, 4)))
                                 for _ in range(300)])
            power = np.exp(features).reshape(300, 2 + bands, 4).mean(axis=(0, 2))
            self.assertAllClose(power[2:][checked], np.ones(bands)[checked], rtol=0.1)
            self.assertAllClose(power[1], 2.0 / np.sqrt(np.pi), rtol=0.05)  # E|x' − x|

    def test_smoothing_lowers_variance_delta_and_high_modulation_power(self):
        (natural,), (synthetic,) = pairs(1, seed=0, silence=0)
        bands = len(naturalness.MODULATION_BANDS) - 1
        a = naturalness.texture_features(natural[:, 1:]).reshape(2 + bands, ORDER)
        b = naturalness.texture_features(synthetic[:, 1:]).reshape(2 + bands, ORDER)
        self.assertAllEqual(b[:2] < a[:2], np.ones((2, ORDER), bool))  # GV, delta
        self.assertAllEqual(b[-2:] < a[-2:] - 2.0, np.ones((2, ORDER), bool))  # high bands

    def test_a_constant_trajectory_gives_the_floor_not_nan(self):
        features = naturalness.texture_features(np.ones((50, 3)))
        self.assertAllClose(features, np.full(features.shape, np.log(naturalness.FLOOR)))

    def test_errors_name_the_argument(self):
        with self.assertRaisesRegex(ValueError, r"frames: expected a \[frames >= 2, dims\]"):
            naturalness.texture_features(np.zeros((1, 3)))
        with self.assertRaisesRegex(ValueError, r"bands: \(0.0, 0.01\] holds no modulation"):
            naturalness.texture_features(np.zeros((40, 3)), bands=(0.0, 0.01, 1.0))
        with self.assertRaisesRegex(ValueError, "bands: expected increasing edges"):
            naturalness.texture_features(np.zeros((40, 3)), bands=(0.5, 0.2))


class _JudgeProperties:
    """Properties both judges must have; ``judge`` is fitted on ``pairs(20, seed=0)``."""

    judge: naturalness.LinearNaturalnessJudge

    def test_tells_natural_from_smoothed_on_held_out_utterances(self):
        natural, synthetic = pairs(20, seed=1)
        self.assertGreaterEqual(self.judge.accuracy(natural, synthetic), 0.9)
        original, smoothed = self.judge.predict_proba(natural), self.judge.predict_proba(synthetic)
        self.assertEqual(original.shape, (20,))
        self.assertLess(smoothed.mean(), original.mean() - 0.5)
        self.assertGreater(np.mean(smoothed < original), 0.9)  # pair by pair

    def test_called_natural_is_a_fraction_inside_its_interval(self):
        natural, synthetic = pairs(20, seed=2)
        mixed = natural[:15] + synthetic[15:]
        result = self.judge.called_natural(mixed)
        self.assertEqual(set(result), {"fraction", "ci", "mean_probability",
                                       "mean_probability_ci", "n"})
        self.assertEqual(result["n"], 20)
        self.assertBetween(result["fraction"], 0.65, 0.85)  # 15 of 20 are natural
        low, high = result["ci"]
        self.assertTrue(0.0 <= low <= result["fraction"] <= high <= 1.0)
        probabilities = self.judge.predict_proba(mixed)
        self.assertAllClose(result["mean_probability"], probabilities.mean())
        self.assertEqual(result["fraction"], np.mean(probabilities >= 0.5))
        low, high = result["mean_probability_ci"]
        self.assertTrue(low <= result["mean_probability"] <= high)
        self.assertEqual(self.judge.called_natural(mixed), result)  # seeded bootstrap
        self.assertLessEqual(self.judge.called_natural(mixed, threshold=0.9)["fraction"],
                             result["fraction"])

    def test_c0_and_silent_frames_change_nothing(self):
        natural, _ = pairs(4, seed=3)
        louder = [m + np.eye(1 + ORDER)[0] * 2.5 for m in natural]  # every c0 + 2.5
        wild = [m.copy() for m in natural]
        for m in wild:
            m[:10, 1:] = 10.0 * np.random.default_rng(0).normal(size=(10, ORDER))
        probabilities = self.judge.predict_proba(natural)
        self.assertAllClose(self.judge.predict_proba(louder), probabilities, atol=1e-6)
        self.assertAllEqual(self.judge.predict_proba(wild), probabilities)

    def test_a_dictionary_or_file_round_trip_gives_identical_probabilities(self):
        natural, synthetic = pairs(4, seed=4)
        utterances = natural + synthetic
        stored = json.loads(json.dumps(self.judge.to_dict()))
        restored = type(self.judge).from_dict(stored)
        self.assertAllEqual(restored.predict_proba(utterances),
                            self.judge.predict_proba(utterances))
        path = os.path.join(self.get_temp_dir(), "naturalness.json")
        self.judge.save(path)
        self.assertAllEqual(type(self.judge).load(path).predict_proba(utterances),
                            self.judge.predict_proba(utterances))

    def test_judges_utterances_shorter_than_a_segment(self):
        natural, _ = pairs(3, seed=5, frames=(5, 20), silence=2)
        probabilities = self.judge.predict_proba(natural)
        self.assertEqual(probabilities.shape, (3,))
        self.assertTrue(np.all((probabilities >= 0.0) & (probabilities <= 1.0)))


class LinearNaturalnessJudgeTest(_JudgeProperties, tf.test.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.train = pairs(20, seed=0)
        cls.judge = naturalness.LinearNaturalnessJudge().fit(*cls.train)

    def test_its_probabilities_are_scikit_learn_s_logistic_regression(self):
        natural, synthetic = self.train
        features = np.stack([naturalness.texture_features(m[m[:, 0] > -5.0, 1:])
                             for m in natural + synthetic])  # the speech frames' c1..
        standardised = (features - features.mean(0)) / features.std(0)
        labels = np.r_[np.ones(20), np.zeros(20)]
        model = LogisticRegression(C=1.0, max_iter=1000).fit(standardised, labels)
        self.assertAllClose(self.judge.predict_proba(natural + synthetic),
                            model.predict_proba(standardised)[:, 1], atol=1e-9)

    def test_refits_identically(self):
        again = naturalness.LinearNaturalnessJudge().fit(*self.train)
        natural, _ = pairs(4, seed=6)
        self.assertAllEqual(again.predict_proba(natural), self.judge.predict_proba(natural))

    def test_tells_natural_from_smoothed_spectrograms(self):
        judge = naturalness.LinearNaturalnessJudge(kind="spectrogram")
        self.assertEqual(judge.frontend, {"kind": "spectrogram", "speech_only": False,
                                          "offset": 0})
        judge.fit(*spectrogram_pairs(20, seed=0))
        self.assertGreaterEqual(judge.accuracy(*spectrogram_pairs(20, seed=1)), 0.9)


class CnnNaturalnessJudgeTest(_JudgeProperties, tf.test.TestCase):
    OPTIONS = {"steps": 200, "channels": 8, "segment": 32, "batch_size": 16,
               "learning_rate": 1e-2}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.train = pairs(20, seed=0)
        cls.judge = naturalness.CnnNaturalnessJudge(seed=0, **cls.OPTIONS).fit(*cls.train)

    def test_retrains_identically_with_its_seed(self):
        natural, synthetic = pairs(4, seed=6)
        options = dict(self.OPTIONS, steps=20)
        first = naturalness.CnnNaturalnessJudge(seed=1, **options).fit(*self.train)
        second = naturalness.CnnNaturalnessJudge(seed=1, **options).fit(*self.train)
        other = naturalness.CnnNaturalnessJudge(seed=2, **options).fit(*self.train)
        self.assertAllClose(second.predict_proba(natural + synthetic),
                            first.predict_proba(natural + synthetic), atol=1e-6)
        self.assertNotAllClose(other.predict_proba(natural + synthetic),
                               first.predict_proba(natural + synthetic))

    def test_rejects_a_bad_configuration(self):
        with self.assertRaisesRegex(ValueError, "batch_size: expected an integer >= 2"):
            naturalness.CnnNaturalnessJudge(batch_size=1)
        with self.assertRaisesRegex(ValueError, "stored: expected a 'cnn_naturalness' judge"):
            naturalness.CnnNaturalnessJudge.from_dict({"kind": "linear_naturalness"})


class ErrorsTest(tf.test.TestCase):
    def assertOneLineError(self, pattern, function, *args, **kwargs):
        with self.assertRaisesRegex(ValueError, pattern) as caught:
            function(*args, **kwargs)
        self.assertNotIn("\n", str(caught.exception))

    def test_errors_are_one_line_and_name_the_argument(self):
        natural, synthetic = pairs(3, seed=0, frames=(40, 50))
        for judge_class in (naturalness.LinearNaturalnessJudge,
                            naturalness.CnnNaturalnessJudge):
            judge = judge_class()
            check = self.assertOneLineError
            check("not fitted; call fit", judge.predict_proba, natural)
            check("natural: expected at least 2 utterances, got 1", judge.fit, natural[:1],
                  synthetic)
            check("synthetic: expected at least 2 utterances, got 1", judge.fit, natural,
                  synthetic[:1])
            check(r"synthetic\[1\]: 8 coefficients, but natural\[0\] has 9", judge.fit,
                  natural, [synthetic[0], synthetic[1][:, :8]])
            check(r"natural\[2\]: 10 coefficients, but natural\[0\] has 9", judge.fit,
                  natural[:2] + [np.pad(natural[2], ((0, 0), (0, 1)))], synthetic)
            bad = natural[1].copy()
            bad[20, 3] = np.nan
            check(r"natural\[1\]: non-finite values", judge.fit, [natural[0], bad], synthetic)
            check("natural: expected a list", judge.fit, natural[0], synthetic)
            check(r"natural\[0\]: expected at least 2 \(speech\) frames", judge.fit,
                  [natural[0][:1]] + natural[1:], synthetic)
            check("kind: expected one of", judge_class, kind="wav")
            check("speech_only: needs kind='mcep'", judge_class, kind="spectrogram",
                  speech_only=True)
            check("offset: expected a non-negative integer", judge_class, offset=-1)
            check("stored: expected a", judge_class.from_dict, {"kind": "other"})
        fitted = naturalness.LinearNaturalnessJudge().fit(natural, synthetic)
        self.assertOneLineError(r"sequences\[0\]: 8 coefficients, but the fitted judge has 9",
                                fitted.predict_proba, [natural[0][:, :8]])
        self.assertOneLineError("sequences: expected at least one utterance",
                                fitted.predict_proba, [])
        self.assertOneLineError(r"threshold: expected a probability in \(0, 1\)",
                                fitted.called_natural, natural, threshold=1.0)


if __name__ == "__main__":
    tf.test.main()
