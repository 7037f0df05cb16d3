"""A conversion model's ``data`` section over a speech corpus: what it trains on, as a
``tf.data`` pipeline like any image batch (design.md §8).

    data: {name: "voices:esp4", domains: [m3, f2], subset: full,
           segment_frames: 64, batch_size: 8}

- ``name``: ``voices:<corpus>`` — ``load_corpus``'s names (``esp4``, ``mix4``,
  ``folder:<path>``) behind the prefix.
- ``domains``: the speakers. A two-domain model (``cyclegan_vc``) converts the first into
  the second (and back); a many-domain model (``stargan_vc``) takes two or more (null: every
  voice of the corpus).
- Features: the mel-cepstrum c1..cD of each speaker's NP-train utterances (the only split a
  non-parallel model may read), normalised per dimension with that speaker's statistics
  (``statistics.speaker_statistics``); c0, F0 and the aperiodicity are not modelled
  (speech.md §1.5, the library's preset).
- Batches: two domains, ``(a, b)`` of independent ``[batch, segment_frames, D]`` crops
  (``features.unpaired_segments``); many domains, ``(crops, speaker index)`` from all
  speakers' utterances at once (``features.segments`` with labels; speakers with equal
  utterance counts are drawn equally often). Crops of step *s* are keyed by (seed, *s*),
  so a resumed run sees what an unbroken one would.
- Pairs (``ganpf``, ``ganpf_stft``, ``ganvc``: a model with ``pair_data``): ``(x, y)``
  crops at the same frames of P-train's aligned pairs (``pairs.make_pairs``: ``inputs``
  parallel or oversmoothed, ``features`` mcep or stft, each null = the model's own);
  ``domains`` = [source, target]. The pairs do not depend on the run's seed (the
  squared-error converters that over-smooth them use seed 0), only the crops do.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Optional

import numpy as np
import tensorflow as tf

from tfgan_suite.audio.prosody import NormStats
from tfgan_suite.data.voices import corpus as voice_corpus
from tfgan_suite.data.voices import features as voice_features
from tfgan_suite.data.voices import pairs as voice_pairs
from tfgan_suite.data.voices.statistics import SpeakerStatistics, speaker_statistics

PREFIX = "voices:"
#: A conversion run's speakers' statistics (``write_statistics``), beside its config.
STATISTICS_FILE = "speakers.json"
#: A paired model's data record (``write_pair_statistics``), beside its config.
PAIRS_FILE = "pairs.json"
#: Mel-cepstral order of the analysis: c0..c24, of which c1..c24 are modelled.
ORDER = 24
#: Log-STFT bins of the paired models' spectrograms (a 512-point FFT).
STFT_BINS = 257


def is_speech(name) -> bool:
    """Whether a ``data.name`` is a speech corpus."""
    return isinstance(name, str) and name.startswith(PREFIX)


def corpus_name(data_cfg: dict) -> str:
    """``load_corpus``'s name of a ``voices:`` data section."""
    name = data_cfg["name"]
    if not is_speech(name):
        raise ValueError(f"data.name: a conversion model reads a speech corpus, "
                         f"{PREFIX}<corpus> ({', '.join(PREFIX + n for n in ('esp4', 'mix4'))}"
                         f", {PREFIX}folder:<path>), got {name!r}")
    return name[len(PREFIX):]


def load(data_cfg: dict) -> voice_corpus.Corpus:
    """The corpus a ``voices:`` section names (its ``subset``)."""
    try:
        return voice_corpus.load_corpus(corpus_name(data_cfg), data_cfg.get("subset", "full"))
    except ValueError as error:
        raise ValueError(f"data.name / data.subset: {error}") from None


def domains(data_cfg: dict, corpus: voice_corpus.Corpus, many: bool) -> tuple[str, ...]:
    """The speakers of a section, checked against the corpus: exactly two (``many``
    False) or at least two, null meaning every voice (``many`` True)."""
    chosen = data_cfg.get("domains")
    if chosen is None:
        if not many and len(corpus.voices) != 2:
            raise ValueError(f"data.domains: {corpus.name} has {len(corpus.voices)} voices "
                             f"({', '.join(corpus.voices)}); name the source and the target")
        chosen = corpus.voices
    wanted = "two different voices" if not many else "two or more different voices"
    if (not isinstance(chosen, (list, tuple)) or len(set(chosen)) != len(chosen)
            or len(chosen) < 2 or (not many and len(chosen) != 2)
            or any(voice not in corpus.voices for voice in chosen)):
        raise ValueError(f"data.domains: expected {wanted} of {corpus.name} "
                         f"({', '.join(corpus.voices)}), got {chosen!r}")
    return tuple(str(voice) for voice in chosen)


def pair_options(data_cfg: dict, pair_data: dict) -> dict:
    """A paired model's data: its ``pair_data`` with the section's ``inputs`` /
    ``features`` when set, and ``converter_steps``."""
    chosen = {key: data_cfg.get(key) or pair_data[key] for key in ("inputs", "features")}
    return dict(pair_data) | chosen | {"converter_steps": data_cfg.get("converter_steps",
                                                                        1500)}


def info(data_cfg: dict, many: bool, pair_data: Optional[dict] = None) -> dict:
    """The data facts of a ``voices:`` section (``factory.RunFacts.info``): ``kind``
    ``speech``, ``image_shape`` = (``frames``, ``dims``) of a training crop, the
    ``domains``, ``num_domains``, ``many_domains`` (``many``), the ``corpus`` and
    ``subset``, ``pair_data`` (a paired model's resolved ``pair_options``, else None); no
    classes."""
    corpus = load(data_cfg)
    speakers = domains(data_cfg, corpus, many)
    frames = data_cfg["segment_frames"]
    if frames % 4:
        raise ValueError(f"data.segment_frames: the conversion networks halve time twice; "
                         f"expected a multiple of 4, got {frames!r}")
    dims, resolved = ORDER, None
    if pair_data is not None:
        resolved = pair_options(data_cfg, pair_data)
        dims = (ORDER + int(resolved["c0"]) if resolved["features"] == "mcep"
                else STFT_BINS)
    return {"kind": "speech", "image_shape": (frames, dims), "frames": frames, "dims": dims,
            "domains": speakers, "num_domains": len(speakers), "many_domains": many,
            "num_classes": None, "pair_data": resolved,
            "corpus": corpus.name, "subset": corpus.subset, "paired": False}


def normalised_features(corpus: voice_corpus.Corpus, voice: str, statistics) -> list:
    """c1..cD of ``voice``'s NP-train utterances, normalised with its ``statistics``
    (a ``SpeakerStatistics``): float32 ``[frames, D]`` each."""
    utterances = corpus.utterances("np-train", voice, consumer="nonparallel")
    return [statistics.mcep.normalise(voice_features.analysed(u.path, ORDER).mcep)[:, 1:]
            .astype(np.float32) for u in utterances]


def _read_record(directory: str, name: str, what: str) -> dict:
    """The JSON record ``name`` of a run directory, or a one-line error naming it."""
    path = os.path.join(directory, name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{directory}: no {name}; not {what}")
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def write_statistics(data_cfg: dict, many: bool, directory: str) -> str:
    """Writes the section's speakers' ``SpeakerStatistics`` (what the run's features were
    normalised with, what its converter must use) to ``directory/speakers.json``."""
    corpus = load(data_cfg)
    statistics = speaker_statistics(corpus, domains(data_cfg, corpus, many))
    path = os.path.join(directory, STATISTICS_FILE)
    with open(path + ".tmp", "w", encoding="utf-8") as stream:
        json.dump({"corpus": corpus.name, "subset": corpus.subset,
                   "speakers": {v: s.to_dict() for v, s in statistics.items()}}, stream,
                  indent=1)
    os.replace(path + ".tmp", path)
    return path


def read_statistics(directory: str) -> tuple[dict, dict]:
    """(speaker → ``SpeakerStatistics``, the record's corpus and subset) of a run."""
    record = _read_record(directory, STATISTICS_FILE, "a speech conversion run")
    return ({v: SpeakerStatistics.from_dict(s) for v, s in record["speakers"].items()},
            {"corpus": record["corpus"], "subset": record["subset"]})


def write_pair_statistics(data_cfg: dict, pair_data: dict, directory: str) -> str:
    """Writes a paired model's data record to ``directory/pairs.json``: its resolved
    ``pair_data``, the corpus, source and target, and the per-dimension statistics of the
    target's (and the source's) features — what a postfilter standardises its input with."""
    corpus = load(data_cfg)
    source, target = domains(data_cfg, corpus, False)
    record = {"corpus": corpus.name, "subset": corpus.subset, "source": source,
              "target": target, "pair_data": dict(pair_data)}
    for role, voice in (("source", source), ("target", target)):
        record[f"{role}_statistics"] = voice_pairs.voice_statistics(
            corpus, voice, pair_data["features"]).to_dict()
    path = os.path.join(directory, PAIRS_FILE)
    with open(path + ".tmp", "w", encoding="utf-8") as stream:
        json.dump(record, stream, indent=1)
    os.replace(path + ".tmp", path)
    return path


def read_pair_statistics(directory: str) -> dict:
    """``write_pair_statistics``' record of a run, the statistics as ``NormStats``."""
    record = _read_record(directory, PAIRS_FILE,
                          "a run of a paired speech model (ganpf, ganpf_stft, ganvc)")
    for role in ("source", "target"):
        record[f"{role}_statistics"] = NormStats.from_dict(record[f"{role}_statistics"])
    return record


def dataset(data_cfg: dict, many: bool, seed: int = 0,
            statistics: Optional[dict] = None,
            pair_data: Optional[dict] = None) -> tf.data.Dataset:
    """The endless training pipeline of a ``voices:`` section (module docstring);
    ``statistics``: the speakers' ``SpeakerStatistics`` when the caller has them;
    ``pair_data``: a paired model's resolved options (``info``'s)."""
    corpus = load(data_cfg)
    speakers = domains(data_cfg, corpus, many)
    if pair_data is not None:
        made = voice_pairs.make_pairs(corpus, *speakers, split="p-train",
                                      inputs=pair_data["inputs"],
                                      features=pair_data["features"],
                                      converter_steps=pair_data["converter_steps"])
        if pair_data["features"] == "mcep" and not pair_data["c0"]:
            made = dataclasses.replace(made, inputs=tuple(x[:, 1:] for x in made.inputs),
                                       targets=tuple(y[:, 1:] for y in made.targets))
        return voice_pairs.paired_segments(made, data_cfg["segment_frames"],
                                           data_cfg["batch_size"], seed)
    statistics = statistics or speaker_statistics(corpus, speakers)
    frames, batch = data_cfg["segment_frames"], data_cfg["batch_size"]
    per_speaker = {}
    for voice in speakers:
        usable = [f for f in normalised_features(corpus, voice, statistics[voice])
                  if len(f) >= frames]
        if not usable:
            raise ValueError(f"data.segment_frames: no NP-train utterance of {voice} is "
                             f"{frames} frames long; use shorter segments")
        per_speaker[voice] = usable
    if not many:
        return voice_features.unpaired_segments(*per_speaker.values(), segment_frames=frames,
                                                batch_size=batch, seed=seed)
    trajectories = [f for voice in speakers for f in per_speaker[voice]]
    labels = [index for index, voice in enumerate(speakers) for _ in per_speaker[voice]]
    return voice_features.segments(trajectories, frames, batch, seed, labels=labels)


__all__ = ["ORDER", "PAIRS_FILE", "PREFIX", "STATISTICS_FILE", "STFT_BINS", "corpus_name",
           "dataset", "domains", "info", "is_speech", "load", "normalised_features",
           "pair_options", "read_pair_statistics", "read_statistics", "write_pair_statistics",
           "write_statistics"]
