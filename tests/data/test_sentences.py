"""The sentence grammar of the voices corpus (data/voices/sentences.py): the vocabulary's
rules, reproducibility from the seed, the length limits and the word 4-gram rule on the
real inventory (needs Debian's wamerican and wordnet-base; skips with the apt line)."""

import re

import tensorflow as tf

from tfgan_suite.data.sources import DatasetNotFoundError
from tfgan_suite.data.voices import corpus, sentences


class WordListTestCase(tf.test.TestCase):
    """Needs the word lists (``make voices`` installs them as root)."""

    def setUp(self):
        super().setUp()
        try:
            self.vocabulary = sentences.vocabulary()
        except DatasetNotFoundError as error:
            self.skipTest(str(error))


class VocabularyTest(WordListTestCase):
    def test_content_words_follow_the_documented_rules(self):
        with open(sentences.WORD_LIST, encoding="utf-8", errors="replace") as handle:
            known = {line.strip() for line in handle}
        for slot in sentences.CONTENT_SLOTS:
            chosen = self.vocabulary.slot(slot)
            self.assertGreater(len(chosen), 300, slot)
            self.assertEqual(list(chosen), sorted(set(chosen)))
            self.assertEqual([w for w in chosen if not re.fullmatch("[a-z]{3,9}", w)], [])
            self.assertEqual([w for w in chosen if w not in known], [])
            self.assertEqual(set(chosen) & sentences.CLOSED_CLASS, set())
        self.assertTrue(all(w.endswith("ly") for w in self.vocabulary.adverbs))

    def test_verbs_take_an_object_and_usage_domains_are_excluded(self):
        self.assertIn("protect", self.vocabulary.verbs)
        self.assertNotIn("arrive", self.vocabulary.verbs)     # WordNet frames 1, 2, 4, 22 only
        self.assertIn("hammer", self.vocabulary.nouns)
        self.assertNotIn("tool", self.vocabulary.nouns)       # one sense is marked obscene
        self.assertNotIn("crap", self.vocabulary.nouns)       # never sense-tagged, and obscene

    def test_missing_word_lists_name_the_packages_to_install(self):
        with self.assertRaisesRegex(DatasetNotFoundError,
                                    r"^voices: word list\(s\) not found: /no/such/index\.noun"
                                    r".*; install them \(as root\) with: apt-get install "
                                    r"wamerican wordnet-base$"):
            sentences.vocabulary(wordnet_dir="/no/such")


class GrammarTest(WordListTestCase):
    def test_every_template_has_8_to_14_words_and_a_content_word_in_each_4_gram(self):
        for template in sentences.TEMPLATES:
            slots = [s for s in template.split() if s not in (".", "?", ",")]
            self.assertBetween(len(slots), sentences.MIN_WORDS, sentences.MAX_WORDS)
            for start in range(len(slots) - 3):
                self.assertTrue(any(s in sentences.CONTENT_SLOTS for s in
                                    slots[start:start + 4]), template)

    def test_the_seed_reproduces_the_stream_and_a_prefix_does_not_depend_on_count(self):
        first = sentences.generate(40, seed=0)
        self.assertEqual(first, sentences.generate(40, seed=0))
        self.assertEqual(first[:10], sentences.generate(10, seed=0))
        self.assertEqual(set(first) & set(sentences.generate(40, seed=1)), set())

    def test_sentences_are_capitalised_punctuated_and_8_to_14_words_long(self):
        for sentence in sentences.generate(200, seed=3):
            self.assertBetween(len(sentences.words(sentence)), 8, 14)
            self.assertRegex(sentence, r"^[A-Z][a-z]*( [A-Za-z]+,?)+[.?]$")

    def test_generate_checks_its_arguments(self):
        with self.assertRaisesRegex(ValueError, r"^count: expected a non-negative integer, "
                                                r"got -1$"):
            sentences.generate(-1)
        with self.assertRaisesRegex(ValueError, r"^seed: expected a non-negative integer"):
            sentences.generate(3, seed="a")
        self.assertEqual(sentences.generate(0), [])


class InventoryTest(WordListTestCase):
    def test_no_two_sentences_of_the_inventory_share_a_word_4_gram(self):
        plan = corpus.inventory(voices=4, seed=0)
        self.assertLen(plan, 30 + 10 + 60 + 4 * 80)
        self.assertLen({s.text for s in plan}, len(plan))
        # Groups: each split, and each voice's NP-train block on its own.
        groups = {}
        for sentence in plan:
            groups.setdefault((sentence.split, sentence.block), set()).update(
                sentences.ngrams(sentence.text))
        self.assertLen(groups, 3 + 4)
        keys = sorted(groups, key=str)
        for i, first in enumerate(keys):
            for second in keys[i + 1:]:
                self.assertEqual(groups[first] & groups[second], set(), (first, second))
        every = [g for s in plan for g in sentences.ngrams(s.text)]
        self.assertLen(set(every), len(every))  # within a split as well

    def test_ngrams_are_lower_cased_words_without_punctuation(self):
        self.assertEqual(sentences.ngrams("Why can I see the red lamp?"),
                         {("why", "can", "i", "see"), ("can", "i", "see", "the"),
                          ("i", "see", "the", "red"), ("see", "the", "red", "lamp")})


if __name__ == "__main__":
    tf.test.main()
