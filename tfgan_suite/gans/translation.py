"""The losses and schedule of image-to-image translation (issue #18), as pure functions, and
what both translation models (``cyclegan``, ``pix2pix``) share (``TranslationMixin``).

Sources (read for the constants, nothing copied): Zhu et al., ICCV 2017, arXiv:1703.10593;
junyanz/pytorch-CycleGAN-and-pix2pix ``models/cycle_gan_model.py``, ``models/networks.py``
(``GANLoss``, ``get_scheduler``), ``models/pix2pix_model.py``; ../shared/families.md §17.

- Adversarial (CycleGAN): LSGAN with D's loss **halved**, ½·[mean (D(y) − 1)² + mean D(ŷ)²]
  — the suite's ``least_squares`` D loss exactly — and G's loss mean (D(G(x)) − 1)², **not**
  halved: twice the suite's ``least_squares`` G loss (``lsgan_generator_loss``). Means run
  over the patch map and the batch.
- Cycle: λ·mean |x − F(G(x))| + λ·mean |y − G(F(y))|, λ = 10 each way (``cycle_loss``).
- Identity: λ·λ_idt·mean |G(y) − y| + λ·λ_idt·mean |F(x) − x|, λ_idt = 0.5
  (``identity_loss``): it keeps a translator close to the identity on images already in its
  target domain (the reference's default; the Torch original had it off).
- pix2pix's reconstruction: λ_L1·mean |G(x) − y| with λ_L1 = 100 (``l1_loss``).
- Schedule (``linear_decay_multiplier``): constant for the first ``constant`` epochs, then
  linearly to zero over the next ``decay`` epochs; the reference's revision 7891385 writes
  1 − max(0, epoch + 1 − constant)/(decay + 1) (epoch counted from 0), which never quite
  reaches zero — mirrored exactly.
"""

from __future__ import annotations

from typing import Optional

import keras
import numpy as np
import tensorflow as tf

#: λ of the cycle loss, each direction
CYCLE_WEIGHT = 10.0
#: λ_idt, relative to the cycle weight (effective 5)
IDENTITY_FRACTION = 0.5
#: pix2pix's λ_L1
L1_WEIGHT = 100.0


def _l1(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.abs(tf.cast(a, tf.float32) - tf.cast(b, tf.float32)))


def lsgan_generator_loss(fake_logits: tf.Tensor) -> tf.Tensor:
    """CycleGAN's G loss: mean (D(G(x)) − 1)² over patches and batch (not halved)."""
    return tf.reduce_mean(tf.square(tf.cast(fake_logits, tf.float32) - 1.0))


def adversarial_generator_loss(objective, fake_logits, real_logits=None) -> tf.Tensor:
    """The translators' adversarial term: with ``least_squares`` CycleGAN's unhalved
    mean (D(G(x)) − 1)² (``lsgan_generator_loss``), else the objective's own G loss."""
    if objective.name == "least_squares":
        return lsgan_generator_loss(fake_logits)
    return objective.g_loss(real_logits, fake_logits)


def cycle_loss(x: tf.Tensor, x_cycled: tf.Tensor, y: tf.Tensor, y_cycled: tf.Tensor,
               weight: float = CYCLE_WEIGHT) -> tf.Tensor:
    """λ·mean |x − F(G(x))| + λ·mean |y − G(F(y))|: 0 iff both round trips are exact."""
    return weight * (_l1(x, x_cycled) + _l1(y, y_cycled))


def identity_loss(x: tf.Tensor, f_of_x: tf.Tensor, y: tf.Tensor, g_of_y: tf.Tensor,
                  weight: float = CYCLE_WEIGHT, fraction: float = IDENTITY_FRACTION
                  ) -> tf.Tensor:
    """λ·λ_idt·(mean |G(y) − y| + mean |F(x) − x|): 0 when each translator leaves images of
    its own target domain unchanged."""
    return weight * fraction * (_l1(g_of_y, y) + _l1(f_of_x, x))


def l1_loss(fake: tf.Tensor, target: tf.Tensor, weight: float = L1_WEIGHT) -> tf.Tensor:
    """pix2pix: λ_L1·mean |G(x) − y|."""
    return weight * _l1(fake, target)


def linear_decay_multiplier(epoch, constant: int, decay: int) -> tf.Tensor:
    """The learning-rate multiplier of ``epoch`` (from 0): 1 for the first ``constant``
    epochs, then 1 − (epoch + 1 − constant)/(decay + 1)."""
    epoch = tf.cast(epoch, tf.float32)
    late = tf.maximum(0.0, epoch + 1.0 - float(constant))
    return 1.0 - late / float(decay + 1)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ConstantThenLinear(keras.optimizers.schedules.LearningRateSchedule):
    """``train.lr_schedule: constant_then_linear``: the rate times
    ``linear_decay_multiplier(step, constant_steps, decay_steps)`` — CycleGAN's schedule
    with optimizer steps in place of epochs."""

    def __init__(self, initial_learning_rate: float, constant_steps: int, decay_steps: int):
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_steps = int(constant_steps)
        self.decay_steps = int(decay_steps)

    def __call__(self, step):
        return self.initial_learning_rate * linear_decay_multiplier(
            step, self.constant_steps, self.decay_steps)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "constant_steps": self.constant_steps, "decay_steps": self.decay_steps}


def check_weights(section: str, **weights) -> None:
    """Every loss weight of a model's config ``section`` is a number >= 0 (one line)."""
    for field, value in weights.items():
        if not float(value) >= 0.0:
            raise ValueError(f"{section}.{field}: must be >= 0, got {value!r}")


def refuse_penalties(section: str, penalties) -> None:
    """The translation and conversion models take no discriminator penalties (one line)."""
    if penalties:
        raise ValueError(f"penalties: {section} takes no discriminator penalties, got "
                         f"{', '.join(p.name for p in penalties)}; accepted: none")


def check_identity_steps(section: str, identity_steps) -> None:
    """``identity_steps`` is a non-negative integer or None (one line)."""
    if identity_steps is not None and (isinstance(identity_steps, bool) or not isinstance(
            identity_steps, int) or identity_steps < 0):
        raise ValueError(f"{section}.identity_steps: must be a non-negative integer or null, "
                         f"got {identity_steps!r}")


def identity_weight_at(weight: float, identity_steps, step) -> tf.Tensor:
    """An identity loss's weight at ``step``: ``weight`` before ``identity_steps`` (None:
    always), 0 from then on (CycleGAN-VC, StarGAN-VC2: 10⁴) — a pure function of the step."""
    value = tf.constant(weight, tf.float32)
    if identity_steps is None:
        return value
    return tf.where(tf.cast(step, tf.int64) < identity_steps, value, 0.0)


def check_translator(model: str, generator: keras.Model, rank: int = 3) -> None:
    """A translation model's generator maps samples of ``rank`` (images: 3, speech
    features [T, D]: 2) to samples of the same shape."""
    shapes = [tuple(x.shape[1:]) for x in generator.inputs]
    output = tuple(generator.outputs[0].shape[1:])
    if len(shapes) != 1 or len(shapes[0]) != rank or shapes[0] != output:
        accepted = ("resnet_translator, unet_translator" if rank == 3
                    else "vc_gated_1d, vc_gated_212d")
        kind = "an image-to-image" if rank == 3 else "a features-to-features"
        raise ValueError(f"generator.name: model {model} needs {kind} generator "
                         f"(same input and output shape); accepted: {accepted}, got "
                         f"{generator.name} {shapes} → {output}")


class TranslationMixin:
    """What the translation models share: batches are ``(a, b)`` pairs of domain images,
    ``translate`` replaces ``sample`` (there is no z to sample), and a preview shows sources
    next to their translations. The class lists its ``directions``."""

    translates = True
    directions: tuple[str, ...] = ("a2b",)

    def unpack_batch(self, data):
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise ValueError(f"{self.name}: training batches must be (a, b) pairs of domain "
                             "images (data.domains)")
        return tf.cast(data[0], tf.float32), tf.cast(data[1], tf.float32)

    def translator(self, direction: str = "a2b") -> keras.Model:
        """The network (its EMA copy when there is one) that translates ``direction``."""
        if direction not in self.directions:
            raise ValueError(f"direction: {self.name} translates {', '.join(self.directions)}; "
                             f"got {direction!r}")
        return self._translators()[direction]

    def _translators(self) -> dict:
        return {"a2b": self.sampling_generator}

    def translate(self, images, direction: str = "a2b", batch_size: int = 64) -> np.ndarray:
        """``images`` [N, H, W, C] in [−1, 1] (the source domain's shape) → their translations,
        float32 numpy, in inference mode."""
        network = self.translator(direction)
        images = np.asarray(images, np.float32)
        expected = tuple(network.inputs[0].shape[1:])
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"images: {self.name} translates [N, {', '.join(map(str, expected))}]"
                             f" images in [-1, 1], got shape {images.shape}")
        attribute = f"_translate_fn_{direction}"
        fn = getattr(self, attribute, None)
        if fn is None:
            fn = tf.function(lambda x: network(x, training=False))
            setattr(self, attribute, fn)
        return np.concatenate([fn(tf.constant(images[start:start + batch_size])).numpy()
                               for start in range(0, len(images), batch_size)])

    def translation_rows(self, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
        """Rows of a preview grid: the sources of domain A, their translations, the images
        of domain B (on paired data: A's truth) and, for two-way models, B's translations."""
        rows = [a, self.translate(a, "a2b"), b]
        if "b2a" in self.directions:
            rows.append(self.translate(b, "b2a"))
        return rows

    def sample(self, n: int, seed: int = 0, labels=None, batch_size: int = 256,
               truncation: Optional[float] = None) -> np.ndarray:
        raise ValueError(f"{self.name} translates images and has no z to sample from; use "
                         "translate(images, direction) (tfgan translate)")
