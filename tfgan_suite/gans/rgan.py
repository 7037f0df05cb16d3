"""rGAN: label-noise-robust conditional GANs, rAC-GAN and rcGAN (Kaneko, Ushiku & Harada,
"Label-Noise Robust Generative Adversarial Networks", CVPR 2019, arXiv:1811.11165; reference
code takuhirok/rGAN: ``trainers/racgan_trainer.py``, ``trainers/rcgan_trainer.py``,
``utils/util.py``).

The observed label ỹ of a real image is its clean class y passed through a noise transition
T_ij = p(ỹ = j | y = i) (``data/corruptions.py``). The generator is conditioned on **clean**
labels; the discriminator only ever sees noisy ones, and the noise is put into the model so
that what the discriminator compares is noisy-to-noisy:

- ``RACGAN`` (``model: racgan``): the AC-GAN classifier C(y | x) predicts clean classes, and
  its loss on real data goes through T: L_C = E[−log (softmax(C(x)) · T)_ỹ]
  (``objectives.forward_corrected_xent``). The generator's class term is the plain CE of
  C(G(z, y)) against its clean y. With T = I it is the AC-GAN (test: the same losses).
- ``RCGAN`` (``model: rcgan``): D(x, ỹ) (concat or projection) on noisy labels; each fake
  G(z, y) is shown to D with ỹ drawn from row T[y]. With T = I it is the cGAN.

Labels of the fakes (``rgan.label_sampling``): ``forward`` (the paper): y uniform over the
classes, ỹ ~ Cat(T[y, :]); ``posterior`` (the reference code's ``noise2clean``): ỹ is the
real batch's noisy label and y ~ Cat(T[:, ỹ] / Σ_i T[i, ỹ]). Under uniform clean classes
both give the joint p(y, ỹ) ∝ T[y, ỹ] (tested with a χ² over 10⁵ draws); posterior with
T = I reproduces the cGAN / AC-GAN step exactly.

T is known (the corruption's) or estimated from the noisy data with Patrini et al.'s anchor
points (``rgan.transition: estimated``, ``estimated_transition``). A singular T cannot be
corrected for and is refused. Not implemented: the optional mutual-information regulariser
of the poster.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from typing import Any, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import cache, ops
from tfgan_suite import objectives as objectives_lib
from tfgan_suite.data import corruptions
from tfgan_suite.gans.conditional import ACGAN, ConditionalGAN

LABEL_SAMPLING = ("forward", "posterior")
TRANSITIONS = ("known", "estimated")


def _categorical(probabilities: tf.Tensor, uniform: tf.Tensor) -> tf.Tensor:
    """Inverse-CDF draw of one class per row of ``probabilities`` [B, c] from ``uniform`` [B]."""
    cdf = tf.cumsum(probabilities, axis=-1)
    below = tf.cast(cdf < uniform[:, None] * cdf[:, -1:], tf.int32)
    return tf.minimum(tf.reduce_sum(below, axis=-1), tf.shape(probabilities)[-1] - 1)


def draw_label_pairs(transition: tf.Tensor, noisy_batch_labels: tf.Tensor,
                     uniform: tf.Tensor, mode: str) -> tuple[tf.Tensor, tf.Tensor]:
    """(clean y, noisy ỹ) int32 labels of a batch of fakes.

    Args:
        transition: [c, c] T, T_ij = p(ỹ = j | y = i).
        noisy_batch_labels: [B] the real batch's noisy labels (used by ``posterior``).
        uniform: [B, 2] U(0, 1) draws.
        mode: ``forward`` (y uniform, ỹ ~ T[y]) or ``posterior`` (ỹ from the batch,
            y ~ T[:, ỹ] normalised).
    """
    transition = tf.cast(transition, tf.float32)
    classes = tf.shape(transition)[0]
    if mode == "forward":
        clean = tf.minimum(tf.cast(uniform[:, 0] * tf.cast(classes, tf.float32), tf.int32),
                           classes - 1)
        noisy = _categorical(tf.gather(transition, clean), uniform[:, 1])
        return clean, noisy
    noisy = tf.cast(noisy_batch_labels, tf.int32)
    columns = tf.transpose(tf.gather(transition, noisy, axis=1))  # [B, c]: T[:, ỹ_b]
    return _categorical(columns, uniform[:, 0]), noisy


def check_transition_for_correction(transition, num_classes: int) -> np.ndarray:
    """T as float64 [c, c]; ValueError unless it is a row-stochastic, invertible matrix."""
    matrix = corruptions.check_transition(transition, num_classes, field="rgan.transition")
    if not corruptions.is_invertible(matrix):
        smallest = float(np.linalg.svd(matrix, compute_uv=False)[-1])
        raise ValueError(f"rgan.transition: T is singular (smallest singular value "
                         f"{smallest:.2g}); the noisy labels do not identify the clean classes "
                         "— lower data.corruption.label_noise.rate or use a noise map "
                         "without swapped pairs")
    return matrix


class _LabelNoiseMixin:
    """What rAC-GAN and rcGAN share: the transition T, its checks, the fakes' label pairs."""

    def _init_noise(self, transition, label_sampling: str) -> None:
        if label_sampling not in LABEL_SAMPLING:
            raise ValueError(f"rgan.label_sampling: unknown value {label_sampling!r}; "
                             f"accepted: {', '.join(LABEL_SAMPLING)}")
        if transition is None:
            raise ValueError(f"rgan.transition: model {self._kind()} needs the label-noise "
                             "transition matrix; set data.corruption.label_noise")
        self.transition = check_transition_for_correction(transition, self.num_classes)
        self.label_sampling = label_sampling
        self._transition_tensor = tf.constant(self.transition, tf.float32)

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        """The class's options plus T (``rgan.transition``) and ``rgan.label_sampling``."""
        return super().options_from_config(config, facts) | _noise_options(config, facts)

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), transition=self.transition.tolist(),
                    label_sampling=self.label_sampling)

    def fake_conditions(self, real, labels, step, stream_id):
        """(clean label for G, noisy label for D) of each fake."""
        uniform = self._draw(ops.stateless_uniform, tf.shape(real)[0], [2], step, stream_id)
        return draw_label_pairs(self._transition_tensor, labels, uniform, self.label_sampling)


def _noise_options(config: dict, facts) -> dict[str, Any]:
    section = config["rgan"]
    if section["transition"] not in TRANSITIONS:
        raise ValueError(f"rgan.transition: unknown value {section['transition']!r}; "
                         f"accepted: {', '.join(TRANSITIONS)}")
    num_classes = facts.num_classes
    if num_classes is None:  # the model's constructor names the missing labels
        return {"transition": None, "label_sampling": section["label_sampling"]}
    spec = corruptions.resolve(config["data"]["corruption"], num_classes)
    if spec.kind == "none":
        raise ValueError(f"data.corruption.label_noise.kind: model {config['model']} models "
                         "label noise; set symmetric or asymmetric (rate 0 for clean labels)")
    transition = (spec.transition() if section["transition"] == "known"
                  else estimated_transition(config, facts, section["anchor_percentile"]))
    return {"transition": transition.tolist(), "label_sampling": section["label_sampling"]}


@keras.saving.register_keras_serializable(package="tfgan_suite")
class RCGAN(_LabelNoiseMixin, ConditionalGAN):
    """rcGAN: G(z, y) on clean labels, D(x, ỹ) on noisy ones; fakes get ỹ ~ T[y, :].

    Args:
        generator: a network with inputs ``[z, labels]``.
        discriminator: a network with inputs ``[images, labels]`` and one logit output.
        num_classes: number of classes.
        transition: [c, c] row-stochastic, invertible T (nested lists or an array).
        label_sampling: ``forward`` or ``posterior`` (module docstring).
        **kwargs: as ``AdversarialModel``.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 num_classes: Optional[int] = None, transition=None,
                 label_sampling: str = "forward", **kwargs):
        super().__init__(generator, discriminator, num_classes=num_classes, **kwargs)
        self._init_noise(transition, label_sampling)

    @classmethod
    def _kind(cls) -> str:
        return "rcgan"


@keras.saving.register_keras_serializable(package="tfgan_suite")
class RACGAN(_LabelNoiseMixin, ACGAN):
    """rAC-GAN: the AC-GAN whose classifier loss on real data goes through T.

    L_D = L_adv + aux_weight · E[−log (softmax(C(x)) · T)_ỹ]  (real images only by default);
    L_G = L_adv + g_aux_weight · CE(C(G(z, y)), y), y the fake's clean label.

    Args:
        generator, discriminator, num_classes: as ``ACGAN``.
        transition, label_sampling: as ``RCGAN``.
        aux_weight, g_aux_weight, fake_class_loss: as ``ACGAN`` (the ``conditional`` config
            section, shared with ``acgan`` so that a model and its naive baseline differ only
            in T); the rGAN reference code's values are 1.0, 0.1 and False, which the
            recipes ``configs/*_fashion_mnist_noisy*.yaml`` set for both.
        **kwargs: as ``AdversarialModel``.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 num_classes: Optional[int] = None, transition=None,
                 label_sampling: str = "forward", aux_weight: float = 1.0,
                 g_aux_weight: Optional[float] = None, fake_class_loss: bool = True,
                 **kwargs):
        super().__init__(generator, discriminator, num_classes=num_classes,
                         aux_weight=aux_weight, g_aux_weight=g_aux_weight,
                         fake_class_loss=fake_class_loss, **kwargs)
        self._init_noise(transition, label_sampling)

    @classmethod
    def _kind(cls) -> str:
        return "racgan"

    def real_class_loss(self, real_class_logits, labels) -> tf.Tensor:
        return objectives_lib.forward_corrected_xent(real_class_logits, labels,
                                                     self._transition_tensor)


# ------------------------------------------------------------------ estimated transition
def estimated_transition(config: dict, facts, percentile: float = 97.0) -> np.ndarray:
    """T̂ of the run's noisy training labels, by Patrini et al.'s anchor points: a classifier
    (the primary domain classifier's architecture) trained on the **noisy** labels of one
    half of the training images gives p(ỹ | x) on the other half; class i's anchor is the
    held-out image at the ``percentile`` of p(ỹ = i | x), and T̂_ij = p(ỹ = j | anchor_i).
    Held out, because on the images it was trained on a network memorises the noisy labels
    and its posteriors turn one-hot (T̂ → I). Cached on disk per (data, corruption, the
    observed labels, classifier, percentile); the clean labels are not used. ``facts``: the
    run's ``factory.RunFacts`` (its training arrays and observed classes)."""
    from tfgan_suite.metrics import classifier as classifier_lib

    images, noisy = facts.training_arrays()
    labelled = noisy != corruptions.UNLABELLED
    images, noisy = images[labelled], noisy[labelled]
    classifier_config = classifier_lib.ClassifierConfig()
    data_cfg = config["data"]
    # The observed labels themselves key the cache, not only the corruption's settings: a
    # changed flip map (a constant of corruptions.py) must not find a stale estimate.
    description = {"dataset": data_cfg["name"], "split": data_cfg["split"],
                   "corruption": data_cfg["corruption"], "percentile": percentile,
                   "labels_sha1": hashlib.sha1(noisy.astype(np.int64).tobytes()).hexdigest(),
                   "classifier": dataclasses.asdict(classifier_config)}
    digest = hashlib.sha1(json.dumps(description, sort_keys=True).encode()).hexdigest()[:12]
    path = os.path.join(cache.cache_dir(), "transitions", f"{digest}.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            return np.asarray(json.load(handle)["estimate"], np.float64)
    classes = int(facts.num_classes)
    network = classifier_lib.build_classifier_network(
        images.shape[1], images.shape[-1], classes, classifier_config)
    order = np.random.default_rng(classifier_config.seed).permutation(len(noisy))
    fit, held_out = order[:len(order) // 2], order[len(order) // 2:]
    classifier_lib.train_classifier_network(
        network, images[fit], noisy[fit].astype(np.int32), classifier_config,
        classifier_config.resolved_epochs(data_cfg["name"]))
    logits = network.predict(images[held_out], batch_size=classifier_lib.PREDICT_BATCH,
                             verbose=0)
    estimate = corruptions.estimate_transition(tf.nn.softmax(logits).numpy(), percentile)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(description | {"estimate": estimate.tolist()}, handle, indent=2)
    os.replace(path + ".tmp", path)
    return estimate
