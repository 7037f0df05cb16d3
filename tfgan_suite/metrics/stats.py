"""Feature-matrix validation and streaming first/second moments for feature-space metrics.

`FeatureStats` accumulates the mean and the (ddof=1) covariance of feature vectors batch by
batch in float64, so a Fréchet distance over any number of samples needs only O(d²) memory.
The batch merge is the pairwise update of Chan, Golub & LeVeque (1979), which avoids the
cancellation of the naive ``E[xxᵀ] − μμᵀ`` formula.
"""

from __future__ import annotations

import numpy as np


def as_feature_matrix(features, name: str, min_rows: int = 1) -> np.ndarray:
    """Returns `features` as a finite 2-D float array of shape (num_samples, num_features).

    float32 and float64 inputs keep their dtype; anything else is converted to float64.

    Raises:
      ValueError: naming `name`, if the array is not 2-D, has fewer than `min_rows` rows,
        has no columns, or contains NaN/inf.
    """
    array = np.asarray(features)
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D array of shape (num_samples, num_features); "
            f"got shape {array.shape}."
        )
    if array.shape[0] < min_rows or array.shape[1] < 1:
        raise ValueError(
            f"`{name}` must have at least {min_rows} row(s) and 1 column; got shape "
            f"{array.shape}."
        )
    if array.dtype not in (np.float32, np.float64):
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
            raise ValueError(
                f"`{name}` must be numeric (float32/float64 or convertible); got dtype "
                f"{array.dtype}."
            )
        array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}` contains NaN or inf values; all features must be finite.")
    return array


def check_same_num_features(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raises ValueError unless `a` and `b` have the same number of columns."""
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same feature dimension; got "
            f"{a.shape[1]} and {b.shape[1]}."
        )


class FeatureStats:
    """Streaming mean and covariance of feature vectors, accumulated in float64.

    μ = (1/n) Σ_i x_i,  Σ = (1/(n−1)) Σ_i (x_i − μ)(x_i − μ)ᵀ  (same as ``np.cov``, ddof=1).
    Batches are merged with the pairwise update of Chan, Golub & LeVeque (1979).

    Args:
      num_features: optional feature dimension d; if omitted it is taken from the first batch.

    Example:

    ```python
    stats = FeatureStats()
    for batch in batches:  # each of shape (batch_size, d)
        stats.update(batch)
    frechet_distance(stats, other_stats)
    ```
    """

    def __init__(self, num_features: int | None = None):
        if num_features is not None and (int(num_features) != num_features or num_features < 1):
            raise ValueError(
                f"`num_features` must be a positive integer or None; got {num_features!r}."
            )
        self._num_features = None if num_features is None else int(num_features)
        self._count = 0
        self._mean = None  # (d,) float64
        self._scatter = None  # (d, d) float64, Σ_i (x_i − μ)(x_i − μ)ᵀ

    @property
    def num_features(self) -> int | None:
        """Feature dimension d, or None before the first batch when it was not given."""
        return self._num_features

    @property
    def count(self) -> int:
        """Number of feature vectors seen so far."""
        return self._count

    @property
    def mean(self) -> np.ndarray:
        """Mean feature vector μ, shape (d,), float64."""
        if self._count < 1:
            raise ValueError("FeatureStats.mean needs `count` >= 1; got count 0.")
        return self._mean.copy()

    @property
    def covariance(self) -> np.ndarray:
        """Unbiased (ddof=1) covariance Σ, shape (d, d), float64."""
        if self._count < 2:
            raise ValueError(
                f"FeatureStats.covariance needs `count` >= 2; got count {self._count}."
            )
        return self._scatter / (self._count - 1)

    def update(self, batch) -> FeatureStats:
        """Adds a batch of shape (batch_size, d) and returns `self` (so calls can chain)."""
        batch = as_feature_matrix(batch, "batch").astype(np.float64, copy=False)
        if self._num_features is None:
            self._num_features = batch.shape[1]
        if batch.shape[1] != self._num_features:
            raise ValueError(
                f"`batch` must have {self._num_features} features (the dimension of earlier "
                f"batches); got shape {batch.shape}."
            )
        batch_count = batch.shape[0]
        batch_mean = batch.mean(axis=0)
        centered = batch - batch_mean
        batch_scatter = centered.T @ centered
        if self._count == 0:
            self._mean, self._scatter = batch_mean, batch_scatter
        else:
            total = self._count + batch_count
            delta = batch_mean - self._mean
            self._mean = self._mean + delta * (batch_count / total)
            self._scatter = (
                self._scatter + batch_scatter
                + np.outer(delta, delta) * (self._count * batch_count / total)
            )
        self._count += batch_count
        return self

    @classmethod
    def from_features(cls, features) -> FeatureStats:
        """Returns the statistics of a whole (num_samples, d) feature matrix."""
        return cls().update(features)

    def __repr__(self) -> str:
        return f"FeatureStats(count={self._count}, num_features={self._num_features})"
