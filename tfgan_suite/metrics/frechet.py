"""Fréchet distance between Gaussians fitted to two feature sets (FID when the features are
InceptionV3 pool features; in this suite usually `FD_fmnist`, see docs/benchmarks §2).

Heusel, Ramsauer, Unterthiner, Nessler & Hochreiter (2017), "GANs Trained by a Two
Time-Scale Update Rule Converge to a Local Nash Equilibrium". Tr((Σ₁Σ₂)^½) is computed from
the eigenvalues of the symmetric Σ₁^½ Σ₂ Σ₁^½ (which has those of Σ₁Σ₂), not with
``scipy.linalg.sqrtm`` of the non-symmetric product as pytorch-fid does: the same value up
to round-off, but sound when a covariance is singular (fewer samples than features), where
sqrtm warned (``LinAlgWarning``) and pytorch-fid retries with 1e-6·I added.
"""

from __future__ import annotations

import numpy as np

from tfgan_suite.metrics.stats import FeatureStats, as_feature_matrix

# Largest negative eigenvalue of a covariance, relative to its largest |eigenvalue|, that is
# treated as round-off (and clipped to 0); anything below is not a covariance.
NEGATIVE_EIGENVALUE_TOLERANCE = 1e-6


def _psd_eigenvalues(matrix: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(eigenvalues clipped at 0, eigenvectors) of the symmetric positive semi-definite
    ``matrix``; a ValueError naming ``name`` when an eigenvalue is negative beyond
    round-off."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    scale = max(float(np.max(np.abs(eigenvalues))), np.finfo(np.float64).tiny)
    if eigenvalues[0] < -NEGATIVE_EIGENVALUE_TOLERANCE * scale:
        raise ValueError(
            f"`{name}` has a negative eigenvalue ({eigenvalues[0]:.3g}): not a covariance, "
            "and (sigma1 @ sigma2)^1/2 would have an imaginary part."
        )
    return np.clip(eigenvalues, 0.0, None), eigenvectors


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """Tr((Σ₁Σ₂)^½) of two covariances: Σ √λ over the eigenvalues λ of Σ₁^½ Σ₂ Σ₁^½, a
    symmetric positive semi-definite matrix similar to Σ₁Σ₂ (no ``LinAlgWarning`` when
    either is singular)."""
    eigenvalues, eigenvectors = _psd_eigenvalues(sigma1, "sigma1")
    _psd_eigenvalues(sigma2, "sigma2")
    sqrt_sigma1 = (eigenvectors * np.sqrt(eigenvalues)) @ eigenvectors.T
    middle = sqrt_sigma1 @ sigma2 @ sqrt_sigma1
    middle = (middle + middle.T) / 2.0  # symmetric up to round-off: make it exactly so
    return float(np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(middle), 0.0, None))))


def frechet_distance_from_moments(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂).

    FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½)  (Heusel et al., 2017; Dowson & Landau, 1982).

    Tr((Σ₁Σ₂)^½) is ``trace_sqrt_product``: exact for singular covariances too.

    Args:
      mu1, mu2: mean vectors, shape (d,).
      sigma1, sigma2: covariance matrices, shape (d, d).

    Returns:
      The distance as a Python float.

    Raises:
      ValueError: on mismatched shapes, non-finite inputs, or a covariance with a negative
        eigenvalue beyond round-off.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    for name, mu in (("mu1", mu1), ("mu2", mu2)):
        if mu.ndim != 1:
            raise ValueError(f"`{name}` must be a vector of shape (d,); got shape {mu.shape}.")
    dim = mu1.shape[0]
    if mu2.shape != (dim,):
        raise ValueError(
            f"`mu1` and `mu2` must have the same shape; got {mu1.shape} and {mu2.shape}."
        )
    for name, sigma in (("sigma1", sigma1), ("sigma2", sigma2)):
        if sigma.shape != (dim, dim):
            raise ValueError(
                f"`{name}` must have shape ({dim}, {dim}) to match the means; got {sigma.shape}."
            )
    for name, value in (("mu1", mu1), ("mu2", mu2), ("sigma1", sigma1), ("sigma2", sigma2)):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"`{name}` contains NaN or inf values; moments must be finite.")

    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2)
                 - 2.0 * trace_sqrt_product(sigma1, sigma2))

def _moments(features, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(μ, Σ) of a FeatureStats or a (num_samples, d) feature matrix; Σ uses ddof=1."""
    if isinstance(features, FeatureStats):
        if features.count < 2:
            raise ValueError(
                f"`{name}` must hold at least 2 samples to estimate a covariance; got "
                f"count {features.count}."
            )
        return features.mean, features.covariance
    matrix = as_feature_matrix(features, name, min_rows=2).astype(np.float64, copy=False)
    return matrix.mean(axis=0), np.cov(matrix, rowvar=False, ddof=1).reshape(
        matrix.shape[1], matrix.shape[1]
    )


def frechet_distance(feat_a, feat_b) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets.

    FD = ‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2(Σ_aΣ_b)^½)  (Heusel et al., 2017).

    Args:
      feat_a, feat_b: feature matrices of shape (num_samples, d) with at least 2 rows each,
        or `FeatureStats` accumulated over batches (memory then independent of the sample
        count); the two kinds may be mixed. Covariances use ddof=1 (``np.cov``).

    Returns:
      The distance as a Python float.
    """
    mu_a, sigma_a = _moments(feat_a, "feat_a")
    mu_b, sigma_b = _moments(feat_b, "feat_b")
    if mu_a.shape != mu_b.shape:
        raise ValueError(
            f"`feat_a` and `feat_b` must have the same feature dimension; got "
            f"{mu_a.shape[0]} and {mu_b.shape[0]}."
        )
    return frechet_distance_from_moments(mu_a, sigma_a, mu_b, sigma_b)


__all__ = ["frechet_distance", "frechet_distance_from_moments", "trace_sqrt_product"]
