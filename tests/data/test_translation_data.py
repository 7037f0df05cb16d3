"""The edges ↔ garments task (data/translation.py): edge maps, padding, disjoint halves and
the hidden test pairs."""

import os
import tempfile
from unittest import mock

import numpy as np
import tensorflow as tf

from tfgan_suite.data import sources, translation


class EdgeMapTest(tf.test.TestCase):
    def test_a_square_gives_its_outline_and_nothing_inside_or_outside(self):
        image = -np.ones([1, 28, 28, 1], np.float32)
        image[0, 8:20, 8:20] = 1.0
        edges = translation.edge_maps(image)[0, :, :, 0]
        self.assertEqual(set(np.unique(edges)), {-1.0, 1.0})
        on = np.argwhere(edges > 0)
        self.assertTrue(np.all((on >= 6) & (on <= 21)))  # at the square's boundary
        self.assertEqual(edges[14, 14], -1.0)  # flat inside: no edge
        self.assertEqual(edges[2, 2], -1.0)
        self.assertGreater(len(on), 4 * 8)
        with self.assertRaisesRegex(ValueError, r"images: edge maps need \[N, H, W, 1\]"):
            translation.edge_maps(np.zeros([2, 28, 28, 3]))

    def test_padding_centres_with_black(self):
        padded = translation.pad_to(np.ones([1, 28, 28, 1], np.float32))
        self.assertEqual(padded.shape, (1, 32, 32, 1))
        self.assertAllEqual(padded[0, :2, :, 0], -np.ones([2, 32]))
        self.assertAllEqual(padded[0, 2:30, 2:30, 0], np.ones([28, 28]))
        with self.assertRaisesRegex(ValueError, "does not fit in 16 px"):
            translation.pad_to(np.ones([1, 28, 28, 1]), 16)


class FashionEdgesTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.images = rng.uniform(-1, 1, [40, 28, 28, 1]).astype(np.float32)
        self.labels = np.arange(40, dtype=np.int32) % 10
        translation.fashion_edges.cache_clear()
        self.addCleanup(translation.fashion_edges.cache_clear)
        for patcher in (mock.patch.object(sources, "load_arrays",
                                          lambda name, split: (self.images, self.labels)),
                        # edge maps are cached on disk: not in the user's cache
                        mock.patch.dict(os.environ, {"TFGAN_CACHE_DIR": tempfile.mkdtemp()})):
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_unpaired_halves_share_no_garment_and_the_test_split_keeps_the_pairs(self):
        first, second = translation.unpaired_halves(40, seed=0)
        self.assertEmpty(np.intersect1d(first, second))
        self.assertAllEqual(np.sort(np.concatenate([first, second])), np.arange(40))
        task = translation.fashion_edges("train")
        self.assertEqual(task["edges"].shape, (20, 32, 32, 1))
        self.assertAllEqual(task["garments"], translation.pad_to(self.images[second]))
        self.assertAllEqual(task["edges"], translation.pad_to(
            translation.edge_maps(self.images[first])))
        self.assertAllEqual(task["garments_labels"], self.labels[second])
        truth = translation.fashion_edges("test")
        self.assertEqual(truth["edges"].shape, (40, 32, 32, 1))
        self.assertAllEqual(truth["edges"], translation.pad_to(
            translation.edge_maps(self.images)))
        self.assertAllEqual(truth["garments"], translation.pad_to(self.images))
        paired = translation.fashion_edges("train", paired=True)
        self.assertAllEqual(paired["edges_labels"], paired["garments_labels"])
        self.assertFalse(paired["edges"].flags.writeable)
