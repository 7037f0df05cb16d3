"""The voices corpus (data/voices/render.py, corpus.py): the voice sets, the rendering
recipe (16 kHz, trimmed, RMS-normalised, deterministic), the splits and the loader's
refusals, the cache, and folder corpora. Renders only the tiny esp4 subset and a few
sentences, into a temporary ``TFGAN_CACHE_DIR`` (espeak-ng and the word lists are Debian
packages: the tests that need them skip with the apt line when they are missing)."""

import os
import re
import shutil
import tempfile
from unittest import mock

import numpy as np
import soundfile
import tensorflow as tf

from tfgan_suite import cache
from tfgan_suite.audio import io as audio_io
from tfgan_suite.data.sources import DatasetNotFoundError
from tfgan_suite.data.voices import corpus, render, sentences

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ESP4 = {voice.name: voice for voice in render.VOICE_SETS["esp4"]}
#: The consumer each split is for.
CONSUMER_OF = {"np-train": "nonparallel", "p-train": "parallel", "dev": "selection",
               "test": "evaluation"}
TEXT = "The quiet farmer will protect every lamp near the old harbour."


def dbfs(wave: np.ndarray) -> float:
    return 20.0 * np.log10(np.sqrt(np.mean(np.square(wave))))


def needs_espeak_and_word_lists(test: tf.test.TestCase) -> None:
    if shutil.which("espeak-ng") is None:
        test.skipTest("espeak-ng is not installed; install it (as root) with: "
                      "apt-get install espeak-ng (or run make voices)")
    try:
        sentences.vocabulary()
    except DatasetNotFoundError as error:
        test.skipTest(str(error))


class VoiceSetTest(tf.test.TestCase):
    def test_the_sets_name_their_voices_engines_and_packages(self):
        self.assertEqual([(v.name, v.argument, v.gender) for v in render.VOICE_SETS["esp4"]],
                         [("m3", "en-us+m3", "male"), ("m6", "en-us+m6", "male"),
                          ("f2", "en-us+f2", "female"), ("f5", "en-us+f5", "female")])
        self.assertEqual([(v.name, v.engine, v.argument) for v in render.VOICE_SETS["mix4"]],
                         [("kal", "festival", "kal_diphone"), ("ked", "festival", "ked_diphone"),
                          ("rms", "flite", "rms"),
                          ("slt", "festival", "cmu_us_slt_arctic_hts")])
        mix4 = {v.name: v for v in render.VOICE_SETS["mix4"]}
        self.assertEqual(mix4["kal"].packages, ("festival", "festvox-kallpc16k"))
        self.assertEqual(mix4["rms"].packages, ("flite",))
        self.assertEqual(ESP4["f2"].packages, ("espeak-ng",))
        with self.assertRaisesRegex(ValueError, r"^engine: expected one of espeak-ng, "
                                                r"festival, flite, got 'mbrola'$"):
            render.Voice("x", "mbrola", "us1", "male")

    def test_the_package_list_is_shipped_and_names_every_voice_package(self):
        self.assertEqual(render.PACKAGES, (
            "espeak-ng", "festival", "festvox-kallpc16k", "festvox-kdlpc16k",
            "festvox-us-slt-hts", "flite", "wamerican", "wordnet-base"))
        needed = {p for voices in render.VOICE_SETS.values() for v in voices
                  for p in v.packages} | set(sentences.PACKAGES)
        self.assertEqual(needed, set(render.PACKAGES))
        with open(os.path.join(ROOT, "setup.py"), encoding="utf-8") as handle:
            self.assertRegex(handle.read(), r'"tfgan_suite.data": \[[^]]*"voice_packages.txt"')


class RenderTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        needs_espeak_and_word_lists(self)

    def test_a_rendering_is_16_khz_trimmed_rms_normalised_and_deterministic(self):
        voice = ESP4["f2"]
        raw, rate = render.synthesise(voice, TEXT)
        self.assertEqual(rate, 22050)  # espeak-ng's own rate
        wave = render.render(voice, TEXT)
        self.assertAllEqual(wave, render.render(voice, TEXT))
        self.assertEqual(wave.dtype, np.float64)
        self.assertNear(dbfs(wave), render.TARGET_DBFS, 0.05)
        self.assertLessEqual(np.abs(wave).max(), 0.99 + 1e-9)
        # Trimmed: the raw output's leading and trailing silence (espeak-ng adds some) is
        # cut to about the 50 ms pads.
        untrimmed = len(raw) * audio_io.SAMPLE_RATE / rate
        self.assertLess(len(wave), untrimmed - 0.05 * audio_io.SAMPLE_RATE)
        self.assertGreater(len(wave), render.MIN_SECONDS * audio_io.SAMPLE_RATE)
        loud = np.flatnonzero(np.abs(wave) > 10 ** (-30 / 20) * np.abs(wave).max())
        self.assertLess(loud[0], 0.2 * audio_io.SAMPLE_RATE)
        self.assertGreater(loud[-1], len(wave) - 0.2 * audio_io.SAMPLE_RATE)

    def test_an_utterance_shorter_than_one_second_is_rejected(self):
        with self.assertRaisesRegex(ValueError, "voice 'm3'"):
            render.render(ESP4["m3"], "Hi.")

    def test_the_engine_version_names_the_synthesiser(self):
        self.assertRegex(render.engine_version(ESP4["m3"]), r"eSpeak NG.*1\.\d+")

    def test_a_missing_engine_names_the_debian_packages_to_install(self):
        empty = tempfile.mkdtemp()
        with mock.patch.dict(os.environ, {"PATH": empty}):
            with self.assertRaisesRegex(DatasetNotFoundError,
                                        r"^voice 'f2' \(espeak-ng en-us\+f2\): espeak-ng not "
                                        r"found; install it \(as root\) with: apt-get install "
                                        r"espeak-ng$"):
                render.render(ESP4["f2"], TEXT)
            kal = render.VOICE_SETS["mix4"][0]
            with self.assertRaisesRegex(DatasetNotFoundError,
                                        r"text2wave not found; .*apt-get install festival "
                                        r"festvox-kallpc16k$"):
                render.engine_version(kal)
            with self.assertRaisesRegex(DatasetNotFoundError, r"apt-get install espeak-ng$"):
                corpus.load_corpus("esp4", subset="tiny")

    def test_a_voice_the_engine_lacks_is_refused_not_replaced_by_its_default(self):
        with self.assertRaisesRegex(DatasetNotFoundError,
                                    r"^voice 'x' \(espeak-ng en-us\+nosuch\): espeak-ng has no "
                                    r"voice 'nosuch'; install it"):
            render.render(render.Voice("x", "espeak-ng", "en-us+nosuch", "male"), TEXT)


class Mix4RenderTest(tf.test.TestCase):
    """One sentence through festival and flite (skips when they are not installed)."""

    def rendered(self, name: str) -> np.ndarray:
        voice = {v.name: v for v in render.VOICE_SETS["mix4"]}[name]
        try:
            render.engine_version(voice)
        except DatasetNotFoundError as error:
            self.skipTest(str(error))
        return render.render(voice, TEXT)

    def check_deterministic(self, name: str) -> None:
        wave = self.rendered(name)
        self.assertAllEqual(wave, self.rendered(name))
        self.assertNear(dbfs(wave), render.TARGET_DBFS, 0.05)
        self.assertBetween(len(wave) / audio_io.SAMPLE_RATE, 2.0, 8.0)

    def test_a_festival_diphone_voice_renders_deterministically(self):
        self.check_deterministic("kal")

    def test_flite_renders_deterministically(self):
        self.check_deterministic("rms")

    def test_the_hts_voice_at_32_khz_is_resampled_to_16_khz(self):
        wave = self.rendered("slt")
        self.assertBetween(len(wave) / audio_io.SAMPLE_RATE, 2.0, 8.0)  # not 2x longer
        self.assertNear(dbfs(wave), render.TARGET_DBFS, 0.05)


class SplitTest(tf.test.TestCase):
    """The full esp4 corpus, listed without rendering."""

    def setUp(self):
        super().setUp()
        needs_espeak_and_word_lists(self)
        self.corpus = corpus.load_corpus("esp4")

    def listed(self, split, voice=None):
        return self.corpus.utterances(split, voice, consumer=CONSUMER_OF[split], render=False)

    def test_split_sizes_follow_the_design(self):
        self.assertEqual(self.corpus.voices, ("m3", "m6", "f2", "f5"))
        for split, per_voice in (("np-train", 80), ("p-train", 60), ("dev", 10), ("test", 30)):
            self.assertLen(self.listed(split), 4 * per_voice, split)
            for voice in self.corpus.voices:
                self.assertLen(self.listed(split, voice), per_voice, (split, voice))

    def test_no_np_train_sentence_is_spoken_by_two_voices(self):
        spoken = {}
        for utterance in self.listed("np-train"):
            spoken.setdefault(utterance.text, set()).add(utterance.voice)
        self.assertLen(spoken, 320)
        self.assertEqual({len(v) for v in spoken.values()}, {1})
        self.assertEqual({u.sentence_id[:3] for u in self.listed("np-train", "f2")}, {"np2"})
        shared = {u.text for u in self.listed("p-train") + self.listed("dev")
                  + self.listed("test")}
        self.assertEqual(set(spoken) & shared, set())

    def test_every_voice_speaks_the_parallel_splits_and_pairs_match_sentences(self):
        for split in ("p-train", "dev", "test"):
            ids = {v: [u.sentence_id for u in self.listed(split, v)] for v in self.corpus.voices}
            self.assertLen({tuple(i) for i in ids.values()}, 1, split)
        pairs = self.corpus.pairs("test", "m3", "f5", render=False)
        self.assertLen(pairs, 30)
        for source, target in pairs:
            self.assertEqual((source.voice, target.voice), ("m3", "f5"))
            self.assertEqual((source.sentence_id, source.text),
                             (target.sentence_id, target.text))

    def test_cache_paths_are_per_set_voice_and_sentence_with_a_key(self):
        utterance = self.listed("dev", "f2")[0]
        self.assertEqual(os.path.dirname(utterance.path),
                         os.path.join(cache.cache_dir(), "voices", "esp4", "f2"))
        self.assertRegex(os.path.basename(utterance.path), r"^dev_000_[0-9a-f]{16}\.wav$")
        with mock.patch.object(render, "RENDERER_VERSION", render.RENDERER_VERSION + 1):
            moved = corpus.load_corpus("esp4").utterances("dev", "f2", consumer="selection",
                                                          render=False)[0]
        self.assertNotEqual(moved.path, utterance.path)

    def test_the_tiny_subset_is_a_prefix_of_the_full_corpus(self):
        tiny = corpus.load_corpus("esp4", subset="tiny")
        self.assertEqual(tiny.voices, ("m3", "m6"))
        full_paths = {u.path for split in corpus.SPLITS for u in self.listed(split)}
        for split, per_voice in (("np-train", 12), ("p-train", 4), ("dev", 2), ("test", 6)):
            chosen = tiny.utterances(split, consumer=CONSUMER_OF[split], render=False)
            self.assertLen(chosen, 2 * per_voice, split)
            self.assertEqual({u.path for u in chosen} - full_paths, set())

    def test_a_non_parallel_model_is_refused_p_train_and_training_the_test_split(self):
        with self.assertRaisesRegex(ValueError,
                                    r"^split 'p-train': a non-parallel model must never load "
                                    r"P-train \(every voice speaks its sentences\); consumer "
                                    r"'nonparallel' may load 'np-train' only$"):
            self.corpus.utterances("p-train", consumer="nonparallel")
        for consumer in ("nonparallel", "parallel", "selection"):
            with self.assertRaisesRegex(ValueError,
                                        rf"^split 'test': the hidden test split is for "
                                        rf"consumer='evaluation' only, never for '{consumer}' "
                                        r"\(training or model selection\)$"):
                self.corpus.utterances("test", consumer=consumer)
        with self.assertRaisesRegex(ValueError, r"^split 'test': .* never for 'parallel'"):
            self.corpus.pairs("test", "m3", "f2", consumer="parallel")
        with self.assertRaisesRegex(ValueError, r"^split 'dev': consumer 'evaluation' may load "
                                                r"test; 'dev' is for consumer='selection'$"):
            self.corpus.utterances("dev", consumer="evaluation")
        with self.assertRaisesRegex(ValueError, r"^split 'np-train': no pairs"):
            self.corpus.pairs("np-train", "m3", "f2")

    def test_unknown_names_are_refused_with_the_accepted_ones(self):
        with self.assertRaisesRegex(ValueError, r"^voice: expected one of m3, m6, f2, f5 \(the "
                                                r"voices of esp4\), got 'f9'$"):
            self.corpus.utterances("dev", "f9", consumer="selection")
        with self.assertRaisesRegex(ValueError, r"^target: expected one of m3, m6, f2, f5"):
            self.corpus.pairs("dev", "m3", "kal")
        with self.assertRaisesRegex(ValueError, r"^consumer: expected one of nonparallel, "
                                                r"parallel, selection, evaluation, got 'gan'$"):
            self.corpus.utterances("dev", consumer="gan")
        with self.assertRaisesRegex(ValueError, r"^split: expected one of np-train, p-train, "
                                                r"dev, test, got 'train'$"):
            self.corpus.utterances("train", consumer="parallel")
        with self.assertRaisesRegex(ValueError, r"^name: expected one of esp4, mix4 or "
                                                r"folder:<path>, got 'vctk'$"):
            corpus.load_corpus("vctk")
        with self.assertRaisesRegex(ValueError, r"^subset: expected one of full, tiny"):
            corpus.load_corpus("esp4", subset="small")


class RenderedCacheTest(tf.test.TestCase):
    """The tiny esp4 subset, rendered once into a temporary cache."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cache = tempfile.mkdtemp()
        cls.addClassCleanup(shutil.rmtree, cls.cache, ignore_errors=True)
        environment = mock.patch.dict(os.environ, {cache.CACHE_DIR_ENV: cls.cache})
        environment.start()
        cls.addClassCleanup(environment.stop)
        cls.rendered = None
        if shutil.which("espeak-ng") is not None:
            try:
                cls.corpus = corpus.load_corpus("esp4", subset="tiny")
                cls.rendered = cls.corpus.render_all(progress=False)
            except DatasetNotFoundError:
                pass

    def setUp(self):
        super().setUp()
        needs_espeak_and_word_lists(self)

    def test_every_utterance_is_cached_as_a_16_khz_wav_at_the_rms_target(self):
        self.assertEqual(self.rendered, 48)
        for voice in ("m3", "m6"):
            stored = os.listdir(os.path.join(self.cache, "voices", "esp4", voice))
            self.assertLen(stored, 24)
            self.assertTrue(all(re.fullmatch(r"(np[01]|p|dev|test)_\d{3}_[0-9a-f]{16}\.wav", s)
                                for s in stored), stored)
        for utterance in self.corpus.utterances("test", "m6", consumer="evaluation"):
            info = soundfile.info(utterance.path)
            self.assertEqual((info.samplerate, info.channels, info.subtype),
                             (16000, 1, "PCM_16"))
            wave = self.corpus.wave(utterance)
            self.assertNear(dbfs(wave), render.TARGET_DBFS, 0.1)
            self.assertGreater(len(wave), 16000)

    def test_a_second_load_reads_the_cache_without_rendering(self):
        paths = [u.path for u in self.corpus.utterances("np-train", consumer="nonparallel")]
        times = {p: os.stat(p).st_mtime_ns for p in paths}
        with mock.patch.object(render, "render") as rendering:
            again = corpus.load_corpus("esp4", subset="tiny")
            self.assertEqual(again.render_all(progress=False), 0)
            listed = again.utterances("np-train", consumer="nonparallel")
            again.wave(listed[0])
        rendering.assert_not_called()
        self.assertEqual({u.path: os.stat(u.path).st_mtime_ns for u in listed}, times)

    def test_the_cached_wave_is_the_rendering_and_a_lost_file_is_rendered_again(self):
        utterance = self.corpus.utterances("dev", "m3", consumer="selection")[0]
        cached = self.corpus.wave(utterance)
        fresh = render.render(render.VOICE_SETS["esp4"][0], utterance.text)
        self.assertAllClose(cached, fresh, atol=1.0 / 32768)  # 16-bit PCM
        os.remove(utterance.path)
        self.assertAllEqual(self.corpus.wave(utterance), cached)
        self.assertTrue(os.path.isfile(utterance.path))

    def test_pairs_are_rendered_and_match_by_sentence(self):
        pairs = self.corpus.pairs("p-train", "m3", "m6")
        self.assertLen(pairs, 4)
        for source, target in pairs:
            self.assertEqual(source.text, target.text)
            self.assertNotEqual(source.path, target.path)
            self.assertTrue(os.path.isfile(target.path))


class FolderCorpusTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

    def write(self, speaker, stem, seconds=0.5, rate=16000, channels=1):
        os.makedirs(os.path.join(self.root, speaker), exist_ok=True)
        time = np.arange(int(seconds * rate)) / rate
        wave = 0.3 * np.sin(2 * np.pi * 220.0 * time)
        path = os.path.join(self.root, speaker, f"{stem}.wav")
        if channels == 1:
            audio_io.write_wav(path, wave, sample_rate=rate)
        else:
            soundfile.write(path, np.stack([wave] * channels, axis=1), rate, subtype="PCM_16")
        return path

    def test_speakers_splits_and_pairs_follow_the_folders_and_file_stems(self):
        for stem in ("a", "b", "c"):
            self.write("alice", stem)
        for stem in ("a", "b", "d"):
            self.write("bob", stem, seconds=0.25, rate=22050)
        os.makedirs(os.path.join(self.root, "empty"))
        os.makedirs(os.path.join(self.root, ".hidden"))
        with open(os.path.join(self.root, "README.txt"), "w", encoding="utf-8") as handle:
            handle.write("not a speaker\n")
        folder = corpus.load_corpus(f"folder:{self.root}")
        self.assertEqual(folder.voices, ("alice", "bob"))
        self.assertEqual(folder.renderers, {})
        everything = folder.utterances("np-train", consumer="nonparallel")
        self.assertEqual([(u.voice, u.sentence_id) for u in everything],
                         [("alice", "a"), ("alice", "b"), ("alice", "c"),
                          ("bob", "a"), ("bob", "b"), ("bob", "d")])
        self.assertLen(folder.utterances("test", consumer="evaluation"), 6)
        parallel = folder.utterances("p-train", consumer="parallel")
        self.assertEqual(sorted((u.voice, u.sentence_id) for u in parallel),
                         [("alice", "a"), ("alice", "b"), ("bob", "a"), ("bob", "b")])
        pairs = folder.pairs("test", "bob", "alice")
        self.assertEqual([(s.sentence_id, t.sentence_id) for s, t in pairs],
                         [("a", "a"), ("b", "b")])
        self.assertEqual(pairs[0][0].path, os.path.join(self.root, "bob", "a.wav"))
        wave = folder.wave(pairs[0][0])  # 22.05 kHz on disk: read at 16 kHz
        self.assertLen(wave, 4000)
        self.assertLen(folder.wave(pairs[0][1]), 8000)
        with self.assertRaisesRegex(ValueError, r"^split 'p-train': a non-parallel model"):
            folder.utterances("p-train", consumer="nonparallel")

    def test_a_folder_without_speaker_folders_is_refused(self):
        self.write(".", "loose")
        with self.assertRaisesRegex(ValueError,
                                    rf"^folder:{re.escape(self.root)}: expected one sub-folder "
                                    r"of WAV files per speaker, found none$"):
            corpus.load_corpus(f"folder:{self.root}")
        with self.assertRaisesRegex(ValueError, r"^folder:/no/such/dir: no such directory$"):
            corpus.load_corpus("folder:/no/such/dir")
        self.write("alice", "a")
        with self.assertRaisesRegex(ValueError, r"^subset: a folder corpus is used whole"):
            corpus.load_corpus(f"folder:{self.root}", subset="tiny")

    def test_a_stereo_file_is_refused_with_its_name(self):
        self.write("alice", "a")
        path = self.write("carol", "a", channels=2)
        folder = corpus.load_corpus(f"folder:{self.root}")
        utterance = folder.utterances("np-train", "carol", consumer="nonparallel")[0]
        with self.assertRaisesRegex(ValueError, re.escape(path)):
            folder.wave(utterance)


if __name__ == "__main__":
    tf.test.main()
