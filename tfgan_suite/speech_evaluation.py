"""Measuring converted speech against the hidden parallel truth.

Every system — a baseline, a model, WORLD copy synthesis — is measured the same way
(speech.md §1.3, §3): its output waveform is analysed with ``audio.analysis.analyse`` and
compared with the natural target utterance of the same sentence, which no training or
model selection saw.

Per test utterance (a row of ``measure``):

- ``mcd``: MCD-fixed, dB (primary): on the DTW path between the *natural* source and
  target utterances (c1..cD), limited to target speech frames. Converted speech keeps the
  source's timing, so its alignment to the target is fixed before conversion and cannot
  favour a system.
- ``mcd_dtw``: MCD on the exact DTW path between the converted and the target utterance
  (the papers' style).
- ``log_f0_rmse``, ``vuv_error``: on the fixed path.
- ``judge_<name>``: the speaker a judge hears; ``posterior_<name>``: its probability of
  the target.
- ``content_hit``: whether the nearest natural target test utterance is the same
  sentence (``metrics.speaker.content_retrieval``: MCD-DTW on c1..cD with each utterance's
  mean removed — cepstral mean normalisation, so the judge compares what is said, not the
  voice: natural mix4 utterances found their sentence among another voice's in 99.2 % of
  360 queries with it and 91.9 % without — on every second frame, 10 ms, which cuts the
  30 × 30 exact DTWs per direction by four).

The judges (``trained_judges``) train on WORLD copy-synthesised NP-train and P-train audio
of every voice (speech.md §11.4), once per machine and corpus (cached beside the
analyses); ``evaluate_converter_run`` is ``tfgan eval`` on a speech conversion run.

Per (source, target) direction: the GV ratio (mean over c1..cD of the converted speech's
per-utterance GV over the natural target's) and the MSD (``metrics.speech``) between the
converted and the natural target utterances. ``summarise`` gives each column's mean with a
95 % percentile-bootstrap interval over utterances (over directions for GV and MSD).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from typing import Callable, Mapping, Optional, Sequence

import numpy as np

from tfgan_suite import cache, conversion
from tfgan_suite.audio import analysis as speech_analysis
from tfgan_suite.audio.analysis import Analysis
from tfgan_suite.data.voices import features as voice_features
from tfgan_suite.metrics import intervals
from tfgan_suite.metrics import speaker as speaker_metrics
from tfgan_suite.metrics import speech as speech_metrics

#: The content judge compares every ``CONTENT_DECIMATION``-th frame.
CONTENT_DECIMATION = 2
#: Where a system's output takes its timing from: the source (conversion) or the target
#: (copy synthesis of the target, the floor).
TIMINGS = ("source", "target")


@dataclasses.dataclass(frozen=True)
class TestPair:
    """One hidden-test sentence spoken by the source and the target voice (natural)."""

    source: str
    target: str
    sentence: str
    source_analysis: Analysis
    target_analysis: Analysis

    @functools.cached_property
    def natural_path(self) -> np.ndarray:
        """The DTW path ``[steps, 2]`` of the natural source and target on c1..cD (computed
        once per pair, whichever systems are measured on it)."""
        return np.asarray(speech_metrics.dtw_path(self.source_analysis.mcep[:, 1:],
                                                  self.target_analysis.mcep[:, 1:]))


def _fixed_path(pair: TestPair, frames: int, timing: str) -> np.ndarray:
    target = pair.target_analysis
    if timing == "target":
        length = min(frames, len(target.mcep))
        path = np.stack([np.arange(length)] * 2, axis=1)
    else:
        path = pair.natural_path[pair.natural_path[:, 0] < frames]
    speech = speech_metrics.speech_frames(target.mcep)
    return path[speech[path[:, 1]]]


def measure(system: Callable[[TestPair], Analysis], pairs: Sequence[TestPair],
            judges: Mapping[str, object], references: Mapping[str, Sequence[TestPair]],
            timing: str = "source") -> tuple[list[dict], list[dict]]:
    """Rows per test utterance and per direction (see the module docstring).

    Args:
        system: maps a test pair to the analysis of the system's output waveform.
        pairs: the hidden test pairs to convert.
        judges: name → a fitted speaker judge (``metrics.speaker``).
        references: target voice → its test pairs, whose natural target utterances are the
            content judge's candidates.
        timing: ``"source"`` for converted speech, ``"target"`` for the target's own copy
            synthesis (the floor).
    """
    if timing not in TIMINGS:
        raise ValueError(f"timing: expected one of {TIMINGS}, got {timing!r}")
    rows, outputs = [], {}
    for pair in pairs:
        converted = system(pair)
        path = _fixed_path(pair, len(converted.mcep), timing)
        target = pair.target_analysis
        row = {"source": pair.source, "target": pair.target, "sentence": pair.sentence,
               "mcd": speech_metrics.mel_cepstral_distortion(converted.mcep, target.mcep,
                                                             path=path),
               "mcd_dtw": speech_metrics.mel_cepstral_distortion_dtw(converted.mcep,
                                                                     target.mcep),
               "log_f0_rmse": speech_metrics.log_f0_rmse(converted.f0[path[:, 0]],
                                                         target.f0[path[:, 1]]),
               "vuv_error": speech_metrics.vuv_error(converted.f0[path[:, 0]],
                                                     target.f0[path[:, 1]])}
        for name, judge in judges.items():
            probabilities = judge.predict_proba([converted.mcep], f0s=[converted.f0])[0]
            row[f"judge_{name}"] = judge.speakers[int(np.argmax(probabilities))]
            row[f"posterior_{name}"] = float(probabilities[judge.speakers.index(pair.target)])
        candidates = references[pair.target]
        truth = [c.sentence for c in candidates].index(pair.sentence)
        hits, _ = speaker_metrics.content_retrieval(
            [converted.mcep], [c.target_analysis.mcep for c in candidates], [truth],
            decimation=CONTENT_DECIMATION, remove_mean=True)
        row["content_hit"] = bool(hits[0])
        rows.append(row)
        outputs.setdefault((pair.source, pair.target), []).append((converted, target))
    directions = []
    for (source, target), items in outputs.items():
        gv = np.mean([speech_metrics.global_variance(c.mcep[:, 1:]) for c, _ in items], 0)
        gv_natural = np.mean([speech_metrics.global_variance(t.mcep[:, 1:]) for _, t in items],
                             0)
        directions.append({
            "source": source, "target": target,
            "gv_ratio": float(np.mean(gv / gv_natural)),
            "msd": speech_metrics.modulation_spectrum_distance(
                [c.mcep[:, 1:] for c, _ in items], [t.mcep[:, 1:] for _, t in items])})
    return rows, directions


def summarise(rows: Sequence[dict], directions: Sequence[dict],
              judges: Sequence[str] = (), seed: int = 0) -> dict:
    """Column → (mean, low, high), 95 % bootstrap over utterances (directions for
    ``gv_ratio`` and ``msd``); judges give the target acceptance rate
    (``tar_<name>``), the source retention rate (``srr_<name>``) and the mean target
    posterior (``posterior_<name>``)."""
    if not rows:
        raise ValueError("rows: nothing was measured")
    columns = {key: [row[key] for row in rows]
               for key in ("mcd", "mcd_dtw", "log_f0_rmse", "vuv_error")}
    columns["content_hit"] = [float(row["content_hit"]) for row in rows]
    for name in judges:
        columns[f"tar_{name}"] = [float(r[f"judge_{name}"] == r["target"]) for r in rows]
        columns[f"srr_{name}"] = [float(r[f"judge_{name}"] == r["source"]) for r in rows]
        columns[f"posterior_{name}"] = [r[f"posterior_{name}"] for r in rows]
    for key in ("gv_ratio", "msd"):
        columns[key] = [d[key] for d in directions]
    summary = {}
    for key, values in columns.items():
        values = np.asarray(values, np.float64)
        values = values[np.isfinite(values)]
        summary[key] = (intervals.bootstrap_ci(values, seed=seed) if len(values)
                        else (np.nan, np.nan, np.nan))
    return summary


def judge_accuracy(judge, analyses: Sequence[Analysis], speakers: Sequence[str],
                   seed: int = 0) -> tuple[tuple[float, float, float], np.ndarray]:
    """A judge's accuracy (mean, low, high; bootstrap over utterances) on labelled
    analyses, and its confusion matrix ``[true, predicted]`` in ``judge.speakers`` order."""
    predicted = judge.predict([a.mcep for a in analyses], f0s=[a.f0 for a in analyses])
    names = list(judge.speakers)
    confusion = np.zeros((len(names), len(names)), np.int64)
    for truth, guess in zip(speakers, predicted, strict=True):
        confusion[names.index(truth), names.index(guess)] += 1
    correct = np.array([t == g for t, g in zip(speakers, predicted, strict=True)], np.float64)
    return intervals.bootstrap_ci(correct, seed=seed), confusion


def format_interval(value: tuple[float, float, float], digits: int = 2,
                    percent: bool = False, scale: Optional[float] = None) -> str:
    """``mean [low, high]`` (×100 with ``percent``)."""
    factor = 100.0 if percent else (scale or 1.0)
    mean, low, high = (factor * v for v in value)
    if not np.isfinite(mean):
        return "n/a"
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


#: Bumped when the judges' training changes, so cached judges are remade.
JUDGES_VERSION = 1


def _judge_key(corpus, paths: Sequence[str], seed: int) -> str:
    identity = {"corpus": corpus.name, "subset": corpus.subset, "seed": seed,
                "version": JUDGES_VERSION, "analysis": voice_features.ANALYSIS_VERSION,
                "files": sorted(os.path.basename(p) for p in paths)}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:20]


def trained_judges(corpus, seed: int = 0, log: Optional[Callable[[str], None]] = None) -> dict:
    """``{"linear": LinearSpeakerJudge, "cnn": CnnSpeakerJudge}`` trained on the WORLD
    copy syntheses of every voice's NP-train and P-train utterances (c1..cD only: no c0,
    no F0), cached per machine."""
    utterances = [u for voice in corpus.voices for split in ("np-train", "p-train")
                  for u in corpus.utterances(split, voice, consumer="parallel")]
    directory = os.path.join(cache.cache_dir(), "voices", "judges",
                             _judge_key(corpus, [u.path for u in utterances], seed))
    kinds = {"linear": speaker_metrics.LinearSpeakerJudge,
             "cnn": speaker_metrics.CnnSpeakerJudge}
    paths = {name: os.path.join(directory, f"{name}.json") for name in kinds}
    try:
        return {name: kinds[name].load(path) for name, path in paths.items()}
    except (FileNotFoundError, ValueError, KeyError, json.JSONDecodeError):
        pass
    analyses = [voice_features.copy_synthesised(u.path) for u in utterances]
    mceps, speakers = [a.mcep for a in analyses], [u.voice for u in utterances]
    if log is not None:
        log(f"{corpus.name}: training the speaker judges on {len(mceps)} copy-synthesised "
            f"utterances")
    judges = {"linear": speaker_metrics.LinearSpeakerJudge().fit(mceps, speakers),
              "cnn": speaker_metrics.CnnSpeakerJudge(seed=seed).fit(mceps, speakers)}
    os.makedirs(directory, exist_ok=True)
    for name, judge in judges.items():
        partial = f"{paths[name]}.{os.getpid()}.partial"
        judge.save(partial)
        os.replace(partial, paths[name])
    return judges


def hidden_test_pairs(corpus, directions: Sequence[tuple[str, str]]) -> dict:
    """(source, target) → the hidden test pairs of that direction, analysed."""
    return {(source, target): [
        TestPair(source, target, s.sentence_id, voice_features.analysed(s.path),
                 voice_features.analysed(t.path))
        for s, t in corpus.pairs("test", source, target)] for source, target in directions}


def content_references(corpus) -> dict:
    """Target voice → its natural hidden-test utterances, as test pairs (the content
    judge's candidates)."""
    references = {}
    for voice in corpus.voices:
        other = next(v for v in corpus.voices if v != voice)
        references[voice] = hidden_test_pairs(corpus, [(other, voice)])[(other, voice)]
    return references


def converter_system(converter: conversion.Converter) -> Callable[[TestPair], Analysis]:
    """The measured system of a converter: convert, synthesise, analyse again."""
    def system(pair: TestPair) -> Analysis:
        wave = conversion.synthesise(converter, pair.source_analysis, pair.source,
                                     pair.target)
        return conversion.reanalysed(wave, pair.source_analysis.sample_rate,
                                     pair.source_analysis)
    return system


def copy_synthesis_system(pair: TestPair) -> Analysis:
    """The floor: the natural target through WORLD (measure with ``timing="target"``)."""
    target = pair.target_analysis
    wave = speech_analysis.synthesise(target.f0, target.mcep, target.ap, target.sample_rate,
                                      target.alpha, target.frame_period)
    return conversion.reanalysed(wave, target.sample_rate, target)


def evaluate_converter_run(run: str, seed: int = 0,
                           log: Optional[Callable[[str], None]] = None) -> dict:
    """``tfgan eval`` on a baseline conversion run (``converter.json``): see
    ``evaluate_converter``. A trained model's run goes through ``runs.evaluate_speech_run``,
    which loads its converter."""
    converter, record = conversion.load_converter(run)
    return evaluate_converter(converter, record, run, seed, log)


def evaluate_converter(converter: conversion.Converter, record: dict, run: str, seed: int = 0,
                       log: Optional[Callable[[str], None]] = None,
                       directions: Optional[Sequence[tuple[str, str]]] = None) -> dict:
    """Every direction of ``converter`` (or only ``directions``) on the hidden test pairs
    of the corpus ``record`` names (``corpus``, ``subset``); the summary and the rows are
    merged into ``RUN/metrics.json`` under ``speech_evaluation`` and returned."""
    from tfgan_suite.data.voices import corpus as voice_corpus

    if not record.get("corpus"):
        raise ValueError(f"--run: {run} names no corpus to evaluate on")
    corpus = voice_corpus.load_corpus(record["corpus"], subset=record.get("subset", "full"))
    judges = trained_judges(corpus, seed, log=log)
    offered = conversion.directions_of(converter)
    for direction in directions or ():
        if tuple(direction) not in offered:
            raise ValueError(f"directions: the converter has no {direction[0]} -> "
                             f"{direction[1]} direction")
    pairs = hidden_test_pairs(corpus, [tuple(d) for d in directions] if directions
                              else offered)
    everything = [p for group in pairs.values() for p in group]
    rows, directions = measure(converter_system(converter), everything, judges,
                               content_references(corpus))
    result = {"corpus": record["corpus"], "subset": record.get("subset", "full"),
              "converter": converter.name, "utterances": len(rows),
              "summary": summarise(rows, directions, judges=list(judges), seed=seed),
              "rows": rows, "directions": directions}
    for key in ("step", "checkpoint"):
        if key in record:
            result[key] = record[key]
    path = os.path.join(run, "metrics.json")
    stored = {}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as stream:
            stored = json.load(stream)
    stored["speech_evaluation"] = result
    with open(path + ".tmp", "w", encoding="utf-8") as stream:
        json.dump(stored, stream, indent=1, default=float)
    os.replace(path + ".tmp", path)
    return result


def summary_line(result: dict) -> str:
    """One line of a speech evaluation's headline numbers."""
    s = result["summary"]
    return (f"{result['converter']} on {result['corpus']} ({result['utterances']} test "
            f"conversions): MCD {format_interval(s['mcd'])} dB, TAR linear "
            f"{format_interval(s['tar_linear'], 1, True)} %, TAR CNN "
            f"{format_interval(s['tar_cnn'], 1, True)} %, content "
            f"{format_interval(s['content_hit'], 1, True)} %")


__all__ = ["CONTENT_DECIMATION", "JUDGES_VERSION", "TIMINGS", "TestPair", "content_references",
           "converter_system", "copy_synthesis_system", "evaluate_converter",
           "evaluate_converter_run",
           "format_interval", "judge_accuracy", "measure", "summarise", "summary_line",
           "hidden_test_pairs", "trained_judges"]
