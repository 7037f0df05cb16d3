"""Which labels a label fraction keeps (data/corruptions.py, ``data.corruption.label_selection``;
issue #45's 1 % = exactly 60 labels per Fashion-MNIST class)."""

import os

import numpy as np
import tensorflow as tf

from tfgan_suite import config as config_lib
from tfgan_suite import factory
from tfgan_suite.data import corruptions as cr

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def unbalanced_labels() -> np.ndarray:
    """1,000 of class 0, 500 of class 1, 2,000 of class 2, shuffled."""
    labels = np.repeat([0, 1, 2], [1000, 500, 2000]).astype(np.int32)
    return np.random.default_rng(3).permutation(labels)


def section(**changes) -> dict:
    spec = {"label_noise": {"kind": "none", "rate": 0.0}, "class_overlap": "none",
            "label_fraction": 0.02, "unlabelled": "keep", "seed": 7}
    return spec | changes


class LabelSelectionTest(tf.test.TestCase):
    def test_per_class_keeps_the_fraction_of_every_class(self):
        labels = unbalanced_labels()
        kept = cr.keep_fraction(labels, 0.02, seed=5, selection="per_class")
        counts = np.bincount(kept[kept != cr.UNLABELLED], minlength=3)
        self.assertAllEqual(counts, [20, 10, 40])
        labelled = kept != cr.UNLABELLED
        self.assertAllEqual(kept[labelled], labels[labelled])  # kept labels are unchanged
        self.assertAllEqual(kept, cr.keep_fraction(labels, 0.02, seed=5,
                                                   selection="per_class"))
        self.assertNotAllEqual(kept, cr.keep_fraction(labels, 0.02, seed=6,
                                                      selection="per_class"))

    def test_random_is_one_permutation_of_all_examples_as_before(self):
        labels = unbalanced_labels()
        chosen = np.random.default_rng(5).permutation(labels.size)[:70]
        expected = np.full(labels.size, cr.UNLABELLED, np.int32)
        expected[chosen] = labels[chosen]
        self.assertAllEqual(cr.keep_fraction(labels, 0.02, seed=5), expected)

    def test_the_section_defaults_to_random_and_rejects_unknown_selections(self):
        self.assertEqual(cr.resolve(section(), 3).label_selection, "random")
        spec = cr.resolve(section(label_selection="per_class"), 3)
        observed = spec.apply(unbalanced_labels())
        self.assertAllEqual(np.bincount(observed[observed >= 0], minlength=3), [20, 10, 40])
        self.assertEqual(spec.describe(unbalanced_labels(), observed)["label_selection"],
                         "per_class")
        with self.assertRaisesRegex(ValueError, r"data.corruption.label_selection: unknown "
                                                r"value 'stratified'; accepted: random, "
                                                r"per_class"):
            cr.resolve(section(label_selection="stratified"), 3)

    def test_the_few_label_recipes_select_per_class(self):
        for recipe in ("s3gan_g64_fashion_mnist_1pct.yaml",
                       "projection_g64_fashion_mnist_1pct.yaml"):
            config = config_lib.load(os.path.join(ROOT, "configs", recipe), [])
            spec = factory.corruption(config)
            self.assertEqual((spec.label_selection, spec.label_fraction), ("per_class", 0.01))
