"""Memorisation check: do generated images sit closer to the training set than new real
images do? (issue #19)

A generator that copies training images puts each sample at (almost) zero distance from
its nearest training image; one that generalises puts its samples about as far from the
training set as held-out real images are. In the domain classifier's feature space:

- d_gen(i) = min_j ‖f(G(z_i)) − f(x_j)‖ over the training images x_j, and
- d_test(i) = min_j ‖f(x_test_i) − f(x_j)‖ for held-out test images,

and the check reports the medians, their ratio ``median_ratio`` = median d_gen / median
d_test (≈ 1 for a generalising model, → 0 for a copying one), and ``copy_fraction``: the
fraction of samples nearer to the training set than the ``quantile`` (5 %) of the test
images' distances — by construction ≈ ``quantile`` for a generator whose samples are
distributed like new real images, → 1 for a copier. The nearest training index of every
sample comes back too, for the report's nearest-pair pictures.

(The comparison to held-out real data is the test of Meehan, Chaudhuri & Dasgupta (2020),
"A Non-Parametric Test to Detect Data-Copying in Generative Models", reduced to its
distance distributions without their cell partition.)
"""

from __future__ import annotations

import numpy as np

from tfgan_suite.metrics.prdc import DEFAULT_CHUNK_SIZE, iter_squared_distances
from tfgan_suite.metrics.stats import as_feature_matrix, check_same_num_features


def nearest_neighbours(queries, references, chunk_size: int = DEFAULT_CHUNK_SIZE
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(distances, indices): the Euclidean distance from each row of ``queries`` to its
    nearest row of ``references``, and that row's index."""
    queries = as_feature_matrix(queries, "queries")
    references = as_feature_matrix(references, "references")
    check_same_num_features(queries, references, "queries", "references")
    dtype = np.result_type(queries.dtype, references.dtype)
    queries, references = queries.astype(dtype), references.astype(dtype)
    distances = np.empty(len(queries), dtype)
    indices = np.empty(len(queries), np.int64)
    for start, squared in iter_squared_distances(queries, references, chunk_size):
        nearest = np.argmin(squared, axis=1)
        indices[start:start + len(nearest)] = nearest
        distances[start:start + len(nearest)] = np.sqrt(
            squared[np.arange(len(nearest)), nearest])
    return distances, indices


def memorisation_check(generated_features, train_features, test_features,
                       quantile: float = 0.05, chunk_size: int = DEFAULT_CHUNK_SIZE) -> dict:
    """The check of the module docstring on feature matrices [n, d] of generated images,
    the training images and held-out real images.

    Returns:
        dict with ``median_ratio``, ``copy_fraction``, ``generated_median``,
        ``test_median``, ``threshold`` (the test distances' ``quantile``), ``quantile``,
        and the per-sample ``distances`` and ``nearest`` training indices (numpy).
    """
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile: must be in (0, 1), got {quantile!r}")
    generated, nearest = nearest_neighbours(generated_features, train_features, chunk_size)
    test, _ = nearest_neighbours(test_features, train_features, chunk_size)
    generated_median, test_median = float(np.median(generated)), float(np.median(test))
    if test_median <= 0.0:
        raise ValueError("test_features: held-out images at zero distance from the training "
                         "set (the test split overlaps the training split); pass images the "
                         "training never saw")
    threshold = float(np.quantile(test, quantile))
    return {"median_ratio": generated_median / test_median,
            "copy_fraction": float(np.mean(generated < threshold)),
            "generated_median": generated_median, "test_median": test_median,
            "threshold": threshold, "quantile": float(quantile),
            "distances": generated, "nearest": nearest}
