"""Inception Score from class probabilities p(y|x) of a classifier.

Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen (2016), "Improved Techniques for
Training GANs". Only meaningful with the classifier it was defined for (InceptionV3 on
ImageNet); with any other classifier report it under a different name.
"""

from __future__ import annotations

import numpy as np

# Allowed deviation of a probability row's sum from 1.
ROW_SUM_TOLERANCE = 1e-3


def _check_probs(probs) -> np.ndarray:
    """Returns `probs` as float64 after checking it is a (n, classes) row-stochastic matrix."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] < 1 or probs.shape[1] < 1:
        raise ValueError(
            f"`probs` must be a 2-D array of shape (num_samples, num_classes); got shape "
            f"{probs.shape}."
        )
    if not np.all(np.isfinite(probs)):
        raise ValueError("`probs` contains NaN or inf values; probabilities must be finite.")
    if np.any(probs < 0):
        raise ValueError(
            f"`probs` must be non-negative (softmax outputs, not logits); got minimum "
            f"{probs.min():.4g}."
        )
    row_sums = probs.sum(axis=1)
    worst = int(np.argmax(np.abs(row_sums - 1.0)))
    if abs(row_sums[worst] - 1.0) > ROW_SUM_TOLERANCE:
        raise ValueError(
            f"Each row of `probs` must sum to 1 (tolerance {ROW_SUM_TOLERANCE}); row {worst} "
            f"sums to {row_sums[worst]:.6g}."
        )
    return probs


def _split_score(probs: np.ndarray) -> float:
    """exp(mean_x KL(p(y|x) ‖ p(y))) for one split, with 0·log 0 = 0."""
    marginal = probs.mean(axis=0, keepdims=True)
    # Where p(y|x) > 0 the marginal p(y) >= p(y|x)/n > 0; zero entries contribute 0·log 0 = 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = probs * (np.log(probs) - np.log(marginal))
    kl_per_sample = np.where(probs > 0, terms, 0.0).sum(axis=1)
    return float(np.exp(kl_per_sample.mean()))


def inception_score(probs, splits: int = 10) -> tuple[float, float]:
    """Inception Score: mean and std over splits.

    IS = exp(E_x KL(p(y|x) ‖ p(y)))  (Salimans et al., 2016), p(y) = mean of p(y|x) in a split.

    Args:
      probs: class probabilities of shape (num_samples, num_classes); rows non-negative and
        summing to 1 (±1e-3).
      splits: number of parts the rows are divided into with ``np.array_split``
        (1 <= splits <= num_samples).

    Returns:
      (mean, std) of the per-split scores as Python floats (std with ddof=0, as in the
      original implementation).
    """
    probs = _check_probs(probs)
    if int(splits) != splits or not 1 <= splits <= probs.shape[0]:
        raise ValueError(
            f"`splits` must be an integer in [1, num_samples={probs.shape[0]}]; got {splits!r}."
        )
    scores = np.array([_split_score(part) for part in np.array_split(probs, int(splits))])
    return float(scores.mean()), float(scores.std())


__all__ = ["inception_score"]
