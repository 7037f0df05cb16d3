"""Mode coverage on mixtures of Gaussians with known centres (the 2-D ring and grid).

The protocol of Srivastava, Valkov, Russell, Gutmann & Sutton (2017), "VEEGAN", and
Lin, Khetan, Fanti & Oh (2018), "PacGAN": a sample is *high quality* if it lies within
`threshold` standard deviations of its nearest mode; a mode is *captured* if it is the
nearest mode of at least one high-quality sample; reverse KL compares the per-mode
histogram of high-quality samples with the uniform distribution over modes.
"""

from __future__ import annotations

import math

import numpy as np

from tfgan_suite.metrics.stats import as_feature_matrix, check_same_num_features


def mode_coverage(samples, centers, std: float, threshold: float = 3.0) -> dict:
    """Captured modes, high-quality fraction and reverse KL of samples from a mixture.

    reverse_kl = KL(p̂ ‖ U_K) = Σ_i p̂_i log(p̂_i · K), 0·log 0 = 0  (Lin et al., 2018),
    where p̂ is the histogram of high-quality samples over the K modes.

    Args:
      samples: generated points, shape (n, d).
      centers: mode centres, shape (K, d).
      std: standard deviation of each mixture component (> 0).
      threshold: a sample is high quality if ‖x − nearest centre‖ ≤ threshold · std (> 0).

    Returns:
      dict with
        ``modes`` (int): number of captured modes, 0..K;
        ``hq_fraction`` (float): fraction of high-quality samples;
        ``reverse_kl`` (float): KL(p̂ ‖ uniform), ``inf`` if no sample is high quality;
        ``counts`` (list[int]): high-quality samples per mode, length K.
    """
    samples = as_feature_matrix(samples, "samples").astype(np.float64, copy=False)
    centers = as_feature_matrix(centers, "centers").astype(np.float64, copy=False)
    check_same_num_features(samples, centers, "samples", "centers")
    for name, value in (("std", std), ("threshold", threshold)):
        if np.ndim(value) != 0 or not np.isfinite(value) or value <= 0:
            raise ValueError(f"`{name}` must be a positive finite number; got {value!r}.")

    num_modes = centers.shape[0]
    # (n, K) distances; looping over centres keeps memory at O(n·d + n·K).
    distances = np.stack(
        [np.linalg.norm(samples - center, axis=1) for center in centers], axis=1
    )
    nearest_mode = np.argmin(distances, axis=1)
    nearest_distance = distances[np.arange(samples.shape[0]), nearest_mode]
    high_quality = nearest_distance <= threshold * std

    counts = np.bincount(nearest_mode[high_quality], minlength=num_modes)
    num_high_quality = int(counts.sum())
    if num_high_quality == 0:
        reverse_kl = math.inf
    else:
        p_hat = counts[counts > 0] / num_high_quality
        reverse_kl = float(np.sum(p_hat * np.log(p_hat * num_modes)))
    return {
        "modes": int(np.count_nonzero(counts)),
        "hq_fraction": num_high_quality / samples.shape[0],
        "reverse_kl": reverse_kl,
        "counts": [int(c) for c in counts],
    }


__all__ = ["mode_coverage"]
