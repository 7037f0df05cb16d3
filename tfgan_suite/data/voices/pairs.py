"""Frame-aligned speech pairs for the postfilters and the parallel converter (issue #41):
what ``ganpf``, ``ganpf_stft`` and ``ganvc`` learn from, and what their benchmark judges.

A pair is an input sequence x and the natural target sequence y **on the target's frames**,
both ``[frames, dims]``, standardised per dimension (x of a parallel pair with the source
voice's statistics, every y and every over-smoothed x with the target voice's):

- ``inputs="parallel"`` (GAN-VC, speech.md §6): x = the source voice saying the same
  sentence, re-timed onto the target's frames along the DTW path of their natural
  mel-cepstra (c1..cD; ``audio.alignment.retime``).
- ``inputs="oversmoothed"`` (GAN-PF, speech.md §4, §11.3): x = what a squared-error
  converter (B2's network, ``regression.fit_regressor``) makes of that re-timed source —
  over-smoothed *because of* its squared-error training, not by a hand-made degradation.
  **Cross-fitted** on P-train: its sentences are cut into ``folds`` folds (every
  ``folds``-th sentence); fold k is converted by a converter trained on the other folds, so
  the postfilter trains on inputs as smooth as the ones it is tested on. Dev and test are
  converted by a converter trained on all of P-train. For the mel-cepstrum, c0 is not
  converted (x keeps the re-timed source's c0, standardised with the source's statistics,
  as the baselines pass c0 through).

Features (``features``): ``"mcep"`` — the SPTK mel-cepstrum c0..c24 of the corpus's
analysis (``features.analysed``); ``"stft"`` — the log-STFT magnitude of the waveform
(``audio.stft.log_stft_magnitude``: 25 ms Hann frames every 5 ms, 512-point FFT, 257
bins), whose frames are the analysis's frames (⌊n / 80⌋ + 1 at 16 kHz), so the same DTW
path re-times them. Statistics: a voice's NP-train utterances (mel-cepstrum: its speech
frames, ``SpeakerStatistics``; log-STFT: every frame).

The defaults follow speech.md §11.3 (``[design]``): source ``rms`` (flite) and a diphone
target (``kal``) of ``mix4``, whose LPC-diphone frames carry texture from real recordings.
Pair sets are cached per machine under ``<cache>/voices/pairs`` (keyed by the utterances'
files, the options and ``RECIPE_VERSION``): the converters train once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import zipfile
from typing import Optional, Sequence

import numpy as np
import tensorflow as tf

from tfgan_suite import cache
from tfgan_suite.audio import alignment
from tfgan_suite.audio import stft as audio_stft
from tfgan_suite.audio.prosody import NormStats
from tfgan_suite.data.voices import corpus as voice_corpus
from tfgan_suite.data.voices import features as voice_features
from tfgan_suite.data.voices import regression

INPUTS = ("parallel", "oversmoothed")
FEATURES = ("mcep", "stft")
#: Bumped whenever the way pairs are made changes (the cache key).
RECIPE_VERSION = 1
#: Mel-cepstral order: c0..c24.
ORDER = 24
#: Splits a pair set may come from, and who may read each.
_CONSUMER = {"p-train": "parallel", "dev": "selection", "test": "evaluation"}


def _check_choice(field: str, value, accepted: Sequence[str]) -> None:
    if value not in accepted:
        raise ValueError(f"{field}: expected one of {', '.join(accepted)}, got {value!r}")


@dataclasses.dataclass(frozen=True)
class PairSet:
    """Aligned pairs of one split: ``inputs[i]`` and ``targets[i]`` are ``[frames_i, dims]``
    float32 on the target's frames (standardised; module docstring), ``sentences[i]`` their
    sentence id; ``target_statistics`` / ``source_statistics`` the per-dimension statistics
    they were standardised with; ``passthrough`` the leading dimensions no converter
    changes (1 for the mel-cepstrum: c0; 0 for the log-STFT)."""

    inputs: tuple
    targets: tuple
    sentences: tuple
    target_statistics: NormStats
    source_statistics: NormStats
    features: str
    passthrough: int

    @property
    def dims(self) -> int:
        """Coefficients (or bins) per frame."""
        return int(self.targets[0].shape[1])

    def natural_units(self, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """``sequences`` in the target's standardisation mapped back to mel-cepstra (or
        log-amplitudes), float64."""
        return [self.target_statistics.denormalise(np.asarray(s, np.float64))
                for s in sequences]


def natural_features(corpus: voice_corpus.Corpus, utterance, features: str) -> np.ndarray:
    """An utterance's mel-cepstrum ``[frames, 25]`` or log-STFT magnitude
    ``[frames, 257]`` (float64)."""
    _check_choice("features", features, FEATURES)
    if features == "mcep":
        return np.asarray(voice_features.analysed(utterance.path, ORDER).mcep, np.float64)
    return audio_stft.log_stft_magnitude(corpus.wave(utterance))


def voice_statistics(corpus: voice_corpus.Corpus, voice: str, features: str) -> NormStats:
    """Per-dimension statistics of a voice's NP-train utterances (module docstring)."""
    utterances = corpus.utterances("np-train", voice, consumer="nonparallel")
    if features == "mcep":
        from tfgan_suite.data.voices.statistics import SpeakerStatistics

        return SpeakerStatistics.fit([voice_features.analysed(u.path, ORDER)
                                      for u in utterances]).mcep
    return NormStats.fit([natural_features(corpus, u, features) for u in utterances])


def aligned_utterances(corpus: voice_corpus.Corpus, source: str, target: str, split: str,
                       features: str = "mcep") -> list[tuple[np.ndarray, np.ndarray, str]]:
    """(source re-timed onto the target's frames, target, sentence id) of every parallel
    sentence of ``split``, unstandardised; the path comes from the natural mel-cepstra
    (c1..cD), whatever ``features`` are re-timed."""
    _check_choice("split", split, tuple(_CONSUMER))
    found = []
    for source_utterance, target_utterance in corpus.pairs(split, source, target,
                                                           consumer=_CONSUMER[split]):
        source_mcep = natural_features(corpus, source_utterance, "mcep")
        target_mcep = natural_features(corpus, target_utterance, "mcep")
        path = alignment.dtw_path(source_mcep[:, 1:], target_mcep[:, 1:])
        if features == "mcep":
            source_frames, target_frames = source_mcep, target_mcep
        else:
            source_frames = natural_features(corpus, source_utterance, features)
            target_frames = natural_features(corpus, target_utterance, features)
            # one framing: at most a frame of difference at the end
            source_frames = _frames_like(source_frames, len(source_mcep))
            target_frames = _frames_like(target_frames, len(target_mcep))
        found.append((alignment.retime(source_frames, path, len(target_frames)),
                      target_frames, target_utterance.sentence_id))
    if not found:
        raise ValueError(f"data.domains: {corpus.name} has no {split} sentence spoken by both "
                         f"{source} and {target}")
    return found


def _frames_like(frames: np.ndarray, count: int) -> np.ndarray:
    if abs(len(frames) - count) > 1:
        raise ValueError(f"features: {len(frames)} STFT frames against {count} analysis "
                         "frames; expected the same 5 ms framing")
    if len(frames) >= count:
        return frames[:count]
    return np.concatenate([frames, frames[-1:]])


def _cache_path(corpus, source, target, split, options: dict) -> str:
    files = [(s.path, os.path.getsize(s.path), t.path, os.path.getsize(t.path))
             for s, t in corpus.pairs(split, source, target, consumer=_CONSUMER[split])]
    if options["inputs"] == "oversmoothed" and split != "p-train":
        files += [(s.path, t.path) for s, t in corpus.pairs("p-train", source, target)]
    identity = {"files": files, "source": source, "target": target, "split": split,
                "version": RECIPE_VERSION, **options}
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]
    return os.path.join(cache.cache_dir(), "voices", "pairs", digest + ".npz")


def _store(pairs: PairSet, path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = f"{path}.{os.getpid()}.partial.npz"
    np.savez(partial, inputs=np.concatenate(pairs.inputs),
             targets=np.concatenate(pairs.targets),
             lengths=np.array([len(t) for t in pairs.targets]),
             sentences=np.array(pairs.sentences),
             target_mean=pairs.target_statistics.mean, target_std=pairs.target_statistics.std,
             source_mean=pairs.source_statistics.mean, source_std=pairs.source_statistics.std,
             features=np.array(pairs.features), passthrough=np.array(pairs.passthrough))
    os.replace(partial, path)


def _restore(path: str) -> Optional[PairSet]:
    try:
        with np.load(path) as stored:
            cuts = np.cumsum(stored["lengths"])[:-1]
            return PairSet(tuple(np.split(stored["inputs"], cuts)),
                           tuple(np.split(stored["targets"], cuts)),
                           tuple(str(s) for s in stored["sentences"]),
                           NormStats(stored["target_mean"], stored["target_std"]),
                           NormStats(stored["source_mean"], stored["source_std"]),
                           str(stored["features"]), int(stored["passthrough"]))
    except (FileNotFoundError, OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def make_pairs(corpus: voice_corpus.Corpus, source: str, target: str, split: str = "p-train",
               inputs: str = "oversmoothed", features: str = "mcep", converter_steps: int = 1500,
               folds: int = 2, seed: int = 0, use_cache: bool = True) -> PairSet:
    """The aligned pairs of ``split`` (module docstring).

    Args:
        corpus: a speech corpus with parallel sentences (``load_corpus``).
        source, target: two of its voices.
        split: ``"p-train"`` (training), ``"dev"`` or ``"test"`` (the hidden truth).
        inputs: ``"parallel"`` or ``"oversmoothed"``.
        features: ``"mcep"`` or ``"stft"``.
        converter_steps, folds, seed: the squared-error converter's training steps, the
            cross-fitting folds of P-train, and its seed (``"oversmoothed"`` only).
        use_cache: read and write the per-machine cache.
    """
    _check_choice("inputs", inputs, INPUTS)
    _check_choice("features", features, FEATURES)
    _check_choice("split", split, tuple(_CONSUMER))
    for field, value, least in (("converter_steps", converter_steps, 1), ("folds", folds, 2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"{field}: expected an integer >= {least}, got {value!r}")
    options = {"inputs": inputs, "features": features, "corpus": corpus.name,
               "subset": corpus.subset}
    if inputs == "oversmoothed":
        options |= {"converter_steps": converter_steps, "folds": folds, "seed": seed}
    path = _cache_path(corpus, source, target, split, options)
    found = _restore(path) if use_cache else None
    if found is not None:
        return found
    source_statistics = voice_statistics(corpus, source, features)
    target_statistics = voice_statistics(corpus, target, features)

    def standardised(triples):
        return ([source_statistics.normalise(s).astype(np.float32) for s, _, _ in triples],
                [target_statistics.normalise(t).astype(np.float32) for _, t, _ in triples],
                [name for _, _, name in triples])

    x, y, sentences = standardised(aligned_utterances(corpus, source, target, split, features))
    passthrough = 1 if features == "mcep" else 0
    if inputs == "oversmoothed":
        if split == "p-train":
            x = _cross_fitted(x, y, passthrough, folds, converter_steps, seed)
        else:
            train_x, train_y, _ = standardised(aligned_utterances(
                corpus, source, target, "p-train", features))
            converter = _fit_converter(train_x, train_y, passthrough, converter_steps, seed)
            x = [_convert(converter, sequence, passthrough) for sequence in x]
    pairs = PairSet(tuple(x), tuple(y), tuple(sentences), target_statistics,
                    source_statistics, features, passthrough)
    if use_cache:
        _store(pairs, path)
    return pairs


def _fit_converter(x: list, y: list, passthrough: int, steps: int, seed: int):
    joined = [np.concatenate([a[:, passthrough:], b[:, passthrough:]], axis=1)
              for a, b in zip(x, y, strict=True)]
    network, _ = regression.fit_regressor(joined, steps=steps, seed=seed)
    return network


def _convert(network, sequence: np.ndarray, passthrough: int) -> np.ndarray:
    converted = np.asarray(network(sequence[None, :, passthrough:], training=False)[0])
    return np.concatenate([sequence[:, :passthrough], converted], axis=1).astype(np.float32)


def _cross_fitted(x: list, y: list, passthrough: int, folds: int, steps: int,
                  seed: int) -> list:
    """Each fold's inputs converted by a converter trained on the other folds."""
    if len(x) < folds:
        raise ValueError(f"folds: {folds} folds need at least {folds} P-train sentences, "
                         f"got {len(x)}")
    converted = [None] * len(x)
    for fold in range(folds):
        held = [i for i in range(len(x)) if i % folds == fold]
        kept = [i for i in range(len(x)) if i % folds != fold]
        network = _fit_converter([x[i] for i in kept], [y[i] for i in kept], passthrough,
                                 steps, seed + fold)
        for index in held:
            converted[index] = _convert(network, x[index], passthrough)
    return converted


def paired_segments(pairs: PairSet, segment_frames: int = 64, batch_size: int = 16,
                    seed: int = 0) -> tf.data.Dataset:
    """An endless ``tf.data.Dataset`` of ``(inputs, targets)`` crops
    ``[batch_size, segment_frames, dims]`` taken at the same frames of a pair (crops of step
    *s* keyed by (``seed``, *s*), as ``features.segments``)."""
    joined = [np.concatenate([x, y], axis=1) for x, y in zip(pairs.inputs, pairs.targets,
                                                                    strict=True)
              if len(y) >= segment_frames]
    if not joined:
        raise ValueError(f"data.segment_frames: no pair is {segment_frames} frames long; "
                         "use shorter segments")
    dims = pairs.dims
    return voice_features.segments(joined, segment_frames, batch_size, seed).map(
        lambda both: (both[..., :dims], both[..., dims:]))


__all__ = ["FEATURES", "INPUTS", "PairSet", "RECIPE_VERSION", "aligned_utterances",
           "make_pairs", "natural_features", "paired_segments",
           "voice_statistics"]
