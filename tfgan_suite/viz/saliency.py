"""Where the discriminator looks (issue #19): saliency of its adversarial logit with
tf-keras-vis.

``discriminator_saliency(discriminator, images)`` is |∂D(x)/∂x| per pixel (the maximum
over channels; Simonyan et al. 2014, tf-keras-vis ``Saliency``), or its SmoothGrad average
over noisy copies of each image (Smilkov et al. 2017; ``method="smoothgrad"``), or
GradCAM++ on the discriminator's last convolution (Chattopadhay et al. 2018, tf-keras-vis
``GradcamPlusPlus``; ``method="gradcam++"``, up-sampled bilinearly to the image). The score
is the discriminator's adversarial logit: its first output, averaged over positions for
patch discriminators; class-conditional discriminators are scored at the given labels,
which stay fixed inputs (no gradient flows into them).
"""

from __future__ import annotations

from typing import Optional

import keras
import numpy as np
import tensorflow as tf

METHODS = ("saliency", "smoothgrad", "gradcam++")


class _FixedInput(keras.layers.Layer):
    """Returns the same tensor (e.g. the labels of a batch) whatever it is called on."""

    def __init__(self, value, **kwargs):
        super().__init__(**kwargs)
        self.value = tf.constant(value)

    def call(self, inputs):
        del inputs
        return self.value


def adversarial_score_model(discriminator: keras.Model, labels=None) -> keras.Model:
    """images → the discriminator's adversarial logit per image ([batch]): its first output,
    averaged over any remaining axes (a PatchGAN's map); ``labels`` (one per image) are the
    conditional discriminator's second input, held fixed."""
    images = keras.Input(tuple(discriminator.inputs[0].shape[1:]), name="images")
    inputs = images if labels is None else [images, _FixedInput(np.asarray(labels))(images)]
    outputs = discriminator(inputs, training=False)
    logit = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
    score = keras.layers.Lambda(_mean_over_positions, name="adversarial_logit")(logit)
    # Inputs as a list of one: tf-keras-vis calls the model on a list of seed inputs, which
    # Keras warns about when the model was built on a single tensor.
    return keras.Model([images], score)


def discriminator_saliency(discriminator: keras.Model, images, labels=None,
                           method: str = "saliency", smooth_samples: int = 20,
                           smooth_noise: float = 0.2, seed: Optional[int] = 0) -> np.ndarray:
    """Saliency maps [N, H, W] (non-negative, unnormalised) of ``images`` [N, H, W, C] in
    [−1, 1] for ``discriminator``'s adversarial logit (module docstring).

    Args:
        labels: class ids [N] for class-conditional discriminators (their second input).
        method: ``saliency``, ``smoothgrad`` or ``gradcam++`` (``METHODS``).
        smooth_samples, smooth_noise: SmoothGrad's noisy copies per image and their noise
            level (a fraction of each image's value range).
        seed: numpy seed of SmoothGrad's noise (tf-keras-vis draws it with numpy).
    """
    from tf_keras_vis.saliency import Saliency

    if method not in METHODS:
        raise ValueError(f"method: unknown value {method!r}; accepted: {', '.join(METHODS)}")
    images = np.asarray(images, np.float32)
    expected = tuple(discriminator.inputs[0].shape[1:])
    if images.ndim != 4 or images.shape[1:] != expected:
        raise ValueError(f"images: this discriminator takes [N, {', '.join(map(str, expected))}]"
                         f" images, got shape {list(images.shape)}")
    conditional = len(discriminator.inputs) > 1
    if conditional and labels is None:
        raise ValueError("labels: this discriminator is class-conditional; pass one class per "
                         "image")
    if not conditional and labels is not None:
        raise ValueError("labels: this discriminator is unconditional; pass labels=None")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(images),):
            raise ValueError(f"labels: expected {len(images)} class ids, got shape "
                             f"{list(labels.shape)}")
    if method == "gradcam++":
        return _gradcam_plus_plus(discriminator, images, labels)
    saliency = Saliency(adversarial_score_model(discriminator, labels), clone=False)
    # tf-keras-vis draws SmoothGrad's noise from numpy's global generator: seed it for this
    # call only, and give the caller's state back.
    state = np.random.get_state()
    if seed is not None:
        np.random.seed(seed)
    try:
        maps = saliency(lambda score: score, images,
                        smooth_samples=smooth_samples if method == "smoothgrad" else 0,
                        smooth_noise=smooth_noise, normalize_map=False)
    finally:
        np.random.set_state(state)
    return np.asarray(maps, np.float32)


def _mean_over_positions(logit):
    return keras.ops.mean(keras.ops.reshape(logit, (keras.ops.shape(logit)[0], -1)), axis=1)


def last_convolution(discriminator: keras.Model) -> Optional[str]:
    """The name of the discriminator's last 2-D convolution (spectrally normalised ones
    included), None if it has none."""
    found = None
    for layer in discriminator.layers:
        inner = getattr(layer, "layer", layer)  # keras.layers.SpectralNormalization
        if isinstance(inner, keras.layers.Conv2D) and not isinstance(
                inner, keras.layers.Conv2DTranspose):
            found = layer.name
    return found


def _gradcam_plus_plus(discriminator: keras.Model, images: np.ndarray, labels) -> np.ndarray:
    from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus

    layer = last_convolution(discriminator)
    if layer is None:
        raise ValueError(f"method: gradcam++ needs a convolutional layer in the discriminator; "
                         f"{discriminator.name} has none (accepted for it: saliency, "
                         "smoothgrad)")
    # The discriminator's own graph with the adversarial score on top, so that the
    # convolution is a layer of the model tf-keras-vis inspects.
    logit = discriminator.outputs[0]
    score = keras.layers.Lambda(_mean_over_positions, name="adversarial_logit")(logit)
    model = keras.Model(discriminator.inputs, score)
    seed = images if labels is None else [images, np.asarray(labels)]
    cam = GradcamPlusPlus(model, clone=False)(
        lambda output: output, seed, penultimate_layer=layer,
        seek_penultimate_conv_layer=False, expand_cam=False, normalize_cam=False)
    cam = tf.image.resize(tf.convert_to_tensor(cam)[..., None], images.shape[1:3],
                          method="bilinear")[..., 0]
    return np.maximum(cam.numpy(), 0.0).astype(np.float32)
