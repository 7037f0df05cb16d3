"""Request limits of exported signatures: at most ``max_batch`` rows, finite floats.

A served signature takes whatever a client sends: unbounded, a request for 10⁶ seeds goes
straight to the generator and the server runs out of memory, and NaN in ``z`` comes back as
NaN images. ``bounded(function, input_signature, max_batch)`` checks a signature's inputs
inside the graph (``tf.debugging.Assert``) before anything else: the checks are control
dependencies of the inputs the function receives, so an oversized request is refused before
a latent is drawn (in milliseconds), and TF Serving answers INVALID_ARGUMENT with the
message, e.g.

    assertion failed: [seeds: 1000000 rows in one request; this model takes at most 1024
    (max_batch, set at export)]

* every input's first axis is its batch axis: at most ``max_batch`` rows;
* float inputs (z, truncation, probabilities, codes, images, mcep, f0, features): finite;
* speech inputs ``[batch, frames, …]`` (``max_frames`` set): at most ``max_frames`` frames
  in one request, all its utterances together.

The export records its limits in the SavedModel (``recorded_limits``). TFLite has no Assert
op and its converter drops the checks: the LiteRT runners bound the batch in Python
(``tflite.py``).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.arguments import argument

DEFAULT_MAX_BATCH = 1024
#: 30 minutes of speech at the analysis' 5 ms frames (``audio.analysis.FRAME_PERIOD``).
DEFAULT_MAX_FRAMES = 360_000
#: The variable collection of a SavedModel holding its limits.
LIMITS_COLLECTION = "request_limits"


def check_limit(name: str, value) -> int:
    """``value`` as an int, or a ``ValueError`` naming argument ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{argument(name)}: must be a positive integer, got {value!r}")
    return int(value)


def input_checks(spec: tf.TensorSpec, tensor: tf.Tensor, max_batch: int,
                 max_frames: Optional[int] = None) -> list:
    """The assertions of one input named ``spec.name`` (module docstring)."""
    shape = tf.shape(tensor, out_type=tf.int64)
    checks = [tf.debugging.Assert(shape[0] <= max_batch, [tf.strings.format(
        f"{spec.name}: {{}} rows in one request; this model takes at most {max_batch} "
        "(max_batch, set at export)", [shape[0]])])]
    if max_frames is not None:
        frames = shape[0] * shape[1]
        checks.append(tf.debugging.Assert(frames <= max_frames, [tf.strings.format(
            f"{spec.name}: {{}} frames in one request (batch × frames); this model takes at "
            f"most {max_frames} (max_frames, set at export)", [frames])]))
    if spec.dtype.is_floating:
        checks.append(tf.debugging.Assert(
            tf.reduce_all(tf.math.is_finite(tensor)),
            [f"{spec.name}: NaN or infinite values; a request takes finite numbers"]))
    return checks


def bounded(function: Callable, input_signature: Sequence[tf.TensorSpec], max_batch: int,
            max_frames: Optional[int] = None) -> Callable:
    """``function`` with its inputs checked first (module docstring); for
    ``ExportArchive.add_endpoint(name, bounded(function, signature, max_batch),
    input_signature=signature)``."""

    def checked(*inputs):
        checks = [check for spec, tensor in zip(input_signature, inputs, strict=True)
                  for check in input_checks(spec, tensor, max_batch, max_frames)]
        with tf.control_dependencies(checks):  # nothing reads an input before the checks
            inputs = [tf.identity(tensor) for tensor in inputs]
        return function(*inputs)

    return checked


def record_limits(archive: keras.export.ExportArchive, max_batch: int,
                  max_frames: Optional[int] = None) -> None:
    """Keep the limits in the SavedModel ``archive`` writes (``recorded_limits``)."""
    limits = {"max_batch": max_batch, "max_frames": max_frames}
    archive.add_variable_collection(LIMITS_COLLECTION, [
        tf.Variable(value, trainable=False, dtype=tf.int64, name=name)
        for name, value in limits.items() if value is not None])


def recorded_limits(loaded) -> dict[str, int]:
    """``{"max_batch": …[, "max_frames": …]}`` of a loaded SavedModel (empty when it was
    exported before the limits)."""
    return {variable.name.split(":")[0]: int(variable.numpy())
            for variable in getattr(loaded, LIMITS_COLLECTION, [])}


__all__ = ["DEFAULT_MAX_BATCH", "DEFAULT_MAX_FRAMES", "LIMITS_COLLECTION", "bounded",
           "check_limit", "input_checks", "record_limits", "recorded_limits"]
