"""Export a voice conversion model (CycleGAN-VC, StarGAN-VC, GAN-VC, …) or a postfilter
(GAN-PF, GAN-PF STFT) for TF Serving and LiteRT.

``export_saved_model(model, out, statistics=...)`` on a conversion model writes one
signature per direction the model converts, ``convert_<source>_to_<target>``:

* inputs ``mcep`` float32 ``[batch, frames, D + 1]`` (the SPTK mel-cepstrum c0..cD of the
  library's analysis, ``audio.analysis``) and ``f0`` float32 ``[batch, frames]`` (Hz, 0 where
  unvoiced), any number of frames ≥ 3;
* outputs ``mcep`` and ``f0`` of the same shapes: c1..cD normalised with the source
  speaker's statistics, reflect-padded to a multiple of 4 frames, converted, cropped and
  de-normalised with the target's; c0 of the source; F0 by the log-Gaussian transform
  (voiced frames only). The aperiodicity is not converted: a client synthesises with the
  source's.

The speakers' statistics are constants of the graph, so a request carries only what the
analysis of a WAV gives and the answer is what WORLD synthesis takes — exactly what
``conversion.ModelConverter`` computes in Python (tests compare them). ``serving_default``
is the first direction's signature; ``assets.extra/tf_serving_warmup_requests`` holds one
64-frame request per signature. ``tfgan export --format tflite --direction S:T`` converts
one signature (any length; ``none``, ``dynamic`` and ``float16``).

A postfilter (``ganpf``, ``ganpf_stft``; ``export_saved_model(model, out,
statistics=<the target's NormStats>)``) has one signature, ``postfilter``: ``features``
float32 ``[batch, frames, D]`` in natural units (the mel-cepstrum c0..cD, or natural-log
STFT magnitudes) → ``features`` postfiltered, the target's statistics and the noise seed
inside (``postfilter_function``).

Both refuse, before any work, a request of more than ``max_batch`` utterances or
``max_frames`` frames (all its utterances together) and non-finite features
(``export/limits.py``). The LiteRT runners convert one utterance per call (a batch of one).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.export import limits

#: Conversion networks halve time twice (conversion.TIME_MULTIPLE).
TIME_MULTIPLE = 4
INPUT_NAMES = ("mcep", "f0")
#: Frames of the warmup requests.
WARMUP_FRAMES = 64


def signature_name(source: str, target: str) -> str:
    """``convert_<source>_to_<target>``."""
    return f"convert_{source}_to_{target}"


def _constant(values) -> tf.Tensor:
    return tf.constant(np.asarray(values, np.float32))


def conversion_function(model, statistics: Mapping, source: str, target: str):
    """The ``(mcep, f0) -> {mcep, f0}`` function of one direction (module docstring)."""
    convert = model.converter(source, target)  # one-line error for an unknown direction
    s, t = statistics[source], statistics[target]
    source_mean, source_std = _constant(s.mcep.mean), _constant(s.mcep.std)
    target_mean, target_std = _constant(t.mcep.mean[1:]), _constant(t.mcep.std[1:])
    log_f0 = [float(v) for v in (s.log_f0_mean, s.log_f0_std, t.log_f0_mean, t.log_f0_std)]

    def function(mcep, f0):
        standard = ((mcep - source_mean) / source_std)[..., 1:]
        frames = tf.shape(standard)[1]
        missing = (-frames) % TIME_MULTIPLE
        before = missing // 2
        padded = tf.pad(standard, [[0, 0], [before, missing - before], [0, 0]],
                        mode="REFLECT")
        # Computed paddings leave every axis unknown; the coefficients are known, and the
        # TFLite converter lowers a convolution only over a known channel axis (a reshape
        # says so in builtin ops; tf.ensure_shape would need Flex).
        padded = tf.reshape(padded, [tf.shape(padded)[0], -1, standard.shape[-1]])
        converted = tf.cast(convert(padded), tf.float32)[:, before:before + frames]
        mcep_out = tf.concat([mcep[..., :1], converted * target_std + target_mean], axis=-1)
        voiced = f0 > 0.0
        mapped = tf.exp((tf.math.log(tf.where(voiced, f0, 1.0)) - log_f0[0]) / log_f0[1]
                        * log_f0[3] + log_f0[2])
        return {"mcep": mcep_out, "f0": tf.where(voiced, mapped, 0.0)}

    return function


def input_signature(dims: int) -> list[tf.TensorSpec]:
    """``mcep`` [batch, frames, dims + 1] and ``f0`` [batch, frames], float32."""
    return [tf.TensorSpec([None, None, dims + 1], tf.float32, name="mcep"),
            tf.TensorSpec([None, None], tf.float32, name="f0")]


def export_conversion(model, statistics: Mapping, target: str,
                      max_batch: int = limits.DEFAULT_MAX_BATCH,
                      max_frames: int = limits.DEFAULT_MAX_FRAMES) -> list[str]:
    """Writes the SavedModel of a conversion model into the version directory ``target``;
    returns its signature names (the first is also ``serving_default``). Requests of more
    than ``max_batch`` utterances or ``max_frames`` frames are refused."""
    missing = [v for v in model.domains if v not in statistics]
    if missing:
        raise ValueError(f"statistics: no statistics of {', '.join(missing)} (the model's "
                         f"speakers: {', '.join(model.domains)}; a run's speakers.json)")
    dims = statistics[model.domains[0]].mcep.dims - 1
    archive = keras.export.ExportArchive()
    for network in _networks(model):
        archive.track(network)
    names = []
    for source, target_speaker in model.speaker_directions():
        name = signature_name(source, target_speaker)
        function = conversion_function(model, statistics, source, target_speaker)
        archive.add_endpoint(name, limits.bounded(function, input_signature(dims), max_batch,
                                                  max_frames),
                             input_signature=input_signature(dims))
        names.append(name)
    limits.record_limits(archive, max_batch, max_frames)
    archive.write_out(target, verbose=False)
    return names


#: The one signature of an exported postfilter.
POSTFILTER_SIGNATURE = "postfilter"


def postfilter_function(model, statistics, seed: int = 0):
    """The ``features -> {features}`` function of a postfilter (``ganpf``, ``ganpf_stft``):
    natural-unit features ``[batch, frames, D]`` standardised with the target's
    ``statistics`` (a ``NormStats``), postfiltered with the inference noise of ``seed``
    (``model.noise``: a constant table, what ``postfiltering.Postfilter`` feeds G), mapped
    back; the first ``model.passthrough`` coefficients copied from the input."""
    mean, std = _constant(statistics.mean), _constant(statistics.std)
    dims, keep = int(statistics.dims), int(model.passthrough)
    network = model.sampling_generator

    def function(features):
        standard = (features - mean) / std
        # A known coefficient axis (see conversion_function)
        standard = tf.reshape(standard, [tf.shape(standard)[0], -1, dims])
        if model.noise_input:
            output = network([standard, model.noise(standard, seed)], training=False)
        else:
            output = network(standard, training=False)
        natural = tf.cast(output, tf.float32) * std + mean
        return {"features": tf.concat([features[..., :keep], natural[..., keep:]], axis=-1)}

    return function


def export_postfilter(model, statistics, target: str,
                      max_batch: int = limits.DEFAULT_MAX_BATCH,
                      max_frames: int = limits.DEFAULT_MAX_FRAMES) -> list[str]:
    """Writes the SavedModel of a postfilter into the version directory ``target`` (one
    signature, ``postfilter``, also ``serving_default``); returns its signature names.
    Requests of more than ``max_batch`` utterances or ``max_frames`` frames are refused."""
    if not hasattr(statistics, "mean") or statistics.dims != model.generator.inputs[0].shape[-1]:
        raise ValueError(f"statistics: a postfilter is exported with its target's feature "
                         f"statistics (NormStats of {model.generator.inputs[0].shape[-1]} "
                         "dimensions: the run's pairs.json target_statistics)")
    signature = [tf.TensorSpec([None, None, statistics.dims], tf.float32, name="features")]
    archive = keras.export.ExportArchive()
    archive.track(model.sampling_generator)
    archive.add_endpoint(POSTFILTER_SIGNATURE,
                         limits.bounded(postfilter_function(model, statistics), signature,
                                        max_batch, max_frames),
                         input_signature=signature)
    limits.record_limits(archive, max_batch, max_frames)
    archive.write_out(target, verbose=False)
    return [POSTFILTER_SIGNATURE]


def postfilter_warmup_requests(model_name: str, dims: int,
                               frames: int = WARMUP_FRAMES) -> list:
    """One ``PredictRequest`` of ``frames`` zero frames for the postfilter signature."""
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = POSTFILTER_SIGNATURE
    request.inputs["features"].CopyFrom(tf.make_tensor_proto(
        np.zeros([1, frames, dims], np.float32)))
    return [request]


def _networks(model) -> list[keras.Model]:
    """The networks a conversion model's converters call."""
    if hasattr(model, "translator"):
        return [model.translator(d) for d in model.directions]
    return [model.sampling_generator]


def warmup_requests(model_name: str, signatures: Sequence[str], dims: int,
                    frames: int = WARMUP_FRAMES) -> list:
    """One ``PredictRequest`` per signature: a silent-ish ``frames``-frame utterance."""
    requests = []
    for name in signatures:
        requests.append(conversion_request(model_name, name,
                                           np.zeros([frames, dims + 1], np.float32),
                                           np.full([frames], 120.0, np.float32)))
    return requests


def conversion_request(model_name: str, signature: str, mcep: np.ndarray, f0: np.ndarray):
    """The gRPC ``PredictRequest`` of one utterance (a batch of one)."""
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature
    request.inputs["mcep"].CopyFrom(tf.make_tensor_proto(np.asarray(mcep, np.float32)[None]))
    request.inputs["f0"].CopyFrom(tf.make_tensor_proto(np.asarray(f0, np.float32)[None]))
    return request


def rest_body(signature: str, mcep: np.ndarray, f0: np.ndarray) -> dict:
    """The REST columnar body of one utterance: ``{"signature_name", "inputs": {mcep, f0}}``
    (a batch of one)."""
    return {"signature_name": signature,
            "inputs": {"mcep": np.asarray(mcep, np.float32)[None].tolist(),
                       "f0": np.asarray(f0, np.float32)[None].tolist()}}


def parse_rest_response(body: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """(mcep [frames, D + 1], f0 [frames]) of a columnar REST response of one utterance."""
    if "outputs" not in body:
        raise ValueError(f"response: expected 'outputs' (a columnar request), got keys "
                         f"{sorted(body)}")
    outputs = body["outputs"]
    return (np.asarray(outputs["mcep"], np.float32)[0],
            np.asarray(outputs["f0"], np.float32)[0])


class _LiteRTRunner:
    """The one signature of a ``.tflite`` file run by the LiteRT interpreter, checked to take
    the ``inputs`` of its kind."""

    inputs: tuple[str, ...] = ()
    kind = ""

    def __init__(self, path: str, num_threads: int = 1):
        from tfgan_suite.export.tflite import single_signature

        self.interpreter, self.signature_key, self.runner = single_signature(path,
                                                                             num_threads)
        self.input_details = self.runner.get_input_details()
        if sorted(self.input_details) != sorted(self.inputs):
            raise ValueError(f"path: {path} is not a {self.kind} (inputs "
                             f"{sorted(self.input_details)}; a {self.kind} takes "
                             f"{' and '.join(self.inputs)})")


class TFLiteVoiceConverter(_LiteRTRunner):
    """A converted direction (``tfgan export --format tflite --direction S:T``) run by the
    LiteRT interpreter: ``convert(mcep, f0) -> (mcep, f0)`` of one utterance (the batch is
    always one).

    Args:
        path: the ``.tflite`` file.
        num_threads: interpreter threads.
    """

    inputs = INPUT_NAMES
    kind = "voice converter"

    def __init__(self, path: str, num_threads: int = 1):
        super().__init__(path, num_threads)
        #: D + 1: c0..cD
        self.coefficients = int(self.input_details["mcep"]["shape_signature"][-1])

    def convert(self, mcep: np.ndarray, f0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mcep [frames, D + 1], f0 [frames]) converted."""
        mcep, f0 = np.asarray(mcep, np.float32), np.asarray(f0, np.float32)
        if mcep.ndim != 2 or mcep.shape[1] != self.coefficients or f0.shape != mcep.shape[:1]:
            raise ValueError(f"mcep, f0: expected [frames, {self.coefficients}] and [frames], "
                             f"got {list(mcep.shape)} and {list(f0.shape)}")
        outputs = self.runner(mcep=np.ascontiguousarray(mcep[None]),
                              f0=np.ascontiguousarray(f0[None]))
        return outputs["mcep"][0], outputs["f0"][0]


class TFLitePostfilter(_LiteRTRunner):
    """An exported postfilter (``tfgan export --format tflite`` of a ``ganpf`` /
    ``ganpf_stft`` run) run by the LiteRT interpreter: ``postfilter(features)`` of one
    utterance ``[frames, D]`` in natural units (the batch is always one).

    Args:
        path: the ``.tflite`` file.
        num_threads: interpreter threads.
    """

    inputs = ("features",)
    kind = "postfilter"

    def __init__(self, path: str, num_threads: int = 1):
        super().__init__(path, num_threads)
        self.dims = int(self.input_details["features"]["shape_signature"][-1])

    def postfilter(self, features: np.ndarray) -> np.ndarray:
        """``features`` ``[frames, D]`` postfiltered."""
        features = np.asarray(features, np.float32)
        if features.ndim != 2 or features.shape[1] != self.dims:
            raise ValueError(f"features: expected [frames, {self.dims}], got "
                             f"{list(features.shape)}")
        return self.runner(features=np.ascontiguousarray(features[None]))["features"][0]


__all__ = ["INPUT_NAMES", "POSTFILTER_SIGNATURE", "TFLitePostfilter", "TFLiteVoiceConverter",
           "conversion_function", "conversion_request", "export_conversion",
           "export_postfilter", "postfilter_function", "postfilter_warmup_requests",
           "input_signature", "parse_rest_response", "rest_body", "signature_name",
           "warmup_requests"]
