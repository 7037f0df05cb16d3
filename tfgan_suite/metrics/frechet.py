"""Fréchet distance between Gaussians fitted to two feature sets (FID when the features are
InceptionV3 pool features; in this suite usually `FD_fmnist`, see docs/benchmarks §2).

Heusel, Ramsauer, Unterthiner, Nessler & Hochreiter (2017), "GANs Trained by a Two
Time-Scale Update Rule Converge to a Local Nash Equilibrium". The matrix square root follows
the numerical recipe of the reference pytorch-fid implementation.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from tfgan_suite.metrics.stats import FeatureStats, as_feature_matrix

# Added to both covariances when sqrtm(Σ₁Σ₂) is not finite (as in pytorch-fid).
SQRTM_RETRY_OFFSET = 1e-6
# Largest |imag| on the diagonal of sqrtm(Σ₁Σ₂) that is treated as round-off.
MAX_IMAGINARY_DIAGONAL = 1e-3


def frechet_distance_from_moments(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂).

    FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½)  (Heusel et al., 2017; Dowson & Landau, 1982).

    (Σ₁Σ₂)^½ is `scipy.linalg.sqrtm`; if it is not finite the product is recomputed with
    1e-6·I added to both covariances; a complex result keeps its real part when the largest
    |imaginary| diagonal entry is below 1e-3.

    Args:
      mu1, mu2: mean vectors, shape (d,).
      sigma1, sigma2: covariance matrices, shape (d, d).

    Returns:
      The distance as a Python float.

    Raises:
      ValueError: on mismatched shapes, non-finite inputs, or a matrix square root with a
        significant imaginary component.
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
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    if not np.all(np.isfinite(covmean)):
        # Near-singular product: regularise both covariances and retry.
        offset = np.eye(dim) * SQRTM_RETRY_OFFSET
        covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        max_imag = float(np.max(np.abs(np.diagonal(covmean).imag)))
        if max_imag >= MAX_IMAGINARY_DIAGONAL:
            raise ValueError(
                f"sqrtm(sigma1 @ sigma2) has an imaginary diagonal component of {max_imag:.3g} "
                f"(accepted: < {MAX_IMAGINARY_DIAGONAL}); the covariances are probably "
                "ill-conditioned — use more samples or lower-dimensional features."
            )
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


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


__all__ = ["frechet_distance", "frechet_distance_from_moments"]
