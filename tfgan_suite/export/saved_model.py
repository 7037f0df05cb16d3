"""Export a generator as a SavedModel in TF Serving's layout.

``export_saved_model(model, "models")`` writes ``models/generator/1/`` holding

* ``serving_default``:   ``z`` float32 ``[batch, latent_dim]`` → ``images`` float32 in
  [−1, 1] and ``images_uint8`` uint8 = clip(round((x + 1) · 127.5), 0, 255);
* ``sample_from_seeds``: ``seeds`` int64 ``[batch]`` → the same outputs, with
  z_i ~ N(0, I) drawn by ``tf.random.stateless_normal([latent_dim], seed=[seed_i, 0])``,
  so a client needs no Gaussian noise and a seed always gives the same image;
* ``assets.extra/tf_serving_warmup_requests``: one small request per signature (but
  ``sample_truncated``).

Conditional generators (inputs ``[z, labels]``) get a second input ``labels`` int32
``[batch]`` in both signatures. A generator conditioned on probability vectors (CP-GAN,
``generator.label_input: probabilities``) takes class ids there too (as one-hot rows), and
has two more signatures, ``serving_probabilities`` (``z``, ``probabilities`` float32
``[batch, K]``) and ``sample_from_seeds_probabilities`` (``seeds``, ``probabilities``),
e.g. the ½–½ mixture of two overlapping classes. Generators trained for the truncation
trick (their class sets ``supports_truncation``, e.g. BigGAN) get a third signature,
``sample_truncated``: ``seeds`` (+ ``labels``) and ``truncation`` float32 ``[batch]`` (one
threshold t per row) → the same outputs, with every coordinate of z outside [−t, t] redrawn
(stateless, from the row's seed) — smaller t, less varied but cleaner images. Style
generators (StyleGAN, StyleGAN2) have ``sample_truncated`` too, with ``seeds`` and
``truncation`` = ψ per row: truncation in W, w̄ + ψ·(w − w̄) on the model's
``truncation_cutoff`` slots (ψ = 1: untruncated, 0: the average image).

Translation models (``cyclegan``, ``pix2pix``) export their translators instead, one pair of
signatures per direction d (``a2b``; CycleGAN also ``b2a``): ``translate_<d>`` takes
``images`` float32 [batch, H, W, C] in [−1, 1], ``translate_<d>_uint8`` takes ``pixels``
uint8 of the same shape; both return ``images`` and ``images_uint8``. ``serving_default``
is ``translate_a2b`` (Keras' export names its first endpoint so); clients name the
signature. An image of another size or channel count fails at the input with the expected
shape in the message (``tf.ensure_shape``).

Voice conversion models (``cyclegan_vc``, ``stargan_vc``, …) export one
``convert_<source>_to_<target>`` signature per direction: the analysis's ``mcep`` and
``f0`` in, the converted ones out, the speakers' statistics inside (``export/speech.py``).

Generators of latent codes (InfoGAN: z followed by a code block, the model's
``code_width``) take ``z`` [batch, latent_dim] and ``codes`` float32 [batch, code_width]
(one-hot categories, continuous values, tree blocks: ``model.code_block``) in
``serving_default`` and its alias ``sample_with_codes``, and ``seeds`` with ``codes`` in
``sample_from_seeds``.

The input signatures fix shapes and dtypes, so a request with the wrong ones is rejected
by the server instead of being silently cast. The generator is the sampling generator
(the EMA copy when the model keeps one) called with ``training=False`` (BatchNorm uses
its moving statistics).

Every signature refuses, before any work, a request of more than ``max_batch`` rows
(default 1024) and non-finite float inputs (z, truncation, …): TF Serving answers
INVALID_ARGUMENT with a message naming the input and the limit (``export/limits.py``, which
also reads the limits the SavedModel records).
"""

from __future__ import annotations

import os
import shutil
from typing import Optional, Union

import keras
import tensorflow as tf

from tfgan_suite.arguments import argument
from tfgan_suite.export import limits, serving, speech

#: The second word of the stateless seed of ``sample_from_seeds``.
SEED_STREAM = 0


def images_to_uint8(images: tf.Tensor) -> tf.Tensor:
    """[−1, 1] float images → uint8 pixels: clip(round((x + 1) · 127.5), 0, 255)."""
    # x·127.5 + 127.5 rather than (x + 1)·127.5: the same value, but the TFLite int8
    # quantiser gives the intermediate x + 1 the range of the product (scale ≈ 1 for a
    # [0, 2] tensor), which wrecks the uint8 output of int8 models.
    pixels = tf.round(tf.cast(images, tf.float32) * 127.5 + 127.5)
    return tf.cast(tf.clip_by_value(pixels, 0.0, 255.0), tf.uint8)


def latents_from_seeds(seeds: tf.Tensor, latent_dim: int) -> tf.Tensor:
    """z [len(seeds), latent_dim]: row i is ``stateless_normal([latent_dim], [seeds[i], 0])``."""
    seeds = tf.cast(seeds, tf.int64)

    def one(seed):
        return tf.random.stateless_normal(
            [latent_dim], seed=tf.stack([seed, tf.constant(SEED_STREAM, tf.int64)]))

    return tf.map_fn(one, seeds, fn_output_signature=tf.TensorSpec([latent_dim], tf.float32))


#: Redraws of out-of-range coordinates before the rest are clipped to [−t, t]: at t = 0.5,
#: P(|z| > t) = 0.62, and 0.62^40 ≈ 5e-9 of the coordinates remain to be clipped.
TRUNCATION_REDRAWS = 40


def truncated_latents_from_seeds(seeds: tf.Tensor, truncation: tf.Tensor,
                                 latent_dim: int) -> tf.Tensor:
    """z rows as ``latents_from_seeds``, each coordinate with |z| > t_i redrawn from
    ``stateless_normal([latent_dim], [seeds[i], k])``, k = 1, 2, … (then clipped)."""
    seeds = tf.cast(seeds, tf.int64)
    truncation = tf.cast(truncation, tf.float32)

    def one(args):
        seed, threshold = args
        z = tf.random.stateless_normal([latent_dim], seed=tf.stack(
            [seed, tf.constant(SEED_STREAM, tf.int64)]))
        for redraw in range(1, TRUNCATION_REDRAWS + 1):
            fresh = tf.random.stateless_normal([latent_dim], seed=tf.stack(
                [seed, tf.constant(SEED_STREAM + redraw, tf.int64)]))
            z = tf.where(tf.abs(z) > threshold, fresh, z)
        return tf.clip_by_value(z, -threshold, threshold)

    return tf.map_fn(one, (seeds, truncation),
                     fn_output_signature=tf.TensorSpec([latent_dim], tf.float32))


def _images(images: tf.Tensor) -> dict[str, tf.Tensor]:
    images = tf.cast(images, tf.float32)
    return {"images": images, "images_uint8": images_to_uint8(images)}


def _endpoints(generator: keras.Model, latent_dim: int, conditional: bool,
               truncation_cutoff: Optional[int] = None) -> dict:
    """Signature name → (function, input signature) for the two serving signatures."""

    def outputs(inputs) -> dict[str, tf.Tensor]:
        return _images(generator(inputs, training=False))

    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    seeds_spec = tf.TensorSpec([None], tf.int64, name="seeds")
    if not conditional:
        endpoints = {
            "serving_default": (lambda z: outputs(z), [z_spec]),
            "sample_from_seeds": (lambda seeds: outputs(latents_from_seeds(seeds, latent_dim)),
                                  [seeds_spec]),
        }
        if hasattr(generator, "truncated"):  # style generators: truncation in W
            endpoints["sample_truncated"] = (
                lambda seeds, truncation: _images(generator.truncated(
                    latents_from_seeds(seeds, latent_dim), truncation, truncation_cutoff)),
                [seeds_spec, tf.TensorSpec([None], tf.float32, name="truncation")])
        return endpoints
    labels_spec = tf.TensorSpec([None], tf.int32, name="labels")
    label_shape = generator.inputs[1].shape
    if len(label_shape) == 2:  # probability vectors: class ids become one-hot rows (GATHER)
        identity = tf.eye(int(label_shape[-1]), dtype=tf.float32)

        def condition(labels):
            return tf.gather(identity, labels)
    else:
        def condition(labels):
            return labels
    endpoints = {
        "serving_default": (lambda z, labels: outputs([z, condition(labels)]),
                            [z_spec, labels_spec]),
        "sample_from_seeds": (
            lambda seeds, labels: outputs([latents_from_seeds(seeds, latent_dim),
                                           condition(labels)]),
            [seeds_spec, labels_spec]),
    }
    if len(label_shape) == 2:
        probabilities_spec = tf.TensorSpec([None, int(label_shape[-1])], tf.float32,
                                           name="probabilities")
        endpoints["serving_probabilities"] = (
            lambda z, probabilities: outputs([z, probabilities]), [z_spec, probabilities_spec])
        endpoints["sample_from_seeds_probabilities"] = (
            lambda seeds, probabilities: outputs([latents_from_seeds(seeds, latent_dim),
                                                  probabilities]),
            [seeds_spec, probabilities_spec])
    if getattr(generator, "supports_truncation", False):
        truncation_spec = tf.TensorSpec([None], tf.float32, name="truncation")
        endpoints["sample_truncated"] = (
            lambda seeds, labels, truncation: outputs(
                [truncated_latents_from_seeds(seeds, truncation, latent_dim), labels]),
            [seeds_spec, labels_spec, truncation_spec])
    return endpoints


def _code_endpoints(generator: keras.Model, latent_dim: int, code_width: int) -> dict:
    """The signatures of a generator of [z, codes] concatenated (InfoGAN family)."""

    def outputs(z, codes) -> dict[str, tf.Tensor]:
        images = tf.cast(generator(tf.concat([z, codes], axis=-1), training=False), tf.float32)
        return {"images": images, "images_uint8": images_to_uint8(images)}

    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    codes_spec = tf.TensorSpec([None, code_width], tf.float32, name="codes")
    with_codes = (lambda z, codes: outputs(z, codes), [z_spec, codes_spec])
    return {"serving_default": with_codes, "sample_with_codes": with_codes,
            "sample_from_seeds": (
                lambda seeds, codes: outputs(latents_from_seeds(seeds, latent_dim), codes),
                [tf.TensorSpec([None], tf.int64, name="seeds"), codes_spec])}


def _translation_endpoints(model) -> dict:
    """``translate_<d>`` (float32 images in [−1, 1]) and ``translate_<d>_uint8`` (uint8
    pixels, mapped by x / 127.5 − 1) for every direction d of a translation model."""

    def pair(shape, network):  # closures: a default argument would become a traced input
        def from_images(images):
            # A loaded signature runs tensors of another shape rather than refusing them:
            # name the shape it takes instead of failing deep in the network.
            images = tf.ensure_shape(images, shape, name="expected_shape")
            return _images(network(images, training=False))

        def from_pixels(pixels):
            return from_images(tf.cast(pixels, tf.float32) / 127.5 - 1.0)

        return from_images, from_pixels

    endpoints = {}
    for direction in model.directions:
        network = model.translator(direction)
        shape = [None, *network.inputs[0].shape[1:]]
        from_images, from_pixels = pair(shape, network)
        endpoints[f"translate_{direction}"] = (
            from_images, [tf.TensorSpec(shape, tf.float32, name="images")])
        endpoints[f"translate_{direction}_uint8"] = (
            from_pixels, [tf.TensorSpec(shape, tf.uint8, name="pixels")])
    return endpoints


def _export_translators(model, target: str, model_name: str, warmup_batch: int,
                        max_batch: int) -> None:
    archive = keras.export.ExportArchive()
    for direction in model.directions:
        archive.track(model.translator(direction))
    for name, (function, signature) in _translation_endpoints(model).items():
        archive.add_endpoint(name, limits.bounded(function, signature, max_batch),
                             input_signature=signature)
    limits.record_limits(archive, max_batch)
    archive.write_out(target, verbose=False)
    if warmup_batch:
        shape = model.translator("a2b").inputs[0].shape[1:]
        serving.write_warmup_requests(target, serving.translation_warmup_requests(
            model_name, shape, model.directions, warmup_batch))


def sampling_generator_of(model_or_generator) -> tuple[keras.Model, int]:
    """(generator, latent_dim) of an ``AdversarialModel`` (its EMA copy if any) or a generator.

    The generator takes z, or ``[z, labels]`` (class-conditional).
    """
    generator = getattr(model_or_generator, "sampling_generator", model_or_generator)
    if not isinstance(generator, keras.Model):
        raise TypeError(f"model_or_generator: expected an AdversarialModel or a keras.Model "
                        f"generator, got {type(model_or_generator).__name__}")
    if len(generator.inputs) not in (1, 2):
        raise ValueError(f"model_or_generator: a generator takes z or [z, labels]; "
                         f"{generator.name} has {len(generator.inputs)} inputs")
    latent_dim = getattr(model_or_generator, "latent_dim", None)
    return generator, int(latent_dim or generator.inputs[0].shape[-1])


def num_classes_of(model_or_generator, generator: keras.Model) -> int | None:
    """Classes of a conditional generator (None if unconditional)."""
    if len(generator.inputs) == 1:
        return None
    classes = getattr(model_or_generator, "num_classes", None)
    classes = classes or generator.get_config().get("num_classes")
    if not classes:
        raise ValueError(f"model_or_generator: {generator.name} is conditional but its "
                         "number of classes is unknown; export the AdversarialModel")
    return int(classes)


def _version_target(out: str, model_name: str, version: Optional[int],
                    overwrite: bool) -> str:
    """The version directory to write (the next free one for ``version=None``), cleared
    with ``overwrite``."""
    if version is None:
        version = serving.next_version(out, model_name)
    target = serving.version_dir(out, model_name, version)
    if os.path.exists(target):
        if not overwrite:
            raise ValueError(f"{argument('out')}: {target} already exists; choose another "
                             f"version or pass overwrite=True")
        shutil.rmtree(target)
    return target


def export_saved_model(model_or_generator: Union[keras.Model, object], out: str,
                       model_name: str = "generator", version: Optional[int] = 1,
                       latent_dim: Optional[int] = None, warmup_batch: int = 2,
                       overwrite: bool = False, statistics: Optional[dict] = None,
                       max_batch: int = limits.DEFAULT_MAX_BATCH,
                       max_frames: int = limits.DEFAULT_MAX_FRAMES) -> str:
    """Write ``<out>/<model_name>/<version>/`` for TF Serving; returns that directory.

    Args:
        model_or_generator: an ``AdversarialModel`` (its ``sampling_generator`` is
            exported) or a generator ``keras.Model`` (z, or [z, labels]).
        out: the models directory TF Serving's ``base_path`` points into.
        model_name: the served model's name (the URL's ``/v1/models/<model_name>``).
        version: version directory number; TF Serving serves the highest by default.
            ``None`` takes the next free number (``serving.next_version``).
        latent_dim: size of z; read from the model or the generator's input when omitted.
        warmup_batch: batch size of the warmup requests (0 writes none; at most
            ``max_batch``).
        overwrite: replace an existing version directory instead of refusing.
        statistics: voice conversion models: speaker → ``SpeakerStatistics`` (a run's
            ``speakers.json``), baked into the ``convert_<s>_to_<t>`` signatures;
            postfilters: the target's ``NormStats`` (a run's ``pairs.json``), baked into the
            ``postfilter`` signature (``export/speech.py``).
        max_batch: the most rows (seeds, z, images, utterances) one request may carry;
            every signature refuses a larger request before any work (``export/limits.py``).
        max_frames: speech models: the most frames one request may carry, all its
            utterances together.
    """
    max_batch = limits.check_limit("max_batch", max_batch)
    max_frames = limits.check_limit("max_frames", max_frames)
    if getattr(model_or_generator, "modality", "image") == "speech":
        if statistics is None:
            raise ValueError("statistics: a speech model is exported with its statistics "
                             "(a conversion model: its speakers', the run's speakers.json; "
                             "a postfilter: its target's, the run's pairs.json)")
        if warmup_batch and max_frames < speech.WARMUP_FRAMES:
            raise ValueError(f"{argument('max_frames')}: {max_frames} is fewer than the "
                             f"{speech.WARMUP_FRAMES} frames of a warmup request; TF Serving "
                             "would refuse its own warmup requests")
        target = _version_target(out, model_name, version, overwrite)
        if not callable(getattr(model_or_generator, "converter", None)):
            speech.export_postfilter(model_or_generator, statistics, target, max_batch,
                                     max_frames)
            if warmup_batch:
                serving.write_warmup_requests(target, speech.postfilter_warmup_requests(
                    model_name, statistics.dims))
            return target
        names = speech.export_conversion(model_or_generator, statistics, target, max_batch,
                                         max_frames)
        if warmup_batch:
            dims = next(iter(statistics.values())).mcep.dims - 1
            serving.write_warmup_requests(target, speech.warmup_requests(model_name, names,
                                                                         dims))
        return target
    warmup_batch = min(warmup_batch, max_batch)  # TF Serving must accept its warmup
    if getattr(model_or_generator, "translates", False):
        target = _version_target(out, model_name, version, overwrite)
        _export_translators(model_or_generator, target, model_name, warmup_batch, max_batch)
        return target
    generator, inferred = sampling_generator_of(model_or_generator)
    num_classes = num_classes_of(model_or_generator, generator)
    code_width = int(getattr(model_or_generator, "code_width", 0) or 0)
    latent_dim = int(latent_dim or inferred)
    if latent_dim + code_width != generator.inputs[0].shape[-1]:
        raise ValueError(f"latent_dim: {latent_dim} (+ {code_width} code entries) does not "
                         f"match the generator's input size {generator.inputs[0].shape[-1]}")
    target = _version_target(out, model_name, version, overwrite)
    # keras.export.ExportArchive rather than tf.saved_model.save on a tf.Module holding the
    # model: with the latter (Keras 3.15) the TFLite converter keeps every weight as a
    # mutable resource variable (VAR_HANDLE / READ_VARIABLE ops, uninitialised on device)
    # instead of folding it into a constant.
    archive = keras.export.ExportArchive()
    archive.track(generator)
    endpoints = (_code_endpoints(generator, latent_dim, code_width) if code_width else
                 _endpoints(generator, latent_dim, conditional=num_classes is not None,
                            truncation_cutoff=getattr(model_or_generator, "truncation_cutoff",
                                                      None)))
    for name, (function, signature) in endpoints.items():
        archive.add_endpoint(name, limits.bounded(function, signature, max_batch),
                             input_signature=signature)
    limits.record_limits(archive, max_batch)
    archive.write_out(target, verbose=False)
    if warmup_batch:
        codes = (None if not code_width else
                 model_or_generator.code_block(warmup_batch, seed=0))
        serving.write_warmup_requests(
            target, serving.warmup_requests(model_name, latent_dim, warmup_batch,
                                            num_classes=num_classes,
                                            probabilities="serving_probabilities" in endpoints,
                                            codes=codes))
    return target
