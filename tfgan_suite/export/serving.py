"""TF Serving's side of an exported generator: directory layout, requests, warmup records.

TF Serving loads ``<base_path>/<version>/saved_model.pb`` for each model in its
``--model_config_file`` and replays ``<version>/assets.extra/tf_serving_warmup_requests``
(a TFRecord file of ``PredictionLog`` protos) before it reports the version AVAILABLE,
so the first real request does not pay for graph initialisation.

The request builders here are the one definition of the wire formats, shared by the
warmup writer and ``serving/client.py``:

* REST row format:      ``{"signature_name": S, "instances": [...]}``  → ``{"predictions": ...}``
* REST columnar format: ``{"signature_name": S, "inputs": {name: [...]}}`` → ``{"outputs": ...}``
* gRPC: ``PredictRequest(model_spec=ModelSpec(name, signature_name), inputs={name: TensorProto})``

Conditional generators' signatures take a second input, ``labels`` (int32 ``[batch]``):
every builder accepts ``labels=`` and then sends ``{"z": row, "labels": k}`` instances,
an ``inputs`` entry ``labels`` or a second gRPC tensor.

(https://www.tensorflow.org/tfx/serving/api_rest)
"""

from __future__ import annotations

import os
import re
from typing import Any, Mapping, Sequence

import numpy as np
import tensorflow as tf

#: signature name → (input name, input dtype)
SIGNATURE_INPUTS = {
    "serving_default": ("z", np.float32),
    "sample_from_seeds": ("seeds", np.int64),
    # generators conditioned on probability vectors (CP-GAN): float32 [batch, K] rows
    "serving_probabilities": ("z", np.float32),
    "sample_from_seeds_probabilities": ("seeds", np.int64),
    # generators of latent codes (InfoGAN family): z with codes float32 [batch, width]
    "sample_with_codes": ("z", np.float32),
    # translators (cyclegan, pix2pix): [batch, H, W, C] images in [-1, 1], or uint8 pixels
    **{f"translate_{direction}{suffix}": (name, dtype)
       for direction in ("a2b", "b2a")
       for suffix, name, dtype in (("", "images", np.float32), ("_uint8", "pixels", np.uint8))},
}
PROBABILITIES_INPUT = ("probabilities", np.float32)
CODES_INPUT = ("codes", np.float32)
LABELS_INPUT = ("labels", np.int32)
OUTPUT_NAMES = ("images", "images_uint8")
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")


def version_dir(base: str, model_name: str = "generator", version: int = 1) -> str:
    """``<base>/<model_name>/<version>``: where TF Serving looks for one model version."""
    if not isinstance(version, (int, np.integer)) or isinstance(version, bool) or version < 1:
        raise ValueError(f"version: must be a positive integer (TF Serving version "
                         f"directories are numbers), got {version!r}")
    if not model_name or os.sep in model_name:
        raise ValueError(f"model_name: must be a non-empty name without {os.sep!r}, "
                         f"got {model_name!r}")
    return os.path.join(base, model_name, str(int(version)))


def next_version(base: str, model_name: str = "generator") -> int:
    """One more than the highest numbered version directory of ``model_name`` (1 if none).

    TF Serving serves the highest version and swaps to a new one when it appears, so
    exporting to ``next_version`` rolls a model forward without touching the served one.
    """
    folder = os.path.join(base, model_name)
    versions = [int(name) for name in (os.listdir(folder) if os.path.isdir(folder) else [])
                if name.isdigit()]
    return max(versions, default=0) + 1


def _input_array(signature_name: str, values: Any) -> tuple[str, np.ndarray]:
    if signature_name not in SIGNATURE_INPUTS:
        raise ValueError(f"signature_name: unknown value {signature_name!r}; accepted: "
                         f"{', '.join(SIGNATURE_INPUTS)}")
    name, dtype = SIGNATURE_INPUTS[signature_name]
    return name, np.asarray(values, dtype=dtype)


def _labels_array(labels: Any, batch: int) -> np.ndarray:
    array = np.asarray(labels)
    if array.ndim == 0:
        array = np.full([batch], array)
    if array.shape != (batch,) or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"labels: expected one integer class or {batch} of them, got "
                         f"{np.asarray(labels).tolist()!r}")
    return array.astype(LABELS_INPUT[1])


def rest_instances_body(signature_name: str, values: Any, labels: Any = None) -> dict:
    """REST row format: one entry per example (``z`` rows or seeds; with ``labels``, one
    ``{input: value, "labels": class}`` object per example)."""
    name, array = _input_array(signature_name, values)
    if labels is None:
        return {"signature_name": signature_name, "instances": array.tolist()}
    classes = _labels_array(labels, len(array))
    return {"signature_name": signature_name,
            "instances": [{name: value, LABELS_INPUT[0]: int(label)}
                          for value, label in zip(array.tolist(), classes, strict=True)]}


def rest_inputs_body(signature_name: str, values: Any, labels: Any = None) -> dict:
    """REST columnar format: ``{"inputs": {input_name: batch[, "labels": classes]}}``."""
    name, array = _input_array(signature_name, values)
    inputs = {name: array.tolist()}
    if labels is not None:
        inputs[LABELS_INPUT[0]] = _labels_array(labels, len(array)).tolist()
    return {"signature_name": signature_name, "inputs": inputs}


#: TensorFlow's lines that say where an error happened, not what is wrong ...
_LOCATION_LINE = re.compile(r"^(\[\[|Graph execution error|Detected at node|<stack traces|File \")")
#: ... and the location it appends to the line that says what.
_LOCATION_SUFFIX = re.compile(r"\s*(\[\[|\[Op:).*$")
_ASSERTION = re.compile(r"^assertion failed: \[(.*)\]$")


def refusal_reason(message: str) -> str:
    """The one line of a server's error that says what is wrong with the request.

    TF Serving answers a failed check (a request limit, ``limits.py``; an input shape) with
    TensorFlow's message, ``assertion failed: [<reason>]`` and the graph node; a signature
    run in process adds "Graph execution error" and a stack. This keeps ``<reason>``, or
    else the last line that is not a location.
    """
    lines = [_LOCATION_SUFFIX.sub("", line.strip()) for line in str(message).splitlines()
             if line.strip() and not _LOCATION_LINE.match(line.strip())]
    if not lines:
        return str(message).strip()
    reason = next((line for line in lines if _ASSERTION.match(line)), lines[-1])
    return _ASSERTION.sub(r"\1", reason)


def parse_rest_response(body: Mapping[str, Any], output: str = "images") -> np.ndarray:
    """The ``output`` tensor of a ``:predict`` response, in either format, as numpy.

    Row requests answer ``{"predictions": [{output: ..., ...}, ...]}`` (or a bare list per
    example when the signature has one output); columnar requests answer
    ``{"outputs": {output: batch}}`` (or the bare batch for one output).
    """
    if output not in OUTPUT_NAMES:
        raise ValueError(f"output: unknown value {output!r}; accepted: {', '.join(OUTPUT_NAMES)}")
    dtype = np.uint8 if output == "images_uint8" else np.float32
    if "error" in body:
        raise RuntimeError(f"TF Serving error: {body['error']}")
    if "predictions" in body:
        rows = body["predictions"]
        if rows and isinstance(rows[0], Mapping):
            rows = [row[output] for row in rows]
        return np.asarray(rows, dtype=dtype)
    if "outputs" in body:
        outputs = body["outputs"]
        if isinstance(outputs, Mapping):
            outputs = outputs[output]
        return np.asarray(outputs, dtype=dtype)
    raise ValueError(f"response: expected a 'predictions' or 'outputs' key, got "
                     f"{sorted(body)}")


def predict_request(model_name: str, signature_name: str, values: Any, labels: Any = None,
                    probabilities: Any = None, codes: Any = None):
    """A gRPC ``PredictRequest`` for one batch of ``z`` rows or seeds (and ``labels``, or
    ``probabilities`` [batch, K] for the ``*_probabilities`` signatures, or ``codes``
    [batch, code_width] for a code generator's signatures)."""
    from tensorflow_serving.apis import predict_pb2

    name, array = _input_array(signature_name, values)
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    request.inputs[name].CopyFrom(tf.make_tensor_proto(array))
    if labels is not None:
        request.inputs[LABELS_INPUT[0]].CopyFrom(
            tf.make_tensor_proto(_labels_array(labels, len(array))))
    if probabilities is not None:
        request.inputs[PROBABILITIES_INPUT[0]].CopyFrom(tf.make_tensor_proto(
            np.asarray(probabilities, PROBABILITIES_INPUT[1]).reshape(len(array), -1)))
    if codes is not None:
        request.inputs[CODES_INPUT[0]].CopyFrom(tf.make_tensor_proto(
            np.asarray(codes, CODES_INPUT[1]).reshape(len(array), -1)))
    return request


def warmup_requests(model_name: str, latent_dim: int, batch_size: int = 2,
                    seed: int = 0, num_classes: int | None = None,
                    probabilities: bool = False, codes: Any = None) -> list:
    """One small ``PredictRequest`` per signature (deterministic values; conditional
    generators, ``num_classes`` set, get labels 0, 1, … too; with ``probabilities`` the
    ``*_probabilities`` signatures get the one-hot rows of those labels; a code generator
    gets ``codes`` [batch_size, code_width] in each of its three signatures)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal([batch_size, latent_dim]).astype(np.float32)
    seeds = np.arange(batch_size, dtype=np.int64)
    if codes is not None:
        return [predict_request(model_name, "serving_default", z, codes=codes),
                predict_request(model_name, "sample_with_codes", z, codes=codes),
                predict_request(model_name, "sample_from_seeds", seeds, codes=codes)]
    labels = None if num_classes is None else np.arange(batch_size) % num_classes
    requests = [predict_request(model_name, "serving_default", z, labels),
                predict_request(model_name, "sample_from_seeds", seeds, labels)]
    if probabilities and labels is not None:
        rows = np.eye(num_classes, dtype=np.float32)[labels]
        requests += [predict_request(model_name, "serving_probabilities", z,
                                     probabilities=rows),
                     predict_request(model_name, "sample_from_seeds_probabilities", seeds,
                                     probabilities=rows)]
    return requests


def translation_warmup_requests(model_name: str, image_shape: Sequence[int],
                                directions: Sequence[str] = ("a2b",),
                                batch_size: int = 2) -> list:
    """One small ``PredictRequest`` per translation signature (mid-grey images)."""
    images = np.zeros([batch_size, *image_shape], np.float32)
    requests = []
    for direction in directions:
        requests += [predict_request(model_name, f"translate_{direction}", images),
                     predict_request(model_name, f"translate_{direction}_uint8",
                                     np.full(images.shape, 128, np.uint8))]
    return requests


def write_warmup_requests(saved_model_dir: str, requests: Sequence) -> str:
    """Write ``requests`` as ``PredictionLog`` records where TF Serving replays them."""
    from tensorflow_serving.apis import prediction_log_pb2

    path = os.path.join(saved_model_dir, WARMUP_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for request in requests:
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())
    return path


def read_warmup_requests(saved_model_dir: str) -> list:
    """The ``PredictRequest`` protos of a version's warmup file (as TF Serving reads them)."""
    from tensorflow_serving.apis import prediction_log_pb2

    path = os.path.join(saved_model_dir, WARMUP_FILE)
    requests = []
    for record in tf.data.TFRecordDataset(path).as_numpy_iterator():
        log = prediction_log_pb2.PredictionLog.FromString(record)
        if log.WhichOneof("log_type") != "predict_log":
            raise ValueError(f"{path}: expected predict_log records, got "
                             f"{log.WhichOneof('log_type')}")
        requests.append(log.predict_log.request)
    return requests


def request_inputs(request) -> dict[str, np.ndarray]:
    """A ``PredictRequest``'s inputs as numpy arrays (to replay it through a signature)."""
    return {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
