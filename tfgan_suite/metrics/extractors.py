"""InceptionV3 features and class probabilities for real FID and Inception Score.

FID (Heusel et al., 2017) uses the 2048-d pool3 features of InceptionV3 (Szegedy et al.,
2016); the Inception Score (Salimans et al., 2016) its class probabilities. Both need the
ImageNet weights, which are **never downloaded and never replaced by random weights** here:
they come from, in order,

1. an explicit ``weights_path`` argument,
2. ``$TFGAN_INCEPTION_WEIGHTS``,
3. the Keras cache: ``$KERAS_HOME/models/`` then ``~/.keras/models/``, file
   ``inception_v3_weights_tf_dim_ordering_tf_kernels.h5`` (with the classifier top: features
   and probabilities) or ``..._notop.h5`` (features only),

and ``WeightsNotAvailableError`` says where it looked when none exists.

Preprocessing: images float32 NHWC in [-1, 1] → bilinear resize to 299 × 299 → grayscale
tiled to 3 channels. ``keras.applications.inception_v3.preprocess_input`` maps [0, 255] to
[-1, 1], so images already in [-1, 1] are fed as they are (clipped).

Note: Keras' InceptionV3 is the 1000-class Keras port, not the 2015 TF graph (1008
classes) that pytorch-fid and TF-GAN use; its FID values are close to but not identical
with published ones. Compare numbers measured with the same extractor only.

Example:

    extractor = InceptionExtractor()                # raises WeightsNotAvailableError offline
    fid = frechet_distance(extractor.features(real), extractor.features(fake))
    score = inception_score(extractor.probabilities(fake))
"""

from __future__ import annotations

import os
from typing import Optional

import keras
import numpy as np
import tensorflow as tf

WEIGHTS_ENV = "TFGAN_INCEPTION_WEIGHTS"
TOP_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
NOTOP_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INPUT_SIZE = 299
FEATURE_DIM = 2048
BATCH_SIZE = 50
HOW_TO_PROVIDE = (
    f"pass weights_path=..., or set ${WEIGHTS_ENV} to the .h5 file, or copy "
    f"{TOP_WEIGHTS_FILE} (or {NOTOP_WEIGHTS_FILE}, features only) into ~/.keras/models/ "
    f"(from https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/ "
    f"on a machine with network access)")


class WeightsNotAvailableError(RuntimeError):
    """The InceptionV3 ImageNet weights are not on this machine (they are never downloaded)."""


def keras_cache_dirs() -> list[str]:
    """``$KERAS_HOME/models`` (if set) and ``~/.keras/models``, read at call time."""
    homes = [os.environ.get("KERAS_HOME"), os.path.join(os.path.expanduser("~"), ".keras")]
    dirs = []
    for home in homes:
        if home and os.path.join(home, "models") not in dirs:
            dirs.append(os.path.join(home, "models"))
    return dirs


def find_weights(weights_path: Optional[str] = None) -> str:
    """The InceptionV3 weights file to use, by the order in the module docstring.

    An explicit ``weights_path`` or ``$TFGAN_INCEPTION_WEIGHTS`` that does not exist is an
    error (not a reason to fall back to another file).

    Raises:
        WeightsNotAvailableError: listing every place searched and how to provide weights.
    """
    for source, path in (("weights_path", weights_path),
                         (f"${WEIGHTS_ENV}", os.environ.get(WEIGHTS_ENV))):
        if path:
            if os.path.isfile(path):
                return path
            raise WeightsNotAvailableError(
                f"InceptionV3 weights: {source}={path!r} does not exist; {HOW_TO_PROVIDE}. "
                f"Weights are never downloaded and random weights are never used.")
    searched = []
    for directory in keras_cache_dirs():
        for name in (TOP_WEIGHTS_FILE, NOTOP_WEIGHTS_FILE):
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                return candidate
            searched.append(candidate)
    raise WeightsNotAvailableError(
        f"InceptionV3 weights not found; looked for weights_path (not given), ${WEIGHTS_ENV} "
        f"(not set) and {', '.join(searched)}. To use real FID / Inception Score, "
        f"{HOW_TO_PROVIDE}. Weights are never downloaded and random weights are never used; "
        f"offline, use the domain classifier (tfgan_suite.metrics.classifier) instead.")


def weights_have_top(path: str) -> bool:
    """Whether an InceptionV3 weights file holds the classifier top (``predictions``).

    Reads the layer names of a legacy Keras HDF5 file (the keras-applications download) or
    the layer keys of a Keras 3 ``.weights.h5`` file; otherwise goes by the file name
    (``notop``).
    """
    import h5py

    with h5py.File(path, "r") as handle:
        names = handle.attrs.get("layer_names")
        if names is not None:
            return any((n.decode() if isinstance(n, bytes) else str(n)) == "predictions"
                       for n in names)
        if "layers" in handle:
            # Keras 3 ``.weights.h5`` keys layers by class (``dense``, ``conv2d_3``, ...);
            # InceptionV3's only Dense layer is the classifier top.
            return any(key.startswith("dense") for key in handle["layers"])
    return "notop" not in os.path.basename(path)


def preprocess(images) -> tf.Tensor:
    """[N, H, W, 1|3] in [-1, 1] → [N, 299, 299, 3] in [-1, 1] (InceptionV3's input range)."""
    images = tf.convert_to_tensor(images, tf.float32)
    if images.shape.rank != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images: expected [N, H, W, 1 or 3] in [-1, 1], got shape "
                         f"{images.shape}")
    if images.shape[-1] == 1:
        images = tf.tile(images, [1, 1, 1, 3])
    images = tf.image.resize(images, [INPUT_SIZE, INPUT_SIZE], method="bilinear")
    return tf.clip_by_value(images, -1.0, 1.0)


class InceptionExtractor:
    """InceptionV3 pool3 features (2048-d) and ImageNet probabilities for FID and IS.

    Args:
        weights_path: the ``.h5`` weights file; default: ``$TFGAN_INCEPTION_WEIGHTS``, then
            the Keras cache (see the module docstring).
        include_top: whether the file holds the classifier top; default: read from the file.
            Without the top, ``probabilities`` raises.

    Raises:
        WeightsNotAvailableError: no weights file found.
    """

    name = "InceptionV3"

    def __init__(self, weights_path: Optional[str] = None, include_top: Optional[bool] = None):
        self.weights_path = find_weights(weights_path)
        self.include_top = (weights_have_top(self.weights_path) if include_top is None
                            else include_top)
        # weights=None builds the graph only; the weights come from the file or not at all.
        network = keras.applications.InceptionV3(
            include_top=self.include_top, weights=None,
            input_shape=(INPUT_SIZE, INPUT_SIZE, 3),
            pooling=None if self.include_top else "avg")
        network.load_weights(self.weights_path)
        self.network = network
        if self.include_top:
            pool = network.get_layer("avg_pool").output
            both = keras.Model(network.inputs, [pool, network.outputs[0]])
            self._forward = tf.function(lambda x: both(x, training=False))
        else:
            self._forward = tf.function(lambda x: (network(x, training=False), None))

    def _run(self, images, want_probabilities: bool) -> np.ndarray:
        if want_probabilities and not self.include_top:
            raise ValueError(f"probabilities: {self.weights_path} has no classifier top "
                             f"(notop weights); provide {TOP_WEIGHTS_FILE} for the "
                             f"Inception Score")
        images = np.asarray(images, np.float32)
        outputs = []
        for start in range(0, len(images), BATCH_SIZE):
            features, probabilities = self._forward(preprocess(images[start:start + BATCH_SIZE]))
            outputs.append((probabilities if want_probabilities else features).numpy())
        return np.concatenate(outputs).astype(np.float32)

    def features(self, images) -> np.ndarray:
        """pool3 features, float32 [n, 2048]."""
        return self._run(images, want_probabilities=False)

    def probabilities(self, images) -> np.ndarray:
        """ImageNet class probabilities (softmax), float32 [n, 1000]."""
        return self._run(images, want_probabilities=True)


__all__ = [
    "InceptionExtractor",
    "WeightsNotAvailableError",
    "find_weights",
    "keras_cache_dirs",
    "preprocess",
    "weights_have_top",
]
