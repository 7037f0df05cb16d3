"""``voices``: a multi-voice speech corpus rendered by Debian's synthesisers from generated
sentences, with splits that keep parallel data from non-parallel models and the test split
from training (speech.md §11.2), and ``folder:<path>`` corpora of one's own WAV files.

Example:

    from tfgan_suite.data import voices
    corpus = voices.load_corpus("esp4", subset="tiny")        # 2 voices, rendered lazily
    train = corpus.utterances("np-train", "m3", consumer="nonparallel")
    wave = corpus.wave(train[0])                                # float64 [samples], 16 kHz
    pairs = corpus.pairs("test", "m3", "m6")                    # [(m3 utterance, m6 one)]

Modules: ``sentences`` (the grammar over WordNet and SCOWL), ``render`` (the voices and the
one rendering recipe), ``corpus`` (splits, refusals, cache, folder corpora). Nothing is
rendered or read at import.
"""
from tfgan_suite.data.voices import corpus, render, sentences
from tfgan_suite.data.voices.corpus import (
    CONSUMERS,
    SPLITS,
    SUBSETS,
    Corpus,
    Sentence,
    Utterance,
    inventory,
    load_corpus,
)
from tfgan_suite.data.voices.render import (
    RENDERER_VERSION,
    VOICE_SETS,
    Voice,
    engine_version,
)

__all__ = [
    "CONSUMERS",
    "RENDERER_VERSION",
    "SPLITS",
    "SUBSETS",
    "VOICE_SETS",
    "Corpus",
    "Sentence",
    "Utterance",
    "Voice",
    "corpus",
    "engine_version",
    "inventory",
    "load_corpus",
    "render",
    "sentences",
]
