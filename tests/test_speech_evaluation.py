"""Measuring converted speech against the hidden truth (``speech_evaluation``) on synthetic
analyses, and the speech conversion run end to end from the command line (``tfgan
baseline``, ``eval``, ``convert``, ``report``) on the tiny esp4 corpus."""

import json
import os
import shutil
import sys
import tempfile

import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite import cli, speech_evaluation
from tfgan_suite.audio import io as audio_io
from tfgan_suite.audio.analysis import Analysis
from tfgan_suite.metrics import speech as speech_metrics

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_harness  # noqa: E402  (tests/browser_harness.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def smooth_analysis(rng, frames, offset=0.0):
    mcep = offset + np.cumsum(rng.normal(size=(frames, 25)), axis=0) / 4.0
    mcep[:, 0] = 1.0
    f0 = np.full(frames, 120.0)
    f0[::5] = 0.0
    return Analysis(f0=f0, mcep=mcep, ap=np.full((frames, 513), 0.5), sample_rate=16000,
                    frame_period=5.0, alpha=0.41)


class FixedJudge:
    """A judge that always hears ``answer``."""

    def __init__(self, speakers, answer):
        self.speakers, self.answer = tuple(speakers), answer

    def predict_proba(self, mceps, f0s=None):
        probabilities = np.zeros((len(mceps), len(self.speakers)))
        probabilities[:, self.speakers.index(self.answer)] = 1.0
        return probabilities


class MeasureTest(tf.test.TestCase):
    def setUp(self):
        rng = np.random.default_rng(0)
        self.pairs = [speech_evaluation.TestPair(
            "a", "b", f"s{i}", smooth_analysis(rng, 80 + 10 * i),
            smooth_analysis(rng, 90 + 10 * i, offset=0.5)) for i in range(4)]
        self.references = {"b": self.pairs}

    def test_the_target_itself_scores_zero_and_the_source_its_fixed_path_distance(self):
        judges = {"fixed": FixedJudge(["a", "b"], "b")}
        rows, directions = speech_evaluation.measure(
            lambda pair: pair.target_analysis, self.pairs, judges, self.references,
            timing="target")
        self.assertAllClose([r["mcd"] for r in rows], np.zeros(4))
        self.assertTrue(all(r["content_hit"] for r in rows))
        self.assertAllClose([d["gv_ratio"] for d in directions], [1.0])
        rows, _ = speech_evaluation.measure(lambda pair: pair.source_analysis, self.pairs,
                                            judges, self.references)
        for row, pair in zip(rows, self.pairs, strict=True):
            path = speech_metrics.dtw_path(pair.source_analysis.mcep[:, 1:],
                                           pair.target_analysis.mcep[:, 1:])
            self.assertNear(row["mcd"], speech_metrics.mel_cepstral_distortion(
                pair.source_analysis.mcep, pair.target_analysis.mcep, path=path), 1e-9)
            self.assertLessEqual(row["mcd_dtw"], row["mcd"] + 1e-9)
        summary = speech_evaluation.summarise(rows, directions, judges=["fixed"])
        self.assertEqual(summary["tar_fixed"], (1.0, 1.0, 1.0))
        self.assertEqual(summary["srr_fixed"], (0.0, 0.0, 0.0))
        low, mean, high = summary["mcd"][1], summary["mcd"][0], summary["mcd"][2]
        self.assertLessEqual(low, mean)
        self.assertLessEqual(mean, high)

    def test_a_bad_timing_is_named(self):
        with self.assertRaisesRegex(ValueError, r"timing: expected one of \('source', "
                                                r"'target'\), got 'both'"):
            speech_evaluation.measure(lambda p: p.source_analysis, self.pairs, {},
                                      self.references, timing="both")

    def test_intervals_format_as_percent_or_plain(self):
        self.assertEqual(speech_evaluation.format_interval((0.5, 0.25, 0.75), 1, True),
                         "50.0 [25.0, 75.0]")
        self.assertEqual(speech_evaluation.format_interval((np.nan,) * 3), "n/a")


CHECK_AUDIO_PAGE = browser_harness.harness_page("""
  var players = Array.from(doc.querySelectorAll("audio"));
  var headings = Array.from(doc.querySelectorAll("h2")).map(function (h) {
    return h.textContent; });
  Promise.all(players.map(function (a) {
    return new Promise(function (resolve) {
      if (a.readyState >= 1) { resolve(a.duration); return; }
      a.addEventListener("loadedmetadata", function () { resolve(a.duration); });
      a.addEventListener("error", function () { resolve(-1); });
      a.load();
    });
  })).then(function (durations) {
    report({headings: headings, durations: durations,
            scripts: doc.querySelectorAll("script").length});
  });""")


@pytest.mark.slow
class SpeechRunCommandsTest(tf.test.TestCase):
    """B1 on the tiny esp4 corpus (2 voices, 6 hidden test sentences): fitted, measured,
    reported and used to convert files, all through ``tfgan``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix="tfgan_speech_")
        cls.run_dir = os.path.join(cls.workdir, "b1")
        code = cli.main(["baseline", "--voices", "esp4", "--subset", "tiny", "--kind",
                         "mean_variance", "--out", cls.run_dir])
        assert code == 0, code
        assert cli.main(["eval", "--run", cls.run_dir]) == 0
        cls.page = os.path.join(cls.workdir, "report.html")
        assert cli.main(["report", "--run", cls.run_dir, "--out", cls.page]) == 0

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.workdir, ignore_errors=True)
        super().tearDownClass()

    def test_eval_measures_every_hidden_test_conversion(self):
        with open(os.path.join(self.run_dir, "metrics.json"), encoding="utf-8") as stream:
            result = json.load(stream)["speech_evaluation"]
        self.assertEqual(result["utterances"], 12)  # m3 -> m6 and m6 -> m3, 6 sentences
        self.assertEqual({(r["source"], r["target"]) for r in result["rows"]},
                         {("m3", "m6"), ("m6", "m3")})
        for key in ("mcd", "mcd_dtw", "tar_linear", "tar_cnn", "content_hit", "msd"):
            mean, low, high = result["summary"][key]
            self.assertTrue(np.isfinite(mean) and low <= mean <= high, key)
        self.assertGreater(result["summary"]["mcd"][0], 0.0)

    def test_report_has_the_speech_sections_and_audio_of_each_conversion(self):
        with open(self.page, encoding="utf-8") as stream:
            page = stream.read()
        self.assertNotIn("<script", page)
        self.assertEqual(page.count("<audio"), 2 * 2 * 3)  # directions × sentences × clips
        self.assertNotIn("http://", page.replace("http://www.w3.org", ""))
        for title in ("Run", "Metrics", "Listening"):
            self.assertIn(f"<h2>{title}</h2>", page)
        self.assertIn("MCD-fixed (dB)", page)

    def test_every_audio_element_loads_in_headless_chromium(self):
        browser_harness.require_chromium(self)
        result = browser_harness.harness_result(
            self, self.page, CHECK_AUDIO_PAGE, os.path.join(self.workdir, "served"),
            "--autoplay-policy=no-user-gesture-required")
        self.assertEqual(result["headings"], ["Run", "Metrics", "Listening"])
        self.assertEqual(result["scripts"], 0)
        self.assertLen(result["durations"], 12)
        for duration in result["durations"]:
            self.assertGreater(duration, 1.0)  # every clip is a sentence of over a second

    def test_convert_writes_converted_files_and_names_bad_input(self):
        from tfgan_suite.data.voices import corpus as voice_corpus

        corpus = voice_corpus.load_corpus("esp4", subset="tiny")
        utterance = corpus.utterances("test", "m3", consumer="evaluation")[0]
        wave = audio_io.read_wav(utterance.path)
        inputs = os.path.join(self.workdir, "inputs")
        os.makedirs(inputs, exist_ok=True)
        audio_io.write_wav(os.path.join(inputs, "mine.wav"),
                           audio_io.resample(wave, 16000, 22050), 22050)
        out = os.path.join(self.workdir, "converted")
        self.assertEqual(cli.main(["convert", "--run", self.run_dir, "--in", inputs, "--out", out,
                                   "--source", "m3", "--target", "m6"]), 0)
        converted = audio_io.read_wav(os.path.join(out, "mine.wav"))
        self.assertLessEqual(abs(len(converted) - len(wave)), 80)
        import soundfile

        stereo = os.path.join(self.workdir, "stereo.wav")
        soundfile.write(stereo, np.stack([wave, wave], axis=1), 16000)
        cases = [
            (["--in", stereo, "--source", "m3", "--target", "m6"], "2 channels; expected mono"),
            (["--in", inputs], "this converter has 2 directions; name them"),
            (["--in", inputs, "--source", "m3", "--target", "zz"], "unknown speaker 'zz'"),
            (["--in", os.path.join(self.workdir, "none.wav"), "--source", "m3",
              "--target", "m6"], "no such file"),
        ]
        for arguments, message in cases:
            with self.subTest(message=message):
                code, error = _run_cli(["convert", "--run", self.run_dir, "--out", out,
                                        *arguments])
                self.assertEqual(code, cli.EXIT_BAD_INPUT)
                self.assertIn(message, error)
                self.assertEqual(len(error.strip().splitlines()), 1, error)


@pytest.mark.slow
class ConversionModelRunTest(tf.test.TestCase):
    """A tiny CycleGAN-VC trained from its recipe on the tiny esp4 corpus through ``tfgan
    train``, then measured, converted, reported and exported through ``tfgan``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix="tfgan_vc_")
        cls.run_dir = os.path.join(cls.workdir, "vc")
        sets = ["data.subset=tiny", "data.segment_frames=32", "data.batch_size=2",
                "generator.channels=4", "generator.blocks=1", "discriminator.channels=4",
                "train.steps=4", "train.steps_per_epoch=2", "train.steps_per_execution=1",
                "cyclegan_vc.identity_steps=2"]
        code = cli.main(["train", "--config", os.path.join(ROOT, "configs",
                                                            "cyclegan_vc_esp4.yaml"),
                         "--out", cls.run_dir, *[a for s in sets for a in ("--set", s)]])
        assert code == 0, code
        assert cli.main(["eval", "--run", cls.run_dir]) == 0

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.workdir, ignore_errors=True)
        super().tearDownClass()

    def test_run_keeps_the_statistics_and_eval_measures_both_directions(self):
        with open(os.path.join(self.run_dir, "speakers.json"), encoding="utf-8") as stream:
            speakers = json.load(stream)
        self.assertEqual(sorted(speakers["speakers"]), ["m3", "m6"])
        self.assertEqual((speakers["corpus"], speakers["subset"]), ("esp4", "tiny"))
        with open(os.path.join(self.run_dir, "metrics.json"), encoding="utf-8") as stream:
            stored = json.load(stream)
        self.assertEqual(stored["steps"], 4)  # the training summary is kept beside it
        result = stored["speech_evaluation"]
        self.assertEqual(result["utterances"], 12)
        self.assertEqual(result["step"], 4)
        self.assertTrue(np.isfinite(result["summary"]["mcd"][0]))

    def test_convert_report_and_export_take_the_model_run(self):
        from tfgan_suite.data.voices import corpus as voice_corpus

        corpus = voice_corpus.load_corpus("esp4", subset="tiny")
        source = corpus.utterances("test", "m6", consumer="evaluation")[0].path
        out = os.path.join(self.workdir, "converted")
        self.assertEqual(cli.main(["convert", "--run", self.run_dir, "--in", source, "--out",
                                   out, "--source", "m6", "--target", "m3"]), 0)
        converted = audio_io.read_wav(os.path.join(out, os.path.basename(source)))
        self.assertLessEqual(abs(len(converted) - len(audio_io.read_wav(source))), 80)
        page = os.path.join(self.workdir, "vc.html")
        self.assertEqual(cli.main(["report", "--run", self.run_dir, "--out", page]), 0)
        with open(page, encoding="utf-8") as stream:
            self.assertEqual(stream.read().count("<audio"), 2 * 2 * 3)
        models = os.path.join(self.workdir, "models")
        self.assertEqual(cli.main(["export", "--run", self.run_dir, "--format",
                                   "saved_model", "--out", models]), 0)
        signatures = tf.saved_model.load(os.path.join(models, "generator", "1")).signatures
        self.assertIn("convert_m3_to_m6", signatures)
        code, error = _run_cli(["convert", "--run", self.run_dir, "--in", source, "--out",
                                out, "--source", "m3", "--target", "f2"])
        self.assertEqual(code, cli.EXIT_BAD_INPUT)
        self.assertIn("unknown speaker 'f2'", error)
        for command in (["sample", "--n", "4", "--out", os.path.join(self.workdir, "s.png")],
                        ["translate", "--in", source, "--out", out]):
            code, error = _run_cli([command[0], "--run", self.run_dir, *command[1:]])
            self.assertEqual(code, cli.EXIT_BAD_INPUT)
            self.assertIn("holds a voice conversion model (CycleGANVC); tfgan "
                          f"{command[0]} works on image runs, use tfgan convert", error)


def _run_cli(argv):
    import contextlib
    import io

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = cli.main(argv)
    return code, stderr.getvalue()


if __name__ == "__main__":
    tf.test.main()
