"""Convert an exported generator SavedModel to TFLite, optionally quantised; run it with LiteRT.

``TFLiteConverter.from_keras_model`` fails on Keras 3, so conversion always starts from
the SavedModel ``export_saved_model`` writes (its ``serving_default`` signature:
``z`` → ``images``, ``images_uint8``). Translators (cyclegan, pix2pix) are converted one
direction at a time from their ``translate_<d>`` signature (``images`` [batch, H, W, C] in
[−1, 1] → ``images``, ``images_uint8``) and run by ``TFLiteTranslator``; their int8
calibration uses images of the source domain (``representative_images``) instead of z.

Quantisation modes (``quantize``):

=========  ==================================================================================
none       float32 weights and activations.
float16    weights stored as float16 (≈ ½ size), dequantised to float32 when loaded.
dynamic    weights int8 (≈ ¼ size); activations quantised on the fly per op, float I/O.
int8       weights and activations int8, activation ranges calibrated on
           ``representative_z`` (≈ 100 draws of z; translators: ``representative_images``,
           ≈ 100 source-domain images). Inputs and outputs stay float32:
           the model quantises ``z`` on entry and dequantises on exit, so callers do not
           change; ops with no int8 kernel (e.g. the final round/cast to uint8) stay float.
=========  ==================================================================================

The batch is fixed at conversion with ``batch_size`` (the runners then refuse any other
batch) or left dynamic. The SavedModel's request limits (``export/limits.py``) do not survive
conversion — TFLite has no Assert op, and the converter drops the checks — so
``TFLiteGenerator`` and ``TFLiteTranslator`` refuse more than ``max_batch`` rows (default
1024) per call of a dynamic-batch model themselves.

Only TFLite built-in ops are allowed (no Select TF / "Flex" ops, which need the large
Flex delegate on device): a graph that needs one fails here with a ``ValueError`` naming
the ops, not later on the phone.
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Iterator, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.arguments import argument
from tfgan_suite.export.limits import DEFAULT_MAX_BATCH, check_limit

QUANTIZE_MODES = ("none", "float16", "dynamic", "int8")


#: Names of a signature's second input: class ids, probability vectors, or latent codes
#: (InfoGAN family: float32 [batch, code_width]).
LABEL_INPUTS = ("labels", "probabilities", "codes")


def calibration_conditions(label_name: str, rows: int, num_classes: int) -> np.ndarray:
    """Conditions for int8 calibration: class ids cycling through the classes, or (for
    ``probabilities``) alternately a one-hot row and the ½–½ mixture of two neighbours."""
    classes = np.arange(rows) % num_classes
    if label_name == "labels":
        return classes.astype(np.int32)
    eye = np.eye(num_classes, dtype=np.float32)
    mixtures = (eye[classes] + eye[(classes + 1) % num_classes]) / 2
    return np.where((np.arange(rows) % 2 == 0)[:, None], eye[classes], mixtures)


def _representative_dataset(representative_z: np.ndarray, batch_size: Optional[int],
                            num_classes: Optional[int] = None, label_name: str = "labels",
                            conditions: Optional[np.ndarray] = None):
    """Calibration batches: single rows, or ``batch_size`` rows (cycling) for a fixed batch.

    Conditional generators get ``{"z": ..., label_name: ...}`` with conditions cycling
    through the classes, so every class's activations are in the calibrated ranges; code
    generators get the given ``conditions`` (one row of codes per z).
    """
    rows = len(representative_z)
    labels = (conditions if conditions is not None else None if num_classes is None
              else calibration_conditions(label_name, rows, num_classes))

    def batch(index: np.ndarray):
        if labels is None:
            return [representative_z[index]]
        return {"z": representative_z[index], label_name: labels[index]}

    def generate() -> Iterator:
        if batch_size is None:
            for row in range(rows):
                yield batch(np.array([row]))
            return
        for start in range(0, rows, batch_size):
            yield batch((start + np.arange(batch_size)) % rows)
    return generate


def _converter(saved_model_dir: str, signature_key: str, batch_size: Optional[int]):
    if batch_size is None:
        return tf.lite.TFLiteConverter.from_saved_model(saved_model_dir,
                                                        signature_keys=[signature_key])
    # A fixed batch makes every shape static: Conv2DTranspose's runtime output-shape
    # computation (Shape → StridedSlice → Pack) folds to a constant and the whole graph
    # can be delegated to XNNPACK, instead of falling back to the reference kernels.
    loaded = tf.saved_model.load(saved_model_dir)
    signature = loaded.signatures[signature_key]
    names = sorted(signature.structured_input_signature[1])  # labels, then seeds / z
    specs = signature.structured_input_signature[1]
    fixed_specs = [tf.TensorSpec([batch_size, *specs[n].shape[1:]], specs[n].dtype, name=n)
                   for n in names]
    fixed = tf.function(lambda *inputs: signature(**dict(zip(names, inputs, strict=True))),
                        input_signature=fixed_specs)
    return tf.lite.TFLiteConverter.from_concrete_functions([fixed.get_concrete_function()],
                                                           loaded)


def _input_names(saved_model_dir: str, signature_key: str) -> list[str]:
    """The names of a signature's inputs, sorted."""
    signatures = tf.saved_model.load(saved_model_dir).signatures
    if signature_key not in signatures:
        raise ValueError(f"signature_key: {saved_model_dir} has no signature "
                         f"{signature_key!r}; accepted: {', '.join(sorted(signatures))}")
    return sorted(signatures[signature_key].structured_input_signature[1])


def _unsupported_ops(message: str) -> list[str]:
    """TF op names the converter reports as having no TFLite builtin kernel."""
    listed = re.search(r"TF Select ops: ([\w, ]+)", message)
    if listed:
        return sorted({op.strip() for op in listed.group(1).split(",") if op.strip()})
    return sorted(set(re.findall(r"'tf\.(\w+)' op is neither a custom op nor a flex op",
                                 message)))


def export_tflite(source, out_path: str, quantize: str = "none",
                  representative_z: Optional[np.ndarray] = None,
                  signature_key: str = "serving_default",
                  batch_size: Optional[int] = None,
                  num_classes: Optional[int] = None,
                  representative_codes: Optional[np.ndarray] = None,
                  representative_images: Optional[np.ndarray] = None) -> str:
    """Convert a generator's ``signature_key`` to a ``.tflite`` file; returns its path.

    Args:
        source: a version directory written by ``export_saved_model``, or what that
            function takes — an ``AdversarialModel`` (its sampling generator) or a generator
            ``keras.Model`` — exported to a temporary SavedModel first.
        out_path: the ``.tflite`` file to write.
        quantize: one of ``QUANTIZE_MODES`` (table above).
        representative_z: float32 ``[n, latent_dim]`` calibration latents; required for
            ``int8`` (≈ 100 rows is enough for a generator).
        signature_key: the signature to convert.
        batch_size: fix the batch dimension (``None`` keeps it dynamic). A fixed batch
            runs about 2× faster under LiteRT's XNNPACK delegate, and float16 / dynamic
            far faster at large batches (docs/results/export.md); callers then always
            send exactly ``batch_size`` rows.
        num_classes: conditional generators (a ``labels`` or ``probabilities`` input): the
            number of classes, for int8 calibration over every class (and, for
            probabilities, over one-hot rows and ½–½ mixtures).
        representative_codes: code generators (a ``codes`` input): float32 [n, code_width]
            calibration codes drawn from the codes' distributions (``model.code_block``),
            one row per ``representative_z`` row; required for their int8.
        representative_images: translators (``translate_<d>`` signatures, an ``images``
            input): float32 [n, H, W, C] calibration images of the source domain in
            [−1, 1]; required for their int8 (``representative_z`` does not apply).
    """
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                   or batch_size < 1):
        raise ValueError(f"batch_size: must be a positive integer or None, got {batch_size!r}")
    if quantize not in QUANTIZE_MODES:
        raise ValueError(f"{argument('quantize')}: unknown value {quantize!r}; accepted: "
                         f"{', '.join(QUANTIZE_MODES)}")
    options = dict(quantize=quantize, representative_z=representative_z,
                   signature_key=signature_key, batch_size=batch_size, num_classes=num_classes,
                   representative_codes=representative_codes,
                   representative_images=representative_images)
    if isinstance(source, keras.Model):
        from tfgan_suite.export.saved_model import export_saved_model

        with tempfile.TemporaryDirectory() as scratch:
            saved_model = export_saved_model(source, scratch, warmup_batch=0)
            return export_tflite(saved_model, out_path, **options)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"source: expected a SavedModel directory, an AdversarialModel or a "
                        f"generator keras.Model, got {type(source).__name__}")
    saved_model_dir = os.fspath(source)
    if not os.path.isfile(os.path.join(saved_model_dir, "saved_model.pb")):
        raise FileNotFoundError(f"source: no saved_model.pb in {saved_model_dir}")
    inputs = _input_names(saved_model_dir, signature_key)
    converter = _converter(saved_model_dir, signature_key, batch_size)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "int8" and inputs == ["images"]:
        if representative_images is None or len(representative_images) == 0:
            raise ValueError(f"representative_images: int8 quantisation of translator "
                             f"signature {signature_key!r} needs calibration images "
                             "[n, H, W, C] of its source domain (about 100)")
        converter.representative_dataset = _representative_dataset(
            np.asarray(representative_images, np.float32), batch_size)
    elif quantize == "int8":
        if representative_z is None or len(representative_z) == 0:
            raise ValueError("representative_z: int8 quantisation needs calibration latents "
                             "[n, latent_dim] (about 100 draws of z)")
        label_name = next((name for name in LABEL_INPUTS if name in inputs), None)
        codes = None
        if label_name == "codes":
            if representative_codes is None or len(representative_codes) != len(
                    representative_z):
                raise ValueError("representative_codes: int8 calibration of a code generator "
                                 "needs one row of codes per representative z")
            codes = np.asarray(representative_codes, np.float32)
        elif num_classes is None and label_name is not None:
            raise ValueError("num_classes: int8 calibration of a conditional generator needs "
                             "the number of classes")
        converter.representative_dataset = _representative_dataset(
            np.asarray(representative_z, np.float32), batch_size,
            None if label_name is None else num_classes, label_name or "labels", codes)
    try:
        flatbuffer = converter.convert()
    except Exception as error:  # the converter raises ConverterError and friends
        ops = _unsupported_ops(str(error))
        if ops or "not supported" in str(error) or "Flex" in str(error):
            raise ValueError(
                f"{saved_model_dir}: signature {signature_key!r} needs ops that are not "
                f"TFLite builtins: {', '.join(ops) or 'see converter log'}; Select TF (Flex) "
                f"ops are disabled on purpose. Replace them in the model.") from error
        raise
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "wb") as handle:
        handle.write(flatbuffer)
    return out_path


def _check_batch(name: str, rows: int, max_batch: int) -> None:
    """A ``ValueError`` naming input ``name`` when a call carries more than ``max_batch``."""
    if rows > max_batch:
        raise ValueError(f"{name}: {rows} rows in one call; this runner takes at most "
                         f"{max_batch} (max_batch)")


def single_signature(path: str, num_threads: int = 1) -> tuple:
    """(interpreter, signature key, runner) of a ``.tflite`` file holding one signature (a
    converted direction of a translator or a voice converter), under LiteRT."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path, num_threads=num_threads)
    key = next(iter(interpreter.get_signature_list()))
    return interpreter, key, interpreter.get_signature_runner(key)


class TFLiteGenerator:
    """A converted generator run by the LiteRT interpreter: ``generate(z[, labels]) -> images``.

    Args:
        path: the ``.tflite`` file.
        num_threads: interpreter threads.
        signature_key: the converted signature.
        max_batch: the most rows one call of a dynamic-batch model takes (a fixed-batch
            model takes exactly its ``batch_size``).
    """

    def __init__(self, path: str, num_threads: int = 1,
                 signature_key: str = "serving_default",
                 max_batch: int = DEFAULT_MAX_BATCH):
        from ai_edge_litert.interpreter import Interpreter

        self.max_batch = check_limit("max_batch", max_batch)
        self.interpreter = Interpreter(model_path=path, num_threads=num_threads)
        self.runner = self.interpreter.get_signature_runner(signature_key)
        details = self.runner.get_input_details()
        #: conditional generators take a second input: int32 ``labels`` [batch], or float32
        #: ``probabilities`` [batch, K] (the ``serving_probabilities`` signature)
        self.label_name = next((name for name in LABEL_INPUTS if name in details), None)
        self.conditional = self.label_name is not None
        self.input_name = next(name for name in details if name != self.label_name)
        shape = details[self.input_name]["shape_signature"]
        self.latent_dim = int(shape[-1])
        #: the fixed batch size, or None when the model accepts any batch
        self.batch_size = None if shape[0] == -1 else int(shape[0])

    def __call__(self, z: np.ndarray, labels=None) -> dict[str, np.ndarray]:
        """All outputs (``images``, ``images_uint8``) for a batch of z (and labels)."""
        z = np.asarray(z, np.float32)
        batch = "batch" if self.batch_size is None else self.batch_size
        if z.ndim != 2 or z.shape[1] != self.latent_dim or (
                self.batch_size is not None and z.shape[0] != self.batch_size):
            raise ValueError(f"z: expected shape [{batch}, {self.latent_dim}], got "
                             f"{list(z.shape)}")
        if self.batch_size is None:
            _check_batch("z", len(z), self.max_batch)
        inputs = {self.input_name: z}
        if self.conditional:
            if labels is None:
                raise ValueError("labels: this generator is conditional; pass one class per z"
                                 if self.label_name != "codes" else
                                 "labels: this generator takes codes; pass one row per z")
            if self.label_name == "labels":
                labels = np.broadcast_to(np.asarray(labels, np.int32), [len(z)])
            else:
                labels = np.asarray(labels, np.float32)
                labels = np.broadcast_to(labels, [len(z), labels.shape[-1]])
            inputs[self.label_name] = np.ascontiguousarray(labels)
        elif labels is not None:
            raise ValueError("labels: this generator is unconditional; pass labels=None")
        return self.runner(**inputs)

    def generate(self, z: np.ndarray, labels=None) -> np.ndarray:
        """Float images in [−1, 1] for a batch of z (and labels for conditional models)."""
        return self(z, labels)["images"]


class TFLiteTranslator:
    """A converted translator (one direction) run by the LiteRT interpreter:
    ``translate(images) -> images``.

    Args:
        path: the ``.tflite`` file (``export_tflite`` of a ``translate_<d>`` signature).
        num_threads: interpreter threads.
        max_batch: the most images one call of a dynamic-batch model takes (a fixed-batch
            model takes exactly its ``batch_size``).
    """

    def __init__(self, path: str, num_threads: int = 1, max_batch: int = DEFAULT_MAX_BATCH):
        self.max_batch = check_limit("max_batch", max_batch)
        # One signature per file: its key is the SavedModel's (translate_<d>), or
        # serving_default for a fixed-batch conversion.
        self.interpreter, self.signature_key, self.runner = single_signature(path,
                                                                             num_threads)
        details = self.runner.get_input_details()
        if list(details) != ["images"]:
            raise ValueError(f"path: {path} is not a translator (inputs {sorted(details)}; a "
                             "translator takes images); run generators with TFLiteGenerator")
        shape = details["images"]["shape_signature"]
        #: [H, W, C] of the images it translates
        self.image_shape = tuple(int(side) for side in shape[1:])
        #: the fixed batch size, or None when the model accepts any batch
        self.batch_size = None if shape[0] == -1 else int(shape[0])

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """All outputs (``images``, ``images_uint8``) for a batch of images in [−1, 1]."""
        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[1:] != self.image_shape or (
                self.batch_size is not None and images.shape[0] != self.batch_size):
            batch = "batch" if self.batch_size is None else self.batch_size
            raise ValueError(f"images: expected shape [{batch}, "
                             f"{', '.join(map(str, self.image_shape))}] in [-1, 1], got "
                             f"{list(images.shape)}")
        if self.batch_size is None:
            _check_batch("images", len(images), self.max_batch)
        return self.runner(images=np.ascontiguousarray(images))

    def translate(self, images: np.ndarray) -> np.ndarray:
        """Float translations in [−1, 1]."""
        return self(images)["images"]
