"""The losses and schedule of image-to-image translation (issue #18), as pure functions.

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
