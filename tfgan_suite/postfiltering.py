"""A trained postfilter (``ganpf``, ``ganpf_stft``) applied to features or speech, and
judged against the hidden natural truth (issue #41; speech.md §4, §5, §11.3).

``Postfilter(model, record)`` wraps a run's model with its data record
(``data/voices/training.read_pair_statistics``): features in natural units — a
mel-cepstrum c0..c24 or a natural-log STFT magnitude — are standardised with the target
voice's statistics, postfiltered (``model.generate``, z from a seed) and mapped back; the
coefficients the postfilter passes through (c0) are returned exactly as given.

- ``Postfilter.wave``: a waveform → its analysis (WORLD + SPTK, ``audio.analysis``) →
  postfiltered mel-cepstrum → WORLD synthesis with the wave's own F0 and aperiodicity; for
  a spectrogram postfilter, the wave's log-STFT → postfiltered → overlap-add with the wave's
  own phase (``audio.stft.with_phase_of``).
- ``postfilter_files``: a ``.wav`` or ``.npy`` file (``[frames, dims]`` natural units), or a
  directory of them, into a directory of the same names (``tfgan postfilter``).
- ``evaluate``: the hidden test pairs of the run's source and target (``pairs.make_pairs``
  on split ``test``, its over-smoothing converter trained on all of P-train) before and
  after the postfilter, each against the natural target on the same frames: MCD (c1..,
  dB; mel-cepstra) or LSD (dB; spectrograms), the GV ratio and MSD over the upper
  dimensions with the natural floor (``metrics.speech.oversmoothing``), per-utterance
  intervals by bootstrap.
"""

from __future__ import annotations

import os
from typing import Optional

import numpy as np

from tfgan_suite.audio import analysis as speech_analysis
from tfgan_suite.audio import io as audio_io
from tfgan_suite.audio import stft as audio_stft
from tfgan_suite.data.voices import corpus as voice_corpus
from tfgan_suite.data.voices import pairs as voice_pairs
from tfgan_suite.metrics import speech as speech_metrics
from tfgan_suite.metrics.intervals import bootstrap_ci

#: The first dimension of the GV ratio and MSD: c10.. of a mel-cepstrum (speech.md §11.3),
#: every bin of a spectrogram.
FIRST_JUDGED = {"mcep": 10, "stft": 0}


class Postfilter:
    """A postfilter model with its run's data record (module docstring).

    Args:
        model: a trained ``ganpf`` / ``ganpf_stft`` model (``runs.load_run``).
        record: its run's ``read_pair_statistics``.
        seed: of the noise z.
    """

    def __init__(self, model, record: dict, seed: int = 0):
        if callable(getattr(model, "converter", None)) or not hasattr(model, "generate"):
            raise ValueError(f"--run: model {getattr(model, 'name', model)!r} is not a "
                             "postfilter (ganpf, ganpf_stft)")
        self.model = model
        self.record = record
        self.features = record["pair_data"]["features"]
        self.statistics = record["target_statistics"]
        self.passthrough = int(getattr(model, "passthrough", 0))
        self.seed = int(seed)

    @property
    def dims(self) -> int:
        """Coefficients (or bins) per frame of the features it takes."""
        return self.statistics.dims

    def __call__(self, features) -> np.ndarray:
        """Postfiltered ``features`` ``[frames, dims]`` (natural units; float64)."""
        features = np.asarray(features, dtype=np.float64)
        if features.ndim != 2 or features.shape[1] != self.dims or len(features) == 0:
            kind = "mel-cepstrum c0..c24" if self.features == "mcep" else "log-STFT magnitude"
            raise ValueError(f"features: expected a {kind} [frames, {self.dims}], got shape "
                             f"{features.shape}")
        if not np.all(np.isfinite(features)):
            raise ValueError("features: non-finite values (nan or inf)")
        standard = self.statistics.normalise(features).astype(np.float32)
        output = np.asarray(self.model.generate(standard[None], seed=self.seed)[0], np.float64)
        natural = self.statistics.denormalise(output)
        natural[:, :self.passthrough] = features[:, :self.passthrough]
        return natural

    def wave(self, wave: np.ndarray) -> np.ndarray:
        """A waveform (16 kHz) postfiltered (module docstring)."""
        wave = audio_io.check_speech(wave, name="wave")
        if self.features == "mcep":
            analysis = speech_analysis.analyse(wave)
            return speech_analysis.synthesise(analysis.f0, self(analysis.mcep), analysis.ap)
        return audio_stft.with_phase_of(self(audio_stft.log_stft_magnitude(wave)), wave)


def postfilter_files(postfilter: Postfilter, source_path: str, out: str) -> list[str]:
    """Postfilters a ``.wav`` or ``.npy`` file, or every one of a directory, into ``out``
    (same file names); returns the paths written."""
    files = audio_io.input_files(source_path, (".wav", ".npy"))
    os.makedirs(out, exist_ok=True)
    written = []
    for path in files:
        target = os.path.join(out, os.path.basename(path))
        if path.lower().endswith(".npy"):
            np.save(target, postfilter(np.load(path)))
        else:
            audio_io.write_wav(target, postfilter.wave(audio_io.read_wav(path)))
        written.append(target)
    return written


def _per_utterance(features: str, produced: list, natural: list) -> list[float]:
    if features == "mcep":
        return [speech_metrics.mel_cepstral_distortion(x, y) for x, y in
                zip(produced, natural, strict=True)]
    # log-STFT in natural-log units → amplitudes for the dB distance
    return [speech_metrics.log_spectral_distance(np.exp(x), np.exp(y)) for x, y in
            zip(produced, natural, strict=True)]


def judge(features: str, produced: list, natural: list, seed: int = 0) -> dict:
    """The measures of ``produced`` against ``natural`` on the same frames (natural units):
    ``distance`` (MCD or LSD, dB) with its 95 % bootstrap interval over utterances,
    ``gv_ratio``, ``msd`` and ``msd_floor`` (``metrics.speech.oversmoothing``)."""
    distances = _per_utterance(features, produced, natural)
    mean, low, high = bootstrap_ci(np.asarray(distances), seed=seed)
    return {"distance": float(mean), "distance_ci": [float(low), float(high)],
            "distance_name": "mcd" if features == "mcep" else "lsd"} | \
        speech_metrics.oversmoothing(produced, natural, first=FIRST_JUDGED[features])


def test_pairs(record: dict) -> voice_pairs.PairSet:
    """The hidden test pairs of a postfilter run's data record (the evaluation consumer)."""
    corpus = voice_corpus.load_corpus(record["corpus"], subset=record["subset"])
    data = record["pair_data"]
    return voice_pairs.make_pairs(corpus, record["source"], record["target"], split="test",
                                  inputs=data["inputs"], features=data["features"],
                                  converter_steps=data["converter_steps"])


def evaluate(postfilter: Postfilter, pairs: Optional[voice_pairs.PairSet] = None,
             seed: int = 0) -> dict:
    """The run's hidden test pairs before (``input``) and after (``postfiltered``) the
    postfilter, each judged against the natural targets (module docstring)."""
    pairs = pairs or test_pairs(postfilter.record)
    inputs = pairs.natural_units(pairs.inputs)
    natural = pairs.natural_units(pairs.targets)
    produced = [postfilter(x) for x in inputs]
    return {"features": postfilter.features, "utterances": len(natural),
            "input": judge(postfilter.features, inputs, natural, seed),
            "postfiltered": judge(postfilter.features, produced, natural, seed)}


def summary_line(result: dict) -> str:
    """One line for the terminal: before → after."""
    before, after = result["input"], result["postfiltered"]
    name = before["distance_name"].upper()
    return (f"{result['utterances']} test utterances: {name} {before['distance']:.2f} → "
            f"{after['distance']:.2f} dB, GV ratio {before['gv_ratio']:.3f} → "
            f"{after['gv_ratio']:.3f}, MSD {before['msd']:.3f} → {after['msd']:.3f} "
            f"(natural floor {before['msd_floor']:.3f})")


__all__ = ["FIRST_JUDGED", "Postfilter", "evaluate", "judge", "postfilter_files",
           "summary_line", "test_pairs"]
