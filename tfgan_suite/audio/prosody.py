"""Prosody: the log-F0 Gaussian transform of voice conversion (speech.md §1.5), applied to
voiced frames only (F0 = 0 stays 0).

Source: the logarithm Gaussian normalised transformation, log f0_y = (log f0_x − μ_x) / σ_x ·
σ_y + μ_y, with μ, σ over each speaker's voiced training frames (leimao/Voice-Converter-
CycleGAN, preprocess.py ``logf0_statistics`` / ``pitch_conversion``). The reference maps
every frame and relies on log 0 = −inf mapping back to 0; here unvoiced frames are masked.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np


def voiced_log(f0) -> tuple[np.ndarray, np.ndarray]:
    """(voiced mask, log F0 with unvoiced frames at 0) of an F0 track (F0 = 0: unvoiced)."""
    f0 = np.asarray(f0, dtype=np.float64)
    voiced = f0 > 0
    return voiced, np.log(np.where(voiced, f0, 1.0))


@dataclasses.dataclass(frozen=True)
class LogF0Transform:
    """The voice-conversion F0 mapping: a voiced frame's log F0 standardised with the
    source speaker's statistics and rescaled with the target's; unvoiced frames (F0 = 0)
    stay 0. ``fit`` takes the statistics from training F0 tracks (voiced frames only)."""

    source_mean: float
    source_std: float
    target_mean: float
    target_std: float

    @staticmethod
    def statistics(f0_tracks: Sequence) -> tuple[float, float]:
        """Mean and standard deviation of log F0 over the voiced frames of ``f0_tracks``."""
        logs = [np.log(np.asarray(f0, np.float64)[np.asarray(f0) > 0]) for f0 in f0_tracks]
        values = np.concatenate(logs) if logs else np.zeros(0)
        if values.size < 2:
            raise ValueError("f0 statistics need at least two voiced frames")
        return float(values.mean()), float(values.std())

    @classmethod
    def fit(cls, source_f0: Sequence, target_f0: Sequence) -> LogF0Transform:
        return cls(*cls.statistics(source_f0), *cls.statistics(target_f0))

    def __call__(self, f0) -> np.ndarray:
        voiced, log_f0 = voiced_log(f0)
        mapped = (log_f0 - self.source_mean) / self.source_std * self.target_std
        return np.where(voiced, np.exp(mapped + self.target_mean), 0.0)

    def inverse(self) -> LogF0Transform:
        """The mapping from the target back to the source."""
        return LogF0Transform(self.target_mean, self.target_std, self.source_mean,
                              self.source_std)


__all__ = ["LogF0Transform", "voiced_log"]
