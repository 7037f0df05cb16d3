"""``AdversarialModel``: the one adversarial training step, as a Keras model.

Algorithm (one ``train_step``, i.e. one generator update):

    for i in 1..n_critic:
        z ~ N(0, I);  x̃ = G(z)
        L_D = objective.d_loss(D(x), D(x̃)) + Σ_p weight_p · penalty_p   (lazy: every k-th)
        D ← D − ∇L_D
    z ~ N(0, I);  L_G = objective.g_loss(D(x), D(G(z)));  G ← G − ∇L_G
    G_ema ← β·G_ema + (1 − β)·G

Variants change behaviour through small hooks (``unpack_batch``, ``fake_conditions``,
``generator_inputs``, ``measure_fakes``, ``discriminate``, ``discriminator_fakes``,
``extra_d_losses``, ``extra_g_losses``) instead of rewriting the step. A model whose fakes
come from more than one network (NR-GAN: an image generator plus a noise generator) overrides
``fakes_for_discriminator`` and lists its extra networks in ``generator_networks``; the G
optimizer, the EMA and checkpoints then cover them too.

Distribution: ``train_step`` runs once per replica and optimizers *sum* gradients over
replicas, so every loss term (a mean over the replica's examples) is divided by the
number of replicas: the sum over replicas is then the mean over the global batch.
Random draws use stateless RNG keyed by (seed, step, stream) and are drawn for the whole
global batch, each replica taking its own rows; a run is therefore reproducible for any
number of replicas, and a 2-replica step equals the 1-device step.
"""

from __future__ import annotations

import sys
from typing import Any, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import checkpoints, ops
from tfgan_suite import objectives as objectives_lib
from tfgan_suite import penalties as penalties_lib
from tfgan_suite.gans import keras_view, network_checks, standing
from tfgan_suite.gans import latent as latent_lib

# Stream ids keep the stateless draws of one step apart (see ``_draw``).
_STREAMS_PER_UPDATE = 16
_MAX_STREAMS = 1024
#: Offset, within a discriminator update's streams, of the draws of
#: ``discriminator_fakes`` (e.g. StackGAN's mismatched conditions).
D_FAKES_STREAM = 7
#: Offset, within an update's streams, of the draws of the fakes' conditions (penalties use
#: offsets 1-3, z uses 0).
CONDITION_STREAM = 8
#: Offset of the draws of the fakes' measurement (``measure_fakes``).
MEASUREMENT_STREAM = 9
#: First of the offsets (10-15) free for a subclass's own draws of the fakes
#: (``fakes_for_discriminator``).
FAKE_STREAMS = 10
#: The streams of ``generator_regularisation``: those after the last update's (the
#: generator update is update ``n_critic``), i.e. (n_critic + 1) · 16 + offset.
def regularisation_stream(n_critic: int, offset: int) -> int:
    return (n_critic + 1) * _STREAMS_PER_UPDATE + offset


_SAMPLE_STREAM = 0x5A
_STANDING_STREAM = 0x57
#: How the EMA generator's BatchNorm moving statistics are kept (``train.ema_statistics``).
EMA_STATISTICS = ("copy", "standing")


def _with_loss_scaling(optimizer):
    """Wrap in ``LossScaleOptimizer`` under the ``mixed_float16`` policy (bf16 needs none)."""
    policy = keras.mixed_precision.global_policy().name
    if policy == "mixed_float16" and not isinstance(optimizer,
                                                    keras.optimizers.LossScaleOptimizer):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


#: Keras's compile arguments that a GAN does not use, and what to pass instead.
_KERAS_COMPILE_ARGUMENTS = {
    "optimizer": "d_optimizer= and g_optimizer=",
    "loss": "objective= (a name or an objectives.Objective) or d_loss_fn= / g_loss_fn=",
    "loss_weights": "penalties= for weighted extra terms",
    "metrics": "nothing: the step logs its loss terms (d_loss, g_loss, penalties)",
    "weighted_metrics": "nothing: the step logs its loss terms (d_loss, g_loss, penalties)",
}


class _StepContext:
    """What a penalty sees of the current discriminator update (``PenaltyContext``)."""

    def __init__(self, model: AdversarialModel, critic, real, fake, real_logits, step,
                 update_index):
        self.critic = critic
        self.real = real
        self.fake = fake
        self.real_logits = real_logits
        self._model = model
        self._step = step
        self._update_index = update_index

    def uniform(self, shape_per_example: tuple, stream: int) -> tf.Tensor:
        stream_id = self._update_index * _STREAMS_PER_UPDATE + stream
        return self._model._draw(ops.stateless_uniform, tf.shape(self.real)[0],
                                 [int(d) for d in shape_per_example], self._step, stream_id)


def _regularised_variables(network: keras.Model) -> list:
    return [v for v in network.trainable_weights if getattr(v, "regularizer", None) is not None]


def _regularisation(network: keras.Model) -> Optional[tf.Tensor]:
    """Sum of the network's weight regularisers (e.g. BigGAN's orthogonal regularisation),
    evaluated on the current weights inside the tape; None when it has none. Layer
    ``add_loss`` terms are not used by the adversarial step."""
    terms = [tf.cast(v.regularizer(v), tf.float32) for v in _regularised_variables(network)]
    return tf.add_n(terms) if terms else None


def _all_finite(tensors: list) -> tf.Tensor:
    return tf.reduce_all([tf.reduce_all(tf.math.is_finite(t)) for t in tensors if t is not None])


def _sync_assign(pairs: list, combine) -> None:
    """For (target, source) variable pairs: target ← combine(target, source), on every replica.

    Model variables are mirrored under a strategy; writing them from the replica context
    goes through a merge call, exactly as Keras optimizers do.
    """
    if not pairs:
        return

    def merge_fn(strategy, pairs):
        for target, source in pairs:
            target = target.value if isinstance(target, keras.Variable) else target
            source = source.value if isinstance(source, keras.Variable) else source
            strategy.extended.update(
                target, lambda t, s: t.assign(combine(t, s)), args=(source,), group=False)

    tf.__internal__.distribute.interim.maybe_merge_call(
        merge_fn, tf.distribute.get_strategy(), pairs)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class AdversarialModel(keras.Model):
    """A GAN: a generator, a discriminator, and the adversarial ``train_step``.

    Both networks may be any Keras models — ``Sequential``, functional or subclassed. The
    pair is checked when the model is built (``check_networks``): G's output must be D's
    input, D must give one logit per example, and keras-io's ``(discriminator, generator)``
    order is recognised; each problem is one ``ValueError`` naming the argument and shapes.
    Unbuilt (subclassed) networks are built here from ``latent_dim`` — G on z, D on G's
    output — so construct the model inside ``strategy.scope()`` when distributing.

    Args:
        generator: a ``keras.Model`` mapping z (``[batch, latent_dim]``) to samples.
        discriminator: a ``keras.Model`` mapping samples to logits ``[batch, 1]``.
        latent_dim: size of z; read from the generator's input when omitted (required for
            an unbuilt subclassed generator).
        n_critic: discriminator updates per generator update.
        ema_decay: β of the generator's exponential moving average; ``None`` disables
            it. Once enabled, ``sample`` uses the averaged generator.
        ema_start: steps during which the average simply copies the generator. After it,
            the decay is min(β, (1 + t) / (10 + t)), t = steps since ``ema_start``.
        seed: seed of every random draw in training (z, penalty interpolation).
        ema_statistics: ``copy``: the EMA generator's BatchNorm moving statistics are copied
            from the generator every step; ``standing``: recomputed from the averaged
            weights themselves over ``standing_batches`` batches of fixed z
            (``gans/standing.py``) whenever the step has changed since the last time, before
            any sampling or checkpoint.
        standing_batches, standing_batch_size: the batches of standing statistics.

    Example (docs/guides/keras.md has runnable ones):
        >>> import tfgan_suite as tg
        >>> gan = tg.AdversarialModel(tg.networks.MLPGenerator(latent_dim=8),
        ...                           tg.networks.MLPDiscriminator())
        >>> gan.compile(d_optimizer="adam", g_optimizer="adam", objective="hinge",
        ...             penalties={"r1": {"weight": 1.0}})
        >>> gan.fit(tg.data.load("ring", batch_size=256), steps_per_epoch=100, epochs=1)
        >>> gan.sample(16, seed=0).shape        # gan(z) and gan.predict(z) too
        (16, 2)
    """

    #: Shape per example of the discriminator's adversarial output, checked when the model
    #: is built (``check_networks``); a family with other outputs (CycleGAN's PatchGAN: one
    #: logit per patch) sets None.
    logit_shape: Optional[tuple] = (1,)

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 latent_dim: Optional[int] = None, n_critic: int = 1,
                 ema_decay: Optional[float] = None, ema_start: int = 0, seed: int = 0,
                 ema_statistics: str = "copy", standing_batches: int = 16,
                 standing_batch_size: int = 64, **kwargs):
        super().__init__(**kwargs)
        if ema_statistics not in EMA_STATISTICS:
            raise ValueError(f"train.ema_statistics: unknown value {ema_statistics!r}; "
                             f"accepted: {', '.join(EMA_STATISTICS)}")
        for field, value in (("standing_batches", standing_batches),
                             ("standing_batch_size", standing_batch_size)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"train.{field}: must be a positive integer, got {value!r}")
        # Updates 0 … n_critic, then one block for ``generator_regularisation``.
        max_critic = _MAX_STREAMS // _STREAMS_PER_UPDATE - 2
        if not isinstance(n_critic, int) or not 1 <= n_critic <= max_critic:
            raise ValueError(f"train.n_critic: must be an integer in [1, {max_critic}], "
                             f"got {n_critic!r}")
        if ema_decay is not None and not 0.0 <= float(ema_decay) < 1.0:
            raise ValueError(f"train.ema_decay: must be in [0, 1) or null, got {ema_decay!r}")
        network_checks.check_not_swapped(generator, discriminator)
        if not (generator.built and discriminator.built) and getattr(self, "conditional", False):
            raise ValueError(f"generator= / discriminator=: {type(self).__name__} calls its "
                             "networks with labels, so it cannot build them for you; build "
                             "both first (call each on a batch)")
        network_checks.build_if_needed(generator, discriminator, latent_dim)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim or network_checks.latent_size(generator))
        self.check_networks()
        self.n_critic = n_critic
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.ema_start = int(ema_start)
        self.seed = int(seed)
        self.ema_statistics = ema_statistics
        self.standing_batches = standing_batches
        self.standing_batch_size = standing_batch_size
        self._standing_step: Optional[int] = None
        self.ema_generator = self.averaged_copy(generator)
        # One generator update per step; ONLY_FIRST_REPLICA keeps it consistent.
        self.step_counter = keras.Variable(0, dtype="int64", trainable=False, name="step",
                                           aggregation="only_first_replica")
        self.objective = None
        self.penalties: list[penalties_lib.Penalty] = []
        self._sample_fn = None
        self.built = True  # both networks are built functional models

    def averaged_copy(self, network: keras.Model) -> Optional[keras.Model]:
        """A frozen copy of ``network`` for its EMA (None when EMA is disabled)."""
        if self.ema_decay is None:
            return None
        copy = network.__class__.from_config(network.get_config())
        if not copy.built:  # a subclassed network: called once on an input like the first
            shape = (network.get_build_config() or {}).get("input_shape")
            if not isinstance(shape, (list, tuple)) or not all(
                    isinstance(d, (int, type(None))) for d in shape):
                raise ValueError(f"ema_decay=: cannot rebuild a copy of {network.name!r} for "
                                 "its average (a subclassed network with several inputs); "
                                 "build it functionally or pass ema_decay=None")
            copy(np.zeros([1 if d is None else d for d in shape], np.float32), training=False)
        copy.set_weights(network.get_weights())
        copy.trainable = False
        return copy

    def check_networks(self) -> None:
        """Checks of the pair when the model is built (hook; ``network_checks``): G's
        output against D's input, and — for families that use the discriminator's output as
        the adversarial logit and feed G only z — z's size and D's ``[batch, 1]`` output.
        A family whose networks take or give more documents and checks its own."""
        def default(hook: str) -> bool:
            return getattr(type(self), hook) is getattr(AdversarialModel, hook)

        network_checks.check_pair(
            self.generator, self.discriminator,
            self.latent_dim if default("generator_inputs") else None,
            judges_generator_output=default("fakes_for_discriminator"),
            logit_shape=self.logit_shape if default("discriminate") else None)

    def call(self, inputs, training: bool = False):
        """``gan(z)`` and ``gan.predict(z)``: samples of the sampling generator (the
        averaged one when EMA is on) for z ``[batch, latent_dim]``, or ``[z, labels]`` for
        conditional models. ``sample(n, seed)`` draws z for you."""
        z, labels = (inputs if isinstance(inputs, (list, tuple)) and len(inputs) == 2
                     else (inputs, None))
        z = tf.convert_to_tensor(z, tf.float32)
        if labels is not None:
            labels = tf.convert_to_tensor(labels)
        elif getattr(self, "conditional", False):
            raise ValueError(f"inputs: {type(self).__name__} is conditional; call it on "
                             "[z, labels]")
        return self.sampling_generator(self.generator_inputs(z, labels), training=training)

    # --- configuration ---------------------------------------------------------------------

    def compile(self, d_optimizer: Any = "adam", g_optimizer: Any = "adam",
                objective: Any = None, penalties: Optional[dict] = None,
                label_smoothing: float = 0.0, fuse_discriminator_passes: bool = False,
                d_loss_fn=None, g_loss_fn=None, **kwargs) -> None:
        """Set optimizers, objective and penalties; ``kwargs`` go to ``keras.Model.compile``.

        ``model.optimizer`` then holds both optimizers (``keras_view.OptimizerPair``): Keras's
        learning-rate callbacks act on each, TensorBoard logs ``learning_rate_discriminator``
        and ``learning_rate_generator``; ``tfgan_suite.callbacks.for_optimizer`` narrows a
        callback to one.

        Args:
            d_optimizer, g_optimizer: optimizer instances or identifiers (separate
                learning rates, e.g. TTUR, come from two instances).
            objective: a name from ``objectives.names()`` (default ``non_saturating``) or
                an ``objectives.Objective`` (your own pair of losses of the logits).
            d_loss_fn, g_loss_fn: instead of ``objective``, keras-io's pair of callables:
                ``d_loss_fn(real_logits, fake_logits)`` and ``g_loss_fn(fake_logits)``, each
                a scalar mean over the batch (``objectives.from_loss_fns``).
            penalties: ``{name: {option: value}}``, e.g. ``{"gp": {"weight": 10.0}}``.
            label_smoothing: one-sided label smoothing for minimax / non-saturating.
            fuse_discriminator_passes: run the discriminator once on the concatenation
                of real and fake examples instead of once per set (fewer, larger kernels).
                Only valid when the discriminator treats examples independently (no
                BatchNorm), which the caller asserts. Penalties keep their own pass: folding
                the GP's interpolates into the same pass would make its double backward
                run over all three sets (measured 1.6x slower).
            **kwargs: e.g. ``jit_compile``, ``steps_per_execution`` (keywords only).
        """
        for keras_argument, ours in _KERAS_COMPILE_ARGUMENTS.items():
            if keras_argument in kwargs:
                raise ValueError(f"{keras_argument}=: AdversarialModel.compile does not use "
                                 f"Keras's {keras_argument}; pass {ours}")
        self.objective = objectives_lib.resolve(objective, label_smoothing, d_loss_fn,
                                                g_loss_fn)
        self._loss_fns = (d_loss_fn, g_loss_fn) if d_loss_fn is not None else None
        self._penalty_spec = dict(penalties or {})
        self.penalties = penalties_lib.build_all(self._penalty_spec, field="penalties=")
        # No optimizer for Keras to create (it would make a default RMSprop that nothing
        # trains with); ``optimizer`` is then the pair that trains.
        super().compile(optimizer=None, **kwargs)
        self._label_smoothing = label_smoothing
        self.fuse_discriminator_passes = bool(fuse_discriminator_passes)
        self.d_optimizer = _with_loss_scaling(keras.optimizers.get(d_optimizer))
        self.g_optimizer = _with_loss_scaling(keras.optimizers.get(g_optimizer))
        self.d_optimizer.build(self._all_discriminator_variables())
        self.g_optimizer.build(self._all_generator_variables())
        self.optimizer = keras_view.OptimizerPair(self.d_optimizer, self.g_optimizer)
        names = self.adversarial_metric_names() + [p.name for p in self.penalties]
        names += self.extra_metric_names()
        names += [name for name, network in (("d_reg", self.discriminator),
                                             ("g_reg", self.generator))
                  if _regularised_variables(network)]
        self._trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self._loss_terms = keras_view.LossTerms(list(self._trackers.values()))

    @property
    def trains_on_labels(self) -> bool:
        """Whether training batches must carry labels: conditional models, and models that
        use labels without being conditional (weakly supervised DTLC-GAN)."""
        return bool(getattr(self, "conditional", False))

    def generator_networks(self) -> list[tuple[keras.Model, Optional[keras.Model]]]:
        """``(network, its EMA copy or None)`` of every network the generator update trains
        (hook): the generator by default; NR-GAN adds its noise generator."""
        return [(self.generator, self.ema_generator)]

    def _all_generator_variables(self) -> list:
        """Every trainable variable of every generator network (what G's optimizer holds)."""
        return [v for network, _ in self.generator_networks()
                for v in network.trainable_variables]

    def _generator_variables(self) -> list:
        """What the generator update trains (hook: ProGAN's current stage only)."""
        return self._all_generator_variables()

    def _all_discriminator_variables(self) -> list:
        """Every trainable variable of every discriminator network (what D's optimizer
        holds; hook: CycleGAN's two discriminators)."""
        return self.discriminator.trainable_variables

    def _discriminator_variables(self) -> list:
        """What the discriminator update trains (hook: ProGAN's current stage only)."""
        return self._all_discriminator_variables()

    def training_callbacks(self) -> list:
        """Callbacks ``tfgan train`` adds to ``fit`` (hook: ProGAN's growth schedule)."""
        return []

    def prepare_reals(self, real: tf.Tensor, step) -> tf.Tensor:
        """The real batch as every update of ``step`` sees it (hook: ProGAN fades the reals
        with its generator's newest block); default unchanged."""
        return real

    def extra_metric_names(self) -> list[str]:
        """Names of the extra loss terms a subclass logs (hook)."""
        return []

    def adversarial_metric_names(self) -> list[str]:
        """The adversarial terms the step logs (hook): ``d_loss`` and ``g_loss``; a model
        that trains without its discriminator (the squared-error postfilter) logs none."""
        return ["d_loss", "g_loss"]

    @property
    def metrics(self):
        """The step's loss trackers, as one ``MetricsList`` (``keras_view.LossTerms``) so
        that monitor callbacks know each is minimised."""
        terms = getattr(self, "_loss_terms", None)
        return [] if terms is None else [terms]

    @classmethod
    def network_options(cls, config: dict, facts, generator_spec: dict,
                        discriminator_spec: dict) -> tuple[dict, dict]:
        """The ``generator`` / ``discriminator`` config sections this family needs, given
        the run's (hook; default: unchanged). InfoGAN widens the generator's z by its codes
        and gives the discriminator a Q head; the factory stays free of per-model code.
        ``facts``: the run's ``factory.RunFacts`` (the data's shape, observed classes,
        corruptions), handed down so that no family imports the factory."""
        return generator_spec, discriminator_spec

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        """Constructor options of this family read from a run config (its own section), on
        top of the networks and the ``train`` options every model takes. ``facts``: the
        run's ``factory.RunFacts`` (``facts.num_classes``: the observed classes, None for
        unlabelled data)."""
        return {}

    def get_config(self) -> dict[str, Any]:
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim, "n_critic": self.n_critic,
            "ema_decay": self.ema_decay, "ema_start": self.ema_start, "seed": self.seed,
            "ema_statistics": self.ema_statistics, "standing_batches": self.standing_batches,
            "standing_batch_size": self.standing_batch_size, "name": self.name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(
                config[key], custom_objects=custom_objects)
        return cls(**config)

    def get_compile_config(self) -> Optional[dict[str, Any]]:
        if self.objective is None:
            return None
        if self._loss_fns is not None:  # keras-io's pair: the functions, by registered name
            objective = {"d_loss_fn": keras.saving.serialize_keras_object(self._loss_fns[0]),
                         "g_loss_fn": keras.saving.serialize_keras_object(self._loss_fns[1])}
        elif self.objective.name in objectives_lib.names():
            objective = {"objective": self.objective.name}
        else:
            return None  # an Objective of the user's: compile again after loading
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            **objective, "penalties": self._penalty_spec,
            "label_smoothing": self._label_smoothing,
            "fuse_discriminator_passes": self.fuse_discriminator_passes,
            "jit_compile": bool(self.jit_compile),
            "steps_per_execution": self.steps_per_execution,
        }

    def fit(self, *args, **kwargs):
        """``keras.Model.fit``, with ``callbacks.GracefulStop`` among ``callbacks=`` turning a
        SIGTERM / SIGINT into a stop after the current execution: the ``callbacks.
        Checkpoints`` callback of the same ``fit`` writes that step, then this raises
        ``callbacks.TrainingInterrupted`` (a ``SystemExit`` with status 143 / 130) after one
        line on stderr naming the signal and the step."""
        given = kwargs.get("callbacks") or []
        listed = list(given.callbacks if isinstance(given, keras.callbacks.CallbackList)
                      else given)
        stops = [c for c in listed if isinstance(c, checkpoints.GracefulStop)]
        writers = [c for c in listed if isinstance(c, checkpoints.Checkpoints)]
        for stop in stops:
            if stop.checkpoints is None and writers:
                stop.checkpoints = writers[-1]
            stop.install()  # before fit: a signal while the first step traces counts too
        try:
            history = super().fit(*args, **kwargs)
        finally:
            for stop in stops:
                stop.uninstall()
        for stop in stops:
            interrupted = stop.interruption()
            if interrupted is not None:
                if stop.announce:
                    print(f"tfgan: {interrupted}", file=sys.stderr, flush=True)
                raise interrupted
        return history

    def compile_from_config(self, config: dict[str, Any]) -> None:
        config = dict(config)
        for key in ("d_optimizer", "g_optimizer", "d_loss_fn", "g_loss_fn"):
            if key in config:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    # --- hooks for variants ----------------------------------------------------------------

    def unpack_batch(self, data):
        """(real, labels) from a dataset element; unconditional models drop labels."""
        if isinstance(data, (tuple, list)):
            return data[0], None
        return data, None

    def fake_conditions(self, real: tf.Tensor, labels, step, stream_id: int):
        """``(generator_condition, discriminator_condition)`` of one update's fakes: what the
        generator is conditioned on, and the label the discriminator sees with the fakes.

        Default: the real batch's labels for both (None for unconditional models). A
        label-noise model draws a clean label for G and its noisy counterpart for D; CP-GAN
        conditions G on the classifier's posterior of the real batch. Random draws must use
        ``self._draw(..., step, stream_id)`` so that replicas and reruns agree.
        """
        return labels, labels

    def generator_inputs(self, z: tf.Tensor, labels):
        """What the generator is called on (conditional models add the labels)."""
        return z

    def fakes_for_discriminator(self, z: tf.Tensor, g_condition, step, update_stream: int,
                                training: bool = True):
        """``(fakes as the discriminator sees them, generator-side loss terms)`` of one
        update, whose draws use streams ``update_stream + offset``.

        Default: G(z) measured by ``measure_fakes``, no terms. The generator update adds
        the terms to its loss (and logs them); the discriminator update ignores them.
        """
        fake = tf.cast(self.generator(self.generator_inputs(z, g_condition), training=training),
                       tf.float32)
        return self.measure_fakes(fake, step, update_stream + MEASUREMENT_STREAM), {}

    def measure_fakes(self, fake: tf.Tensor, step, stream_id: int) -> tf.Tensor:
        """What the discriminator sees of the generated batch: the batch itself, or (e.g.
        AmbientGAN) its lossy measurement; differentiable, with draws keyed by
        ``(step, stream_id)`` for the global batch (``_replica_rows``)."""
        return fake

    def discriminate(self, x: tf.Tensor, labels, training: bool = True):
        """Adversarial logits of ``x``, or ``(logits, aux)`` when the discriminator has an
        auxiliary output (e.g. AC-GAN's class logits), which the extra-loss hooks receive.
        SN needs ``training=True`` inside the step."""
        return self.discriminator(x, training=training)

    def discriminator_fakes(self, real: tf.Tensor, labels, fake: tf.Tensor, d_condition, step,
                            stream_id: int):
        """``(x, condition)``: what the fake side of the discriminator's loss judges in its
        update (the generator's update is unaffected). Default: the generated batch with its
        condition. StackGAN's matching-aware discriminator appends the real images with
        mismatched conditions, so that the objective's mean over the fake side is
        (fake + wrong) / 2. Draws: ``self._draw(..., step, stream_id)``."""
        return fake, d_condition

    def extra_d_losses(self, real_aux, fake_aux, labels, fake_condition) -> dict[str, tf.Tensor]:
        """Additional named discriminator loss terms (e.g. AC-GAN's classifier loss).

        Args:
            real_aux, fake_aux: the auxiliary outputs of ``discriminate`` on the real and
                generated batch (None when it returns logits only).
            labels: the real batch's labels (None for unconditional models).
            fake_condition: what the fakes were generated from (``fake_conditions``' first).
        """
        return {}

    def extra_g_losses(self, fake_aux, fake_condition) -> dict[str, tf.Tensor]:
        """Additional named generator loss terms (``fake_aux`` as in ``extra_d_losses``;
        ``fake_condition``: what the fakes were generated from)."""
        return {}

    def generator_regularisation(self, real: tf.Tensor, step) -> dict[str, tf.Tensor]:
        """Named generator loss terms that need no fakes of the update (e.g. StyleGAN2's
        lazy path-length penalty on its own half batch), computed inside the generator's
        tape and added, already weighted, to its loss. Draws use the streams
        ``regularisation_stream(n_critic, offset)`` (``_draw``)."""
        return {}

    @staticmethod
    def _split(outputs):
        """``discriminate``'s result as (logits, aux)."""
        if isinstance(outputs, (tuple, list)):
            logits, aux = outputs
            return logits, aux
        return outputs, None

    # --- randomness ----------------------------------------------------------------------

    def _stream_seed(self, step, stream_id) -> tf.Tensor:
        """The stateless seed of draw stream ``stream_id`` at ``step``."""
        return tf.stack([tf.constant(self.seed, tf.int64),
                         tf.cast(step, tf.int64) * _MAX_STREAMS + stream_id])

    @staticmethod
    def _replica_rows(per_replica_batch) -> tuple[tf.Tensor, tf.Tensor]:
        """(first row, global batch size) of this replica's share of the global batch."""
        context = tf.distribute.get_replica_context()
        replica_id = tf.cast(context.replica_id_in_sync_group if context else 0, tf.int32)
        num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
        return replica_id * per_replica_batch, per_replica_batch * num_replicas

    def _draw(self, sampler, per_replica_batch, shape_per_example: tuple, step, stream_id):
        """Rows of a global-batch stateless draw keyed by (seed, step, stream_id)."""
        start, global_batch = self._replica_rows(per_replica_batch)
        per_example = tf.constant(shape_per_example, tf.int32)
        full = sampler(tf.concat([[global_batch], per_example], axis=0),
                       self._stream_seed(step, stream_id))
        # tf.slice with a size known in the graph keeps a known batch static. Not
        # ``full[start:start + n]`` + tf.ensure_shape: under jit_compile that made NR-GAN's
        # step ≈ 8× slower on CPU (its noise latent is drawn with an int batch; the notes of
        # docs/results/imperfect_images.md). The same rows either way.
        begin = tf.concat([[start], tf.zeros([len(shape_per_example)], tf.int32)], axis=0)
        return tf.slice(full, begin, tf.concat([[per_replica_batch], per_example], axis=0))

    def _latent(self, batch, step, stream_id):
        return self._draw(ops.stateless_normal, batch, [self.latent_dim], step, stream_id)

    # --- the step ------------------------------------------------------------------------

    def train_step(self, data):
        real, labels = self.unpack_batch(data)
        step = tf.convert_to_tensor(self.step_counter.value)
        real = self.prepare_reals(tf.cast(real, tf.float32), step)
        logs = {}
        step_finite = tf.constant(True)
        for critic_iteration in range(self.n_critic):
            terms, finite = self._discriminator_update(real, labels, step, critic_iteration)
            logs.update(terms)
            step_finite = tf.logical_and(step_finite, finite)
        logs.update(self._generator_update(real, labels, step, step_finite))
        self._update_ema(step)
        self.step_counter.assign_add(1)
        return self._log(logs)

    def _log(self, logs: dict) -> dict:
        """Feeds the step's loss terms to their trackers; what ``train_step`` returns."""
        for name, value in logs.items():
            self._trackers[name].update_state(value)
        results = {name: tracker.result() for name, tracker in self._trackers.items()}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras 3.15 reduces multi-worker logs with reduce("MEAN", axis=0), which fails
            # on scalars (tensorflow/tensorflow#72388): give each log a batch axis of 1.
            results = {name: tf.reshape(value, [1]) for name, value in results.items()}
        return results

    def _scale(self, loss):
        return loss / tf.cast(tf.distribute.get_strategy().num_replicas_in_sync, loss.dtype)

    def _discriminator_update(self, real, labels, step, critic_iteration):
        batch = tf.shape(real)[0]
        update_index = critic_iteration
        z = self._latent(batch, step, update_index * _STREAMS_PER_UPDATE)
        g_condition, d_condition = self.fake_conditions(
            real, labels, step, update_index * _STREAMS_PER_UPDATE + CONDITION_STREAM)
        fake, _ = self.fakes_for_discriminator(z, g_condition, step,
                                               update_index * _STREAMS_PER_UPDATE)
        fake = tf.stop_gradient(fake)
        # Global discriminator-update index, for lazy regularisation intervals.
        d_index = tf.cast(step, tf.int64) * self.n_critic + critic_iteration

        def critic(x):
            """Adversarial logits only: what penalties differentiate."""
            return self._split(self.discriminate(x, labels, training=True))[0]

        judged, d_condition = self.discriminator_fakes(
            real, labels, fake, d_condition, step,
            update_index * _STREAMS_PER_UPDATE + D_FAKES_STREAM)

        with tf.GradientTape() as tape:
            if self.fuse_discriminator_passes:
                both_labels = (None if labels is None or d_condition is None
                               else tf.concat([labels, d_condition], axis=0))
                logits, aux = self._split(self.discriminate(tf.concat([real, judged], axis=0),
                                                            both_labels, training=True))
                real_logits, fake_logits = logits[:batch], logits[batch:]
                real_aux, fake_aux = ((None, None) if aux is None
                                      else (aux[:batch], aux[batch:]))
            else:
                real_logits, real_aux = self._split(self.discriminate(real, labels, True))
                fake_logits, fake_aux = self._split(self.discriminate(judged, d_condition,
                                                                      True))
            terms = {"d_loss": self.objective.d_loss(real_logits, fake_logits)}
            terms.update(self.extra_d_losses(real_aux, fake_aux, labels, g_condition))
            regularisation = _regularisation(self.discriminator)
            if regularisation is not None:
                terms["d_reg"] = regularisation
            total = tf.add_n(list(terms.values()))
            context = _StepContext(self, critic, real, fake, real_logits, step, update_index)
            for penalty in self.penalties:
                value = self._penalty_value(penalty, context, d_index)
                terms[penalty.name] = value
                total += penalty.weight * value * penalty.interval
            scaled = self.d_optimizer.scale_loss(self._scale(total))
        variables = self._discriminator_variables()
        gradients = tape.gradient(scaled, variables)
        # Only loss-scaled (float16) training skips updates; elsewhere skip the check.
        finite = (_all_finite(gradients)
                  if isinstance(self.d_optimizer, keras.optimizers.LossScaleOptimizer)
                  else tf.constant(True))
        self.d_optimizer.apply_gradients(zip(gradients, variables, strict=True))
        for penalty in self.penalties:
            project = penalty.constrain(variables)
            if project is not None:
                _sync_assign([(v, v) for v in variables], lambda t, s, f=project: f(t))
        return terms, finite

    @staticmethod
    def _penalty_value(penalty, context, d_index):
        if penalty.interval == 1:
            return penalty.compute(context)
        due = tf.equal(d_index % penalty.interval, 0)
        return tf.cond(due, lambda: penalty.compute(context), lambda: tf.constant(0.0))

    def _generator_update(self, real, labels, step, step_finite=True):
        batch = tf.shape(real)[0]
        z = self._latent(batch, step, self.n_critic * _STREAMS_PER_UPDATE)
        g_condition, d_condition = self.fake_conditions(
            real, labels, step, self.n_critic * _STREAMS_PER_UPDATE + CONDITION_STREAM)
        with tf.GradientTape() as tape:
            fake, fake_terms = self.fakes_for_discriminator(
                z, g_condition, step, self.n_critic * _STREAMS_PER_UPDATE)
            fake_logits, fake_aux = self._split(self.discriminate(fake, d_condition,
                                                                  training=True))
            real_logits = None
            if self.objective.uses_real_in_g:
                real_logits = self._split(self.discriminate(real, labels, training=True))[0]
            terms = {"g_loss": self.objective.g_loss(real_logits, fake_logits)}
            terms.update(fake_terms)
            terms.update(self.extra_g_losses(fake_aux, g_condition))
            terms.update(self.generator_regularisation(real, step))
            regularisation = _regularisation(self.generator)
            if regularisation is not None:
                terms["g_reg"] = regularisation
            scaled = self.g_optimizer.scale_loss(self._scale(tf.add_n(list(terms.values()))))
        variables = self._generator_variables()
        gradients = tape.gradient(scaled, variables)
        if isinstance(self.g_optimizer, keras.optimizers.LossScaleOptimizer):
            # mixed_float16: when a discriminator update of this step overflowed (and was
            # skipped by its LossScaleOptimizer), skip the generator update too: NaN
            # gradients make the generator's LossScaleOptimizer skip and lower its scale.
            poison = tf.where(step_finite, 0.0, float("nan"))
            gradients = [g + tf.cast(poison, g.dtype) for g in gradients]
        self.g_optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return terms

    def _finish_generator_step(self, tape: tf.GradientTape, scaled_loss: tf.Tensor, step,
                               terms: dict) -> dict:
        """The end of a step a family writes itself (StarGAN-VC, the squared-error
        postfilter): the generators' gradients of ``scaled_loss`` applied, the EMA updated,
        the step counted, ``terms`` logged."""
        variables = self._generator_variables()
        self.g_optimizer.apply_gradients(zip(tape.gradient(scaled_loss, variables), variables,
                                             strict=True))
        self._update_ema(step)
        self.step_counter.assign_add(1)
        return self._log(terms)

    def _update_ema(self, step):
        if self.ema_generator is None:
            return
        # Warm-up as tf.train.ExponentialMovingAverage(num_updates): early averages are
        # short, so the average does not drag the untrained initial weights along.
        steps_averaged = tf.cast(step - self.ema_start, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + steps_averaged) / (10.0 + steps_averaged))
        decay = tf.where(step < self.ema_start, 0.0, decay)
        averaged, copied = [], []
        for ema_weight, weight in self._ema_pairs():
            (averaged if weight.trainable else copied).append((ema_weight, weight))
        _sync_assign(averaged, lambda t, s: decay * t + (1.0 - decay) * s)
        if self.ema_statistics == "copy":  # BatchNorm statistics are copied, not averaged
            _sync_assign(copied, lambda t, s: s)

    def refresh_standing_statistics(self, force: bool = False) -> bool:
        """With ``ema_statistics="standing"``: recompute the EMA generator's BatchNorm
        statistics from its own weights (fixed z, so the result depends on the weights
        only) unless they are current for this step. Returns whether it recomputed.
        ``sample`` and the training callbacks call it; other code rarely needs to."""
        if self.ema_generator is None or self.ema_statistics != "standing":
            return False
        step = int(self.step_counter.numpy())
        if self._standing_step == step and not force:
            return False
        batch = self.standing_batch_size

        def batches():
            for index in range(self.standing_batches):
                z = ops.stateless_normal([batch, self.latent_dim], tf.constant(
                    [self.seed, _STANDING_STREAM + index * _MAX_STREAMS], tf.int64))
                labels = self._sampling_labels(batch, None)
                yield self.generator_inputs(
                    z, None if labels is None else tf.constant(labels))

        standing.recompute_batchnorm_statistics(self.ema_generator, batches())
        self._standing_step = step
        return True

    def _ema_pairs(self) -> list:
        """(EMA weight, weight) pairs of every averaged network, matched by variable path
        within its network (a rebuilt ``Sequential`` drops the model's name from its paths)."""

        def within(weight, network) -> str:
            return weight.path.removeprefix(network.name + "/")

        pairs = []
        for network, averaged in self.generator_networks():
            if averaged is None:
                continue
            ema = {within(w, averaged): w for w in averaged.weights}
            own = [(ema.get(within(w, network)), w) for w in network.weights]
            if any(e is None for e, _ in own) or len(ema) != len(own):
                # A subclassed network's copy has layers of other names: the copy comes from
                # the same config, so its weights stand in the same order.
                if len(averaged.weights) != len(network.weights) or any(
                        e.shape != w.shape for e, w in zip(averaged.weights, network.weights,
                                                           strict=True)):
                    raise ValueError(f"the EMA copy of {network.name} does not mirror its "
                                     "weights")
                own = list(zip(averaged.weights, network.weights, strict=True))
            pairs += own
        return pairs

    # --- sampling --------------------------------------------------------------------------

    @property
    def sampling_generator(self) -> keras.Model:
        """The averaged generator when EMA is enabled, else the generator."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def latent(self, n: int, seed: int = 0, truncation: Optional[float] = None) -> np.ndarray:
        """The z that ``sample(n, seed)`` feeds the generator: stateless N(0, I).

        With ``truncation = t`` (BigGAN's truncation trick), every coordinate with |z| > t
        is redrawn (from further stateless draws of the same seed) until all lie in
        [−t, t]: samples trade variety for fidelity as t shrinks.
        """
        if truncation is not None and not float(truncation) > 0.0:
            raise ValueError(f"truncation: must be positive (or None), got {truncation!r}")
        z = ops.stateless_normal([n, self.latent_dim],
                                 tf.constant([seed, _SAMPLE_STREAM], tf.int64)).numpy()
        if truncation is None:
            return z
        for redraw in range(1, 1000):
            outside = np.abs(z) > truncation
            if not outside.any():
                return z
            fresh = ops.stateless_normal([n, self.latent_dim], tf.constant(
                [seed, _SAMPLE_STREAM + redraw * _MAX_STREAMS], tf.int64)).numpy()
            z = np.where(outside, fresh, z)
        return np.clip(z, -truncation, truncation)  # t so small that redraws rarely land

    def sample(self, n: int, seed: int = 0, labels=None, batch_size: int = 256,
               truncation: Optional[float] = None) -> np.ndarray:
        """``n`` samples from the (averaged) generator as float32 numpy, deterministic in seed.

        Args:
            labels: conditional models: one class for all samples, or ``n`` classes; None
                cycles through the classes (0, 1, …, 0, 1, …). Unconditional: must be None.
            truncation: draw z from N(0, I) truncated to [−t, t] (see ``latent``).
        """
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n: must be a positive integer, got {n!r}")
        self.refresh_standing_statistics()
        z = self.latent(int(n), seed, truncation)
        return self._generate(z, self._sampling_labels(int(n), labels), batch_size)

    def interpolate(self, n: int, steps: int = 8, seed: int = 0, labels=None,
                    batch_size: int = 256, truncation: Optional[float] = None) -> np.ndarray:
        """Interpolation strips [n, steps, …]: row i walks z by ``latent_lib.slerp`` from
        ``latent(n, seed)[i]`` to ``latent(n, seed + 1)[i]`` in ``steps`` equal angles
        (the ends are ``sample(n, seed)`` and ``sample(n, seed + 1)``); the row's
        condition (``labels``, as for ``sample``) stays fixed."""
        n, steps = strip_size(n, steps)
        self.refresh_standing_statistics()
        conditions = self._sampling_labels(n, labels)
        return self._strips(self._slerp_latents(n, steps, seed, truncation), conditions,
                            steps, batch_size)

    def _slerp_latents(self, n, steps, seed, truncation) -> np.ndarray:
        """[n·steps, latent_dim]: every row's z path, row-major."""
        path = latent_lib.slerp(self.latent(n, seed, truncation),
                                self.latent(n, seed + 1, truncation),
                                np.linspace(0.0, 1.0, steps))
        return path.reshape(n * steps, -1).astype(np.float32)

    def _strips(self, z, conditions, steps, batch_size) -> np.ndarray:
        """``_generate`` on [n·steps] latents, each row's condition repeated along its
        strip, reshaped to [n, steps, …]."""
        repeated = None if conditions is None else np.repeat(conditions, steps, axis=0)
        images = self._generate(z, repeated, batch_size)
        return images.reshape(-1, steps, *images.shape[1:])

    def _generate(self, z: np.ndarray, labels: Optional[np.ndarray], batch_size: int
                  ) -> np.ndarray:
        """The sampling generator on ``z`` and the matching rows of ``labels`` (whatever
        ``generator_inputs`` takes), in chunks of ``batch_size``."""
        n = len(z)
        if self._sample_fn is None:
            generator = self.sampling_generator
            # reduce_retracing: the batch size varies (the last chunk, each caller's n), and
            # a trace per size made TensorFlow warn of retracing; after the second size the
            # function is traced once for any batch size.
            self._sample_fn = tf.function(lambda inputs: generator(inputs, training=False),
                                          reduce_retracing=True)
        chunks = []
        for start in range(0, n, batch_size):
            z_chunk = tf.constant(z[start:start + batch_size])
            label_chunk = None if labels is None else tf.constant(labels[start:start + batch_size])
            chunks.append(self._sample_fn(self.generator_inputs(z_chunk, label_chunk)).numpy())
        return np.concatenate(chunks).astype(np.float32)

    def _sampling_labels(self, n: int, labels):
        if labels is not None:
            raise ValueError("labels: this model is unconditional; pass labels=None")
        return None


def strip_size(n, steps) -> tuple[int, int]:
    """Validated (n, steps) of interpolation strips."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n: must be a positive integer, got {n!r}")
    if not isinstance(steps, (int, np.integer)) or steps < 2:
        raise ValueError(f"steps: an interpolation needs at least 2 steps, got {steps!r}")
    return int(n), int(steps)
