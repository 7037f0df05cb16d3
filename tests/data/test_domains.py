"""Two-domain data (data/domains.py): folder sub-folders, TFDS cycle_gan built offline, the
fashion_edges task, pairing, shapes, and the one-line errors."""

import os
import tempfile
from unittest import mock

import numpy as np
import tensorflow as tf
from PIL import Image

from tfgan_suite import config as config_lib
from tfgan_suite import factory
from tfgan_suite.data import domains, sources, translation


def write_domain(folder: str, names, side: int = 8, mode: str = "L", value=None,
                 ramp: bool = False) -> None:
    """One image per name: a flat grey level (``value(index)``, default 20·index), plus a
    diagonal ramp with ``ramp`` (flat images make instance norm divide round-off by ε)."""
    os.makedirs(folder, exist_ok=True)
    for index, name in enumerate(names):
        level = index * 20 if value is None else value(index)
        shape = (side, side) if mode == "L" else (side, side, 3)
        pixels = np.full(shape, level, np.int64)
        if ramp:
            steps = np.add.outer(np.arange(side), np.arange(side)) * 5
            pixels = pixels + (steps if mode == "L" else steps[..., None])
        Image.fromarray((pixels % 256).astype(np.uint8), mode).save(os.path.join(folder, name))


def section(**data):
    return config_lib.load({"model": "cyclegan", "data": dict({"batch_size": 2}, **data)},
                           [])["data"]


class FolderDomainsTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.root = tempfile.mkdtemp()
        names = [f"{i}.png" for i in range(6)]
        write_domain(os.path.join(self.root, "photos"), names)
        # Each "sketch" is the photo of the same name's level, inverted: pairs are checkable.
        write_domain(os.path.join(self.root, "sketches"), names[::-1],
                     value=lambda i: 255 - (5 - i) * 20)
        self.name = f"folder:{self.root}"

    def test_domains_default_to_the_two_sub_folders_and_can_be_swapped(self):
        self.assertEqual(domains.resolve(section(name=self.name)), (("photos", "sketches"), False))
        pair = domains.load_pair(section(name=self.name, domains=["sketches", "photos"]))
        self.assertEqual(pair.names, ("sketches", "photos"))
        self.assertEqual(pair.a.shape, (6, 8, 8, 1))
        info = domains.info(section(name=self.name, image_size=16))
        self.assertEqual(info["image_shape"], (16, 16, 1))
        self.assertIsNone(info["num_classes"])

    def test_paired_batches_keep_the_pairs_and_unpaired_ones_do_not_need_them(self):
        batches = domains.dataset(section(name=self.name, paired=True, batch_size=3), seed=1)
        for a, b in batches.take(4):
            self.assertAllClose(a.numpy(), -b.numpy(), atol=1e-6)  # same file name, inverted
        a, b = next(iter(domains.dataset(section(name=self.name, batch_size=6), seed=1)))
        self.assertEqual((a.shape, b.shape), ((6, 8, 8, 1), (6, 8, 8, 1)))
        self.assertNotAllClose(a.numpy(), -b.numpy())  # independent orders

    def test_bad_domains_pairs_and_shapes_are_one_line_errors(self):
        with self.assertRaisesRegex(ValueError, r"data.domains: expected two different domains "
                                    r"of .*\(photos, sketches\), got \['photos', 'photos'\]"):
            domains.resolve(section(name=self.name, domains=["photos", "photos"]))
        os.remove(os.path.join(self.root, "sketches", "3.png"))
        with self.assertRaisesRegex(ValueError, r"data.paired: true needs a file of the same "
                                    r"name in both sub-folders 'photos' and 'sketches'; "
                                    r"unmatched: 3.png"):
            domains.load_pair(section(name=self.name, paired=True))
        write_domain(os.path.join(self.root, "colour"), ["x.png"], side=8, mode="RGB")
        with self.assertRaisesRegex(ValueError, r"data.domains: 'photos' has images \(8, 8, 1\) "
                                    r"and 'colour' \(8, 8, 3\); both domains need one shape"):
            domains.info(section(name=self.name, domains=["photos", "colour"], image_size=8))
        with self.assertRaisesRegex(ValueError, "data.domains: .* offers 3 domains"):
            domains.resolve(section(name=self.name))


class TfdsCycleGanTest(tf.test.TestCase):
    """``tfds:cycle_gan/<pair>`` prepared from a few local files (TFDS's own builder, its
    download replaced by a folder of trainA / trainB / testA / testB)."""

    def test_the_splits_are_the_domains_and_pairs_are_refused(self):
        import tensorflow_datasets as tfds

        data_dir, extracted = tempfile.mkdtemp(), tempfile.mkdtemp()
        for split in ("trainA", "trainB", "testA", "testB"):
            write_domain(os.path.join(extracted, "horse2zebra", split),
                         [f"{split}_{i}.jpg" for i in range(3)], side=12, mode="RGB",
                         value=lambda i, s=split: 40 if s.endswith("A") else 200)
        from tensorflow_datasets.image_classification import cycle_gan

        class LocalCycleGan(cycle_gan.CycleGAN, skip_registration=True):
            # TFDS's own builder, written to <data_dir>/cycle_gan/horse2zebra as `tfds build`
            # would; a one-part module name keeps tfds from resolving the code path through
            # the importlib_resources backport (not installed; see test_sources.TfdsTest).
            __module__ = "tfgan_suite_test_builders"
            name = "cycle_gan"

        with mock.patch.object(tfds.download.DownloadManager, "download_and_extract",
                               lambda self, url: extracted):
            LocalCycleGan(config="horse2zebra", data_dir=data_dir).download_and_prepare()
        name = "tfds:cycle_gan/horse2zebra"
        # TFDS reads $TFDS_DATA_DIR once at import: point its default directory here.
        with mock.patch.object(tfds.core.constants, "DATA_DIR", data_dir):
            self.assertEqual(domains.available(name), ("A", "B"))
            with self.assertRaisesRegex(ValueError, "data.image_size: .* several sizes"):
                domains.info(section(name=name))
            self.assertEqual(domains.info(section(name=name, image_size=8))["image_shape"],
                             (8, 8, 3))
            a, b = next(iter(domains.dataset(section(name=name, image_size=8, batch_size=2))))
            self.assertEqual(a.shape, (2, 8, 8, 3))
            self.assertAllLess(a.numpy(), -0.5)  # A images are dark, B ones light
            self.assertAllGreater(b.numpy(), 0.5)
            test = domains.load_pair(section(name=name, split="test"))
            self.assertEqual((len(test.a), len(test.b)), (3, 3))
            with self.assertRaisesRegex(ValueError, r"data.paired: .* is unpaired .*; "
                                        r"accepted: false"):
                domains.resolve(section(name=name, paired=True))
            with self.assertRaisesRegex(ValueError, "has no trainA / trainB splits"):
                domains.available("tfds:mnist")


class FashionEdgesDomainsTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.images = rng.uniform(-1, 1, [12, 28, 28, 1]).astype(np.float32)
        translation.fashion_edges.cache_clear()
        self.addCleanup(translation.fashion_edges.cache_clear)
        for patcher in (mock.patch.object(sources, "load_arrays", lambda name, split: (
                self.images, np.arange(12, dtype=np.int32) % 10)),
                mock.patch.dict(os.environ, {"TFGAN_CACHE_DIR": tempfile.mkdtemp()})):
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_edge_maps_are_cached_once_and_read_back_identically(self):
        first = translation.cached_edge_maps(self.images)
        with mock.patch.object(translation, "edge_maps", side_effect=AssertionError("recomputed")):
            again = translation.cached_edge_maps(self.images)
        self.assertAllEqual(first, translation.edge_maps(self.images))
        self.assertAllEqual(first, again)

    def test_test_split_is_paired_and_the_other_models_refuse_two_domain_data(self):
        pair = domains.load_pair(section(name="fashion_edges", split="test"))
        self.assertTrue(pair.paired)
        self.assertAllEqual(pair.a_labels, pair.b_labels)
        self.assertEqual(domains.info(section(name="fashion_edges"))["domains"],
                         ("edges", "garments"))
        for key, value in (("name", "fashion_edges"), ("domains", ["a", "b"]), ("paired", True)):
            data = {"name": "fashion_mnist", key: value}
            config = config_lib.load({"model": "gan", "data": data}, [])
            with self.assertRaisesRegex(ValueError, rf"data.{key}: two-domain data is read by "
                                        r"the translation models only; accepted models: "
                                        r"cyclegan, pix2pix"):
                factory.run_facts(config)
