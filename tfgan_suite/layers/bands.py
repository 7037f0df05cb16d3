"""Overlapping frequency bands: split a spectrogram into K bands, merge them with a cross-fade.

Kaneko, Takaki, Kameoka & Yamagishi, "Generative Adversarial Network-Based Postfilter for
STFT Spectrograms", Interspeech 2017: a GAN is hard to train on ~10³ bins, so the
spectrogram is divided into overlapping bands, one postfilter is trained per band, and the
bands are reconnected with overlap (speech.md §5). The band edges, the overlap width and
the merge weighting of the paper are unconfirmed (§12.2); this module is the library's
``[design]``:

- ``band_edges``: K bands of equal width W = ⌈(bins + (K − 1)·overlap) / K⌉ whose starts
  are spread evenly (rounded) from 0 to bins − W, so adjacent bands share at least
  ``overlap`` bins and every bin lies in one or two bands. Edges depend on the number of
  bins only, never on the number of frames T.
- ``crossfade_weights``: in the L bins shared by bands b and b + 1 the weight of band b
  falls linearly, w_b(k) = 1 − (k − start_{b+1} + 1)/(L + 1), strictly between 0 and 1,
  and w_{b+1} = 1 − w_b; elsewhere a band's weight is 1 inside it and 0 outside. The
  weights sum to 1 at every bin.
- ``BandMerge`` computes ŷ(k) = w_b·ŷ_b(k) + (1 − w_b)·ŷ_{b+1}(k) in the exact form
  ŷ_{b+1}(k) + w_b·(ŷ_b(k) − ŷ_{b+1}(k)): where both bands agree the difference is 0, so
  merge(split(x)) == x bit for bit, and a copy (no arithmetic) outside the overlaps.

For [B, T, 257] with K = 4 and overlap 16: W = 77, edges (0, 77), (60, 137), (120, 197),
(180, 257), 17 shared bins between neighbours.
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
import tensorflow as tf

Edges = list[tuple[int, int]]


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def band_edges(bins: int, bands: int, overlap: int) -> Edges:
    """K half-open bands [start, end) of equal width covering [0, bins), neighbours sharing
    at least ``overlap`` bins; ``bands`` = 1 → [(0, bins)] whatever the overlap.

    W = ⌈(bins + (K − 1)·overlap) / K⌉, start_b = round(b·(bins − W)/(K − 1)). Raises a
    one-line ValueError naming ``bins``, ``bands`` or ``overlap`` when a value is not a
    valid integer, when W ≥ bins (identical bands), or, for K ≥ 3, when a bin could lie
    in three bands (W must exceed twice the largest actual overlap, so every middle band
    also owns a bin).
    """
    if not _is_int(bins) or bins < 1:
        raise ValueError(f"bins: must be a positive integer, got {bins!r}")
    if not _is_int(bands) or bands < 1:
        raise ValueError(f"bands: must be a positive integer, got {bands!r}")
    if not _is_int(overlap) or overlap < 0:
        raise ValueError(f"overlap: must be a non-negative integer, got {overlap!r}")
    bins, bands, overlap = int(bins), int(bands), int(overlap)
    if bands == 1:
        return [(0, bins)]
    width = -(-(bins + (bands - 1) * overlap) // bands)
    if width >= bins:  # W = bins would stack identical bands
        raise ValueError(f"overlap: {overlap} is too wide for {bands} bands over {bins} bins "
                         f"(band width {width} must be < {bins} bins)")
    span = bins - width  # round half up, in integers: b·span/(K − 1) + ½
    starts = [(2 * b * span + bands - 1) // (2 * (bands - 1)) for b in range(bands)]
    shared = max(starts[b] + width - starts[b + 1] for b in range(bands - 1))
    if bands >= 3 and width <= 2 * shared:  # two bands can share any number of bins
        raise ValueError(f"bands: {bands} bands of width {width} over {bins} bins share up "
                         f"to {shared} bins, so a bin could lie in three bands (needs width "
                         f"> 2 × shared bins); use fewer bands or a smaller overlap")
    return [(start, start + width) for start in starts]


def _checked_edges(bins: int, edges: Sequence[Sequence[int]]) -> Edges:
    """``edges`` as (start, end) int pairs that tile [0, bins): sorted, no gaps, neighbours
    may share bins, no bin in three bands."""
    if not _is_int(bins) or bins < 1:
        raise ValueError(f"bins: must be a positive integer, got {bins!r}")
    try:
        pairs = [(int(start), int(end)) for start, end in edges]
    except (TypeError, ValueError):
        raise ValueError(f"edges: must be (start, end) integer pairs, got {edges!r}") from None
    if not pairs:
        raise ValueError("edges: needs at least one band, got none")
    if pairs[0][0] != 0 or pairs[-1][1] != bins:
        raise ValueError(f"edges: must start at 0 and end at bins = {bins}, got {pairs}")
    for index, (start, end) in enumerate(pairs):
        if start >= end:
            raise ValueError(f"edges: band {index} {(start, end)} is empty")
        if index and not (pairs[index - 1][0] < start <= pairs[index - 1][1]
                          and end > pairs[index - 1][1]):
            raise ValueError(f"edges: band {index} {(start, end)} must start after band "
                             f"{index - 1}'s start and no later than its end, and end after "
                             f"it; got {pairs}")
        if index >= 2 and start < pairs[index - 2][1]:
            raise ValueError(f"edges: bands {index - 2} and {index} overlap, so a bin would "
                             f"lie in three bands; got {pairs}")
    return pairs


def crossfade_weights(bins: int, edges: Sequence[Sequence[int]]) -> np.ndarray:
    """``[K, bins]`` float64 merge weights: 0 outside a band, 1 where only it covers a bin,
    a linear cross-fade 1 → 0 (band b) / 0 → 1 (band b + 1) over the L shared bins,
    w_b(k) = 1 − (k − start_{b+1} + 1)/(L + 1). Every column sums to 1."""
    pairs = _checked_edges(bins, edges)
    weights = np.zeros((len(pairs), bins))
    for index, (start, end) in enumerate(pairs):
        weights[index, start:end] = 1.0
    for index in range(len(pairs) - 1):
        shared_from, shared_to = pairs[index + 1][0], pairs[index][1]
        length = shared_to - shared_from
        fading = 1.0 - np.arange(1, length + 1) / (length + 1)
        weights[index, shared_from:shared_to] = fading
        weights[index + 1, shared_from:shared_to] = 1.0 - fading
    return weights


def _edges_config(edges: Edges) -> list[list[int]]:
    return [[start, end] for start, end in edges]


@keras.saving.register_keras_serializable(package="tfgan_suite")
class BandSplit(keras.layers.Layer):
    """``[B, T, bins]`` → K tensors ``[B, T, end − start]``: copies of the last axis' ranges.

    Args:
        edges: K half-open (start, end) ranges of the last axis, e.g. ``band_edges(...)``;
            they may overlap and need not cover the axis (a range may be used alone to
            pick coefficients out).

    Call arguments:
        inputs: ``[..., bins]`` with static bins ≥ every end.

    Returns:
        A list of K tensors, band b = inputs[..., start_b:end_b].
    """

    def __init__(self, edges: Sequence[Sequence[int]], **kwargs):
        super().__init__(**kwargs)
        try:
            self.edges = [(int(start), int(end)) for start, end in edges]
        except (TypeError, ValueError):
            raise ValueError(f"BandSplit edges: must be (start, end) integer pairs, got "
                             f"{edges!r}") from None
        if not self.edges or any(not 0 <= start < end for start, end in self.edges):
            raise ValueError(f"BandSplit edges: need 0 <= start < end for every band, got "
                             f"{self.edges}")

    def build(self, input_shape):
        bins = input_shape[-1]
        last = max(end for _, end in self.edges)
        if bins is None or bins < last:
            raise ValueError(f"BandSplit input must have a static last axis of at least "
                             f"{last} bins, got shape {tuple(input_shape)}")

    def call(self, inputs):
        return [inputs[..., start:end] for start, end in self.edges]

    def compute_output_shape(self, input_shape):
        return [(*input_shape[:-1], end - start) for start, end in self.edges]

    def get_config(self):
        return {**super().get_config(), "edges": _edges_config(self.edges)}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class BandMerge(keras.layers.Layer):
    """K band tensors ``[B, T, W_b]`` → ``[B, T, bins]``: the cross-faded sum Σ_b w_b·ŷ_b
    with each band placed at its edges (``crossfade_weights``), computed exactly (module
    docstring): merge(split(x)) == x.

    Args:
        edges: K (start, end) ranges tiling [0, bins), neighbours sharing bins, no bin in
            three bands (``band_edges`` gives such edges).
        bins: the merged width.

    Call arguments:
        inputs: a list of K tensors ``[..., end_b − start_b]``.

    Returns:
        ``[..., bins]``.
    """

    def __init__(self, edges: Sequence[Sequence[int]], bins: int, **kwargs):
        super().__init__(**kwargs)
        self.edges = _checked_edges(bins, edges)
        self.bins = int(bins)
        weights = crossfade_weights(self.bins, self.edges)
        # Positions of every band in the concatenation of the K bands.
        offsets = np.cumsum([0] + [end - start for start, end in self.edges])
        primary = np.zeros(self.bins, np.int32)    # the last band that covers the bin
        secondary = np.zeros(self.bins, np.int32)  # the band before it, if it covers the bin
        fade = np.zeros(self.bins, np.float32)     # w of the secondary band (0 = none)
        for bin_ in range(self.bins):
            band = max(b for b, (start, end) in enumerate(self.edges) if start <= bin_ < end)
            primary[bin_] = secondary[bin_] = offsets[band] + bin_ - self.edges[band][0]
            if band and bin_ < self.edges[band - 1][1]:
                secondary[bin_] = offsets[band - 1] + bin_ - self.edges[band - 1][0]
                fade[bin_] = weights[band - 1, bin_]
        self._primary, self._secondary, self._fade = primary, secondary, fade

    def build(self, input_shape):
        widths = [end - start for start, end in self.edges]
        shapes = list(input_shape) if isinstance(input_shape, (list, tuple)) else []
        if not shapes or not all(isinstance(shape, (list, tuple)) for shape in shapes) \
                or [shape[-1] for shape in shapes] != widths:
            raise ValueError(f"BandMerge inputs must be {len(widths)} tensors with last axes "
                             f"{widths}, got shapes {input_shape}")

    def call(self, inputs):
        stacked = tf.concat(list(inputs), axis=-1)
        primary = tf.gather(stacked, self._primary, axis=-1)
        secondary = tf.gather(stacked, self._secondary, axis=-1)
        fade = tf.constant(self._fade, dtype=stacked.dtype)
        return primary + fade * (secondary - primary)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.bins)

    def get_config(self):
        return {**super().get_config(), "edges": _edges_config(self.edges), "bins": self.bins}
