"""Discriminator regularisers: gradient penalties, drift, weight clipping, orthogonality.

The functions are pure: they take the critic as a callable ``critic(x) -> logits`` and the
tensors they need (random draws passed in explicitly) and return an *unweighted* scalar.
The ``Penalty`` objects wrap them for the training step: a weight, a lazy-regularisation
interval, and how to draw their randomness from the step's context so that draws are
reproducible and replica-independent.

Config usage (``penalties:`` section, keyed by name):
    penalties: {gp: {weight: 10.0}, r1: {weight: 1.0, interval: 16}}
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional, Protocol

import tensorflow as tf

from tfgan_suite.ops import global_batch_mean
from tfgan_suite.registry import Registry

Critic = Callable[[tf.Tensor], tf.Tensor]


def _per_example_sq_norm(gradients: tf.Tensor) -> tf.Tensor:
    gradients = tf.cast(gradients, tf.float32)
    axes = list(range(1, gradients.shape.rank))
    return tf.reduce_sum(tf.square(gradients), axis=axes)


def _critic_gradients(critic: Critic, x: tf.Tensor) -> tf.Tensor:
    """∇ₓ Σᵢ D(xᵢ): per-example input gradients (examples are independent in D)."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = critic(x)
        total = tf.reduce_sum(tf.cast(logits, tf.float32))
    return tape.gradient(total, x)


def interpolate(real: tf.Tensor, fake: tf.Tensor, epsilon: tf.Tensor) -> tf.Tensor:
    """x̂ = ε·x + (1 − ε)·x̃ with one ε per example (shape [batch])."""
    epsilon = tf.cast(epsilon, real.dtype)
    epsilon = tf.reshape(epsilon, [-1] + [1] * (real.shape.rank - 1))
    return epsilon * real + (1.0 - epsilon) * tf.cast(fake, real.dtype)


def gradient_penalty(critic: Critic, real: tf.Tensor, fake: tf.Tensor, epsilon: tf.Tensor,
                     target: float = 1.0, one_sided: bool = False) -> tf.Tensor:
    """E_x̂[(‖∇D(x̂)‖ − 1)²], x̂ = εx + (1−ε)G(z), ε ~ U(0,1)  (WGAN-GP, Gulrajani et al. 2017).

    ``one_sided=True`` penalises only norms above the target: E[max(0, ‖∇D(x̂)‖ − 1)²]
    (the one-sided variant discussed in Gulrajani et al. 2017, App. and Petzka et al. 2018).
    """
    x_hat = interpolate(real, fake, epsilon)
    norm = tf.sqrt(_per_example_sq_norm(_critic_gradients(critic, x_hat)) + 1e-12)
    excess = norm - target
    if one_sided:
        excess = tf.nn.relu(excess)
    return tf.reduce_mean(tf.square(excess))


def r1_penalty(critic: Critic, real: tf.Tensor, gamma: float = 1.0) -> tf.Tensor:
    """R1 = γ/2 · E_x~p_data[‖∇D(x)‖²]  (Mescheder et al. 2018)."""
    return 0.5 * gamma * tf.reduce_mean(_per_example_sq_norm(_critic_gradients(critic, real)))


def r2_penalty(critic: Critic, fake: tf.Tensor, gamma: float = 1.0) -> tf.Tensor:
    """R2 = γ/2 · E_x~p_G[‖∇D(x)‖²]  (Mescheder et al. 2018)."""
    return 0.5 * gamma * tf.reduce_mean(_per_example_sq_norm(_critic_gradients(critic, fake)))


def dragan_penalty(critic: Critic, real: tf.Tensor, noise: tf.Tensor, epsilon: tf.Tensor,
                   scale: float = 0.5) -> tf.Tensor:
    """E[(‖∇D(x + α·δ)‖ − 1)²], δ = c·std(x)·u, u ~ U(0,1)  (DRAGAN, Kodali et al. 2017).

    Args:
        noise: uniform U(0, 1) draws with the shape of ``real``.
        epsilon: per-example α ~ U(0, 1), shape [batch].
        scale: c, the perturbation scale relative to the batch's standard deviation.
    """
    real = tf.cast(real, tf.float32)
    # The batch's std, over the global batch under a strategy (replica-independent).
    mean = global_batch_mean(real)
    variance = tf.maximum(global_batch_mean(tf.square(real)) - tf.square(mean), 0.0)
    perturbed = real + scale * tf.sqrt(variance) * tf.cast(noise, tf.float32)
    x_hat = interpolate(perturbed, real, epsilon)  # α·x_p + (1 − α)·x = x + α·δ
    norm = tf.sqrt(_per_example_sq_norm(_critic_gradients(critic, x_hat)) + 1e-12)
    return tf.reduce_mean(tf.square(norm - 1.0))


def drift_penalty(real_logits: tf.Tensor) -> tf.Tensor:
    """E_x[D(x)²]: keeps the critic's output near zero  (ProGAN, Karras et al. 2018, ε=0.001)."""
    return tf.reduce_mean(tf.square(tf.cast(real_logits, tf.float32)))


def orthogonal_regularization(kernels: list) -> tf.Tensor:
    """Σ_W ‖WᵀW ⊙ (1 − I)‖²_F over 2-D-reshaped kernels  (BigGAN, Brock et al. 2019)."""
    total = tf.constant(0.0, tf.float32)
    for kernel in kernels:
        w = tf.reshape(tf.cast(kernel, tf.float32), [-1, kernel.shape[-1]])
        gram = tf.matmul(w, w, transpose_a=True)
        off_diagonal = gram * (1.0 - tf.eye(tf.shape(gram)[0]))
        total += tf.reduce_sum(tf.square(off_diagonal))
    return total


def clip_weights(variables: list, clip_value: float = 0.01) -> None:
    """Clip every variable into [−c, c]  (WGAN, Arjovsky et al. 2017)."""
    for variable in variables:
        variable.assign(tf.clip_by_value(variable, -clip_value, clip_value))


# --- step-facing penalty objects -----------------------------------------------------------

class PenaltyContext(Protocol):
    """What the training step offers a penalty (see ``gans.base.AdversarialModel``)."""

    critic: Critic          # x -> logits, called with training=True, labels bound
    real: tf.Tensor
    fake: tf.Tensor
    real_logits: tf.Tensor

    def uniform(self, shape_per_example: tuple, stream: int) -> tf.Tensor:
        """U(0,1) draws for this replica's examples, keyed by global example index."""


@dataclasses.dataclass
class Penalty:
    """Base: a weighted, optionally lazy, discriminator regulariser.

    Attributes:
        weight: multiplies the penalty in the discriminator loss.
        interval: lazy regularisation (Karras et al. 2020): apply every ``interval``
            discriminator updates, multiplied by ``interval`` to keep its strength.
    """

    name = "penalty"
    weight: float = 1.0
    interval: int = 1
    #: whether the penalty needs the critic's gradients (and so a second tape).
    needs_critic = True

    def __post_init__(self):
        if not isinstance(self.interval, int) or self.interval < 1:
            raise ValueError(f"penalties.{self.name}.interval: must be a positive integer, "
                             f"got {self.interval!r}")
        if not isinstance(self.weight, (int, float)) or self.weight < 0:
            raise ValueError(
                f"penalties.{self.name}.weight: must be a non-negative number, got {self.weight!r}")

    def compute(self, ctx: PenaltyContext) -> tf.Tensor:
        """(abstract) The unweighted scalar penalty; every registered penalty overrides it."""
        raise NotImplementedError

    def constrain(self, variables: list) -> Optional[Callable[[tf.Tensor], tf.Tensor]]:
        """A projection applied to every discriminator weight after each update, or None.

        The step applies it on every replica (weights are mirrored under a strategy).
        """
        return None


PENALTIES: Registry[type] = Registry("penalties")


@PENALTIES.register("gp")
@dataclasses.dataclass
class GradientPenalty(Penalty):
    """WGAN-GP penalty; ``one_sided`` selects E[max(0, ‖∇‖ − 1)²]."""

    name = "gp"
    weight: float = 10.0
    target: float = 1.0
    one_sided: bool = False

    def compute(self, ctx):
        epsilon = ctx.uniform((), stream=1)
        return gradient_penalty(ctx.critic, ctx.real, ctx.fake, epsilon,
                                target=self.target, one_sided=self.one_sided)


@PENALTIES.register("r1")
@dataclasses.dataclass
class R1Penalty(Penalty):
    """R1 on real data; ``weight`` is γ (the penalty is γ/2 · E‖∇D(x)‖²)."""

    name = "r1"
    weight: float = 10.0

    def compute(self, ctx):
        return r1_penalty(ctx.critic, ctx.real, gamma=1.0)


@PENALTIES.register("r2")
@dataclasses.dataclass
class R2Penalty(Penalty):
    """R2 on generated data; ``weight`` is γ."""

    name = "r2"
    weight: float = 10.0

    def compute(self, ctx):
        return r2_penalty(ctx.critic, ctx.fake, gamma=1.0)


@PENALTIES.register("dragan")
@dataclasses.dataclass
class DraganPenalty(Penalty):
    name = "dragan"
    weight: float = 10.0
    scale: float = 0.5

    def compute(self, ctx):
        noise = ctx.uniform(tuple(ctx.real.shape[1:]), stream=2)
        epsilon = ctx.uniform((), stream=3)
        return dragan_penalty(ctx.critic, ctx.real, noise, epsilon, scale=self.scale)


@PENALTIES.register("drift")
@dataclasses.dataclass
class DriftPenalty(Penalty):
    name = "drift"
    weight: float = 0.001
    needs_critic = False

    def compute(self, ctx):
        return drift_penalty(ctx.real_logits)


@PENALTIES.register("clip")
@dataclasses.dataclass
class WeightClipping(Penalty):
    """Not a loss term: clips every discriminator weight into [−clip_value, clip_value]."""

    name = "clip"
    weight: float = 0.0
    clip_value: float = 0.01
    needs_critic = False

    def compute(self, ctx):
        return tf.constant(0.0)

    def constrain(self, variables):
        clip_value = self.clip_value
        return lambda weight: tf.clip_by_value(weight, -clip_value, clip_value)


def accepted_options(name: str) -> list[str]:
    """Option names a penalty accepts in the config (for validation messages)."""
    cls = PENALTIES.get(name)
    return [f.name for f in dataclasses.fields(cls)]


def get(name: str, **options: Any) -> Penalty:
    """Build a penalty by name; unknown options raise an error listing the accepted ones."""
    cls = PENALTIES.get(name)
    accepted = accepted_options(name)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(
            f"penalties.{name}: unknown option(s) {', '.join(unknown)}; accepted: "
            f"{', '.join(accepted)}")
    return cls(**options)


def names() -> list[str]:
    return PENALTIES.names()


def build_all(spec: Optional[dict], field: str = "penalties") -> list[Penalty]:
    """``{"gp": {"weight": 10}, "r1": None}`` → penalty objects (sorted by name).

    ``field`` names the spec in errors: the config's ``penalties`` (``penalties.r1: …``), or
    a Python argument such as ``penalties=`` (``penalties=: r1: …``)."""
    spec = spec or {}
    if not isinstance(spec, dict):
        raise ValueError(f"{field}: expected a mapping name -> options, got {spec!r}")
    try:
        return [get(name, **(options or {})) for name, options in sorted(spec.items())]
    except (ValueError, TypeError) as error:
        message = str(error)
        if field == "penalties" or not message.startswith("penalties"):
            raise
        rest = message[len("penalties"):]
        raise type(error)(f"{field}: {rest[1:]}" if rest.startswith(".")
                          else f"{field}{rest}") from None

