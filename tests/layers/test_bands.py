"""Overlapping frequency bands (layers/bands.py, speech.md §5): the edges tile the bins with
equal widths and at least the asked overlap, independent of T; the cross-fade weights sum
to 1 at every bin; split → merge is the identity; bad options fail in one line."""

import inspect

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.layers import BandMerge, BandSplit
from tfgan_suite.layers.bands import band_edges, crossfade_weights

# (bins, bands, overlap): the STFT default, the mel-cepstrum c1..c24, no overlap, two bands.
SETTINGS = ((257, 4, 16), (24, 4, 2), (100, 3, 0), (10, 2, 3), (1025, 8, 32))


def normal(shape, seed=0):
    return tf.constant(np.random.default_rng(seed).standard_normal(shape), tf.float32)


class BandEdgesTest(tf.test.TestCase):
    def test_bands_have_equal_width_cover_every_bin_and_share_at_least_the_overlap(self):
        for bins, bands, overlap in SETTINGS:
            edges = band_edges(bins, bands, overlap)
            self.assertLen(edges, bands)
            self.assertEqual(edges[0][0], 0)
            self.assertEqual(edges[-1][1], bins)
            self.assertLen({end - start for start, end in edges}, 1, edges)
            for (start, end), (next_start, _) in zip(edges, edges[1:], strict=False):
                self.assertGreaterEqual(end - next_start, overlap, edges)
                self.assertGreater(next_start, start, edges)

    def test_stft_default_is_four_bands_of_77_bins(self):
        self.assertEqual(band_edges(257, 4, 16), [(0, 77), (60, 137), (120, 197), (180, 257)])

    def test_one_band_is_the_whole_axis_whatever_the_overlap(self):
        self.assertEqual(band_edges(24, 1, 16), [(0, 24)])
        self.assertEqual(band_edges(24, 1, 100), [(0, 24)])

    def test_edges_depend_on_the_bins_only_not_on_the_frames(self):
        self.assertEqual(list(inspect.signature(band_edges).parameters),
                         ["bins", "bands", "overlap"])
        split = BandSplit(band_edges(24, 4, 2))
        widths = {tuple(band.shape[-1] for band in split(normal((2, frames, 24))))
                  for frames in (1, 7, 64)}
        self.assertEqual(widths, {(8, 8, 8, 8)})

    def test_bad_options_raise_one_line_errors_naming_the_option(self):
        cases = [((0, 1, 0), r"^bins: must be a positive integer, got 0"),
                 ((24, 0, 2), r"^bands: must be a positive integer, got 0"),
                 ((24, 2.0, 2), r"^bands: must be a positive integer, got 2\.0"),
                 ((24, 2, -1), r"^overlap: must be a non-negative integer, got -1"),
                 ((10, 2, 30), r"^overlap: 30 is too wide .*band width 20 must be < 10"),
                 ((10, 2, 9), r"^overlap: 9 is too wide .*band width 10 must be < 10"),
                 ((24, 4, 16), r"^bands: 4 bands of width 18 .* three bands"),
                 ((257, 300, 0), r"^bands: 300 bands .* three bands")]
        for arguments, message in cases:
            with self.assertRaisesRegex(ValueError, message):
                band_edges(*arguments)
            try:
                band_edges(*arguments)
            except ValueError as error:
                self.assertNotIn("\n", str(error))

    def test_no_bin_lies_in_three_bands_for_any_accepted_setting(self):
        for bins in range(1, 60):
            for bands in range(1, 7):
                for overlap in range(0, 12):
                    try:
                        edges = band_edges(bins, bands, overlap)
                    except ValueError:
                        continue
                    covering = (crossfade_weights(bins, edges) > 0).sum(axis=0)
                    self.assertTrue(np.all((covering >= 1) & (covering <= 2)),
                                    (bins, bands, overlap))


class CrossfadeWeightsTest(tf.test.TestCase):
    def test_weights_sum_to_exactly_one_at_every_bin(self):
        for bins, bands, overlap in SETTINGS:
            weights = crossfade_weights(bins, band_edges(bins, bands, overlap))
            self.assertEqual(weights.shape, (bands, bins))
            np.testing.assert_array_equal(weights.sum(axis=0), np.ones(bins))

    def test_weights_are_zero_outside_one_inside_and_fade_linearly_in_an_overlap(self):
        edges = band_edges(257, 4, 16)  # neighbours share 17 bins
        weights = crossfade_weights(257, edges)
        first, second = weights[0], weights[1]
        self.assertAllEqual(first[:60], np.ones(60))
        self.assertAllEqual(first[77:], np.zeros(257 - 77))
        fade = first[60:77]
        self.assertTrue(np.all((fade > 0) & (fade < 1)))
        self.assertAllClose(fade, 1 - np.arange(1, 18) / 18)
        self.assertAllClose(np.diff(fade), np.full(16, -1 / 18))  # linear
        self.assertAllClose(second[60:77], 1 - fade)

    def test_edges_with_a_gap_are_refused(self):
        with self.assertRaisesRegex(ValueError, r"^edges: band 1 \(5, 10\) must start"):
            crossfade_weights(10, [(0, 4), (5, 10)])


class SplitMergeTest(tf.test.TestCase):
    def test_split_then_merge_reproduces_the_input_exactly(self):
        for bins, bands, overlap in SETTINGS:
            edges = band_edges(bins, bands, overlap)
            split, merge = BandSplit(edges), BandMerge(edges, bins)
            for frames in (1, 7, 64):
                x = normal((2, frames, bins), seed=frames)
                bands_out = split(x)
                self.assertLen(bands_out, bands)
                self.assertAllClose(merge(bands_out), x, atol=1e-6)
                self.assertAllEqual(merge(bands_out), x)  # and in fact bit for bit

    def test_merge_is_the_crossfade_weighted_sum_of_the_placed_bands(self):
        bins, edges = 24, band_edges(24, 4, 2)
        values = [normal((3, 5, end - start), seed=index)
                  for index, (start, end) in enumerate(edges)]
        placed = np.zeros((len(edges), 3, 5, bins))
        for index, ((start, end), value) in enumerate(zip(edges, values, strict=True)):
            placed[index, ..., start:end] = value.numpy()
        weights = crossfade_weights(bins, edges)
        expected = np.einsum("kbtf,kf->btf", placed, weights)
        self.assertAllClose(BandMerge(edges, bins)(values), expected, atol=1e-6)

    def test_split_copies_the_ranges(self):
        x = normal((2, 3, 10))
        low, high = BandSplit([(0, 7), (3, 10)])(x)
        self.assertAllEqual(low, x[..., :7])
        self.assertAllEqual(high, x[..., 3:])

    def test_merge_refuses_bands_of_the_wrong_width(self):
        merge = BandMerge([(0, 7), (3, 10)], 10)
        with self.assertRaisesRegex(ValueError, r"BandMerge inputs must be 2 tensors"):
            merge([normal((1, 2, 7)), normal((1, 2, 6))])

    def test_layers_round_trip_through_their_config_and_a_functional_model(self):
        edges = band_edges(24, 4, 2)
        for layer in (BandSplit(edges), BandMerge(edges, 24)):
            restored = type(layer).from_config(layer.get_config())
            self.assertEqual(restored.get_config(), layer.get_config())
        inputs = keras.Input((None, 24))
        model = keras.Model(inputs, BandMerge(edges, 24)(BandSplit(edges)(inputs)))
        clone = keras.Model.from_config(model.get_config())
        x = normal((2, 7, 24))
        self.assertAllEqual(clone(x), x)
