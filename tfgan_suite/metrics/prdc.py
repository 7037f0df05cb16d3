"""k-nearest-neighbour manifold metrics: precision/recall and density/coverage.

Kynkäänniemi, Karras, Laine, Lehtinen & Aila (2019), "Improved Precision and Recall Metric
for Assessing Generative Models"; Naeem, Oh, Uh, Choi & Yoo (2020), "Reliable Fidelity and
Diversity Metrics for Generative Models".

Pairwise squared distances are computed ``chunk_size`` rows at a time as
‖a‖² + ‖b‖² − 2abᵀ (clipped at 0), so 10,000 × 10,000 feature sets need only
O(chunk_size · n) working memory. Radii are compared as squared distances (no square roots),
so ties at exactly the radius are decided without extra rounding. The arithmetic is float32
when both inputs are float32 and float64 otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from tfgan_suite.metrics.stats import as_feature_matrix, check_same_num_features

# Rows of the first set processed per block: 1024 × 10,000 float64 distances = 82 MB.
DEFAULT_CHUNK_SIZE = 1024


def _prepare(
    real_feat, fake_feat, k: int, chunk_size: int, fake_needs_radii: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Validates the inputs of the k-NN metrics and casts both sets to a common float dtype."""
    real = as_feature_matrix(real_feat, "real_feat")
    fake = as_feature_matrix(fake_feat, "fake_feat")
    check_same_num_features(real, fake, "real_feat", "fake_feat")
    if int(chunk_size) != chunk_size or chunk_size < 1:
        raise ValueError(f"`chunk_size` must be a positive integer; got {chunk_size!r}.")
    if int(k) != k or k < 1:
        raise ValueError(f"`k` must be a positive integer; got {k!r}.")
    sets_with_radii = [("real_feat", real)] + ([("fake_feat", fake)] if fake_needs_radii else [])
    for name, features in sets_with_radii:
        if k >= features.shape[0]:
            raise ValueError(
                f"`k` must be smaller than the number of points in `{name}` (the point itself "
                f"is excluded from its neighbours); got k={k} with {features.shape[0]} points."
            )
    dtype = np.result_type(real.dtype, fake.dtype)
    return real.astype(dtype, copy=False), fake.astype(dtype, copy=False)


def iter_squared_distances(
    a: np.ndarray, b: np.ndarray, chunk_size: int
) -> Iterator[tuple[int, np.ndarray]]:
    """Yields (start, D) with D[i, j] = ‖a[start + i] − b[j]‖², D of shape (≤chunk_size, len(b))."""
    b_sq_norms = np.einsum("ij,ij->i", b, b)
    for start in range(0, a.shape[0], chunk_size):
        chunk = a[start:start + chunk_size]
        distances = chunk @ b.T
        distances *= -2.0
        distances += np.einsum("ij,ij->i", chunk, chunk)[:, None]
        distances += b_sq_norms[None, :]
        np.maximum(distances, 0.0, out=distances)  # round-off can make the expansion negative
        yield start, distances


def knn_radii_squared(features: np.ndarray, k: int, chunk_size: int) -> np.ndarray:
    """Squared distance from each row to its k-th nearest other row (the row itself excluded)."""
    radii = np.empty(features.shape[0], dtype=features.dtype)
    for start, distances in iter_squared_distances(features, features, chunk_size):
        rows = np.arange(distances.shape[0])
        distances[rows, start + rows] = np.inf
        radii[start:start + rows.size] = np.partition(distances, k - 1, axis=1)[:, k - 1]
    return radii


def precision_recall(
    real_feat, fake_feat, k: int = 3, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> dict[str, float]:
    """Improved precision and recall of a generated feature set against a real one.

    precision = (1/M) Σ_j 1[∃i: ‖f_j − r_i‖ ≤ NND_k(r_i)],
    recall    = (1/N) Σ_i 1[∃j: ‖r_i − f_j‖ ≤ NND_k(f_j)]  (Kynkäänniemi et al., 2019),
    where NND_k(x) is the distance from x to its k-th nearest neighbour in its own set.

    Args:
      real_feat: real features, shape (N, d), N > k.
      fake_feat: generated features, shape (M, d), M > k.
      k: neighbour index that sets each point's radius (3 in the paper).
      chunk_size: rows per block of the pairwise-distance computation.

    Returns:
      ``{"precision": float, "recall": float}``, both in [0, 1].
    """
    real, fake = _prepare(real_feat, fake_feat, k, chunk_size, fake_needs_radii=True)
    real_radii = knn_radii_squared(real, k, chunk_size)
    fake_radii = knn_radii_squared(fake, k, chunk_size)
    fake_in_real_manifold = np.zeros(fake.shape[0], dtype=bool)
    real_in_fake_manifold = np.zeros(real.shape[0], dtype=bool)
    for start, distances in iter_squared_distances(fake, real, chunk_size):
        stop = start + distances.shape[0]
        fake_in_real_manifold[start:stop] = np.any(distances <= real_radii[None, :], axis=1)
        real_in_fake_manifold |= np.any(distances <= fake_radii[start:stop, None], axis=0)
    return {
        "precision": float(fake_in_real_manifold.mean()),
        "recall": float(real_in_fake_manifold.mean()),
    }


def density_coverage(
    real_feat, fake_feat, k: int = 5, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> dict[str, float]:
    """Density and coverage of a generated feature set against a real one.

    density  = (1/(kM)) Σ_j Σ_i 1[‖f_j − r_i‖ < NND_k(r_i)],
    coverage = (1/N) Σ_i 1[min_j ‖r_i − f_j‖ < NND_k(r_i)]  (Naeem et al., 2020),
    with NND_k(r_i) the distance from r_i to its k-th nearest other real point.

    Args:
      real_feat: real features, shape (N, d), N > k.
      fake_feat: generated features, shape (M, d), M >= 1.
      k: neighbour index that sets each real point's radius (5 in the paper).
      chunk_size: rows per block of the pairwise-distance computation.

    Returns:
      ``{"density": float, "coverage": float}``; coverage is in [0, 1], density in [0, N/k].
    """
    real, fake = _prepare(real_feat, fake_feat, k, chunk_size, fake_needs_radii=False)
    real_radii = knn_radii_squared(real, k, chunk_size)
    inside_pairs = 0
    nearest_fake = np.full(real.shape[0], np.inf, dtype=real.dtype)
    for _, distances in iter_squared_distances(fake, real, chunk_size):
        inside_pairs += int(np.count_nonzero(distances < real_radii[None, :]))
        np.minimum(nearest_fake, distances.min(axis=0), out=nearest_fake)
    return {
        "density": inside_pairs / (k * fake.shape[0]),
        "coverage": float(np.mean(nearest_fake < real_radii)),
    }


__all__ = ["density_coverage", "iter_squared_distances", "knn_radii_squared", "precision_recall"]
