"""Confidence intervals over test utterances: the percentile bootstrap (Efron & Tibshirani,
"An Introduction to the Bootstrap", 1993, ch. 13) of a statistic of per-utterance values,
and the paired bootstrap of the difference of two systems measured on the same utterances
(Koehn, "Statistical significance tests for machine translation evaluation", EMNLP 2004).
Deterministic: the resamples come from a numpy generator seeded with ``seed``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def _check_interval(level: float, resamples: int) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level: expected a coverage in (0, 1), got {level!r}")
    if int(resamples) != resamples or resamples < 1:
        raise ValueError(f"resamples: expected a positive integer, got {resamples!r}")


def _sample(values, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)  # booleans count as 0 / 1: a rate
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"{name}: expected a non-empty vector of per-utterance values, got "
                         f"shape {values.shape}")
    return values


def _interval(estimate: float, replicates: np.ndarray, level: float):
    low, high = np.percentile(replicates, [50.0 * (1.0 - level), 50.0 * (1.0 + level)])
    return float(estimate), float(low), float(high)


def bootstrap_ci(values, statistic: Callable = np.mean, level: float = 0.95,
                 resamples: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """(estimate, low, high): ``statistic`` of the per-utterance ``values`` ``[N]`` and its
    percentile bootstrap interval at ``level``: the utterances resampled with replacement
    ``resamples`` times by a generator seeded with ``seed`` (deterministic). Booleans give a
    rate."""
    values = _sample(values, "values")
    _check_interval(level, resamples)
    indices = np.random.default_rng(seed).integers(0, len(values), (resamples, len(values)))
    replicates = np.array([statistic(values[rows]) for rows in indices])
    return _interval(statistic(values), replicates, level)


def bootstrap_difference(a, b, statistic: Callable = np.mean, level: float = 0.95,
                         resamples: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """(estimate, low, high) of ``statistic(a) − statistic(b)`` for two systems measured on
    the same utterances (``a[i]`` and ``b[i]`` of one utterance): the paired bootstrap, each
    resample taking the same utterances from both. An interval that excludes 0 separates
    the systems."""
    a, b = _sample(a, "a"), _sample(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b: expected one value per utterance for both, got {a.size} "
                         f"and {b.size}")
    _check_interval(level, resamples)
    indices = np.random.default_rng(seed).integers(0, len(a), (resamples, len(a)))
    replicates = np.array([statistic(a[rows]) - statistic(b[rows]) for rows in indices])
    return _interval(statistic(a) - statistic(b), replicates, level)


__all__ = ["bootstrap_ci", "bootstrap_difference"]
