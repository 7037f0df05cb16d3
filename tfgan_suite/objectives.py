"""Adversarial objectives: pairs of discriminator / generator losses on logits.

Every loss is a pure function of the discriminator's outputs (logits, i.e. before any
sigmoid) and returns a scalar: the mean over the examples it is given. Where TF-GAN
(``tensorflow_gan/python/losses/losses_impl.py``) defines the same loss, the conventions
and constants are TF-GAN's, so a user moving from TF-GAN gets the same numbers.

Distribution: the training step divides each scalar by the number of replicas, which
turns a per-replica mean into an average over the global batch (every replica sees the
same number of examples). The relativistic-*average* losses use the batch mean of the
other side's logits; under a strategy that mean is all-reduced over the global batch
(``global_batch_mean``), so they too match the single-device numbers.

Usage:
    obj = objectives.get("hinge")
    d = obj.d_loss(real_logits, fake_logits)
    g = obj.g_loss(real_logits, fake_logits)   # real_logits ignored unless obj.uses_real_in_g
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional

import tensorflow as tf

from tfgan_suite.ops import global_batch_mean
from tfgan_suite.registry import Registry

LossFn = Callable[..., tf.Tensor]


def _mean(x: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.cast(x, tf.float32))


def _f32(x) -> tf.Tensor:
    return tf.cast(tf.convert_to_tensor(x), tf.float32)


def _smooth(label: float, label_smoothing: float) -> float:
    # tf.compat.v1.losses.sigmoid_cross_entropy: label * (1 - s) + 0.5 * s.
    return label * (1.0 - label_smoothing) + 0.5 * label_smoothing


def _sigmoid_xent(logits: tf.Tensor, label: float) -> tf.Tensor:
    return tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.fill(tf.shape(logits), label), logits=logits)


# --- minimax and non-saturating (Goodfellow et al. 2014) ------------------------------------

def minimax_d_loss(real_logits, fake_logits, label_smoothing: float = 0.0) -> tf.Tensor:
    """L_D = E[-log D(x)] + E[-log(1 - D(G(z)))]  (Goodfellow et al. 2014).

    Mean sigmoid cross-entropy on real (label 1, optionally smoothed as in TF-GAN) plus
    the mean on fake (label 0).
    """
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    real = _mean(_sigmoid_xent(real_logits, _smooth(1.0, label_smoothing)))
    fake = _mean(_sigmoid_xent(fake_logits, 0.0))
    return real + fake


def minimax_g_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_G = E[log(1 - D(G(z)))] = -E[softplus(D_logit(G(z)))]  (Goodfellow et al. 2014)."""
    del real_logits
    return -_mean(_sigmoid_xent(_f32(fake_logits), 0.0))


def non_saturating_g_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_G = E[-log D(G(z))] = E[softplus(-D_logit(G(z)))]  (Goodfellow et al. 2014, §3)."""
    del real_logits
    return _mean(_sigmoid_xent(_f32(fake_logits), 1.0))


# --- least squares (Mao et al. 2017) -------------------------------------------------------

def least_squares_d_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_D = ½ E[(D(x) − 1)²] + ½ E[D(G(z))²]  (LSGAN, Mao et al. 2017; TF-GAN's ½)."""
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    return 0.5 * _mean(tf.square(real_logits - 1.0)) + 0.5 * _mean(tf.square(fake_logits))


def least_squares_g_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_G = ½ E[(D(G(z)) − 1)²]  (LSGAN, Mao et al. 2017)."""
    del real_logits
    return 0.5 * _mean(tf.square(_f32(fake_logits) - 1.0))


# --- Wasserstein (Arjovsky et al. 2017) ----------------------------------------------------

def wasserstein_d_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_D = E[D(G(z))] − E[D(x)]  (WGAN, Arjovsky et al. 2017)."""
    return _mean(_f32(fake_logits)) - _mean(_f32(real_logits))


def wasserstein_g_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_G = −E[D(G(z))]  (WGAN, Arjovsky et al. 2017)."""
    del real_logits
    return -_mean(_f32(fake_logits))


# --- hinge (Lim & Ye 2017; Miyato et al. 2018) ----------------------------------------------

def hinge_d_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_D = E[relu(1 − D(x))] + E[relu(1 + D(G(z)))]  (Geometric GAN, Lim & Ye 2017)."""
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    return _mean(tf.nn.relu(1.0 - real_logits)) + _mean(tf.nn.relu(1.0 + fake_logits))


# The hinge generator loss is the Wasserstein one: L_G = −E[D(G(z))].
hinge_g_loss = wasserstein_g_loss


# --- relativistic (Jolicoeur-Martineau 2019) -----------------------------------------------

def rsgan_d_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_D = E[softplus(−(C(x_r) − C(x_f)))]  (RSGAN, Jolicoeur-Martineau 2019), pairwise."""
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    return _mean(tf.nn.softplus(-(real_logits - fake_logits)))


def rsgan_g_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_G = E[softplus(−(C(x_f) − C(x_r)))]  (RSGAN, Jolicoeur-Martineau 2019)."""
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    return _mean(tf.nn.softplus(-(fake_logits - real_logits)))


def _relativistic_average(real_logits, fake_logits):
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    real_rel = real_logits - global_batch_mean(fake_logits)  # D̃(x_r) = C(x_r) − E C(x_f)
    fake_rel = fake_logits - global_batch_mean(real_logits)  # D̃(x_f) = C(x_f) − E C(x_r)
    return real_rel, fake_rel


def ragan_d_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_D = E[softplus(−D̃(x_r))] + E[softplus(D̃(x_f))]  (RaGAN, Jolicoeur-Martineau 2019)."""
    real_rel, fake_rel = _relativistic_average(real_logits, fake_logits)
    return _mean(tf.nn.softplus(-real_rel)) + _mean(tf.nn.softplus(fake_rel))


def ragan_g_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_G = E[softplus(−D̃(x_f))] + E[softplus(D̃(x_r))]  (RaGAN)."""
    real_rel, fake_rel = _relativistic_average(real_logits, fake_logits)
    return _mean(tf.nn.softplus(-fake_rel)) + _mean(tf.nn.softplus(real_rel))


def ralsgan_d_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_D = E[(D̃(x_r) − 1)²] + E[(D̃(x_f) + 1)²]  (RaLSGAN, Jolicoeur-Martineau 2019)."""
    real_rel, fake_rel = _relativistic_average(real_logits, fake_logits)
    return _mean(tf.square(real_rel - 1.0)) + _mean(tf.square(fake_rel + 1.0))


def ralsgan_g_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_G = E[(D̃(x_f) − 1)²] + E[(D̃(x_r) + 1)²]  (RaLSGAN)."""
    real_rel, fake_rel = _relativistic_average(real_logits, fake_logits)
    return _mean(tf.square(fake_rel - 1.0)) + _mean(tf.square(real_rel + 1.0))


def rahinge_d_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_D = E[relu(1 − D̃(x_r))] + E[relu(1 + D̃(x_f))]  (RaHinge, Jolicoeur-Martineau 2019)."""
    real_rel, fake_rel = _relativistic_average(real_logits, fake_logits)
    return _mean(tf.nn.relu(1.0 - real_rel)) + _mean(tf.nn.relu(1.0 + fake_rel))


def rahinge_g_loss(real_logits, fake_logits) -> tf.Tensor:
    """L_G = E[relu(1 − D̃(x_f))] + E[relu(1 + D̃(x_r))]  (RaHinge)."""
    real_rel, fake_rel = _relativistic_average(real_logits, fake_logits)
    return _mean(tf.nn.relu(1.0 - fake_rel)) + _mean(tf.nn.relu(1.0 + real_rel))


# --- AC-GAN auxiliary classifier terms (Odena et al. 2017) ----------------------------------

def _softmax_xent(logits, one_hot_labels, label_smoothing: float = 0.0) -> tf.Tensor:
    logits = _f32(logits)
    labels = _f32(one_hot_labels)
    if label_smoothing:
        num_classes = tf.cast(tf.shape(labels)[-1], tf.float32)
        labels = labels * (1.0 - label_smoothing) + label_smoothing / num_classes
    return _mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))


def acgan_d_loss(real_class_logits, fake_class_logits, one_hot_labels,
                 label_smoothing: float = 0.0) -> tf.Tensor:
    """L_C(D) = E[−log P(c | x)] + E[−log P(c | G(z, c))]  (AC-GAN, Odena et al. 2017).

    As TF-GAN's ``acgan_discriminator_loss``: mean softmax cross-entropy of the class
    logits on real images plus that on generated images, both against ``one_hot_labels``.
    """
    return (_softmax_xent(real_class_logits, one_hot_labels, label_smoothing)
            + _softmax_xent(fake_class_logits, one_hot_labels, label_smoothing))


def class_xent(class_logits, one_hot_labels) -> tf.Tensor:
    """E[−log P(c | x)]: mean softmax cross-entropy of class logits against (one-hot or
    probability) targets — each half of ``acgan_d_loss``."""
    return _softmax_xent(class_logits, one_hot_labels)


def acgan_g_loss(fake_class_logits, one_hot_labels) -> tf.Tensor:
    """L_C(G) = E[−log P(c | G(z, c))]  (AC-GAN, Odena et al. 2017; TF-GAN convention)."""
    return _softmax_xent(fake_class_logits, one_hot_labels)


def forward_corrected_xent(class_logits, noisy_labels, transition) -> tf.Tensor:
    """L = E[−log (softmax(C(x)) · T)_ỹ]: cross-entropy of the *noisy* label under the clean
    posterior pushed through the noise, T_ij = p(ỹ = j | y = i) (Patrini et al. 2017's
    forward correction; rAC-GAN's classifier loss, Kaneko, Ushiku & Harada 2019).

    Computed in log space, log (p·T)_j = logsumexp_i(log p_i + log T_ij), without the
    reference code's ε = 1e-8: at T = I it is exactly the plain cross-entropy, and at
    T = 11ᵀ/c it is log c for every logit (no gradient: the noisy label says nothing).

    Args:
        class_logits: [batch, c] logits of the clean classes.
        noisy_labels: [batch] int observed labels.
        transition: [c, c] row-stochastic T.
    """
    class_logits = tf.cast(class_logits, tf.float32)
    log_posterior = tf.nn.log_softmax(class_logits, axis=-1)
    log_columns = tf.transpose(tf.gather(tf.math.log(tf.cast(transition, tf.float32)),
                                         tf.cast(noisy_labels, tf.int32), axis=1))
    return -tf.reduce_mean(tf.reduce_logsumexp(log_posterior + log_columns, axis=-1))


# --- registry ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Objective:
    """A named pair of losses.

    Attributes:
        name: registry name.
        d_loss: ``d_loss(real_logits, fake_logits) -> scalar``.
        g_loss: ``g_loss(real_logits, fake_logits) -> scalar``.
        uses_real_in_g: whether ``g_loss`` reads ``real_logits`` (relativistic losses);
            when False the training step skips the discriminator pass on real data
            during the generator update.
        critic: True for unbounded-critic objectives (Wasserstein), used for defaults.
    """

    name: str
    d_loss: LossFn
    g_loss: LossFn
    uses_real_in_g: bool = False
    critic: bool = False
    paper: str = ""

    def with_options(self, label_smoothing: Optional[float] = None) -> Objective:
        """Return a copy with one-sided label smoothing on the real term (minimax/NS)."""
        if not label_smoothing:
            return self
        if self.name not in ("minimax", "non_saturating"):
            raise ValueError(
                f"objective.label_smoothing: only minimax and non_saturating accept it, "
                f"got objective.name={self.name!r}")
        if not 0.0 <= float(label_smoothing) < 1.0:
            raise ValueError(
                f"objective.label_smoothing: must be in [0, 1), got {label_smoothing!r}")
        smoothing = float(label_smoothing)

        def d_loss(real_logits, fake_logits):
            return minimax_d_loss(real_logits, fake_logits, label_smoothing=smoothing)

        return dataclasses.replace(self, d_loss=d_loss)


OBJECTIVES: Registry[Objective] = Registry("objective.name")
for _objective in (
    Objective("minimax", minimax_d_loss, minimax_g_loss, paper="Goodfellow et al. 2014"),
    Objective("non_saturating", minimax_d_loss, non_saturating_g_loss,
              paper="Goodfellow et al. 2014"),
    Objective("least_squares", least_squares_d_loss, least_squares_g_loss,
              paper="Mao et al. 2017"),
    Objective("wasserstein", wasserstein_d_loss, wasserstein_g_loss, critic=True,
              paper="Arjovsky et al. 2017"),
    Objective("hinge", hinge_d_loss, hinge_g_loss, paper="Lim & Ye 2017"),
    Objective("rsgan", rsgan_d_loss, rsgan_g_loss, uses_real_in_g=True,
              paper="Jolicoeur-Martineau 2019"),
    Objective("ragan", ragan_d_loss, ragan_g_loss, uses_real_in_g=True,
              paper="Jolicoeur-Martineau 2019"),
    Objective("ralsgan", ralsgan_d_loss, ralsgan_g_loss, uses_real_in_g=True,
              paper="Jolicoeur-Martineau 2019"),
    Objective("rahinge", rahinge_d_loss, rahinge_g_loss, uses_real_in_g=True,
              paper="Jolicoeur-Martineau 2019"),
):
    OBJECTIVES.add(_objective.name, _objective)


def get(name: str, label_smoothing: Optional[float] = None) -> Objective:
    """Look up an objective by name (see ``names()``); errors list the accepted names."""
    return OBJECTIVES.get(name).with_options(label_smoothing=label_smoothing)


def names() -> list[str]:
    return OBJECTIVES.names()


def from_loss_fns(d_loss_fn: Callable, g_loss_fn: Callable, name: str = "custom") -> Objective:
    """An ``Objective`` from keras-io's pair of loss callables:
    ``d_loss_fn(real_logits, fake_logits)`` and ``g_loss_fn(fake_logits)``, each returning
    the mean over the examples it is given (e.g. keras-io's WGAN-GP ``discriminator_loss``
    / ``generator_loss``). Like every objective, the step divides them by the number of
    replicas, so a per-replica mean becomes the global-batch mean."""
    for argument, function in (("d_loss_fn", d_loss_fn), ("g_loss_fn", g_loss_fn)):
        if not callable(function):
            raise TypeError(f"{argument}=: expected a callable of the logits, got "
                            f"{type(function).__name__}")

    def d_loss(real_logits, fake_logits):
        return d_loss_fn(real_logits, fake_logits)

    def g_loss(real_logits, fake_logits):
        return g_loss_fn(fake_logits)

    return Objective(name, d_loss, g_loss, paper="user-supplied (keras-io convention)")


def resolve(objective=None, label_smoothing: Optional[float] = None,
            d_loss_fn: Optional[Callable] = None, g_loss_fn: Optional[Callable] = None
            ) -> Objective:
    """The objective of ``AdversarialModel.compile``'s arguments (errors name them):
    a name (default ``non_saturating``), an ``Objective``, or keras-io's loss pair."""
    if d_loss_fn is not None or g_loss_fn is not None:
        if d_loss_fn is None or g_loss_fn is None:
            raise ValueError("d_loss_fn= / g_loss_fn=: pass both (keras-io's pair: "
                             "d_loss_fn(real_logits, fake_logits), g_loss_fn(fake_logits))")
        if objective is not None:
            raise ValueError("objective=: pass either objective= or d_loss_fn= / g_loss_fn=, "
                             "not both")
        return from_loss_fns(d_loss_fn, g_loss_fn)
    if objective is None:
        objective = "non_saturating"
    if isinstance(objective, Objective):
        return objective.with_options(label_smoothing=label_smoothing)
    if not isinstance(objective, str) or objective not in OBJECTIVES:
        hint = (" (a callable: pass keras-io's pair as d_loss_fn= / g_loss_fn=)"
                if callable(objective) else "")
        raise ValueError(f"objective=: unknown value {objective!r}{hint}; accepted: "
                         f"{', '.join(names())}, an objectives.Objective, or "
                         "d_loss_fn= / g_loss_fn=")
    try:
        return get(objective, label_smoothing=label_smoothing)
    except ValueError as error:  # label smoothing: name the Python argument
        raise ValueError(str(error).replace("objective.label_smoothing:", "label_smoothing=:")
                         .replace("objective.name=", "objective=")) from None
