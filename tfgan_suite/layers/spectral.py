"""Spectral normalisation (Miyato et al. 2018) through Keras 3's own layer.

``keras.layers.SpectralNormalization`` replaces tensorflow-addons' version. It divides
the kernel by its largest singular value estimated by power iteration, and only updates
that estimate and the normalised kernel when called with ``training=True``: the training
step therefore calls every discriminator with ``training=True``.
"""

from __future__ import annotations

import keras


def maybe_spectral_norm(layer: keras.layers.Layer, enabled: bool,
                        power_iterations: int = 1) -> keras.layers.Layer:
    """Wrap ``layer`` in ``SpectralNormalization`` when ``enabled``: W̄ = W / σ(W)."""
    if not enabled:
        return layer
    return keras.layers.SpectralNormalization(layer, power_iterations=power_iterations,
                                              name=f"sn_{layer.name}")
