"""A domain classifier as the feature extractor of offline image metrics (FD_fmnist, KID, PRDC).

InceptionV3 weights cannot be downloaded everywhere, so image metrics on Fashion-MNIST (and
scikit-learn's digits) use a small CNN trained on the dataset's train split; its penultimate
layer is the feature space and its test accuracy is reported next to every number measured
in it. A Fréchet distance in this space is ``FD_fmnist``, never "FID".

The classifier is cached on disk under a key hashed from (dataset, input size, architecture
and training config, seed), in ``$TFGAN_CACHE_DIR`` or ``~/.cache/tfgan_suite``, so every run
is measured in the same feature space. Training is seeded, but TensorFlow's CPU kernels are
not bit-deterministic: retraining the same key gives a slightly different network (test
accuracy within a few tenths of a percent). The cached file is the reference; copy it to
compare numbers across machines.

Image size. The classifier works at the dataset's native size (28 px Fashion-MNIST, 8 px
digits) unless told otherwise. Images of another size are brought to it by
``fit_to_classifier``: a side larger by an even number of pixels ≤ 8 is centre-cropped (the
exact inverse of the −1 padding ``data.fit_image_size`` applies, e.g. 32 → 28 px), any other
size is resized bilinearly with antialiasing (e.g. digits generated at 28 px → 8 px).

Example:

    classifier = get_domain_classifier("fashion_mnist")
    classifier.test_accuracy                       # ~0.91
    features = classifier.features(images)         # float32 [n, 128]
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from typing import Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.cache import cache_dir
from tfgan_suite.metrics.frechet import frechet_distance

#: Bumped when training or architecture code changes, so stale cache entries are not reused.
CACHE_FORMAT = 1
#: Largest centre crop that undoes ``data.fit_image_size`` padding (same bound, 8 px).
MAX_CROP = 8
#: Epochs per dataset when the config leaves them unset. Fashion-MNIST, measured with the
#: default config: 88.5 / 90.3 / 90.8 / 91.1 / 91.6 % test accuracy after 1-5 epochs (about
#: 25 s each on two busy cores); digits has only 1,437 train images (12 steps per epoch).
DEFAULT_EPOCHS = {"fashion_mnist": 4, "digits": 20}
PREDICT_BATCH = 500


#: Classifier architectures (``ClassifierConfig.architecture``).
ARCHITECTURES = ("cnn", "vgg")


@dataclasses.dataclass(frozen=True)
class ClassifierConfig:
    """Architecture and training of a ``DomainClassifier``; every field enters the cache key.

    ``cnn``: per entry of ``filters``, Conv(f, 3×3) → ReLU → MaxPool 2; then Flatten →
    Dense(feature_units) → ReLU [features] → Dropout → Dense(num_classes).

    ``vgg``: per entry of ``filters``, two Conv(f, 3×3) → BatchNorm → ReLU, then MaxPool 2;
    then global average pooling → Dense(feature_units) → ReLU [features] → Dropout →
    Dense(num_classes). BatchNorm momentum 0.9: with Keras's default 0.99 the moving
    statistics lagged the weights after 4 epochs and the test accuracy was 88.4 % (85.5 % at
    learning rate 1e-3 and 6 epochs) against 91.3 % with 0.9 (measured on Fashion-MNIST).
    """

    architecture: str = "cnn"
    filters: tuple = (32, 64)
    feature_units: int = 128
    dropout: float = 0.3
    epochs: Optional[int] = None  # None: DEFAULT_EPOCHS[dataset], else 5
    batch_size: int = 128
    learning_rate: float = 2e-3
    seed: int = 0

    def __post_init__(self):
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"classifier architecture: unknown value {self.architecture!r}; "
                             f"accepted: {', '.join(ARCHITECTURES)}")

    def resolved_epochs(self, dataset: str) -> int:
        return self.epochs if self.epochs is not None else DEFAULT_EPOCHS.get(dataset, 5)


#: The second, independent feature space of each dataset (issue #20): another architecture,
#: another training seed, another feature size. Measured test accuracies and real-data floors
#: are in docs/results/metrics_floor.md.
INDEPENDENT_CONFIG = ClassifierConfig(architecture="vgg", filters=(32, 64, 128),
                                      feature_units=256, dropout=0.3, seed=1)


def cache_key(dataset: str, image_size: int, channels: int, config: ClassifierConfig) -> str:
    """Readable prefix + hash of everything that determines the trained weights."""
    description = {"format": CACHE_FORMAT, "dataset": dataset, "image_size": image_size,
                   "channels": channels, "epochs": config.resolved_epochs(dataset),
                   **dataclasses.asdict(config)}
    if config.architecture == "cnn":  # keys from before the field existed stay valid
        del description["architecture"]
    digest = hashlib.sha1(json.dumps(description, sort_keys=True).encode()).hexdigest()[:12]
    safe_name = "".join(c if c.isalnum() else "_" for c in dataset)
    return f"{safe_name}_{image_size}px_{digest}"


def fit_to_classifier(images, image_size: int) -> tf.Tensor:
    """Brings float32 [N, H, W, C] images in [-1, 1] to ``image_size`` × ``image_size``.

    Centre-crops a side larger by an even gap ≤ ``MAX_CROP`` (undoes ``fit_image_size``
    padding), otherwise resizes bilinearly with antialiasing and clips to [-1, 1].
    """
    images = tf.convert_to_tensor(images, tf.float32)
    if images.shape.rank != 4:
        raise ValueError(f"images: expected [N, H, W, C], got shape {images.shape}")
    height, width = images.shape[1], images.shape[2]
    if (height, width) == (image_size, image_size):
        return images
    gaps = [height - image_size, width - image_size]
    if all(0 < gap <= MAX_CROP and gap % 2 == 0 for gap in gaps):
        top, left = gaps[0] // 2, gaps[1] // 2
        return images[:, top:top + image_size, left:left + image_size, :]
    resized = tf.image.resize(images, [image_size, image_size], method="bilinear",
                              antialias=True)
    return tf.clip_by_value(resized, -1.0, 1.0)


def build_classifier_network(image_size: int, channels: int, num_classes: int,
                             config: ClassifierConfig) -> keras.Model:
    """The network of ``ClassifierConfig``; its ``features`` layer is the metric feature space."""
    inputs = keras.Input((image_size, image_size, channels), name="images")
    x = inputs
    for index, filters in enumerate(config.filters):
        if config.architecture == "vgg":
            for half in "ab":
                x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False,
                                        name=f"conv{index}{half}")(x)
                x = keras.layers.BatchNormalization(momentum=0.9, name=f"bn{index}{half}")(x)
                x = keras.layers.ReLU(name=f"relu{index}{half}")(x)
        else:
            x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                                    name=f"conv{index}")(x)
        if x.shape[1] >= 2:
            x = keras.layers.MaxPooling2D(2, name=f"pool{index}")(x)
    if config.architecture == "vgg":
        x = keras.layers.GlobalAveragePooling2D(name="average")(x)
    else:
        x = keras.layers.Flatten(name="flatten")(x)
    features = keras.layers.Dense(config.feature_units, activation="relu", name="features")(x)
    x = keras.layers.Dropout(config.dropout, seed=config.seed, name="dropout")(features)
    logits = keras.layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, logits, name="domain_classifier")


def train_classifier_network(network: keras.Model, images: np.ndarray, labels: np.ndarray,
                             config: ClassifierConfig, epochs: int) -> None:
    """Adam on sparse cross-entropy, seeded shuffling; ``images`` already at input size."""
    keras.utils.set_random_seed(config.seed)
    network.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=["accuracy"])
    batches = (tf.data.Dataset.from_tensor_slices((images, labels))
               .shuffle(len(labels), seed=config.seed, reshuffle_each_iteration=True)
               .batch(config.batch_size))
    network.fit(batches, epochs=epochs, verbose=0, shuffle=False)  # shuffled above


class DomainClassifier:
    """A trained CNN classifier of one dataset, used as a feature extractor.

    Args:
        network: the trained Keras model (logits output, a ``features`` layer).
        dataset: dataset name the classifier was trained on (``fashion_mnist``, ``digits``).
        test_accuracy: accuracy on the dataset's test split.
        key: cache key (dataset, size, config, seed), reported with the metrics.
        config: the ``ClassifierConfig`` it was trained with.
    """

    def __init__(self, network: keras.Model, dataset: str, test_accuracy: float,
                 key: str = "", config: ClassifierConfig = ClassifierConfig()):
        self.network = network
        self.dataset = dataset
        self.test_accuracy = float(test_accuracy)
        self.key = key
        self.config = config
        self.image_size = int(network.inputs[0].shape[1])
        self.channels = int(network.inputs[0].shape[-1])
        self.num_classes = int(network.outputs[0].shape[-1])
        both = keras.Model(network.inputs,
                           [network.get_layer("features").output, network.outputs[0]])
        self._forward = tf.function(lambda x: both(x, training=False))

    @property
    def name(self) -> str:
        """E.g. ``DomainClassifier(fashion_mnist, 28px)`` (``..., 28px, vgg)`` for other
        architectures): how the feature space is reported."""
        suffix = "" if self.config.architecture == "cnn" else f", {self.config.architecture}"
        return f"DomainClassifier({self.dataset}, {self.image_size}px{suffix})"

    def describe(self) -> dict:
        """The feature extractor as reported next to metrics measured in its space."""
        return {"name": self.name, "key": self.key, "test_accuracy": self.test_accuracy,
                "feature_dim": self.config.feature_units, "image_size": self.image_size,
                "architecture": self.config.architecture, "seed": self.config.seed}

    def _run(self, images) -> tuple[np.ndarray, np.ndarray]:
        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[-1] != self.channels:
            raise ValueError(f"images: expected [N, H, W, {self.channels}] in [-1, 1], got "
                             f"shape {images.shape}")
        features, logits = [], []
        for start in range(0, len(images), PREDICT_BATCH):
            batch = fit_to_classifier(images[start:start + PREDICT_BATCH], self.image_size)
            batch_features, batch_logits = self._forward(batch)
            features.append(batch_features.numpy())
            logits.append(batch_logits.numpy())
        if not features:
            return (np.zeros([0, self.config.feature_units], np.float32),
                    np.zeros([0, self.num_classes], np.float32))
        return np.concatenate(features), np.concatenate(logits)

    def features(self, images) -> np.ndarray:
        """Penultimate-layer features, float32 [n, feature_units]."""
        return self._run(images)[0].astype(np.float32)

    def probabilities(self, images) -> np.ndarray:
        """Class probabilities (softmax), float32 [n, num_classes]."""
        return tf.nn.softmax(self._run(images)[1]).numpy().astype(np.float32)

    def predict_labels(self, images) -> np.ndarray:
        """Most probable class, int32 [n]."""
        return np.argmax(self._run(images)[1], axis=1).astype(np.int32)

    def accuracy(self, images, labels) -> float:
        """Fraction of ``images`` classified as ``labels``."""
        labels = np.asarray(labels).astype(np.int32)
        return float(np.mean(self.predict_labels(images) == labels))


def _native_size(dataset: str) -> tuple[int, int]:
    from tfgan_suite import data

    height, _, channels = data.dataset_info(dataset)["image_shape"]
    return int(height), int(channels)


def train_domain_classifier(dataset: str, image_size: Optional[int] = None,
                            config: ClassifierConfig = ClassifierConfig(),
                            train_images: Optional[np.ndarray] = None,
                            train_labels: Optional[np.ndarray] = None) -> DomainClassifier:
    """Trains a classifier on ``dataset``'s train split (or the given arrays), tests on its
    test split. No caching; see ``get_domain_classifier``."""
    from tfgan_suite import data

    native_size, channels = _native_size(dataset)
    image_size = image_size or native_size
    if train_images is None:
        train_images, train_labels = data.load_arrays(dataset, "train")
    test_images, test_labels = data.load_arrays(dataset, "test")
    num_classes = int(data.dataset_info(dataset)["num_classes"])
    network = build_classifier_network(image_size, channels, num_classes, config)
    train_classifier_network(network, fit_to_classifier(train_images, image_size).numpy(),
                             np.asarray(train_labels, np.int32), config,
                             config.resolved_epochs(dataset))
    classifier = DomainClassifier(network, dataset, 0.0,
                                  cache_key(dataset, image_size, channels, config), config)
    classifier.test_accuracy = classifier.accuracy(test_images, test_labels)
    return classifier


def get_domain_classifier(dataset: str, image_size: Optional[int] = None,
                          config: ClassifierConfig = ClassifierConfig(),
                          directory: Optional[str] = None) -> DomainClassifier:
    """The cached classifier of ``dataset`` at ``image_size`` (default: native), training
    and caching it on first use.

    Args:
        dataset: ``fashion_mnist``, ``digits`` or any labelled image dataset name.
        image_size: classifier input side; default the dataset's native size.
        config: architecture, training and seed.
        directory: cache directory; default ``cache_dir()``.

    Returns:
        a ``DomainClassifier`` with ``test_accuracy`` set.
    """
    native_size, channels = _native_size(dataset)
    image_size = image_size or native_size
    key = cache_key(dataset, image_size, channels, config)
    root = os.path.join(directory or cache_dir(), "classifiers")
    model_path = os.path.join(root, f"{key}.keras")
    meta_path = os.path.join(root, f"{key}.json")
    if os.path.isfile(model_path) and os.path.isfile(meta_path):
        with open(meta_path, encoding="utf-8") as handle:
            meta = json.load(handle)
        network = keras.models.load_model(model_path, compile=False)
        return DomainClassifier(network, dataset, meta["test_accuracy"], key, config)
    started = time.monotonic()
    classifier = train_domain_classifier(dataset, image_size, config)
    train_seconds = round(time.monotonic() - started, 1)
    os.makedirs(root, exist_ok=True)
    # Write to temporary names of this process and rename, so a concurrent reader never
    # sees half a file and two processes training the same key (two benchmark runs, two test
    # workers) never write into one temporary file; the last rename wins, both complete.
    temporary = f".{os.getpid()}.tmp"
    classifier.network.save(model_path + temporary + ".keras")
    with open(meta_path + temporary, "w", encoding="utf-8") as handle:
        json.dump({"dataset": dataset, "image_size": image_size, "key": key,
                   "test_accuracy": classifier.test_accuracy,
                   "train_seconds": train_seconds, "config": dataclasses.asdict(config)},
                  handle, indent=2)
    os.replace(model_path + temporary + ".keras", model_path)
    os.replace(meta_path + temporary, meta_path)
    return classifier


# ----------------------------------------------------------------- classifier-based metrics
def gan_test_accuracy(classifier: DomainClassifier, images, labels) -> float:
    """GAN-test (Shmelkov, Schmid & Alahari, 2018): the accuracy of a classifier trained on
    real data on generated ``images`` for their requested ``labels``. High = class-faithful."""
    return classifier.accuracy(images, labels)


def gan_train_accuracy(classifier: DomainClassifier, images, labels,
                       epochs: Optional[int] = None) -> float:
    """GAN-train (Shmelkov, Schmid & Alahari, 2018): the real-test-split accuracy of a fresh
    classifier, with ``classifier``'s architecture, trained on generated (``images``,
    ``labels``). High = generated data is diverse and class-faithful enough to learn from."""
    config = classifier.config if epochs is None else dataclasses.replace(
        classifier.config, epochs=epochs)
    fresh = train_domain_classifier(classifier.dataset, classifier.image_size, config,
                                    train_images=images, train_labels=labels)
    return fresh.test_accuracy


def intra_class_fd(classifier: DomainClassifier, real_images, real_labels, fake_images,
                   fake_labels) -> dict:
    """Fréchet distance per class in ``classifier``'s feature space (Miyato & Koyama, 2018).

    Returns:
        ``{class: FD}`` for each class with ≥ 2 real and ≥ 2 generated images, plus
        ``"mean"`` over those classes.
    """
    real_features = classifier.features(real_images)
    fake_features = classifier.features(fake_images)
    real_labels, fake_labels = np.asarray(real_labels), np.asarray(fake_labels)
    per_class = {}
    for label in sorted(set(real_labels.tolist()) & set(fake_labels.tolist())):
        real_c, fake_c = real_features[real_labels == label], fake_features[fake_labels == label]
        if len(real_c) >= 2 and len(fake_c) >= 2:
            per_class[int(label)] = frechet_distance(real_c, fake_c)
    if not per_class:
        raise ValueError("intra_class_fd: no class has >= 2 real and >= 2 generated images")
    return per_class | {"mean": float(np.mean(list(per_class.values())))}


__all__ = [
    "ARCHITECTURES",
    "INDEPENDENT_CONFIG",
    "ClassifierConfig",
    "DomainClassifier",
    "cache_key",
    "fit_to_classifier",
    "gan_test_accuracy",
    "gan_train_accuracy",
    "get_domain_classifier",
    "intra_class_fd",
    "train_domain_classifier",
]
