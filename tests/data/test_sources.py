"""Specification of the named data sources (tfgan_suite.data.sources)."""
import gzip
import os
import shutil
import struct
import tempfile
from unittest import mock

import numpy as np
import tensorflow as tf
from absl.testing import parameterized
from PIL import Image
from sklearn.datasets import load_digits

from tfgan_suite import data
from tfgan_suite.data import sources

REAL_FASHION_AVAILABLE = (os.path.isdir(data.FASHION_MNIST_SYSTEM_DIR)
                          or bool(os.environ.get(data.DATA_DIR_ENV)))


def make_temp_dir(test: tf.test.TestCase) -> str:
    """A fresh directory removed when ``test`` ends."""
    handle = tempfile.TemporaryDirectory(prefix="tfgan_data_test_")
    test.addCleanup(handle.cleanup)
    return handle.name


def write_idx(path: str, array: np.ndarray) -> None:
    """Writes a uint8 IDX file (gzipped if the name ends in .gz)."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wb") as stream:
        stream.write(header + array.astype(np.uint8).tobytes())


def write_tiny_fashion(directory: str, suffix: str = ".gz") -> dict:
    """Writes 5 train / 3 test 4×4 images with known pixels; returns the arrays."""
    rng = np.random.default_rng(0)
    arrays = {}
    for split, prefix, count in (("train", "train", 5), ("test", "t10k", 3)):
        images = rng.integers(0, 256, size=(count, 4, 4), dtype=np.uint8)
        labels = np.arange(count, dtype=np.uint8) % 10
        write_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte{suffix}"), images)
        write_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte{suffix}"), labels)
        arrays[split] = (images, labels)
    return arrays


def write_png_classes(directory: str, modes=("L", "L"), size=(6, 6)) -> None:
    """Two class folders ("cat", "dog") of three images each; pixel value = 40·k + 10·c."""
    for class_index, (class_name, mode) in enumerate(zip(("cat", "dog"), modes, strict=True)):
        os.makedirs(os.path.join(directory, class_name))
        for k in range(3):
            value = 40 * k + 10 * class_index
            color = value if mode == "L" else (value, value, 255)
            Image.new(mode, size, color).save(os.path.join(directory, class_name, f"{k}.png"))


@mock.patch.dict(os.environ)
class IdxFilesTest(tf.test.TestCase):
    """Fashion-MNIST through tiny IDX files found via $TFGAN_DATA_DIR."""

    def setUp(self):
        super().setUp()
        self.subdirectory = make_temp_dir(self)

    def test_env_dir_files_are_parsed_and_scaled_to_unit_range(self):
        arrays = write_tiny_fashion(self.subdirectory)
        os.environ[data.DATA_DIR_ENV] = self.subdirectory
        for split in ("train", "test"):
            images, labels = data.load_arrays("fashion_mnist", split=split)
            expected_images, expected_labels = arrays[split]
            self.assertEqual(images.dtype, np.float32)
            self.assertAllClose(images[..., 0], expected_images / 127.5 - 1.0)
            self.assertAllEqual(labels, expected_labels.astype(np.int32))

    def test_env_dir_may_hold_a_fashion_mnist_subfolder_of_plain_files(self):
        nested = os.path.join(self.subdirectory, "fashion-mnist")
        os.makedirs(nested)
        arrays = write_tiny_fashion(nested, suffix="")
        os.environ[data.DATA_DIR_ENV] = self.subdirectory
        images, _ = data.load_arrays("fashion_mnist", split="test")
        self.assertAllClose(images[..., 0], arrays["test"][0] / 127.5 - 1.0)

    def test_load_batches_tiny_files_with_labels(self):
        write_tiny_fashion(self.subdirectory)
        batch = next(iter(data.load("fashion_mnist", batch_size=4, image_size=8,
                                    with_labels=True, data_dir=self.subdirectory)))
        self.assertEqual(batch[0].shape, (4, 8, 8, 1))
        self.assertEqual(batch[1].dtype, tf.int32)

    def test_bad_magic_number_is_reported_as_corrupt(self):
        write_tiny_fashion(self.subdirectory)
        path = os.path.join(self.subdirectory, "train-images-idx3-ubyte.gz")
        with gzip.open(path, "wb") as stream:
            stream.write(b"\x12\x34\x08\x03" + b"\x00" * 40)
        with self.assertRaisesRegex(ValueError, "corrupt IDX file .*magic"):
            data.load_arrays("fashion_mnist", data_dir=self.subdirectory)

    def test_truncated_data_is_reported_as_corrupt(self):
        path = os.path.join(self.subdirectory, "short-idx3-ubyte")
        with open(path, "wb") as stream:
            stream.write(bytes([0, 0, 8, 3]) + struct.pack(">3I", 2, 4, 4) + b"\x00" * 20)
        with self.assertRaisesRegex(ValueError, "corrupt IDX file .*32 data bytes, file has 20"):
            data.read_idx(path)

    def test_broken_gzip_is_reported_as_corrupt(self):
        path = os.path.join(self.subdirectory, "broken-idx1-ubyte.gz")
        with open(path, "wb") as stream:
            stream.write(b"not gzip at all")
        with self.assertRaisesRegex(ValueError, "corrupt IDX file"):
            data.read_idx(path)


@mock.patch.dict(os.environ)
class MissingDatasetTest(tf.test.TestCase):

    def test_explicit_empty_data_dir_is_an_error_not_a_fallback(self):
        # The real data may sit in $TFGAN_DATA_DIR or the system folder: neither is used.
        empty = make_temp_dir(self)
        with self.assertRaises(data.DatasetNotFoundError) as caught:
            data.load("fashion_mnist", data_dir=empty)
        message = str(caught.exception)
        self.assertIsInstance(caught.exception, ValueError)
        self.assertIn("apt-get install dataset-fashion-mnist", message)
        self.assertIn(empty, message)
        self.assertNotIn("\n", message)

    def test_message_lists_every_place_searched(self):
        empty = make_temp_dir(self)
        os.environ[data.DATA_DIR_ENV] = empty
        no_tfds = mock.patch.object(sources, "_read_tfds", side_effect=OSError("not prepared"))
        no_system = mock.patch.object(sources, "FASHION_MNIST_SYSTEM_DIR", "/nonexistent/fm")
        with no_tfds, no_system, self.assertRaises(data.DatasetNotFoundError) as caught:
            data.load_arrays("fashion_mnist", split="test")
        message = str(caught.exception)
        for place in ("$TFGAN_DATA_DIR " + empty, "/nonexistent/fm", "TFDS fashion_mnist",
                      "t10k-images-idx3-ubyte", "set TFGAN_DATA_DIR"):
            self.assertIn(place, message)

    def test_missing_folder_is_dataset_not_found(self):
        with self.assertRaisesRegex(data.DatasetNotFoundError, "does not exist"):
            data.load("folder:" + os.path.join(make_temp_dir(self), "absent"))


class RealFashionMnistTest(tf.test.TestCase):

    def setUp(self):
        super().setUp()
        if not REAL_FASHION_AVAILABLE:
            self.skipTest(f"Fashion-MNIST absent: {data.FASHION_MNIST_SYSTEM_DIR} does not "
                          f"exist and ${data.DATA_DIR_ENV} is unset")

    def test_native_batches_are_28x28x1_in_unit_range_with_labels_0_to_9(self):
        images, labels = next(iter(data.load("fashion_mnist", batch_size=64, with_labels=True)))
        self.assertEqual(images.shape, (64, 28, 28, 1))
        self.assertEqual(images.dtype, tf.float32)
        self.assertAllInRange(images, -1.0, 1.0)
        self.assertAllInRange(labels, 0, 9)

    def test_image_size_32_pads_with_background(self):
        batch = next(iter(data.load("fashion_mnist", split="test", batch_size=64,
                                    image_size=32))).numpy()
        self.assertEqual(batch.shape, (64, 32, 32, 1))
        self.assertAllInRange(batch, -1.0, 1.0)
        self.assertAllEqual(batch[:, :2], np.full((64, 2, 32, 1), -1.0))

    def test_split_sizes(self):
        self.assertLen(data.load_arrays("fashion_mnist", "train")[1], 60000)
        self.assertLen(data.load_arrays("fashion_mnist", "test")[1], 10000)


class DigitsTest(tf.test.TestCase):

    def test_batches_are_8x8x1_in_unit_range(self):
        images, labels = next(iter(data.load("digits", batch_size=32, with_labels=True)))
        self.assertEqual(images.shape, (32, 8, 8, 1))
        self.assertAllInRange(images, -1.0, 1.0)
        self.assertAllInRange(labels, 0, 9)
        self.assertEqual(labels.dtype, tf.int32)

    def test_splits_are_the_documented_80_20_partition(self):
        train, train_labels = data.load_arrays("digits", "train")
        test, test_labels = data.load_arrays("digits", "test")
        self.assertEqual((len(train), len(test)), (1437, 360))
        digits = load_digits()
        order = np.random.default_rng(0).permutation(1797)
        self.assertAllClose(np.concatenate([train, test])[..., 0],
                            digits.images[order] / 8.0 - 1.0)
        self.assertAllEqual(np.concatenate([train_labels, test_labels]), digits.target[order])
        self.assertEqual((train.min(), train.max()), (-1.0, 1.0))

    def test_one_epoch_without_shuffle_follows_array_order(self):
        images, labels = data.load_arrays("digits", "test")
        batches = list(data.load("digits", "test", batch_size=100, shuffle=False, repeat=False,
                                 drop_remainder=False, with_labels=True))
        self.assertEqual([len(batch[1]) for batch in batches], [100, 100, 100, 60])
        self.assertAllEqual(np.concatenate([batch[0] for batch in batches]), images)
        self.assertAllEqual(np.concatenate([batch[1] for batch in batches]), labels)

    def test_every_shuffled_epoch_is_a_permutation(self):
        images, _ = data.load_arrays("digits", "test")
        first, second = data.load("digits", "test", batch_size=360, seed=5).take(2)
        for epoch in (first, second):
            self.assertAllEqual(np.sort(epoch.numpy().reshape(360, -1), axis=0),
                                np.sort(images.reshape(360, -1), axis=0))
        self.assertNotAllClose(first, second)


class DeterminismTest(tf.test.TestCase):

    def take(self, seed: int, count: int = 30) -> np.ndarray:
        # 30 batches of 64 cross the 1437-image epoch boundary.
        return np.stack([batch.numpy() for batch in
                         data.load("digits", batch_size=64, seed=seed).take(count)])

    def test_same_seed_gives_identical_sequences_from_two_pipelines(self):
        self.assertAllEqual(self.take(seed=3), self.take(seed=3))

    def test_different_seed_gives_a_different_sequence(self):
        self.assertNotAllClose(self.take(seed=3, count=2), self.take(seed=4, count=2))

    def test_order_does_not_depend_on_the_global_seed(self):
        tf.random.set_seed(11)
        first = self.take(seed=0, count=2)
        tf.random.set_seed(12)
        self.assertAllEqual(first, self.take(seed=0, count=2))


class FolderTest(tf.test.TestCase):

    def test_grayscale_pngs_load_with_sorted_class_indices(self):
        root = make_temp_dir(self)
        write_png_classes(root)
        images, labels = data.load_arrays("folder:" + root)
        self.assertEqual(images.shape, (6, 6, 6, 1))
        self.assertAllEqual(labels, [0, 0, 0, 1, 1, 1])
        expected = np.array([0, 40, 80, 10, 50, 90]) / 127.5 - 1.0
        self.assertAllClose(images[:, 0, 0, 0], expected)
        info = data.dataset_info("folder:" + root)
        self.assertEqual(info, {"image_shape": (6, 6, 1), "num_classes": 2, "kind": "image"})

    def test_any_colour_image_makes_the_dataset_rgb(self):
        root = make_temp_dir(self)
        write_png_classes(root, modes=("L", "RGB"))
        images, _ = data.load_arrays("folder:" + root)
        self.assertEqual(images.shape, (6, 6, 6, 3))
        self.assertAllClose(images[3, 0, 0], [10 / 127.5 - 1, 10 / 127.5 - 1, 1.0])

    def test_load_resizes_and_batches(self):
        root = make_temp_dir(self)
        write_png_classes(root, size=(5, 7))
        images, labels = next(iter(data.load("folder:" + root, batch_size=4, image_size=16,
                                             with_labels=True)))
        self.assertEqual(images.shape, (4, 16, 16, 1))
        self.assertAllInRange(images, -1.0, 1.0)
        self.assertAllInRange(labels, 0, 1)

    def test_images_of_different_sizes_are_refused(self):
        root = make_temp_dir(self)
        write_png_classes(root)
        Image.new("L", (3, 3)).save(os.path.join(root, "dog", "small.png"))
        with self.assertRaisesRegex(ValueError, "one size"):
            data.load_arrays("folder:" + root)


class FitImageSizeTest(tf.test.TestCase):

    def test_small_even_gap_pads_symmetrically_with_minus_one(self):
        images = tf.random.stateless_uniform([2, 28, 28, 1], seed=[0, 0], minval=-1.0)
        padded = data.fit_image_size(images, 32)
        self.assertEqual(padded.shape, (2, 32, 32, 1))
        self.assertAllEqual(padded[:, 2:30, 2:30], images)
        self.assertAllEqual(tf.reduce_sum(padded) - tf.reduce_sum(images), -(32**2 - 28**2) * 2)

    def test_odd_or_large_gap_or_shrinking_resizes_within_range(self):
        images = tf.random.stateless_uniform([2, 28, 28, 3], seed=[0, 1], minval=-1.0)
        for size in (29, 64, 14):
            resized = data.fit_image_size(images, size)
            self.assertEqual(resized.shape, (2, size, size, 3))
            self.assertAllInRange(resized, -1.0, 1.0)

    def test_none_keeps_native_size(self):
        images = tf.zeros([1, 8, 8, 1])
        self.assertIs(data.fit_image_size(images, None), images)


class TfdsTest(tf.test.TestCase):
    """A tiny TFDS dataset prepared from memory in a temporary data_dir (no download)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        import tensorflow_datasets as tfds

        class TfganSuiteTinyImages(tfds.core.GeneratorBasedBuilder):
            # Under pytest's importlib mode this module is "tests.data.test_sources", and
            # tfds then resolves the builder's code path through the importlib_resources
            # backport, which is not installed on Python >= 3.9. A one-part module name
            # makes tfds skip that lookup (the builder has no checksums file anyway).
            __module__ = "tfgan_suite_test_builders"
            VERSION = tfds.core.Version("1.0.0")

            def _info(self):
                return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
                    "image": tfds.features.Image(shape=(6, 6, 1)),
                    "label": tfds.features.ClassLabel(num_classes=3)}))

            def _split_generators(self, dl_manager):
                return {"train": self._generate_examples(10), "test": self._generate_examples(4)}

            def _generate_examples(self, count):
                for i in range(count):
                    yield i, {"image": np.full((6, 6, 1), 20 * i, np.uint8), "label": i % 3}

        cls.data_dir = tempfile.mkdtemp(prefix="tfgan_tfds_")
        TfganSuiteTinyImages(data_dir=cls.data_dir).download_and_prepare()
        cls.name = "tfds:tfgan_suite_tiny_images"

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.data_dir, ignore_errors=True)
        super().tearDownClass()

    def test_prepared_dataset_loads_as_arrays(self):
        images, labels = data.load_arrays(self.name, data_dir=self.data_dir)
        self.assertEqual(images.shape, (10, 6, 6, 1))
        self.assertAllClose(np.sort(images[:, 0, 0, 0]), np.arange(10) * 20 / 127.5 - 1.0)
        self.assertAllInRange(labels, 0, 2)

    def test_pipeline_is_deterministic_and_resized(self):
        def labels(seed):
            pipeline = data.load(self.name, batch_size=4, image_size=8, with_labels=True,
                                 seed=seed, data_dir=self.data_dir)
            return [batch[1].numpy() for batch in pipeline.take(5)]
        first = next(iter(data.load(self.name, batch_size=4, image_size=8,
                                    data_dir=self.data_dir)))
        self.assertEqual(first.shape, (4, 8, 8, 1))
        self.assertAllEqual(labels(1), labels(1))

    def test_info_comes_from_the_builder(self):
        info = data.dataset_info(self.name, data_dir=self.data_dir)
        self.assertEqual(info, {"image_shape": (6, 6, 1), "num_classes": 3, "kind": "image"})

    def test_unprepared_dataset_is_not_found(self):
        with self.assertRaisesRegex(data.DatasetNotFoundError, "not prepared"):
            data.load("tfds:mnist", data_dir=make_temp_dir(self))

    def test_unknown_split_lists_the_declared_ones(self):
        with self.assertRaisesRegex(ValueError, r"\['test', 'train'\].*'validation'"):
            data.load(self.name, split="validation", data_dir=self.data_dir)


class ValidationAndInfoTest(tf.test.TestCase, parameterized.TestCase):

    def test_unknown_name_lists_names_and_prefixes(self):
        with self.assertRaisesRegex(ValueError, r"'fashion_mnist', 'digits'.*'tfds:', 'folder:'"):
            data.load("cifar")

    @parameterized.parameters(-3, 0, 2.5, True, "64")
    def test_batch_size_must_be_a_positive_integer(self, batch_size):
        with self.assertRaisesRegex(ValueError, "batch_size must be a positive integer, got"):
            data.load("digits", batch_size=batch_size)

    def test_batch_size_message_shows_the_value(self):
        with self.assertRaisesRegex(ValueError,
                                    "^batch_size must be a positive integer, got -3$"):
            data.load("digits", batch_size=-3)

    def test_unknown_split_lists_train_and_test(self):
        with self.assertRaisesRegex(ValueError, r"split .*\['train', 'test'\].*'valid'"):
            data.load("digits", split="valid")

    @parameterized.parameters(0, -32, 1.5)
    def test_image_size_must_be_positive(self, image_size):
        with self.assertRaisesRegex(ValueError, "image_size"):
            data.load("digits", image_size=image_size)

    def test_toy_names_forward_parameters_to_toy2d(self):
        dataset = data.load("ring", split="ignored", batch_size=8, n_modes=4, std=0.1, seed=2)
        expected = data.toy2d("ring", n_modes=4, std=0.1).dataset(8, seed=2)
        self.assertAllEqual(next(iter(dataset)), next(iter(expected)))

    def test_toy_parameters_are_refused_elsewhere_and_bad_ones_named(self):
        with self.assertRaisesRegex(ValueError, "n_modes"):
            data.load("digits", n_modes=3)
        with self.assertRaisesRegex(ValueError, "radius"):
            data.load("ring", radius=-1.0)
        with self.assertRaisesRegex(ValueError, "image_size"):
            data.load("grid", image_size=32)

    def test_toy_names_have_no_arrays(self):
        with self.assertRaisesRegex(ValueError, "sample"):
            data.load_arrays("grid")

    def test_dataset_info(self):
        self.assertEqual(data.dataset_info("grid"),
                         {"image_shape": (2,), "num_classes": None, "kind": "toy"})
        self.assertEqual(data.dataset_info("fashion_mnist"),
                         {"image_shape": (28, 28, 1), "num_classes": 10, "kind": "image"})
        self.assertEqual(data.dataset_info("digits", image_size=32)["image_shape"], (32, 32, 1))

    def test_dataset_names(self):
        self.assertEqual(data.DATASET_NAMES,
                         ("ring", "grid", "fashion_mnist", "digits", "glyphs", "tfds:", "folder:"))


if __name__ == "__main__":
    tf.test.main()
