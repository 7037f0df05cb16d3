"""Voice conversion on analysed speech: the baselines every conversion model must beat, and
the one path from a waveform to a converted waveform.

A converter maps a source utterance's analysis (F0, mel-cepstrum c0..cD, aperiodicity) to
the target speaker's; ``convert_wave`` wraps it in analysis and WORLD synthesis. The
baselines (speech.md §11.5, this library's design):

- B0 ``F0Only``: F0 by the log-Gaussian transform (speech.md §1.5); the mel-cepstrum and
  aperiodicity are the source's. Needs each speaker's log-F0 statistics.
- B1 ``MeanVariance``: also c1..cD, each dimension standardised with the source's
  statistics and rescaled with the target's (non-parallel).
- B2 ``ParallelMse``: c1..cD by a small residual 1-D CNN trained with squared error on
  DTW-aligned parallel pairs — an unfair advantage (parallel data), the papers' parallel
  reference; not adversarial.

c0 (energy) and the aperiodicity are passed through from the source in every baseline (the
library's default preset, speech.md §1.4); a model may do otherwise.

Statistics (``SpeakerStatistics``): per-dimension mean and standard deviation of c0..cD
over the speech frames (``metrics.speech.speech_frames``) of a speaker's training
utterances, and the mean and standard deviation of log F0 over their voiced frames.
"""

from __future__ import annotations

import abc
import json
import os
from typing import Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.audio import alignment
from tfgan_suite.audio import analysis as speech_analysis
from tfgan_suite.audio import io as audio_io
from tfgan_suite.audio.prosody import LogF0Transform
from tfgan_suite.data.voices import features as voice_features
from tfgan_suite.data.voices import regression
from tfgan_suite.data.voices.statistics import SpeakerStatistics, speaker_statistics


def f0_transform(statistics: dict, source: str, target: str) -> LogF0Transform:
    """The log-Gaussian F0 map from ``source`` to ``target`` (speaker names in
    ``statistics``)."""
    _check_speakers(statistics, source, target)
    s, t = statistics[source], statistics[target]
    return LogF0Transform(s.log_f0_mean, s.log_f0_std, t.log_f0_mean, t.log_f0_std)


def _check_speakers(statistics: dict, *names: str) -> None:
    for name in names:
        if name not in statistics:
            raise ValueError(f"unknown speaker {name!r}; known: {', '.join(sorted(statistics))}")


class Converter(abc.ABC):
    """The protocol: ``convert(analysis, source, target)`` → (f0, mcep, ap) of the target
    speaker saying what the source analysis says, frame-synchronous with it."""

    name = "converter"

    @abc.abstractmethod
    def convert(self, analysis: speech_analysis.Analysis, source: str,
                target: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(abstract) The converted (f0, mcep, ap) of ``analysis`` from ``source`` to
        ``target``."""


class F0Only(Converter):
    """B0: the source's spectrum and aperiodicity with the target's F0 statistics."""

    name = "B0 F0 only"

    def __init__(self, statistics: dict):
        self.statistics = dict(statistics)

    def convert(self, analysis, source, target):
        return (f0_transform(self.statistics, source, target)(analysis.f0),
                np.array(analysis.mcep, copy=True), analysis.ap)


class MeanVariance(F0Only):
    """B1: B0 plus c1..cD standardised with the source's statistics and rescaled with the
    target's, dimension by dimension."""

    name = "B1 mean-variance"

    def convert(self, analysis, source, target):
        f0, mcep, ap = super().convert(analysis, source, target)
        standard = self.statistics[source].mcep.normalise(analysis.mcep)
        mapped = self.statistics[target].mcep.denormalise(standard)
        mcep[:, 1:] = mapped[:, 1:]
        return f0, mcep, ap


def aligned_pair(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The source mel-cepstrum re-timed onto the target's frames along their DTW path on
    c1..cD (``audio.alignment.retime``): ``[target frames, dims]``."""
    return alignment.retime(source, alignment.dtw_path(source[:, 1:], target[:, 1:]),
                            len(target))


class ParallelMse(F0Only):
    """B2: c1..cD by a residual 1-D CNN per (source, target) pair, trained with squared
    error on standardised DTW-aligned parallel pairs (the papers' parallel reference; not
    adversarial)."""

    name = "B2 parallel MSE"

    def __init__(self, statistics: dict, channels: int = 128, layers: int = 3,
                 segment_frames: int = 64, batch_size: int = 16, steps: int = 1500,
                 learning_rate: float = 1e-3, seed: int = 0):
        super().__init__(statistics)
        self.options = dict(channels=channels, layers=layers, segment_frames=segment_frames,
                            batch_size=batch_size, steps=steps, learning_rate=learning_rate,
                            seed=seed)
        self.networks: dict[tuple[str, str], keras.Model] = {}

    def _standard(self, speaker: str, mcep: np.ndarray) -> np.ndarray:
        return self.statistics[speaker].mcep.normalise(mcep)[:, 1:].astype(np.float32)

    def fit_pair(self, source: str, target: str,
                 pairs: Sequence[tuple[speech_analysis.Analysis, speech_analysis.Analysis]]
                 ) -> list[float]:
        """Trains the ``source`` → ``target`` network on parallel analyses; returns the
        loss every 100 steps."""
        _check_speakers(self.statistics, source, target)
        if not pairs:
            raise ValueError(f"pairs: {source} -> {target} needs at least one parallel pair")
        joined = []
        for source_analysis, target_analysis in pairs:
            aligned = aligned_pair(source_analysis.mcep, target_analysis.mcep)
            joined.append(np.concatenate([self._standard(source, aligned),
                                          self._standard(target, target_analysis.mcep)], 1))
        network, losses = regression.fit_regressor(joined, **self.options)
        self.networks[(source, target)] = network
        return losses

    def convert(self, analysis, source, target):
        if (source, target) not in self.networks:
            raise ValueError(f"ParallelMse: no network for {source} -> {target}; trained: "
                             f"{sorted(self.networks) or 'none'} (call fit_pair first)")
        f0, mcep, ap = super().convert(analysis, source, target)
        standard = self._standard(source, analysis.mcep)
        output = self.networks[(source, target)](standard[None], training=False)[0]
        full = np.zeros_like(analysis.mcep, dtype=np.float64)
        full[:, 1:] = np.asarray(output, np.float64)
        mcep[:, 1:] = self.statistics[target].mcep.denormalise(full)[:, 1:]
        return f0, mcep, ap


#: Conversion networks halve time twice: utterances are padded to a multiple of this.
TIME_MULTIPLE = 4


def pad_to_multiple(features: np.ndarray, multiple: int = TIME_MULTIPLE
                    ) -> tuple[np.ndarray, slice]:
    """``features`` ``[T, D]`` reflect-padded on both ends to a multiple of ``multiple``
    frames (edge-padded when T is too short to reflect), and the slice that crops the
    result back to the T original frames."""
    frames = len(features)
    missing = -frames % multiple
    before, after = missing // 2, missing - missing // 2
    mode = "reflect" if frames > max(before, after) else "edge"
    padded = np.pad(features, [(before, after), (0, 0)], mode=mode)
    return padded, slice(before, before + frames)


class ModelConverter(F0Only):
    """A trained conversion model (CycleGAN-VC, StarGAN-VC, …: ``gans.voice_conversion.
    SpeechConversion``) as a converter: c1..cD normalised with the source speaker's
    statistics, padded to a multiple of 4 frames, converted, cropped, de-normalised with the
    target's; c0 and the aperiodicity of the source, F0 by the log-Gaussian transform
    (speech.md §1.5) — the same normalisation the model's training batches had.

    Args:
        model: the conversion model (``converter(source, target)``,
            ``speaker_directions()``).
        statistics: speaker → ``SpeakerStatistics`` (the run's ``speakers.json``).
        name: how tables name it.
    """

    def __init__(self, model, statistics: dict, name: Optional[str] = None):
        super().__init__(statistics)
        self.model = model
        self.name = name or type(model).__name__
        self._functions: dict = {}
        missing = [v for v in model.domains if v not in self.statistics]
        if missing:
            raise ValueError(f"statistics: no statistics of {', '.join(missing)} (the model's "
                             f"speakers: {', '.join(model.domains)})")

    def directions(self) -> list[tuple[str, str]]:
        return list(self.model.speaker_directions())

    def _function(self, source: str, target: str):
        if (source, target) not in self._functions:
            convert = self.model.converter(source, target)  # one-line error if unknown
            dims = self.statistics[source].mcep.dims - 1
            self._functions[(source, target)] = tf.function(
                convert, input_signature=[tf.TensorSpec([None, None, dims], tf.float32)])
        return self._functions[(source, target)]

    def convert(self, analysis, source, target):
        function = self._function(source, target)
        f0, mcep, ap = super().convert(analysis, source, target)
        standard = self.statistics[source].mcep.normalise(analysis.mcep)[:, 1:]
        padded, crop = pad_to_multiple(standard.astype(np.float32))
        output = function(tf.constant(padded[None]))[0].numpy()[crop]
        full = np.zeros_like(analysis.mcep, dtype=np.float64)
        full[:, 1:] = output
        mcep[:, 1:] = self.statistics[target].mcep.denormalise(full)[:, 1:]
        return f0, mcep, ap


def convert_wave(converter: Converter, wave: np.ndarray, source: str, target: str,
                 sample_rate: int = 16000, f0_method: str = "dio") -> np.ndarray:
    """Analysis → ``converter`` → WORLD synthesis of one waveform."""
    analysis = speech_analysis.analyse(wave, sample_rate, f0_method=f0_method)
    return synthesise(converter, analysis, source, target)


def synthesise(converter: Converter, analysis: speech_analysis.Analysis, source: str,
               target: str) -> np.ndarray:
    """The converted waveform of an analysed source utterance."""
    f0, mcep, ap = converter.convert(analysis, source, target)
    return speech_analysis.synthesise(f0, mcep, ap, analysis.sample_rate, analysis.alpha,
                                      analysis.frame_period)


def reanalysed(wave: np.ndarray, sample_rate: int = 16000,
               reference: Optional[speech_analysis.Analysis] = None) -> speech_analysis.Analysis:
    """A converted waveform analysed the one way every system is measured (with the
    reference's order, when given)."""
    order = 24 if reference is None else reference.mcep.shape[1] - 1
    return speech_analysis.analyse(wave, sample_rate, order=order)


#: The converters a run directory can hold, by the name ``converter.json`` records.
CONVERTERS = {"f0_only": F0Only, "mean_variance": MeanVariance, "parallel_mse": ParallelMse}
CONVERTER_FILE = "converter.json"


def _kind(converter: Converter) -> str:
    for kind, cls in CONVERTERS.items():
        if type(converter) is cls:
            return kind
    accepted = ", ".join(cls.__name__ for cls in CONVERTERS.values())
    raise TypeError(f"converter: expected one of {accepted}, got {type(converter).__name__}")


def save_converter(converter: Converter, directory: str, corpus: str = "",
                   subset: str = "full") -> str:
    """Writes a baseline converter into ``directory`` (``converter.json``, and for B2 one
    ``.keras`` network per direction) with the corpus it was fitted on (``load_corpus``'s
    name and subset: evaluation and the report convert its hidden test); returns the JSON
    file's path."""
    kind = _kind(converter)
    os.makedirs(directory, exist_ok=True)
    record = {"kind": kind, "name": converter.name, "corpus": corpus, "subset": subset,
              "statistics": {k: v.to_dict() for k, v in converter.statistics.items()}}
    if isinstance(converter, ParallelMse):
        record["options"] = converter.options
        record["directions"] = [list(pair) for pair in sorted(converter.networks)]
        for (source, target), network in converter.networks.items():
            network.save(os.path.join(directory, f"{source}__{target}.keras"))
    path = os.path.join(directory, CONVERTER_FILE)
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(record, stream, indent=1, sort_keys=True)
    return path


def is_converter_run(directory: str) -> bool:
    """Whether ``directory`` holds a saved converter."""
    return os.path.isfile(os.path.join(directory, CONVERTER_FILE))


def load_converter(directory: str) -> tuple[Converter, dict]:
    """The converter ``save_converter`` wrote, and its record (``corpus``, ``kind``)."""
    path = os.path.join(directory, CONVERTER_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{directory}: no {CONVERTER_FILE}; not a speech conversion "
                                f"run")
    with open(path, encoding="utf-8") as stream:
        record = json.load(stream)
    if record.get("kind") not in CONVERTERS:
        raise ValueError(f"{path}: unknown converter kind {record.get('kind')!r}; known: "
                         f"{', '.join(CONVERTERS)}")
    statistics = {k: SpeakerStatistics.from_dict(v) for k, v in record["statistics"].items()}
    if record["kind"] != "parallel_mse":
        return CONVERTERS[record["kind"]](statistics), record
    converter = ParallelMse(statistics, **record["options"])
    for source, target in record["directions"]:
        converter.networks[(source, target)] = keras.models.load_model(
            os.path.join(directory, f"{source}__{target}.keras"), compile=False)
    return converter, record


def fit_baseline(kind: str, corpus, steps: int = 1500, seed: int = 0,
                 directions: Optional[Sequence[tuple[str, str]]] = None,
                 log=None) -> Converter:
    """A baseline converter (``CONVERTERS``) fitted on a corpus's training splits: the
    statistics from NP-train; B2's networks on P-train pairs, one per direction (every
    ordered voice pair unless ``directions``)."""
    if kind not in CONVERTERS:
        raise ValueError(f"kind: expected one of {', '.join(CONVERTERS)}, got {kind!r}")
    statistics = speaker_statistics(corpus)
    if kind != "parallel_mse":
        return CONVERTERS[kind](statistics)
    converter = ParallelMse(statistics, steps=steps, seed=seed)
    for source, target in directions or [(s, t) for s in corpus.voices
                                         for t in corpus.voices if s != t]:
        pairs = [(voice_features.analysed(s.path), voice_features.analysed(t.path))
                 for s, t in corpus.pairs("p-train", source, target)]
        losses = converter.fit_pair(source, target, pairs)
        if log is not None:
            log(f"B2 {source} -> {target}: squared error {losses[0]:.3f} -> {losses[-1]:.3f}")
    return converter


def directions_of(converter: Converter) -> list[tuple[str, str]]:
    """The (source, target) pairs the converter can convert (its ``directions()`` when it
    has them, e.g. a trained model's)."""
    if callable(getattr(converter, "directions", None)):
        return list(converter.directions())
    if isinstance(converter, ParallelMse):
        return sorted(converter.networks)
    voices = sorted(converter.statistics)
    return [(s, t) for s in voices for t in voices if s != t]


def convert_files(converter: Converter, source_path: str, out: str,
                  source: Optional[str] = None, target: Optional[str] = None) -> list[str]:
    """Converts a WAV file, or every WAV file of a directory, into ``out`` (same file
    names, 16 kHz); ``source`` / ``target`` may be left out when the converter has one
    direction."""
    directions = directions_of(converter)
    if source is None or target is None:
        if len(directions) != 1:
            voices = sorted({v for pair in directions for v in pair})
            raise ValueError(f"source= and target=: this converter has "
                             f"{len(directions)} directions; name them (voices: "
                             f"{', '.join(voices)})")
        source, target = directions[0]
    if (source, target) not in directions:
        _check_speakers(converter.statistics, source, target)
        raise ValueError(f"target: the converter has no {source} -> {target} direction; it "
                         f"has {', '.join(f'{s}->{t}' for s, t in directions)}")
    files = audio_io.input_files(source_path)
    os.makedirs(out, exist_ok=True)
    written = []
    for path in files:
        wave = audio_io.check_speech(audio_io.read_wav(path), name=path)
        converted = convert_wave(converter, wave, source, target)
        target_path = os.path.join(out, os.path.basename(path))
        audio_io.write_wav(target_path, converted)
        written.append(target_path)
    return written


__all__ = ["CONVERTERS", "CONVERTER_FILE", "Converter", "F0Only", "MeanVariance",
           "ModelConverter", "ParallelMse", "TIME_MULTIPLE", "SpeakerStatistics",
           "aligned_pair", "convert_files", "convert_wave",
           "pad_to_multiple",
           "directions_of", "f0_transform", "fit_baseline", "is_converter_run",
           "load_converter", "reanalysed", "save_converter", "speaker_statistics",
           "synthesise"]
