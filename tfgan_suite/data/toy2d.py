"""Two-dimensional Gaussian mixtures: the standard mode-collapse test beds.

``ring`` places ``n_modes`` isotropic Gaussians evenly on a circle (Metz et al., 2017,
"Unrolled GANs"); ``grid`` places ``side × side`` of them on a square lattice
(Dumoulin et al., 2017, "ALI"). Both are exactly known densities, so mode coverage
and sample quality can be measured against the true centers (see
``tfgan_suite.metrics.mode_coverage``).

Every draw is a pure function of an integer seed: ``sample`` and ``dataset`` use
TensorFlow's stateless RNG, so results do not depend on the global seed, on the
number of times anything was called before, or on the machine's thread count.

Example:

    mix = toy2d("ring", n_modes=8, radius=1.0, std=0.01)
    x = mix.sample(10000, seed=0)          # float32 [10000, 2]
    ds = mix.dataset(batch_size=256)       # infinite tf.data.Dataset of [256, 2]
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import tensorflow as tf

TOY_NAMES = ("ring", "grid")

# Default parameters per mixture; ``std=None`` in ``toy2d`` resolves to these.
TOY_DEFAULTS = {
    "ring": {"n_modes": 8, "radius": 1.0, "std": 0.01},
    "grid": {"side": 5, "spacing": 2.0, "std": 0.05},
}

# ``Dataset.range`` needs an end; this one is never reached in practice.
_ENDLESS = np.iinfo(np.int64).max
# ``sample`` keys its stateless draw with this batch index, which ``dataset`` never uses.
_SAMPLE_INDEX = -1


def _check_int(field: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{field} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_positive_float(field: str, value) -> float:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value <= 0):
        raise ValueError(f"{field} must be a finite number > 0, got {value!r}")
    return float(value)


def ring_centers(n_modes: int, radius: float) -> np.ndarray:
    """Centers evenly spaced on a circle.

    Center ``i`` is ``(radius·cos(2πi/n_modes), radius·sin(2πi/n_modes))``.

    Args:
        n_modes: number of mixture components K.
        radius: circle radius.

    Returns:
        float32 array [K, 2].
    """
    angles = 2.0 * np.pi * np.arange(n_modes) / n_modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype(np.float32)


def grid_centers(side: int, spacing: float) -> np.ndarray:
    """Centers on a square lattice centred at the origin.

    Center ``(i, j)`` (row-major, ``i`` outer) is
    ``(spacing·(i − (side−1)/2), spacing·(j − (side−1)/2))``; side=5, spacing=2 gives
    ``{−4, −2, 0, 2, 4}²``.

    Args:
        side: components per axis; K = side².
        spacing: distance between neighbouring centers.

    Returns:
        float32 array [side², 2].
    """
    offsets = spacing * (np.arange(side) - (side - 1) / 2.0)
    first, second = np.meshgrid(offsets, offsets, indexing="ij")
    return np.stack([first.ravel(), second.ravel()], axis=1).astype(np.float32)


class GaussianMixture2D:
    """Equal-weight mixture of isotropic 2-D Gaussians with a shared standard deviation.

    Density: p(x) = (1/K) Σ_k N(x; μ_k, std²·I).

    Args:
        name: label of the mixture (``"ring"``, ``"grid"`` or anything descriptive).
        centers: array-like [K, 2] of component means.
        std: standard deviation of every component, > 0.
    """

    def __init__(self, name: str, centers, std: float):
        centers = np.asarray(centers, dtype=np.float32)
        if centers.ndim != 2 or centers.shape[1] != 2 or centers.shape[0] < 1:
            raise ValueError(f"centers must have shape [K>=1, 2], got {centers.shape}")
        centers.setflags(write=False)
        self._name = str(name)
        self._centers = centers
        self._std = _check_positive_float("std", std)

    @property
    def name(self) -> str:
        """Name of the mixture."""
        return self._name

    @property
    def centers(self) -> np.ndarray:
        """Read-only float32 array [K, 2] of component means."""
        return self._centers

    @property
    def std(self) -> float:
        """Standard deviation shared by all components."""
        return self._std

    @property
    def n_modes(self) -> int:
        """Number of components K."""
        return int(self._centers.shape[0])

    def __repr__(self) -> str:
        return f"GaussianMixture2D(name={self._name!r}, n_modes={self.n_modes}, std={self._std})"

    def _draw(self, count: int, key: tf.Tensor) -> tf.Tensor:
        """Draws ``count`` points keyed by an int64 [2] stateless seed."""
        mode_key, noise_key = tf.unstack(tf.random.experimental.stateless_split(key, num=2))
        modes = tf.random.stateless_uniform(
            [count], seed=mode_key, minval=0, maxval=self.n_modes, dtype=tf.int32)
        noise = tf.random.stateless_normal([count, 2], seed=noise_key, dtype=tf.float32)
        return tf.gather(tf.constant(self._centers), modes) + self._std * noise

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """Draws ``n`` points: a uniformly chosen component plus N(0, std²·I) noise.

        Args:
            n: number of points, >= 1.
            seed: integer; the same seed always gives the same points. The draw is
                independent of every batch of ``dataset(…, seed)``.

        Returns:
            float32 array [n, 2].
        """
        n = _check_int("n", n, minimum=1)
        seed = _check_int("seed", seed, minimum=-(2**63))
        key = tf.constant([seed, _SAMPLE_INDEX], dtype=tf.int64)
        return self._draw(n, key).numpy()

    def dataset(self, batch_size: int, seed: int = 0) -> tf.data.Dataset:
        """Infinite, deterministic stream of batches.

        Batch ``i`` is drawn with the stateless key ``(seed, i)``, so two datasets built
        with the same seed yield identical batches, in parallel or not.

        Args:
            batch_size: points per batch, >= 1.
            seed: integer stream seed.

        Returns:
            ``tf.data.Dataset`` of float32 [batch_size, 2], prefetched.
        """
        batch_size = _check_int("batch_size", batch_size, minimum=1)
        seed = _check_int("seed", seed, minimum=-(2**63))

        def batch_at(index: tf.Tensor) -> tf.Tensor:
            key = tf.stack([tf.constant(seed, tf.int64), index])
            return self._draw(batch_size, key)

        batches = tf.data.Dataset.range(_ENDLESS).map(
            batch_at, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return batches.prefetch(tf.data.AUTOTUNE)


def toy2d(name: str, std: float | None = None, **params) -> GaussianMixture2D:
    """Builds a named 2-D Gaussian mixture.

    Args:
        name: ``"ring"`` (parameters ``n_modes``=8, ``radius``=1.0) or ``"grid"``
            (parameters ``side``=5, ``spacing``=2.0).
        std: component standard deviation; None uses the mixture's default
            (ring 0.01, grid 0.05).
        **params: the mixture's parameters listed above; anything else is an error.

    Returns:
        A ``GaussianMixture2D``.

    Raises:
        ValueError: unknown name, unknown parameter, or a parameter out of range
            (n_modes < 1, side < 1, std <= 0, radius <= 0, spacing <= 0).
    """
    if name not in TOY_DEFAULTS:
        raise ValueError(f"toy2d name must be one of {list(TOY_NAMES)}, got {name!r}")
    defaults = TOY_DEFAULTS[name]
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(f"unknown toy2d({name!r}) argument(s) {unknown}; "
                         f"accepted: {sorted(defaults)}")
    values = {**defaults, **params}
    std = values["std"] if std is None else std
    std = _check_positive_float("std", std)
    if name == "ring":
        n_modes = _check_int("n_modes", values["n_modes"], minimum=1)
        radius = _check_positive_float("radius", values["radius"])
        centers = ring_centers(n_modes, radius)
    else:
        side = _check_int("side", values["side"], minimum=1)
        spacing = _check_positive_float("spacing", values["spacing"])
        centers = grid_centers(side, spacing)
    return GaussianMixture2D(name, centers, std)
