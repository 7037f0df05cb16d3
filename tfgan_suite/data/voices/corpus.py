"""The multi-voice speech corpus: splits, the loader's refusals, and the cache of rendered
utterances (speech.md §11.2).

Rendered sets (``esp4``, ``mix4``: ``render.VOICE_SETS``). One sentence inventory
(``inventory``: the ``sentences.generate`` stream of the seed, cut in order) serves both
sets; for V voices:

| split | sentences | spoken by | loaded by (``consumer=``) |
|---|---|---|---|
| ``test`` | 30 (``test_000``…) | every voice | ``evaluation`` only: the hidden test split |
| ``dev`` | 10 (``dev_000``…) | every voice | ``selection`` (early stopping, model choice) |
| ``p-train`` | 60 (``p_000``…) | every voice | ``parallel`` (baselines, GAN-VC, GAN-PF, judges) |
| ``np-train`` | V blocks × 80 (``np<k>_000``…) | block k: voice k | ``nonparallel``, ``parallel`` |

So no NP-train sentence is spoken by two voices, a non-parallel model is refused P-train,
and every training or selection consumer is refused the test split. The stream is cut test
first, so the test sentences do not depend on V; no two sentences of the inventory share a
word 4-gram (``sentences``), hence none across splits. ``subset="tiny"`` keeps the first 2
voices and the first 12 sentences of their NP-train blocks, 4 of P-train, 2 of dev and 6 of
test (48 utterances; espeak-ng renders them in about a second): the same sentence ids and
texts as the full corpus, so its cache entries are the full corpus's.

Cache: ``$TFGAN_CACHE_DIR`` or ``~/.cache/tfgan_suite``,
``voices/<set>/<voice>/<sentence id>_<key>.wav`` (16-bit PCM, 16 kHz), the key a hash of
``render.RENDERER_VERSION``, the engine, its voice argument, the text and
``render.engine_version`` (engine and Debian package versions). Rendering is lazy: listing
utterances renders the ones missing from the cache (two at a time: the work is in the
synthesisers' own processes), ``Corpus.render_all`` renders everything with a progress
count. Files are written under a temporary name and moved into place, so readers never see
half a file.

Folder corpora, ``folder:<path>``: one sub-folder of WAV files per speaker (the sub-folder
name is the voice, the file stem the sentence id; files are read with ``audio.io.read_wav``
at 16 kHz, resampled when needed, and never cached). A folder has no hidden split of its
own: keep training and evaluation audio in separate folders, as VCC 2016 ships
``vcc2016_training/`` and ``evaluation_all/``, and load each for its use:
``load_corpus("folder:…/vcc2016_training")`` for training and
``load_corpus("folder:…/evaluation_all")`` for ``consumer="evaluation"``. Within one folder
every split lists every file, except ``p-train``, which keeps only the files whose stem at
least two speakers have (parallel data); ``pairs`` matches files by stem. A folder of
parallel recordings is not made non-parallel by this: a non-parallel model trained on
``np-train`` sees the same sentences in every voice (the CycleGAN-VC paper used disjoint
halves of VCC 2016's training sentences for source and target; pass such folders for that).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Sequence

import numpy as np

from tfgan_suite import cache
from tfgan_suite.audio import io as audio_io
from tfgan_suite.data.voices import render as voice_render
from tfgan_suite.data.voices import sentences

SPLITS = ("np-train", "p-train", "dev", "test")
#: consumer → the splits it may load.
CONSUMERS = {"nonparallel": ("np-train",), "parallel": ("np-train", "p-train"),
             "selection": ("dev",), "evaluation": ("test",)}
SUBSETS = ("full", "tiny")
#: Sentences per split (``np-train``: per voice) and voices kept, per subset.
SPLIT_SIZES = {"full": {"test": 30, "dev": 10, "p-train": 60, "np-train": 80},
               "tiny": {"test": 6, "dev": 2, "p-train": 4, "np-train": 12}}
SUBSET_VOICES = {"full": None, "tiny": 2}
FOLDER_PREFIX = "folder:"
#: Utterances rendered at once (two cores).
RENDER_WORKERS = 2
_ID_PREFIX = {"test": "test", "dev": "dev", "p-train": "p"}
_PAIRED_CONSUMER = {"p-train": "parallel", "dev": "selection", "test": "evaluation"}


@dataclasses.dataclass(frozen=True)
class Sentence:
    """One sentence of the inventory: its id, text, split and, in NP-train, the index of the
    voice that speaks it (``block``; None in the splits every voice speaks)."""

    sentence_id: str
    text: str
    split: str
    block: Optional[int] = None


@dataclasses.dataclass(frozen=True)
class Utterance:
    """One recording: ``voice`` (its name in the corpus), ``split``, ``sentence_id``,
    ``text`` (empty for a folder corpus) and ``path`` (the cached or the user's WAV file;
    a rendered utterance's file exists once it is listed with ``render=True``)."""

    voice: str
    split: str
    sentence_id: str
    text: str
    path: str


def inventory(voices: int = 4, seed: int = 0, subset: str = "full") -> list[Sentence]:
    """The sentences of a rendered corpus of ``voices`` voices: test, dev, P-train, then the
    NP-train block of each voice, cut in that order from ``sentences.generate(…, seed)``
    (module docstring). ``subset="tiny"`` keeps the first sentences of each group."""
    if isinstance(voices, bool) or not isinstance(voices, int) or voices < 1:
        raise ValueError(f"voices: expected a positive integer, got {voices!r}")
    _check_choice("subset", subset, SUBSETS)
    full, kept = SPLIT_SIZES["full"], SPLIT_SIZES[subset]
    stream = iter(sentences.generate(full["test"] + full["dev"] + full["p-train"]
                                     + voices * full["np-train"], seed))
    result = []
    for split in ("test", "dev", "p-train"):
        texts = [next(stream) for _ in range(full[split])]
        result += [Sentence(f"{_ID_PREFIX[split]}_{i:03d}", text, split)
                   for i, text in enumerate(texts[:kept[split]])]
    for block in range(voices):
        texts = [next(stream) for _ in range(full["np-train"])]
        result += [Sentence(f"np{block}_{i:03d}", text, "np-train", block)
                   for i, text in enumerate(texts[:kept["np-train"]])]
    return result


def _check_choice(name: str, value, accepted: Sequence[str]) -> None:
    if value not in accepted:
        raise ValueError(f"{name}: expected one of {', '.join(accepted)}, got {value!r}")


def _check_use(split: str, consumer: str) -> None:
    """Refuses a split to a consumer that must not see it (module docstring)."""
    _check_choice("split", split, SPLITS)
    _check_choice("consumer", consumer, tuple(CONSUMERS))
    if split in CONSUMERS[consumer]:
        return
    if split == "p-train" and consumer == "nonparallel":
        raise ValueError("split 'p-train': a non-parallel model must never load P-train "
                         "(every voice speaks its sentences); consumer 'nonparallel' may "
                         "load 'np-train' only")
    if split == "test":
        raise ValueError(f"split 'test': the hidden test split is for consumer='evaluation' "
                         f"only, never for {consumer!r} (training or model selection)")
    owners = [c for c, allowed in CONSUMERS.items() if split in allowed]
    raise ValueError(f"split {split!r}: consumer {consumer!r} may load "
                     f"{', '.join(CONSUMERS[consumer])}; {split!r} is for consumer="
                     f"{' or '.join(repr(o) for o in owners)}")


def _cache_key(voice: voice_render.Voice, text: str) -> str:
    identity = {"renderer": voice_render.RENDERER_VERSION, "engine": voice.engine,
                "argument": voice.argument, "text": text,
                "engine_version": voice_render.engine_version(voice)}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


class Corpus:
    """Utterances of several voices by split, with the refusals of the module docstring.

    Made by ``load_corpus``. ``name`` is what it was loaded as, ``voices`` the voice names
    in order, ``renderers`` the ``render.Voice`` of each rendered voice (empty for a
    folder corpus).
    """

    def __init__(self, name: str, subset: str, voices: Sequence[str],
                 records: dict[str, Sequence[Utterance]],
                 renderers: Optional[dict[str, voice_render.Voice]] = None):
        self.name = name
        self.subset = subset
        self.voices = tuple(voices)
        self.renderers = dict(renderers or {})
        self._records = {split: tuple(records.get(split, ())) for split in SPLITS}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Corpus({self.name!r}, subset={self.subset!r}, voices={self.voices})"

    def _check_voice(self, name: str, voice) -> None:
        if voice not in self.voices:
            raise ValueError(f"{name}: expected one of {', '.join(self.voices)} "
                             f"(the voices of {self.name}), got {voice!r}")

    def utterances(self, split: str, voice: Optional[str] = None, *, consumer: str,
                   render: bool = True) -> list[Utterance]:
        """The utterances of ``split`` (of one ``voice``, or all in voice order).

        Args:
            split: ``"np-train"``, ``"p-train"``, ``"dev"`` or ``"test"``.
            voice: a name of ``voices``, or None for every voice.
            consumer: who reads them — ``"nonparallel"`` (NP-train only), ``"parallel"``
                (NP-train and P-train), ``"selection"`` (dev) or ``"evaluation"``
                (test); any other split is refused with the reason.
            render: render the listed utterances missing from the cache (False lists them
                only; their files may not exist yet).
        """
        _check_use(split, consumer)
        if voice is not None:
            self._check_voice("voice", voice)
        chosen = [u for u in self._records[split] if voice is None or u.voice == voice]
        if render:
            self._render_missing(chosen)
        return chosen

    def pairs(self, split: str, source: str, target: str, *,
              consumer: Optional[str] = None,
              render: bool = True) -> list[tuple[Utterance, Utterance]]:
        """Parallel (source, target) utterances of one sentence, in the source's order.

        Args:
            split: ``"p-train"``, ``"dev"`` or ``"test"`` (NP-train has no pairs).
            source, target: two different names of ``voices``.
            consumer: as in ``utterances``; by default the split's own consumer
                (``parallel``, ``selection``, ``evaluation``: pairs are parallel data, so a
                non-parallel model has no call for them).
            render: as in ``utterances``.
        """
        if split == "np-train":
            raise ValueError("split 'np-train': no pairs, each NP-train sentence is spoken "
                             "by one voice; expected 'p-train', 'dev' or 'test'")
        _check_choice("split", split, SPLITS)
        _check_use(split, consumer or _PAIRED_CONSUMER[split])
        self._check_voice("source", source)
        self._check_voice("target", target)
        if source == target:
            raise ValueError(f"target: expected a voice other than the source, got {target!r}")
        spoken = {u.sentence_id: u for u in self._records[split] if u.voice == target}
        found = [(u, spoken[u.sentence_id]) for u in self._records[split]
                 if u.voice == source and u.sentence_id in spoken]
        if render:
            self._render_missing([u for pair in found for u in pair])
        return found

    def wave(self, utterance: Utterance) -> np.ndarray:
        """The utterance's samples, float64 mono at 16 kHz (rendered first if missing)."""
        if not isinstance(utterance, Utterance):
            raise TypeError(f"utterance: expected an Utterance, got {type(utterance).__name__}")
        self._render_missing([utterance])
        return audio_io.read_wav(utterance.path)

    def render_all(self, progress: bool = True) -> int:
        """Renders every utterance missing from the cache, two at a time, printing
        ``voices <name>: <done>/<total> rendered`` to stderr when ``progress``; returns how
        many were rendered."""
        everything = [u for split in SPLITS for u in self._records[split]]
        return self._render_missing(everything, progress=progress)

    def _render_missing(self, utterances: Sequence[Utterance], progress: bool = False) -> int:
        missing = list({u.path: u for u in utterances
                        if u.voice in self.renderers and not os.path.isfile(u.path)}.values())
        if not missing:
            return 0
        step = max(1, len(missing) // 20)
        with self._lock, ThreadPoolExecutor(RENDER_WORKERS) as pool:
            for done, _ in enumerate(pool.map(self._render_one, missing), 1):
                if progress and (done % step == 0 or done == len(missing)):
                    print(f"voices {self.name}: {done}/{len(missing)} rendered",
                          file=sys.stderr, flush=True)
        return len(missing)

    def _render_one(self, utterance: Utterance) -> None:
        wave = voice_render.render(self.renderers[utterance.voice], utterance.text)
        os.makedirs(os.path.dirname(utterance.path), exist_ok=True)
        partial = f"{utterance.path}.{os.getpid()}.{threading.get_ident()}.partial.wav"
        audio_io.write_wav(partial, wave)
        os.replace(partial, utterance.path)  # atomic: readers never see half a file


def _rendered_corpus(name: str, subset: str, seed: int) -> Corpus:
    voices = voice_render.VOICE_SETS[name][:SUBSET_VOICES[subset]]
    directory = os.path.join(cache.cache_dir(), "voices", name)
    records: dict[str, list[Utterance]] = {split: [] for split in SPLITS}
    plan = inventory(len(voice_render.VOICE_SETS[name]), seed, subset)
    for index, voice in enumerate(voices):
        for sentence in plan:
            if sentence.block not in (None, index):
                continue
            path = os.path.join(directory, voice.name, f"{sentence.sentence_id}_"
                                f"{_cache_key(voice, sentence.text)}.wav")
            records[sentence.split].append(Utterance(voice.name, sentence.split,
                                                     sentence.sentence_id, sentence.text,
                                                     path))
    return Corpus(name, subset, [v.name for v in voices], records,
                  {v.name: v for v in voices})


def _folder_corpus(name: str) -> Corpus:
    root = name[len(FOLDER_PREFIX):]
    if not os.path.isdir(root):
        raise ValueError(f"{name}: no such directory")
    speakers = {}
    for entry in sorted(os.listdir(root)):
        folder = os.path.join(root, entry)
        if entry.startswith(".") or not os.path.isdir(folder):
            continue
        files = sorted(f for f in os.listdir(folder) if f.lower().endswith(".wav")
                       and os.path.isfile(os.path.join(folder, f)))
        if files:
            speakers[entry] = files
    if not speakers:
        raise ValueError(f"{name}: expected one sub-folder of WAV files per speaker, "
                         f"found none")
    stems: dict[str, int] = {}
    for files in speakers.values():
        for stem in {os.path.splitext(f)[0] for f in files}:
            stems[stem] = stems.get(stem, 0) + 1
    records: dict[str, list[Utterance]] = {split: [] for split in SPLITS}
    for speaker, files in speakers.items():
        for file in files:
            stem = os.path.splitext(file)[0]
            path = os.path.abspath(os.path.join(root, speaker, file))
            for split in SPLITS:
                if split != "p-train" or stems[stem] >= 2:
                    records[split].append(Utterance(speaker, split, stem, "", path))
    return Corpus(name, "full", list(speakers), records)


def load_corpus(name: str, subset: str = "full", seed: int = 0) -> Corpus:
    """A speech corpus by name (module docstring).

    Args:
        name: ``"esp4"``, ``"mix4"`` (rendered on first use) or ``"folder:<path>"``
            (one sub-folder of WAV files per speaker).
        subset: ``"full"`` or ``"tiny"`` (2 voices × 24 sentences; rendered sets only).
        seed: the sentence stream of a rendered set.

    Raises:
        DatasetNotFoundError: a synthesiser, voice or word list is not installed (the
            message gives the apt line).
    """
    if not isinstance(name, str) or not (name in voice_render.VOICE_SETS
                                         or name.startswith(FOLDER_PREFIX)):
        raise ValueError(f"name: expected one of {', '.join(voice_render.VOICE_SETS)} or "
                         f"{FOLDER_PREFIX}<path>, got {name!r}")
    _check_choice("subset", subset, SUBSETS)
    if name.startswith(FOLDER_PREFIX):
        if subset != "full":
            raise ValueError(f"subset: a folder corpus is used whole, expected 'full', "
                             f"got {subset!r}")
        return _folder_corpus(name)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    return _rendered_corpus(name, subset, seed)


__all__ = [
    "CONSUMERS",
    "Corpus",
    "FOLDER_PREFIX",
    "RENDER_WORKERS",
    "SPLITS",
    "SPLIT_SIZES",
    "SUBSETS",
    "SUBSET_VOICES",
    "Sentence",
    "Utterance",
    "inventory",
    "load_corpus",
]
