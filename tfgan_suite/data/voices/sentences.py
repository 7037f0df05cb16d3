"""Sentences for the rendered speech corpus, generated reproducibly from a seed by a small
grammar over Debian's word lists (speech.md §11.2): nothing is stored but this generator and
the seed, and no text under anyone's copyright is read aloud.

Vocabulary (``vocabulary()``), by part of speech, from WordNet 3.0's index files
(``/usr/share/wordnet/index.noun|verb|adj|adv``, Debian ``wordnet-base``; the file format is
WordNet's ``wndb(5WN)``): a lemma is kept when

- it is a single lowercase alphabetic word of 3–9 letters, listed in SCOWL's
  ``/usr/share/dict/american-english`` (Debian ``wamerican``: drops obscure and British
  forms);
- WordNet's semantic-concordance count ``tagsense_cnt`` is ≥ 1, i.e. one of its senses was
  seen in the sense-tagged SemCor text (common words that a synthesiser pronounces from its
  lexicon, not rare ones it spells out by rule);
- none of its senses carries the usage domain "disparagement", "ethnic slur" or
  "obscenity" (``;u`` pointers in ``data.*``), and it is not a word of the closed-class
  lexicon below;
- verbs: only those with a sense that takes an object (WordNet's verb frames 8–11 in
  ``data.verb``), since every template gives the verb one;
- adverbs: only manner adverbs ending in ``-ly`` (they fit both before a verb and at the
  end of a clause).

Nouns are WordNet lemmas (singular), verbs their base form: every template puts a verb after
a modal and a noun after a determiner, so no word is ever inflected (no ``a``/``an`` either).

Grammar: ``TEMPLATES``, 14 templates of 8–14 words — statements, negations, coordinations,
yes/no and wh-questions — whose upper-case slots are filled uniformly from the vocabulary and
the closed-class lexicon written here (``DETERMINERS``, ``SUBJECT_PRONOUNS``,
``OBJECT_PRONOUNS``, ``PREPOSITIONS``, ``MODALS``, ``QUESTION_WORDS``). No template has four
closed-class words in a row, so every word 4-gram holds a content word.

Overlap rule (``generate``): a sentence is rejected when it shares a **word 4-gram**
(lower-cased words, punctuation dropped, function words included: ``ngrams``) with any
sentence drawn before it. The rule is global, so it holds across splits — and between the
NP-train blocks of different voices — whichever way the corpus cuts the stream; it also
rules out duplicates. It is stricter than a rule on content-word 4-grams for any two
sentences that share four adjacent words.

Randomness: ``random.Random(seed)`` and only its ``random()`` method, whose sequence Python
guarantees across versions (the docs of the ``random`` module, "Notes on
Reproducibility"); the sentences change only with the seed, this module, or the word lists.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import random
import re
from typing import Callable, Optional, Sequence

WORDNET_DIR = "/usr/share/wordnet"
WORD_LIST = "/usr/share/dict/american-english"
#: The Debian packages of the word lists.
PACKAGES = ("wamerican", "wordnet-base")
HOW_TO_GET = "apt-get install " + " ".join(PACKAGES)
#: Lemma length limits (letters).
MIN_LETTERS, MAX_LETTERS = 3, 9
#: Sentence length limits (words).
MIN_WORDS, MAX_WORDS = 8, 14
#: No two sentences of a stream share a word n-gram of this order.
NGRAM = 4
#: WordNet's verb frames with an object (``wninput(5WN)``, "Verb Frames").
_TRANSITIVE_FRAMES = frozenset({8, 9, 10, 11})
#: WordNet usage domains whose words are never drawn.
EXCLUDED_USAGE_DOMAINS = ("disparagement", "ethnic_slur", "obscenity")

DETERMINERS = ("the", "this", "that", "every", "each", "one", "another", "no", "any",
               "my", "your", "his", "her", "our", "their")
SUBJECT_PRONOUNS = ("I", "you", "we", "they", "he", "she")
OBJECT_PRONOUNS = ("me", "you", "us", "them", "him", "her", "it")
PREPOSITIONS = ("in", "on", "at", "near", "with", "from", "under", "over", "behind",
                "beside", "before", "after", "without", "across", "through", "beyond",
                "around", "inside", "along", "against", "toward", "beneath", "above",
                "below", "during")
MODALS = ("will", "can", "could", "should", "would", "might", "must", "may")
QUESTION_WORDS = ("why", "when", "where", "how")
#: Literal words of the templates.
CONJUNCTIONS = ("and", "but", "not")
CLOSED_CLASS = frozenset(w.lower() for w in (
    DETERMINERS + SUBJECT_PRONOUNS + OBJECT_PRONOUNS + PREPOSITIONS + MODALS
    + QUESTION_WORDS + CONJUNCTIONS))

#: Slots filled from the vocabulary (content words) and from the lexicon above.
CONTENT_SLOTS = ("NOUN", "VERB", "ADJ", "ADV")
CLOSED_SLOTS = {"DET": DETERMINERS, "PRON": SUBJECT_PRONOUNS, "OBJ": OBJECT_PRONOUNS,
                "PREP": PREPOSITIONS, "MODAL": MODALS, "WH": QUESTION_WORDS}
TEMPLATES = (
    "DET NOUN MODAL VERB DET ADJ NOUN ADV .",
    "PRON MODAL VERB the ADJ NOUN PREP DET NOUN ADV .",
    "MODAL DET NOUN VERB DET ADJ NOUN PREP DET NOUN ?",
    "WH MODAL PRON VERB DET ADJ NOUN PREP DET NOUN ?",
    "DET NOUN MODAL not VERB DET ADJ NOUN PREP OBJ .",
    "DET ADJ NOUN MODAL VERB DET NOUN PREP DET ADJ NOUN .",
    "DET NOUN PREP DET NOUN MODAL ADV VERB DET ADJ NOUN .",
    "PRON MODAL VERB DET NOUN and VERB DET ADJ NOUN ADV .",
    "MODAL PRON ADV VERB DET ADJ NOUN PREP DET ADJ NOUN ?",
    "PREP DET ADJ NOUN , PRON MODAL VERB DET NOUN ADV .",
    "WH MODAL DET ADJ NOUN ADV VERB DET NOUN PREP OBJ ?",
    "DET ADJ NOUN and DET NOUN MODAL VERB OBJ PREP DET NOUN .",
    "PRON MODAL VERB DET NOUN , but DET ADJ NOUN MODAL VERB OBJ ADV .",
    "DET ADJ NOUN PREP DET NOUN MODAL VERB DET ADJ NOUN PREP DET NOUN .",
)
_PUNCTUATION = (".", "?", ",")
#: ``generate`` gives up after this many rejected draws per sentence asked for.
_ATTEMPTS_PER_SENTENCE = 50


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """Content words by part of speech (sorted tuples of lowercase lemmas)."""

    nouns: tuple
    verbs: tuple
    adjectives: tuple
    adverbs: tuple

    def slot(self, name: str) -> tuple:
        """The words of a content slot (``NOUN``, ``VERB``, ``ADJ`` or ``ADV``)."""
        return {"NOUN": self.nouns, "VERB": self.verbs, "ADJ": self.adjectives,
                "ADV": self.adverbs}[name]


def _missing_word_lists(paths: Sequence[str]) -> None:
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        from tfgan_suite.data.sources import DatasetNotFoundError

        raise DatasetNotFoundError(f"voices: word list(s) not found: {', '.join(missing)}; "
                                   f"install them (as root) with: {HOW_TO_GET}")


def _index_entries(path: str):
    """(lemma, pointer symbols, tagsense_cnt, synset offsets) of each line of a WordNet
    ``index.*`` file (``wndb(5WN)``: lemma pos synset_cnt p_cnt [ptr…] sense_cnt
    tagsense_cnt offset…; licence lines start with two spaces)."""
    with open(path, encoding="latin-1") as handle:
        for line in handle:
            if line.startswith("  "):
                continue
            fields = line.split()
            pointers = int(fields[3])
            yield (fields[0], fields[4:4 + pointers], int(fields[5 + pointers]),
                   fields[6 + pointers:])


def _usage_domain_words(wordnet_dir: str, domains: Sequence[str]) -> frozenset:
    """Every lemma with a sense whose ``;u`` (usage domain) pointer names one of
    ``domains`` (noun synsets, looked up in ``index.noun``)."""
    targets = set()
    for lemma, _, _, offsets in _index_entries(os.path.join(wordnet_dir, "index.noun")):
        if lemma in domains:
            targets.update(offsets)
    found = set()
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(wordnet_dir, f"data.{pos}"), encoding="latin-1") as handle:
            for line in handle:
                if ";u " not in line or line.startswith("  "):
                    continue
                fields = line.split("|")[0].split()
                count = int(fields[3], 16)
                lemmas = [re.sub(r"\(.*\)$", "", w) for w in fields[4:4 + 2 * count:2]]
                at = 4 + 2 * count
                pointers = [fields[at + 1 + 4 * k:at + 3 + 4 * k]
                            for k in range(int(fields[at]))]
                if any(symbol == ";u" and offset in targets for symbol, offset in pointers):
                    found.update(lemmas)
    return frozenset(found)


def _transitive_verbs(wordnet_dir: str) -> frozenset:
    """Every verb lemma with a sense that takes an object: one of WordNet's generic frames
    8–11 ("Somebody ----s something", "… somebody", "Something ----s somebody", "…
    something"), for the whole synset (word number 00) or that word."""
    found = set()
    with open(os.path.join(wordnet_dir, "data.verb"), encoding="latin-1") as handle:
        for line in handle:
            if line.startswith("  "):
                continue
            fields = line.split("|")[0].split()
            count = int(fields[3], 16)
            lemmas = fields[4:4 + 2 * count:2]
            at = 4 + 2 * count
            at += 1 + 4 * int(fields[at])
            frames = fields[at + 1:at + 1 + 3 * int(fields[at])]
            for number, word in zip(frames[1::3], frames[2::3], strict=True):
                if int(number) in _TRANSITIVE_FRAMES:
                    index = int(word, 16)
                    found.update(lemmas if index == 0 else lemmas[index - 1:index])
    return frozenset(found)


@functools.lru_cache(maxsize=2)
def vocabulary(wordnet_dir: str = WORDNET_DIR, word_list: str = WORD_LIST) -> Vocabulary:
    """The content words of the grammar, by the rules of the module docstring (read once
    per process).

    Raises:
        DatasetNotFoundError: a word list is missing (the message gives the apt line).
    """
    files = [os.path.join(wordnet_dir, f"{kind}.{pos}") for kind in ("index", "data")
             for pos in ("noun", "verb", "adj", "adv")]
    _missing_word_lists(files + [word_list])
    with open(word_list, encoding="utf-8", errors="replace") as handle:
        known = {line.strip() for line in handle}
    excluded = _usage_domain_words(wordnet_dir, EXCLUDED_USAGE_DOMAINS) | CLOSED_CLASS
    shape = re.compile(f"[a-z]{{{MIN_LETTERS},{MAX_LETTERS}}}")
    transitive = _transitive_verbs(wordnet_dir)
    words = {}
    for pos in ("noun", "verb", "adj", "adv"):
        entries = _index_entries(os.path.join(wordnet_dir, f"index.{pos}"))
        words[pos] = tuple(sorted(
            lemma for lemma, _, tagged, _ in entries
            if tagged >= 1 and shape.fullmatch(lemma) and lemma in known
            and lemma not in excluded and (pos != "adv" or lemma.endswith("ly"))
            and (pos != "verb" or lemma in transitive)))
    return Vocabulary(nouns=words["noun"], verbs=words["verb"], adjectives=words["adj"],
                      adverbs=words["adv"])


_default_vocabulary = vocabulary


def words(sentence: str) -> list[str]:
    """The sentence's words, lower-cased, without punctuation."""
    return re.findall(r"[a-z']+", sentence.lower())


def ngrams(sentence: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    """The word n-grams of a sentence (``words``: function words included)."""
    tokens = words(sentence)
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def _fill(template: str, vocabulary: Vocabulary, pick: Callable[[Sequence[str]], str]) -> str:
    tokens = []
    for slot in template.split():
        if slot in CLOSED_SLOTS:
            tokens.append(pick(CLOSED_SLOTS[slot]))
        elif slot in CONTENT_SLOTS:
            tokens.append(pick(vocabulary.slot(slot)))
        else:
            tokens.append(slot)
    text = ""
    for token in tokens:
        text += token if token in _PUNCTUATION or not text else " " + token
    return text[0].upper() + text[1:]


def generate(count: int, seed: int = 0,
             vocabulary: Optional[Vocabulary] = None) -> list[str]:
    """The first ``count`` sentences of the stream of ``seed``: a template, then each of its
    slots, drawn uniformly; a draw sharing a word 4-gram with an earlier sentence is
    rejected (module docstring). The first *k* sentences do not depend on ``count``.

    Args:
        count: number of sentences (≥ 0).
        seed: the stream (a non-negative integer).
        vocabulary: default ``vocabulary()`` (Debian's word lists).

    Returns:
        ``count`` sentences, e.g. ``"Why should we protect the quiet lamp near the river?"``.
    """
    for name, value in (("count", count), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name}: expected a non-negative integer, got {value!r}")
    vocabulary = vocabulary if vocabulary is not None else _default_vocabulary()
    draw = random.Random(seed).random

    def pick(options: Sequence[str]) -> str:
        return options[min(int(draw() * len(options)), len(options) - 1)]

    sentences: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for _ in range(_ATTEMPTS_PER_SENTENCE * max(count, 1)):
        if len(sentences) == count:
            return sentences
        sentence = _fill(pick(TEMPLATES), vocabulary, pick)
        grams = ngrams(sentence)
        if grams & seen:
            continue
        seen |= grams
        sentences.append(sentence)
    if len(sentences) == count:
        return sentences
    raise ValueError(f"count: {count} sentences without a shared word {NGRAM}-gram are more "
                     f"than this vocabulary gives ({len(sentences)} found)")


__all__ = [
    "CLOSED_CLASS",
    "CLOSED_SLOTS",
    "CONTENT_SLOTS",
    "DETERMINERS",
    "EXCLUDED_USAGE_DOMAINS",
    "HOW_TO_GET",
    "MAX_WORDS",
    "MIN_WORDS",
    "MODALS",
    "NGRAM",
    "OBJECT_PRONOUNS",
    "PACKAGES",
    "PREPOSITIONS",
    "QUESTION_WORDS",
    "SUBJECT_PRONOUNS",
    "TEMPLATES",
    "Vocabulary",
    "WORDNET_DIR",
    "WORD_LIST",
    "generate",
    "ngrams",
    "vocabulary",
    "words",
]
