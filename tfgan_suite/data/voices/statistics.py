"""Each speaker's normalisation statistics, fitted on what a non-parallel model may see.

Per-dimension mean and standard deviation of c0..cD over the speech frames
(``audio.analysis.speech_frames``) of a speaker's NP-train utterances, and the mean and
standard deviation of log F0 over their voiced frames (speech.md §1.5). The conversion
baselines, the training pipelines of the conversion models and their converters all use
these, so a model and its converter normalise the same way.
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

from tfgan_suite.audio import analysis as speech_analysis
from tfgan_suite.audio.prosody import LogF0Transform, NormStats
from tfgan_suite.data.voices import features as voice_features


@dataclasses.dataclass(frozen=True)
class SpeakerStatistics:
    """One speaker's normalisation statistics (speech frames; voiced frames for F0)."""

    mcep: NormStats
    log_f0_mean: float
    log_f0_std: float

    @classmethod
    def fit(cls, analyses: Sequence[speech_analysis.Analysis]) -> SpeakerStatistics:
        """From a speaker's training analyses."""
        if not analyses:
            raise ValueError("analyses: a speaker's statistics need at least one utterance")
        frames = [a.mcep[speech_analysis.speech_frames(a.mcep)] for a in analyses]
        mean, std = LogF0Transform.statistics([a.f0 for a in analyses])
        return cls(NormStats.fit(frames), mean, std)

    def to_dict(self) -> dict:
        """A JSON-able form (``from_dict`` inverts it)."""
        return {"mcep": self.mcep.to_dict(), "log_f0_mean": self.log_f0_mean,
                "log_f0_std": self.log_f0_std}

    @classmethod
    def from_dict(cls, stored: dict) -> SpeakerStatistics:
        """The statistics ``to_dict`` wrote."""
        return cls(NormStats.from_dict(stored["mcep"]), float(stored["log_f0_mean"]),
                   float(stored["log_f0_std"]))


def speaker_statistics(corpus, voices: Optional[Sequence[str]] = None) -> dict:
    """Every voice's (or ``voices``') statistics from its NP-train utterances (what a
    non-parallel model may see)."""
    return {voice: SpeakerStatistics.fit(
        [voice_features.analysed(u.path)
         for u in corpus.utterances("np-train", voice, consumer="nonparallel")])
        for voice in (corpus.voices if voices is None else voices)}


__all__ = ["SpeakerStatistics", "speaker_statistics"]
