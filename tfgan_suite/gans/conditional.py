"""Class-conditional GANs: cGAN / projection discriminator, and AC-GAN.

Both feed the class label to the generator, ``G(z, y)``; they differ in how the
discriminator uses it:

- ``ConditionalGAN`` (``model: cgan``): the discriminator also receives the label,
  ``D(x, y)``. How it uses it is the discriminator network's ``conditioning`` option:
  ``concat`` (Mirza & Osindero 2014: the one-hot label joins the input) or ``projection``
  (Miyato & Koyama 2018: logit = ψ(φ(x)) + ⟨embed(y), φ(x)⟩).
- ``ACGAN`` (``model: acgan``, Odena et al. 2017): the discriminator sees only ``x`` and
  has an auxiliary classifier head, ``D(x) = (logit, class logits)``. Any objective drives
  the logit; the class head adds TF-GAN's AC-GAN terms to both losses:
  L_D += w · [CE(C(x), y) + CE(C(G(z, y)), y)],  L_G += w · CE(C(G(z, y)), y).

The generator's labels in the training step are the real batch's labels (the class
frequencies of the data, and no extra random draw). Datasets must yield
``(images, labels)``; the run loop asks for labels when ``model.conditional`` is true.

A generator may take its labels as class ids ``[batch]`` or as probability vectors
``[batch, K]`` (``generator.label_input: probabilities``); the model then feeds one-hot
rows for class ids, and ``sample`` also accepts vectors — e.g. the ½–½ mixture of two
classes, as CP-GAN's class-mutual states and its class-distinct / mutual accuracy use.

The AC-GAN's classifier terms follow TF-GAN by default (real and generated images in the
discriminator's, weight ``aux_weight`` in both losses); ``fake_class_loss=False`` and
``g_aux_weight`` give the form of the rGAN / CP-GAN reference code (real images only in the
discriminator's; 0.1 in the generator's), against which rAC-GAN and CP-GAN are measured.
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import objectives as objectives_lib
from tfgan_suite.gans.base import AdversarialModel


def _input_count(network: keras.Model) -> int:
    return len(network.inputs)


def _output_count(network: keras.Model) -> int:
    return len(network.outputs)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ConditionalGAN(AdversarialModel):
    """cGAN: ``G(z, y)`` and ``D(x, y)`` (concatenation or projection conditioning).

    Args:
        generator: a network with inputs ``[z, labels]``.
        discriminator: a network with inputs ``[images, labels]`` and one logit output.
        num_classes: number of classes (labels are integers in [0, num_classes)).
        **kwargs: as ``AdversarialModel`` (n_critic, ema_decay, seed, ...).
    """

    conditional = True

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 num_classes: Optional[int] = None, **kwargs):
        if _input_count(generator) != 2:
            raise ValueError(
                f"generator: model {self._kind()} needs a class-conditional generator (inputs "
                f"[z, labels]); {generator.name} has {_input_count(generator)} input(s): set "
                "generator.conditional: true (dcgan, resnet, sagan) or use biggan")
        self._check_discriminator(discriminator)
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(f"data: model {self._kind()} needs a labelled dataset with >= 2 "
                             f"classes (num_classes), got {num_classes!r}")
        super().__init__(generator, discriminator, **kwargs)
        self.num_classes = int(num_classes)

    #: the discriminator this model needs: (inputs, outputs, described, config hint)
    DISCRIMINATOR = (2, 1, "inputs [images, labels] and one output",
                     "discriminator.conditioning: concat or projection")

    @classmethod
    def _kind(cls) -> str:
        return "cgan"

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        return {"num_classes": facts.num_classes}

    def _check_discriminator(self, discriminator: keras.Model) -> None:
        inputs, outputs, described, hint = self.DISCRIMINATOR
        if _input_count(discriminator) != inputs or _output_count(discriminator) != outputs:
            raise ValueError(
                f"discriminator: model {self._kind()} needs a discriminator with {described}; "
                f"{discriminator.name} has {_input_count(discriminator)} input(s), "
                f"{_output_count(discriminator)} output(s): set {hint}")

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), num_classes=self.num_classes)

    #: Whether the model trains on examples without a label (label −1); only models that
    #: use unlabelled data (s3gan) say yes.
    accepts_unlabelled = False

    @property
    def label_vectors(self) -> bool:
        """True when the generator takes probability vectors [batch, K], not class ids."""
        return len(self.generator.inputs[1].shape) == 2

    # --- hooks ---------------------------------------------------------------------------

    def unpack_batch(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError(f"data: model {self._kind()} trains on (images, labels) batches; "
                             "the dataset yields images only")
        return data[0], tf.cast(tf.reshape(data[1], [-1]), tf.int32)

    def generator_inputs(self, z: tf.Tensor, labels):
        if labels is None:
            raise ValueError(f"labels: model {self._kind()} needs labels to generate")
        if self.label_vectors and labels.dtype.is_integer:
            labels = tf.one_hot(labels, self.num_classes, dtype=tf.float32)
        return [z, labels]

    def discriminate(self, x: tf.Tensor, labels, training: bool = True):
        return self.discriminator([x, labels], training=training)

    # --- sampling --------------------------------------------------------------------------

    def _sampling_labels(self, n: int, labels) -> np.ndarray:
        """``labels`` as ``n`` int32 classes: None cycles 0..K−1; one int repeats. A
        generator of probability vectors also takes ``[n, K]`` (or one ``[K]``) rows."""
        if labels is None:
            return (np.arange(n) % self.num_classes).astype(np.int32)
        array = np.asarray(labels)
        if self.label_vectors and array.ndim >= 1 and np.issubdtype(array.dtype, np.floating) \
                and array.shape[-1] == self.num_classes and array.ndim <= 2:
            return self._probability_rows(n, array)
        if array.ndim == 0:
            array = np.full([n], array)
        if array.ndim != 1 or len(array) != n:
            raise ValueError(f"labels: expected one class or {n} classes, got shape "
                             f"{np.shape(labels)}")
        if not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"labels: expected integers, got dtype {array.dtype}")
        bad = array[(array < 0) | (array >= self.num_classes)]
        if bad.size:
            raise ValueError(f"labels: classes must be in [0, {self.num_classes - 1}], got "
                             f"{sorted(set(bad.tolist()))[:5]}")
        return array.astype(np.int32)

    def _probability_rows(self, n: int, array: np.ndarray) -> np.ndarray:
        rows = np.broadcast_to(array, (n, self.num_classes)) if array.ndim == 1 else array
        if len(rows) != n:
            raise ValueError(f"labels: expected one probability vector or {n}, got shape "
                             f"{array.shape}")
        if (rows < 0).any() or not np.allclose(rows.sum(axis=1), 1.0, atol=1e-4):
            raise ValueError("labels: probability vectors must be non-negative and sum to 1")
        return np.ascontiguousarray(rows, dtype=np.float32)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ACGAN(ConditionalGAN):
    """AC-GAN: ``G(z, y)``; ``D(x) = (logit, class logits)`` with an auxiliary classifier.

    Args:
        generator: a network with inputs ``[z, labels]``.
        discriminator: a network with input images and outputs ``[logits, class_logits]``.
        num_classes: number of classes.
        aux_weight: weight w of the classifier terms in the discriminator's loss (and the
            generator's unless ``g_aux_weight`` is given).
        g_aux_weight: weight of the classifier term in the generator's loss.
        fake_class_loss: the discriminator's classifier also learns the generated images'
            classes (TF-GAN); False: real images only (rGAN / CP-GAN reference code).
        **kwargs: as ``AdversarialModel``.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 num_classes: Optional[int] = None, aux_weight: float = 1.0,
                 g_aux_weight: Optional[float] = None, fake_class_loss: bool = True,
                 **kwargs):
        for field, value in (("aux_weight", aux_weight), ("g_aux_weight", g_aux_weight)):
            if value is not None and not float(value) >= 0.0:
                raise ValueError(f"conditional.{field}: must be non-negative, got {value!r}")
        super().__init__(generator, discriminator, num_classes=num_classes, **kwargs)
        classes = int(discriminator.outputs[1].shape[-1])
        if classes != self.num_classes:
            raise ValueError(f"discriminator: its class head has {classes} outputs but the "
                             f"data has {self.num_classes} classes")
        self.aux_weight = float(aux_weight)
        self.g_aux_weight = None if g_aux_weight is None else float(g_aux_weight)
        self.fake_class_loss = bool(fake_class_loss)

    DISCRIMINATOR = (1, 2, "input images and outputs [logits, class_logits]",
                     "discriminator.conditioning: auxiliary")

    @classmethod
    def _kind(cls) -> str:
        return "acgan"

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        """The ``conditional`` section's classifier options join the class count."""
        section = config["conditional"]
        return super().options_from_config(config, facts) | {
            "aux_weight": section["aux_weight"], "g_aux_weight": section["g_aux_weight"],
            "fake_class_loss": section["fake_class_loss"]}

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), aux_weight=self.aux_weight,
                    g_aux_weight=self.g_aux_weight, fake_class_loss=self.fake_class_loss)

    def extra_metric_names(self) -> list[str]:
        return ["ac_d_loss", "ac_g_loss"]

    def discriminate(self, x: tf.Tensor, labels, training: bool = True):
        logits, class_logits = self.discriminator(x, training=training)
        return logits, class_logits

    def _one_hot(self, labels) -> tf.Tensor:
        return tf.one_hot(labels, self.num_classes, dtype=tf.float32)

    def real_class_loss(self, real_class_logits, labels) -> tf.Tensor:
        """The classifier's loss on the real batch: CE against the observed labels
        (rAC-GAN replaces it by the noise-corrected loss)."""
        return objectives_lib.class_xent(real_class_logits, self._one_hot(labels))

    def extra_d_losses(self, real_aux, fake_aux, labels, fake_condition) -> dict[str, tf.Tensor]:
        loss = self.real_class_loss(real_aux, labels)
        if self.fake_class_loss:
            loss += objectives_lib.class_xent(fake_aux, self._one_hot(fake_condition))
        return {"ac_d_loss": self.aux_weight * loss}

    @property
    def generator_class_weight(self) -> float:
        return self.aux_weight if self.g_aux_weight is None else self.g_aux_weight

    def extra_g_losses(self, fake_aux, fake_condition) -> dict[str, tf.Tensor]:
        loss = objectives_lib.acgan_g_loss(tf.cast(fake_aux, tf.float32),
                                           self._one_hot(fake_condition))
        return {"ac_g_loss": self.generator_class_weight * loss}
