"""Features of speech files, analysed one way and cached per machine, and the ``tf.data``
pipelines that feed them to training.

Analysis (``tfgan_suite.audio.analysis``): WORLD (DIO + StoneMask, CheapTrick, D4C) at a
5 ms frame period, the SPTK mel-cepstrum c0..c24 with α for the sample rate (speech.md §1).
Every system is measured on waveforms re-analysed this way (speech.md §1.3, §3), so the
cache holds two kinds of entry per file:

- ``analysed(path)``: the file's own analysis (what a model trains on);
- ``copy_synthesised(path)``: analysis → WORLD synthesis → analysis again — the natural
  audio as a vocoder renders it, which the speaker judges train on (speech.md §11.4: then
  vocoder artefacts are no cue) and the copy-synthesis floor of every table.

Cache: ``$TFGAN_CACHE_DIR`` or ``~/.cache/tfgan_suite``, ``voices/analysis/<key>.npz``, the
key a hash of the file's absolute path, size and modification time, the analysis settings
and ``ANALYSIS_VERSION``; a damaged entry is analysed again.

Pipelines: ``segments`` crops random fixed-length segments from a list of trajectories
(the crop of training step *s* is keyed by (seed, s): a resumed run draws what an unbroken
one would); ``unpaired_segments`` zips two such streams (one per domain) for non-parallel
conversion; ``utterances`` yields whole utterances one at a time for evaluation.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from typing import Optional, Sequence

import numpy as np
import tensorflow as tf

from tfgan_suite import cache
from tfgan_suite.audio import analysis as speech_analysis
from tfgan_suite.audio import io as audio_io

#: Bumped when the analysis or its storage changes, so every cached entry is remade.
ANALYSIS_VERSION = 1
_ENDLESS = 2 ** 62
_FIELDS = ("f0", "mcep", "ap")


def _analysis_dir() -> str:
    return os.path.join(cache.cache_dir(), "voices", "analysis")


def _key(path: str, kind: str, order: int, f0_method: str) -> str:
    path = os.path.abspath(path)
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such speech file") from None
    identity = {"path": path, "size": status.st_size, "mtime_ns": status.st_mtime_ns,
                "kind": kind, "order": order, "f0_method": f0_method,
                "sample_rate": audio_io.SAMPLE_RATE, "version": ANALYSIS_VERSION}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]


def _store(analysis: speech_analysis.Analysis, target: str) -> None:
    os.makedirs(os.path.dirname(target), exist_ok=True)
    partial = f"{target}.{os.getpid()}.partial.npz"
    np.savez(partial, f0=analysis.f0, mcep=analysis.mcep, ap=analysis.ap,
             settings=np.array([analysis.sample_rate, analysis.frame_period, analysis.alpha]))
    os.replace(partial, target)


def _restore(target: str) -> Optional[speech_analysis.Analysis]:
    try:
        with np.load(target) as stored:
            sample_rate, frame_period, alpha = stored["settings"]
            return speech_analysis.Analysis(
                f0=stored["f0"], mcep=stored["mcep"], ap=stored["ap"],
                sample_rate=int(sample_rate), frame_period=float(frame_period),
                alpha=float(alpha))
    except (FileNotFoundError, OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _cached(path: str, kind: str, order: int, f0_method: str, compute) -> speech_analysis.Analysis:
    target = os.path.join(_analysis_dir(), _key(path, kind, order, f0_method) + ".npz")
    found = _restore(target)
    if found is None:
        found = compute()
        _store(found, target)
    return found


def analysed(path: str, order: int = 24, f0_method: str = "dio") -> speech_analysis.Analysis:
    """The analysis (F0, mel-cepstrum c0..c``order``, aperiodicity) of the WAV file at
    ``path`` (read at 16 kHz), computed once per machine."""
    def compute():
        wave = audio_io.read_wav(path)
        return speech_analysis.analyse(wave, audio_io.SAMPLE_RATE, order=order,
                                       f0_method=f0_method)
    return _cached(path, "natural", order, f0_method, compute)


def copy_synthesised(path: str, order: int = 24,
                     f0_method: str = "dio") -> speech_analysis.Analysis:
    """The analysis of the file's WORLD copy synthesis (analyse, synthesise from the
    mel-cepstrum, analyse again), computed once per machine."""
    def compute():
        natural = analysed(path, order, f0_method)
        wave = speech_analysis.synthesise(natural.f0, natural.mcep, natural.ap,
                                          natural.sample_rate, natural.alpha,
                                          natural.frame_period)
        return speech_analysis.analyse(wave, natural.sample_rate, order=order,
                                       f0_method=f0_method)
    return _cached(path, "copy_synthesis", order, f0_method, compute)


def _check_trajectories(trajectories: Sequence, segment_frames: int) -> list[np.ndarray]:
    if isinstance(segment_frames, bool) or not isinstance(segment_frames, (int, np.integer)) \
            or segment_frames < 1:
        raise ValueError(f"segment_frames: expected a positive integer, got {segment_frames!r}")
    arrays = [np.asarray(t, np.float32) for t in trajectories]
    if not arrays:
        raise ValueError("trajectories: expected at least one [frames, dims] array, got none")
    dims = {a.shape[1:] for a in arrays}
    if any(a.ndim != 2 for a in arrays) or len(dims) != 1:
        raise ValueError(f"trajectories: expected [frames, dims] arrays of one dims, got "
                         f"shapes {sorted({a.shape for a in arrays})[:4]}")
    short = [i for i, a in enumerate(arrays) if len(a) < segment_frames]
    if short:
        raise ValueError(f"trajectories: {len(short)} of {len(arrays)} are shorter than one "
                         f"segment ({segment_frames} frames), e.g. #{short[0]} with "
                         f"{len(arrays[short[0]])} frames; drop them or shorten the segment")
    return arrays


def segments(trajectories: Sequence, segment_frames: int = 64, batch_size: int = 8,
             seed: int = 0, labels: Optional[Sequence[int]] = None) -> tf.data.Dataset:
    """An endless ``tf.data.Dataset`` of ``[batch_size, segment_frames, dims]`` float32
    crops: batch *s* picks utterances uniformly and a uniform start in each, from a
    stateless draw keyed by (``seed``, *s*). With ``labels`` (one int per trajectory, e.g.
    its speaker's index) the elements are ``(crops, labels of their utterances)``, int32
    ``[batch_size]``."""
    arrays = _check_trajectories(trajectories, segment_frames)
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(arrays),) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"labels: expected one integer per trajectory ({len(arrays)}), "
                             f"got {labels.dtype} shape {labels.shape}")
        label_of = tf.constant(labels.astype(np.int32))
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size: expected a positive integer, got {batch_size!r}")
    frames = tf.constant(np.concatenate(arrays))
    starts = tf.constant(np.cumsum([0] + [len(a) for a in arrays[:-1]]), tf.int64)
    spans = tf.constant([len(a) - segment_frames + 1 for a in arrays], tf.int64)
    count = len(arrays)

    def batch(step: tf.Tensor) -> tf.Tensor:
        key = tf.stack([tf.constant(seed, tf.int64), step])
        which = tf.random.stateless_uniform([batch_size], seed=key, maxval=count,
                                            dtype=tf.int64)
        fraction = tf.random.stateless_uniform([batch_size], seed=key + [0, _ENDLESS],
                                               dtype=tf.float64)
        offset = tf.minimum(tf.cast(fraction * tf.cast(tf.gather(spans, which), tf.float64),
                                    tf.int64), tf.gather(spans, which) - 1)
        first = tf.gather(starts, which) + offset
        rows = first[:, None] + tf.range(segment_frames, dtype=tf.int64)[None, :]
        if labels is None:
            return tf.gather(frames, rows)
        return tf.gather(frames, rows), tf.gather(label_of, which)

    return tf.data.Dataset.range(_ENDLESS).map(
        batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(
        tf.data.AUTOTUNE)


def unpaired_segments(source: Sequence, target: Sequence, segment_frames: int = 64,
                      batch_size: int = 8, seed: int = 0) -> tf.data.Dataset:
    """``(source batch, target batch)`` of independent crops from two domains (the
    non-parallel training stream: nothing pairs a source crop with a target crop)."""
    return tf.data.Dataset.zip((segments(source, segment_frames, batch_size, seed),
                                segments(target, segment_frames, batch_size, seed + 1)))


def utterances(trajectories: Sequence) -> tf.data.Dataset:
    """Whole utterances, ``[1, frames, dims]`` each, in order (evaluation)."""
    arrays = _check_trajectories(trajectories, 1)
    dims = arrays[0].shape[1]
    return tf.data.Dataset.from_generator(
        lambda: (a[None] for a in arrays),
        output_signature=tf.TensorSpec([1, None, dims], tf.float32))


__all__ = ["ANALYSIS_VERSION", "analysed", "copy_synthesised", "segments",
           "unpaired_segments", "utterances"]
