"""Named data sources: one call from a dataset name to a ready ``tf.data.Dataset``.

Names: ``ring``/``grid`` (2-D mixtures, see ``toy2d``); ``fashion_mnist`` (28×28×1,
10 classes, 60k/10k, IDX files); ``digits`` (8×8×1, 10 classes, scikit-learn's 1797
embedded digits; split = fixed ``default_rng(0)`` permutation, first 1437 (80 %) train,
last 360 test); ``tfds:<name>`` (an *already prepared* TFDS dataset with a uint8
``image`` and optionally a ``label`` feature; nothing is downloaded); ``folder:<path>``
(one sub-folder of images per class, class index = sorted sub-folder order; no splits);
``glyphs`` (64×64×1, the 62 characters A–Z, a–z, 0–9 rendered from Debian's font
packages, split by font design, labels = character; its other factors and the rendering
rule: ``glyphs``).

Images are float32 NHWC in [-1, 1] (uint8 by x/127.5 − 1, digits 0..16 by x/8 − 1).
``image_size`` makes them square: −1 padding if every side is short by an even number
≤ 8 of pixels (Fashion-MNIST 28 → 32), else antialiased bilinear resize + clip.

Fashion-MNIST search order: ``data_dir`` if given (and nowhere else); otherwise
``$TFGAN_DATA_DIR``, ``/usr/share/datasets/fashion-mnist`` (Debian package
``dataset-fashion-mnist``), a prepared TFDS ``fashion_mnist``. A directory may hold the
files directly or in ``fashion-mnist/``, gzipped or not.

Decoded arrays are cached per process, keyed by file path, size and mtime; arrays from
``load_arrays`` are read-only (copy before modifying).
"""
from __future__ import annotations

import functools
import gzip
import numbers
import os
import struct

import numpy as np
import tensorflow as tf

from tfgan_suite.data import glyphs
from tfgan_suite.data.toy2d import TOY_NAMES, toy2d

IMAGE_NAMES = ("fashion_mnist", "digits", "glyphs")
DATASET_PREFIXES = ("tfds:", "folder:")
DATASET_NAMES = TOY_NAMES + IMAGE_NAMES + DATASET_PREFIXES
SPLITS = ("train", "test")
DATA_DIR_ENV = "TFGAN_DATA_DIR"
FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_HOW_TO_GET = ("apt-get install dataset-fashion-mnist, or set TFGAN_DATA_DIR "
                            "to a folder with the Fashion-MNIST IDX files")
_FASHION_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                  "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_IDX_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
_DIGITS_TRAIN_FRACTION = 0.8
_MAX_PAD = 8                     # larger size gaps are resized, not padded
_TFDS_SHUFFLE_BUFFER = 10_000
_ENDLESS = np.iinfo(np.int64).max


class DatasetNotFoundError(ValueError):
    """A named dataset is not available locally; the message says where it looked."""


# ----------------------------------------------------------------------------- checks
def _parse_name(name: str) -> tuple[str, str]:
    """Returns (kind, argument): ("toy", "ring"), ("digits", ""), ("tfds", "mnist"), ..."""
    if isinstance(name, str):
        if name in TOY_NAMES:
            return "toy", name
        if name in IMAGE_NAMES:
            return name, ""
        for prefix in DATASET_PREFIXES:
            if name.startswith(prefix) and len(name) > len(prefix):
                return prefix[:-1], name[len(prefix):]
    raise ValueError(f"dataset name must be one of {list(TOY_NAMES + IMAGE_NAMES)} or start "
                     f"with one of {list(DATASET_PREFIXES)} (e.g. 'tfds:mnist', "
                     f"'folder:/path/to/classes'), got {name!r}")


def _check_positive_int(field: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{field} must be a positive integer, got {value!r}")
    return int(value)


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    return split


# ------------------------------------------------------------------------- IDX files
def read_idx(path: str) -> np.ndarray:
    """Reads an IDX file (MNIST's format: 0, 0, type code, rank, big-endian uint32 dims,
    C-order data), gzipped if the name ends in .gz.

    Args:
        path: file path.

    Returns:
        Array with the file's shape and dtype (native byte order).

    Raises:
        ValueError: unreadable file, bad magic number, or size disagreeing with the header.
    """
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError) as err:
        raise ValueError(f"corrupt IDX file {path}: {err}") from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"corrupt IDX file {path}: magic number {raw[:4].hex()!r} is not "
                         f"00 00 <type in {sorted(_IDX_DTYPES)}> <rank>")
    rank, header = raw[3], 4 + 4 * raw[3]
    if len(raw) < header:
        raise ValueError(f"corrupt IDX file {path}: truncated header for rank {rank}")
    shape = struct.unpack(f">{rank}I", raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"corrupt IDX file {path}: header shape {shape} needs {expected} "
                         f"data bytes, file has {len(raw) - header}")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _file_key(path: str) -> tuple[str, int, int]:
    """Cache key that changes when the file does."""
    stat = os.stat(path)
    return os.path.realpath(path), stat.st_size, stat.st_mtime_ns


def _readonly(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


@functools.lru_cache(maxsize=8)
def _read_fashion_files(images_key: tuple, labels_key: tuple) -> tuple[np.ndarray, np.ndarray]:
    images, labels = read_idx(images_key[0]), read_idx(labels_key[0])
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"{images_key[0]}: expected uint8 images [N, H, W], "
                         f"got {images.dtype} {images.shape}")
    labels_valid = labels.shape == images.shape[:1] and (
        labels.size == 0 or 0 <= labels.min() <= labels.max() <= 9)
    if not labels_valid:
        raise ValueError(f"{labels_key[0]}: expected {images.shape[0]} labels in 0..9, "
                         f"got shape {labels.shape}")
    scaled = images[..., np.newaxis].astype(np.float32) / 127.5 - 1.0
    return _readonly(scaled, labels.astype(np.int32))


def _fashion_files_in(directory: str, split: str) -> tuple[str, str] | None:
    """The (images, labels) paths of a split in ``directory`` or its fashion-mnist/."""
    for folder in (directory, os.path.join(directory, "fashion-mnist")):
        found = []
        for stem in _FASHION_FILES[split]:
            candidates = [os.path.join(folder, stem + suffix) for suffix in (".gz", "")]
            found.append(next((path for path in candidates if os.path.isfile(path)), None))
        if all(found):
            return found[0], found[1]
    return None


def _load_fashion_mnist(split: str, data_dir: str | None) -> tuple[np.ndarray, np.ndarray]:
    if data_dir is not None:
        directories = [("data_dir", data_dir)]
    else:
        env_dir = os.environ.get(DATA_DIR_ENV)
        directories = [("$" + DATA_DIR_ENV, env_dir)] if env_dir else []
        directories.append(("system", FASHION_MNIST_SYSTEM_DIR))
    for _, directory in directories:
        files = _fashion_files_in(directory, split)
        if files is not None:
            return _read_fashion_files(_file_key(files[0]), _file_key(files[1]))
    searched = [f"{label} {directory} (and fashion-mnist/)" for label, directory in directories]
    if data_dir is None:
        try:
            return _read_tfds("fashion_mnist", split, None)
        except Exception as err:  # noqa: BLE001 -- any failure means "not there"; reported below
            searched.append(f"TFDS fashion_mnist ({type(err).__name__}: "
                            f"{str(err).splitlines()[0] if str(err) else ''})")
    stems = "/".join(_FASHION_FILES[split])
    raise DatasetNotFoundError(
        f"fashion_mnist split {split!r} not found ({stems}[.gz]); looked in: "
        f"{'; '.join(searched)}. To get it: {FASHION_MNIST_HOW_TO_GET}")


# ----------------------------------------------------------------- digits, folder, tfds
@functools.lru_cache(maxsize=2)
def _load_digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    order = np.random.default_rng(0).permutation(len(bunch.target))
    n_train = int(_DIGITS_TRAIN_FRACTION * len(order))
    chosen = order[:n_train] if split == "train" else order[n_train:]
    images = bunch.images[chosen, :, :, np.newaxis].astype(np.float32) / 8.0 - 1.0
    return _readonly(images, bunch.target[chosen].astype(np.int32))


@functools.lru_cache(maxsize=2)
def _load_glyphs(split: str) -> tuple[np.ndarray, np.ndarray]:
    """The glyph split as (images [-1, 1] [N, 64, 64, 1], character labels)."""
    chosen = glyphs.load(split)
    images = (chosen.images.astype(np.float32) / 127.5 - 1.0)[..., None]
    return _readonly(images, chosen.char.astype(np.int32))


def _folder_listing(path: str) -> tuple[tuple[str, tuple], ...]:
    """(class folder, ((file key), ...)) for every sub-folder, sorted."""
    if not os.path.isdir(path):
        raise DatasetNotFoundError(f"folder dataset {path!r} does not exist or is not a "
                                   "directory; expected <path>/<class_name>/<image files>")
    classes = sorted(entry for entry in os.listdir(path) if not entry.startswith(".")
                     and os.path.isdir(os.path.join(path, entry)))
    listing = []
    for class_name in classes:
        folder = os.path.join(path, class_name)
        files = sorted(entry for entry in os.listdir(folder)
                       if entry.lower().endswith(_IMAGE_EXTENSIONS) and not entry.startswith("."))
        listing.append((class_name, tuple(_file_key(os.path.join(folder, f)) for f in files)))
    if not any(files for _, files in listing):
        raise DatasetNotFoundError(
            f"folder dataset {path!r} has no images in class sub-folders (found sub-folders "
            f"{classes}); expected <path>/<class_name>/<image files> with extensions "
            f"{list(_IMAGE_EXTENSIONS)}")
    return tuple(listing)


@functools.lru_cache(maxsize=4)
def _read_folder(listing: tuple[tuple[str, tuple], ...]) -> tuple[np.ndarray, np.ndarray]:
    from PIL import Image

    decoded, labels = [], []
    for class_index, (_, file_keys) in enumerate(listing):
        for path, _, _ in file_keys:
            try:
                with Image.open(path) as image:
                    image.load()
                    decoded.append(image.copy())
            except OSError as err:
                raise ValueError(f"cannot decode image {path}: {err}") from err
            labels.append(class_index)
    grayscale = all(image.mode in ("1", "L") for image in decoded)
    arrays = [np.asarray(image.convert("L" if grayscale else "RGB")) for image in decoded]
    sizes = sorted({array.shape[:2] for array in arrays})
    if len(sizes) > 1:
        raise ValueError(f"folder images must share one size (H, W), found {sizes}; "
                         "resize the files to a common size first")
    images = np.stack(arrays).reshape(len(arrays), *sizes[0], 1 if grayscale else 3)
    return _readonly(images.astype(np.float32) / 127.5 - 1.0, np.asarray(labels, np.int32))


def _tfds_builder(name: str, data_dir: str | None, split: str | None = None):
    """TFDS builder (imported lazily); with a split, it must be prepared and declare it."""
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except Exception as err:  # unknown names raise several tfds-internal types
        raise DatasetNotFoundError(f"TFDS dataset {name!r} is unknown: {err}") from err
    if split is not None and not builder.is_prepared():
        raise DatasetNotFoundError(
            f"TFDS dataset {name!r} is not prepared in {builder.data_dir} (tfgan_suite "
            f"never downloads); prepare it once with `tfds build {name}`")
    if split is not None and split.split("[")[0] not in builder.info.splits:
        raise ValueError(f"split must be one of {sorted(builder.info.splits)} for TFDS dataset "
                         f"{name!r}, got {split!r}")
    if "image" not in builder.info.features:
        raise ValueError(f"TFDS dataset {name!r} has no 'image' feature; "
                         f"features: {sorted(builder.info.features)}")
    return builder


def _tfds_examples(name: str, split: str, data_dir: str | None,
                   image_size: int | None) -> tuple[tf.data.Dataset, bool]:
    """Unbatched (image, label) pairs, images in [-1, 1]; label −1 if there is none."""
    import tensorflow_datasets as tfds

    builder = _tfds_builder(name, data_dir, split)
    has_labels = "label" in builder.info.features
    examples = tfds.load(name, split=split, data_dir=data_dir, download=False,
                         shuffle_files=False)

    def convert(example):
        image = tf.cast(example["image"], tf.float32) / 127.5 - 1.0
        image = fit_image_size(image[tf.newaxis], image_size)[0]
        label = tf.cast(example["label"], tf.int32) if has_labels else tf.constant(-1)
        return image, label

    return examples.map(convert, num_parallel_calls=tf.data.AUTOTUNE,
                        deterministic=True), has_labels


@functools.lru_cache(maxsize=4)
def _read_tfds(name: str, split: str, data_dir: str | None) -> tuple[np.ndarray, np.ndarray]:
    examples, _ = _tfds_examples(name, split, data_dir, image_size=None)
    try:
        chunks = [(images.numpy(), labels.numpy()) for images, labels in examples.batch(4096)]
        images = np.concatenate([chunk[0] for chunk in chunks])
    except (tf.errors.InvalidArgumentError, ValueError) as err:
        raise ValueError(f"TFDS dataset {name!r} has images of different sizes; use "
                         "load(..., image_size=N), which resizes each image") from err
    return _readonly(images, np.concatenate([chunk[1] for chunk in chunks]))


# ------------------------------------------------------------------------ public API
def fit_image_size(images: tf.Tensor, image_size: int | None) -> tf.Tensor:
    """Makes a batch square ``image_size`` by −1 padding or antialiased resizing.

    Pads when both sides are known, at most ``image_size``, and short by an even number
    of pixels ≤ 8; otherwise resizes bilinearly with antialiasing and clips to [-1, 1].

    Args:
        images: float32 [N, H, W, C] in [-1, 1].
        image_size: target side, or None to return ``images`` unchanged.

    Returns:
        float32 [N, image_size, image_size, C].
    """
    if image_size is None:
        return images
    gaps = [image_size - side if side is not None else -1 for side in images.shape[1:3]]
    if all(0 <= gap <= _MAX_PAD and gap % 2 == 0 for gap in gaps):
        paddings = [[0, 0], [gaps[0] // 2] * 2, [gaps[1] // 2] * 2, [0, 0]]
        return tf.pad(images, paddings, constant_values=-1.0)
    resized = tf.image.resize(images, [image_size, image_size], method="bilinear",
                              antialias=True)
    return tf.clip_by_value(resized, -1.0, 1.0)


def load_arrays(name: str, split: str = "train",
                data_dir: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All images and labels of an image dataset, at native size.

    Args:
        name: an image dataset name (see the module docstring); toy names are refused.
        split: ``"train"`` or ``"test"`` (TFDS: any split it declares; folder: ignored).
        data_dir: where to look first (Fashion-MNIST: only there; TFDS: its data_dir).

    Returns:
        (images float32 [N, H, W, C] in [-1, 1], labels int32 [N]); read-only, cached.
        Labels are −1 for a TFDS dataset without a ``label`` feature.

    Raises:
        ValueError: unknown name or split, toy name, unreadable data.
        DatasetNotFoundError: the data is not available locally.
    """
    kind, argument = _parse_name(name)
    if kind == "toy":
        raise ValueError(f"toy dataset {name!r} has no fixed arrays; "
                         f"use toy2d({name!r}).sample(n, seed) instead")
    if kind == "tfds":
        return _read_tfds(argument, split, data_dir)
    if kind == "folder":
        return _read_folder(_folder_listing(os.path.abspath(argument)))
    _check_split(split)
    if kind == "digits":
        return _load_digits(split)
    if kind == "glyphs":
        return _load_glyphs(split)
    return _load_fashion_mnist(split, data_dir)


def dataset_info(name: str, image_size: int | None = None,
                 data_dir: str | None = None) -> dict:
    """Static description of a dataset.

    Args:
        name: any accepted dataset name.
        image_size: if given, the image shape reported is the resized one.
        data_dir: as in ``load`` (needed only to inspect TFDS and folder datasets).

    Returns:
        dict(image_shape=(H, W, C) or (2,) for toy data (None for unknown TFDS sides),
        num_classes=int or None, kind="toy" | "image").
    """
    kind, argument = _parse_name(name)
    if kind == "toy":
        return {"image_shape": (2,), "num_classes": None, "kind": "toy"}
    if kind in ("fashion_mnist", "digits"):
        side = 28 if kind == "fashion_mnist" else 8
        shape, num_classes = (side, side, 1), 10
    elif kind == "glyphs":
        shape, num_classes = (glyphs.SIDE, glyphs.SIDE, 1), len(glyphs.CHARACTERS)
    elif kind == "folder":
        shape = load_arrays(name)[0].shape[1:]
        num_classes = len(_folder_listing(os.path.abspath(argument)))
    else:
        features = _tfds_builder(argument, data_dir).info.features
        shape = tuple(features["image"].shape)
        num_classes = (getattr(features["label"], "num_classes", None)
                       if "label" in features else None)
    if image_size is not None:
        size = _check_positive_int("image_size", image_size)
        shape = (size, size, shape[-1])
    return {"image_shape": tuple(shape), "num_classes": num_classes, "kind": "image"}


def _array_pipeline(images: np.ndarray, labels: np.ndarray, batch_size: int,
                    image_size: int | None, with_labels: bool, shuffle: bool, seed: int,
                    repeat: bool, drop_remainder: bool) -> tf.data.Dataset:
    """In-memory pipeline: epoch e visits a permutation keyed by (seed, e)."""
    count = len(images)
    images_tensor, labels_tensor = tf.constant(images), tf.constant(labels)
    seed_tensor = tf.constant(seed, tf.int64)

    def epoch_order(epoch: tf.Tensor) -> tf.data.Dataset:
        if shuffle:
            keys = tf.random.stateless_uniform([count], seed=tf.stack([seed_tensor, epoch]),
                                               minval=None, maxval=None, dtype=tf.int64)
            order = tf.argsort(keys, stable=True)
        else:
            order = tf.range(count)
        return tf.data.Dataset.from_tensor_slices(order)

    def gather(indices: tf.Tensor):
        batch = fit_image_size(tf.gather(images_tensor, indices), image_size)
        return (batch, tf.gather(labels_tensor, indices)) if with_labels else batch

    epochs = tf.data.Dataset.range(_ENDLESS if repeat else 1)
    indices = epochs.flat_map(epoch_order).batch(batch_size, drop_remainder=drop_remainder)
    return indices.map(gather, num_parallel_calls=tf.data.AUTOTUNE,
                       deterministic=True).prefetch(tf.data.AUTOTUNE)


def from_arrays(images: np.ndarray, labels: np.ndarray, batch_size: int = 64,
                image_size: int | None = None, with_labels: bool = False, shuffle: bool = True,
                seed: int = 0, repeat: bool = True,
                drop_remainder: bool = True) -> tf.data.Dataset:
    """The pipeline of ``load`` over given arrays (e.g. training images with corrupted
    labels): float32 NHWC images in [-1, 1] and int labels of the same length."""
    if len(images) != len(labels):
        raise ValueError(f"from_arrays: {len(images)} images but {len(labels)} labels")
    return _array_pipeline(np.asarray(images, np.float32), np.asarray(labels, np.int32),
                           _check_positive_int("batch_size", batch_size),
                           None if image_size is None
                           else _check_positive_int("image_size", image_size),
                           with_labels, shuffle, int(seed), repeat, drop_remainder)


def _stream_pipeline(examples: tf.data.Dataset, batch_size: int, with_labels: bool,
                     shuffle: bool, seed: int, repeat: bool,
                     drop_remainder: bool) -> tf.data.Dataset:
    """Streaming pipeline over (image, label) examples: a seeded 10k shuffle buffer."""
    if not with_labels:
        examples = examples.map(lambda image, label: image)
    if shuffle:
        examples = examples.shuffle(_TFDS_SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        examples = examples.repeat()
    return examples.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def load(name: str, split: str = "train", batch_size: int = 64, image_size: int | None = None,
         with_labels: bool = False, shuffle: bool = True, seed: int = 0, repeat: bool = True,
         drop_remainder: bool = True, data_dir: str | None = None,
         **toy_kwargs) -> tf.data.Dataset:
    """Builds a batched, prefetched ``tf.data.Dataset`` for a named dataset.

    Image datasets: images (or ``(images, labels int32)`` with ``with_labels``) in
    [-1, 1], NHWC, shuffled deterministically per ``seed`` (the same seed gives the same
    sequence in every pipeline and run), then repeated, batched and prefetched. Toy
    datasets return ``toy2d(name, **toy_kwargs).dataset(batch_size, seed)``, which is
    infinite; ``split``, ``shuffle``, ``repeat`` and ``drop_remainder`` do not apply.

    Args:
        name: see ``DATASET_NAMES`` and the module docstring.
        split: ``"train"`` or ``"test"``.
        batch_size: examples per batch, a positive integer.
        image_size: None (native size) or the square side to pad/resize to.
        with_labels: yield ``(images, labels)`` instead of images.
        shuffle: shuffle every epoch (TFDS: a 10k-example ``Dataset.shuffle`` buffer,
            whose order also depends on ``tf.random.set_seed`` if one was set).
        seed: integer seed for shuffling / toy sampling.
        repeat: repeat forever; otherwise one epoch.
        drop_remainder: drop a final incomplete batch.
        data_dir: see ``load_arrays``.
        **toy_kwargs: ``toy2d`` parameters (ring/grid only).

    Returns:
        ``tf.data.Dataset``.

    Raises:
        ValueError: unknown name, split or argument; bad batch_size or image_size.
        DatasetNotFoundError: the data is not available locally.
    """
    kind, argument = _parse_name(name)
    batch_size = _check_positive_int("batch_size", batch_size)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or abs(seed) >= 2**63:
        raise ValueError(f"seed must be a 64-bit integer, got {seed!r}")
    if kind == "toy":
        if image_size is not None or with_labels:
            raise ValueError(f"toy dataset {name!r} has no images or labels: image_size must "
                             f"be None (got {image_size!r}) and with_labels False "
                             f"(got {with_labels!r})")
        return toy2d(argument, **toy_kwargs).dataset(batch_size, seed=int(seed))
    if toy_kwargs:
        raise ValueError(f"unexpected argument(s) {sorted(toy_kwargs)} for dataset {name!r}; "
                         f"toy parameters are accepted only with names {list(TOY_NAMES)}")
    if image_size is not None:
        image_size = _check_positive_int("image_size", image_size)
    if kind != "tfds":
        images, labels = load_arrays(name, split, data_dir)
        return _array_pipeline(images, labels, batch_size, image_size, with_labels,
                               shuffle, int(seed), repeat, drop_remainder)
    examples, has_labels = _tfds_examples(argument, split, data_dir, image_size)
    if with_labels and not has_labels:
        raise ValueError(f"with_labels=True but TFDS dataset {argument!r} has no 'label' "
                         "feature; use with_labels=False")
    return _stream_pipeline(examples, batch_size, with_labels, shuffle, int(seed), repeat,
                            drop_remainder)
