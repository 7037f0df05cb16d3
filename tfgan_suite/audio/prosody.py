"""Prosody and feature normalisation of voice conversion (speech.md §1.5): the log-F0
Gaussian transform, applied to voiced frames only (F0 = 0 stays 0), and ``NormStats``, the
per-dimension mean / standard deviation of a speaker's spectral features over all training
frames (leimao/Voice-Converter-CycleGAN, preprocess.py
``coded_sps_normalization_fit_transoform``): convert with the source's statistics, then
de-normalise with the target's.

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


#: Standard deviations are floored here, so a constant dimension normalises to 0, not nan.
MIN_STD = 1e-8


def _vector(values, name: str) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float64)
    if vector.ndim != 1 or vector.size == 0:
        raise ValueError(f"{name}: expected a non-empty vector [dims], got shape {vector.shape}")
    return vector


@dataclasses.dataclass(frozen=True, eq=False)
class NormStats:
    """Per-dimension ``mean`` and ``std`` (``[dims]``) of feature frames: ``normalise`` maps
    x ``[..., dims]`` to (x − mean) / std, ``denormalise`` back. ``fit`` takes them over every
    frame of a list of trajectories ``[frames, dims]``."""

    mean: np.ndarray
    std: np.ndarray

    def __post_init__(self):
        mean, std = _vector(self.mean, "mean"), _vector(self.std, "std")
        if mean.shape != std.shape:
            raise ValueError(f"mean {mean.shape} and std {std.shape}: expected one length")
        if not np.all(std > 0):
            raise ValueError("std: expected positive standard deviations")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)

    @property
    def dims(self) -> int:
        """The feature dimension."""
        return self.mean.size

    @classmethod
    def fit(cls, trajectories) -> NormStats:
        """The statistics over every frame of ``trajectories`` (a ``[frames, dims]`` array or
        a sequence of them; standard deviations floored at ``MIN_STD``)."""
        if isinstance(trajectories, np.ndarray) and trajectories.ndim == 2:
            trajectories = [trajectories]
        arrays = [np.asarray(t, dtype=np.float64) for t in trajectories]
        if not arrays:
            raise ValueError("trajectories: expected at least one [frames, dims] trajectory")
        for index, array in enumerate(arrays):
            if array.ndim != 2 or array.shape[1] != arrays[0].shape[-1]:
                raise ValueError(f"trajectories: item {index} has shape {array.shape}; expected "
                                 f"[frames, {arrays[0].shape[-1]}] like item 0")
        frames = np.concatenate(arrays)
        if len(frames) == 0:
            raise ValueError("trajectories: no frame to take statistics over")
        return cls(frames.mean(axis=0), np.maximum(frames.std(axis=0), MIN_STD))

    def _check(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 0 or x.shape[-1] != self.dims:
            raise ValueError(f"x: expected features [..., {self.dims}], got shape {x.shape}")
        return x

    def normalise(self, x) -> np.ndarray:
        """(x − mean) / std over the last axis of ``x`` ``[..., dims]``."""
        return (self._check(x) - self.mean) / self.std

    def denormalise(self, x) -> np.ndarray:
        """x · std + mean: the inverse of ``normalise``."""
        return self._check(x) * self.std + self.mean

    def to_dict(self) -> dict:
        """A JSON-able form (``from_dict`` inverts it)."""
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, stored: dict) -> NormStats:
        """The statistics ``to_dict`` wrote."""
        missing = {"mean", "std"} - set(stored)
        if missing:
            raise ValueError(f"stored: normalisation statistics need keys mean and std; "
                             f"missing {', '.join(sorted(missing))}")
        return cls(np.asarray(stored["mean"], np.float64), np.asarray(stored["std"], np.float64))


__all__ = ["MIN_STD", "LogF0Transform", "NormStats", "voiced_log"]
