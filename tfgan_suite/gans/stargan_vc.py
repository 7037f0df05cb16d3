"""StarGAN-VC and StarGAN-VC2: many-to-many voice conversion without parallel data, one
generator for every ordered pair of speakers (speech.md §9–§10).

One step (``train_step``) over a batch of crops x with their speakers c_x (one-hot codes):

    c' ~ U(speakers ≠ c_x)                       the conversion target of each row
    c̃ ~ U(speakers)                              the source code the real term is scored at
    x̂ = G(x, c_x, c')
    L_D = d_loss(D(x, c̃, c_x), D(x̂, c_x, c'))    source_target (StarGAN-VC2)
        = d_loss(D(x, c_x),     D(x̂, c'))        target        (StarGAN-VC)
          + λ_cls · CE(C(x), c_x)                  with a classifier (StarGAN-VC)
    L_G = adv(D(x̂, …)) + λ_cls · CE(C(x̂), c')
          + λ_cyc · |G(x̂, c', c_x) − x|₁           the codes swapped, not repeated
          + λ_id(step) · |G(x, c_x, c_x) − x|₁     λ_id = 0 from identity_steps on

D (and the classifier, in the same optimizer) is updated first on fakes of the current G,
then G — the order of the StarGAN reference template. A generator or discriminator with
two inputs takes (features, target code); with three, (features, source code, target
code). ``adversarial: source_target`` needs the three-input discriminator.

Sources, read for the losses and constants (nothing copied): Kameoka et al., SLT 2018
(arXiv 1806.02169) and hujinsen/pytorch-StarGAN-VC for StarGAN-VC; Kaneko et al.,
Interspeech 2019 (arXiv 1907.12279) and the three reimplementations the sheet read
(SamuelBroughton/StarGAN-Voice-Conversion-2 ``solver.py``, moatriver/StarGAN-VC2-tf,
MingjieChen/VoiceConversionGANs ``stgan2_ls``) for the source-and-target loss: reals at
(random c, c_y), fakes at (c_x, c'), λ_cyc 10, λ_id 5 for 10⁴ steps, LSGAN, no classifier.
Deviations and choices (speech.md §12.6–7 lists what the papers' text did not confirm):
targets are drawn among the *other* speakers (every row is a conversion; the
reimplementations draw over all, so some rows are identity maps); λ_cls 1 for StarGAN-VC
(paper unknown; hujinsen uses 2 with λ_cyc 3, λ_id 2 — our recipes use the VC2 weights
for both so the ablation changes one thing); the adversarial G term with least squares is
CycleGAN's unhalved mean (D − 1)² (``translation.adversarial_generator_loss``).

Distribution: every draw is a global-batch stateless draw keyed by (seed, step, stream),
each replica taking its rows (``AdversarialModel._draw``); losses are replica means
scaled by 1/replicas, so a 2-replica step equals the 1-device step.
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import tensorflow as tf

from tfgan_suite import networks, ops
from tfgan_suite.gans import translation
from tfgan_suite.gans.base import AdversarialModel
from tfgan_suite.gans.voice_conversion import SpeechConversion

ADVERSARIAL = ("target", "source_target")
#: Stream ids of the step's draws.
_TARGET_STREAM, _REAL_SOURCE_STREAM = 1, 2


def one_hot(indices: tf.Tensor, num_domains: int) -> tf.Tensor:
    """Float32 one-hot codes ``[batch, num_domains]`` of speaker indices."""
    return tf.one_hot(tf.cast(indices, tf.int32), num_domains, dtype=tf.float32)


def _l1(a, b) -> tf.Tensor:
    return tf.reduce_mean(tf.abs(tf.cast(a, tf.float32) - tf.cast(b, tf.float32)))


@keras.saving.register_keras_serializable(package="tfgan_suite")
class StarGANVC(SpeechConversion, AdversarialModel):
    """StarGAN-VC (section ``stargan_vc``): G(x, c'), a target-conditional D(y, c') and a
    domain classifier C; with ``adversarial="source_target"`` and no classifier, the
    StarGAN-VC2 objective (``StarGANVC2``).

    Args:
        generator: G, (features, [source code,] target code) → features of one shape.
        discriminator: D, (features, [source code,] target code) → logits ``[batch, 1]``.
        domains: the speakers' names, in code order.
        adversarial: ``target`` or ``source_target`` (module docstring).
        classifier_weight: λ_cls; > 0 needs ``classifier``.
        classifier: C, features → speaker logits ``[batch, len(domains)]``.
        cycle_weight, identity_weight: λ_cyc, λ_id.
        identity_steps: the identity loss is on for steps < identity_steps (None: always).
        **kwargs: as ``AdversarialModel`` (``n_critic`` must be 1; EMA covers G).
    """

    many_domains = True
    section = "stargan_vc"
    default_networks = ("stargan_vc", "stargan_vc")
    logit_shape = None  # checked here: D takes codes (check_networks)

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 domains=("a", "b"), adversarial: str = "target",
                 classifier_weight: float = 1.0, classifier: Optional[keras.Model] = None,
                 cycle_weight: float = 10.0, identity_weight: float = 5.0,
                 identity_steps: Optional[int] = 10000, **kwargs):
        self.domains = self._check_domains(domains)
        if kwargs.get("n_critic", 1) != 1:
            raise ValueError(f"train.n_critic: {self.section} alternates one update of each; "
                             f"accepted: 1, got {kwargs['n_critic']!r}")
        if adversarial not in ADVERSARIAL:
            raise ValueError(f"{self.section}.adversarial: unknown value {adversarial!r}; "
                             f"accepted: {', '.join(ADVERSARIAL)}")
        translation.check_weights(self.section, classifier_weight=classifier_weight,
                                  cycle_weight=cycle_weight, identity_weight=identity_weight)
        translation.check_identity_steps(self.section, identity_steps)
        if float(classifier_weight) > 0 and classifier is None:
            raise ValueError(f"{self.section}.classifier_weight: {classifier_weight} needs a "
                             "domain classifier (classifier=); set it to 0 to train without")
        self.adversarial = adversarial
        self.classifier_weight = float(classifier_weight)
        self.classifier = classifier if self.classifier_weight > 0 else None
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.identity_steps = identity_steps
        super().__init__(generator, discriminator, **kwargs)

    @property
    def num_domains(self) -> int:
        return len(self.domains)

    def check_networks(self) -> None:
        """G: (features, codes) → features of the same shape; D: (features, codes) →
        ``[batch, 1]`` with the codes ``adversarial`` needs; C: features → one logit per
        speaker."""
        n = self.num_domains
        g_inputs = [tuple(x.shape[1:]) for x in self.generator.inputs]
        if (len(g_inputs) not in (2, 3) or any(shape != (n,) for shape in g_inputs[1:])
                or tuple(self.generator.outputs[0].shape[1:]) != g_inputs[0]):
            raise ValueError(f"generator.name: {self.section} needs G(features, [source code,] "
                             f"target code) with codes of {n} speakers and features out of "
                             f"the input's shape; got {self.generator.name} {g_inputs} → "
                             f"{tuple(self.generator.outputs[0].shape[1:])}")
        d_inputs = [tuple(x.shape[1:]) for x in self.discriminator.inputs]
        wanted = 3 if self.adversarial == "source_target" else 2
        if (len(d_inputs) != wanted or any(shape != (n,) for shape in d_inputs[1:])
                or tuple(self.discriminator.outputs[0].shape[1:]) != (1,)):
            codes = "source and target codes" if wanted == 3 else "the target code"
            raise ValueError(f"discriminator.name: {self.section}.adversarial "
                             f"{self.adversarial} needs D(features, {codes}) → [batch, 1] "
                             f"for {n} speakers; got {self.discriminator.name} {d_inputs} → "
                             f"{tuple(self.discriminator.outputs[0].shape[1:])}")
        if self.classifier is not None and tuple(self.classifier.outputs[0].shape[1:]) != (n,):
            raise ValueError(f"{self.section}.classifier: needs one logit per speaker ({n}), "
                             f"got {tuple(self.classifier.outputs[0].shape[1:])}")

    # --- configuration ---------------------------------------------------------------------

    @classmethod
    def network_options(cls, config: dict, facts, generator_spec: dict,
                        discriminator_spec: dict) -> tuple[dict, dict]:
        """The projection discriminator judges with the codes ``adversarial`` uses."""
        section = config.get(cls.section) or {}
        if discriminator_spec.get("name") == "stargan_vc2" and "codes" not in discriminator_spec:
            discriminator_spec = dict(discriminator_spec, codes=section.get(
                "adversarial", "target"))
        return generator_spec, discriminator_spec

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        section = dict(config.get(cls.section) or {})
        options = {key: section[key] for key in ("adversarial", "classifier_weight",
                                                 "cycle_weight", "identity_weight",
                                                 "identity_steps") if key in section}
        options["domains"] = tuple(facts.info["domains"])
        if float(options.get("classifier_weight", 1.0)) > 0:
            spec = {"name": "stargan_vc_classifier", **(section.get("classifier") or {})}
            options["classifier"] = networks.build_discriminator(
                spec, dims=facts.info["dims"], frames=facts.info["frames"],
                num_domains=len(facts.info["domains"]))
        return options

    def compile(self, *args, **kwargs) -> None:
        super().compile(*args, **kwargs)
        translation.refuse_penalties(self.section, self.penalties)

    def get_config(self) -> dict[str, Any]:
        config = dict(super().get_config(), domains=list(self.domains),
                      adversarial=self.adversarial, classifier_weight=self.classifier_weight,
                      cycle_weight=self.cycle_weight, identity_weight=self.identity_weight,
                      identity_steps=self.identity_steps)
        if self.classifier is not None:
            config["classifier"] = keras.saving.serialize_keras_object(self.classifier)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if config.get("classifier") is not None:
            config["classifier"] = keras.saving.deserialize_keras_object(
                config["classifier"], custom_objects=custom_objects)
        return super().from_config(config, custom_objects)

    def _all_discriminator_variables(self) -> list:
        extra = self.classifier.trainable_variables if self.classifier is not None else []
        return self.discriminator.trainable_variables + extra

    def extra_metric_names(self) -> list[str]:
        return (["cycle", "identity"]
                + (["classification", "d_classification"] if self.classifier else []))

    # --- conversion --------------------------------------------------------------------------

    def generate(self, network: keras.Model, features, source_code, target_code,
                 training: bool = False) -> tf.Tensor:
        """G(x, [c,] c') with the codes the network takes."""
        codes = [source_code, target_code] if len(network.inputs) == 3 else [target_code]
        return tf.cast(network([features, *codes], training=training), tf.float32)

    def judge(self, features, source_code, target_code) -> tf.Tensor:
        """D(y, [c,] c') with the codes ``adversarial`` uses."""
        codes = ([source_code, target_code] if self.adversarial == "source_target"
                 else [target_code])
        return self.discriminator([features, *codes], training=True)

    def converter(self, source: str, target: str):
        self.check_direction(source, target)
        network = self.sampling_generator
        source_index, target_index = self.domains.index(source), self.domains.index(target)

        def convert(features):
            batch = tf.shape(features)[0]
            codes = [one_hot(tf.fill([batch], index), self.num_domains)
                     for index in (source_index, target_index)]
            return self.generate(network, features, *codes)
        return convert

    def identity_weight_at(self, step) -> tf.Tensor:
        """λ_id at ``step`` (0 from ``identity_steps`` on)."""
        return translation.identity_weight_at(self.identity_weight, self.identity_steps, step)

    # --- the step --------------------------------------------------------------------------

    def unpack_batch(self, data):
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise ValueError(f"{self.name}: training batches must be (features, speaker "
                             "index) pairs (data.domains of a voices: corpus)")
        return self.check_features(data[0]), tf.cast(data[1], tf.int32)

    def draw_codes(self, labels: tf.Tensor, step) -> tuple[tf.Tensor, tf.Tensor]:
        """(target c' ≠ c_x, random source code c̃ of the real term) as speaker indices,
        rows of global-batch stateless draws."""
        n = self.num_domains
        batch = tf.shape(labels)[0]
        shift = tf.cast(self._draw(ops.stateless_uniform, batch, [], step, _TARGET_STREAM)
                        * (n - 1), tf.int32)
        target = (labels + 1 + tf.minimum(shift, n - 2)) % n
        random_source = tf.cast(self._draw(ops.stateless_uniform, batch, [], step,
                                           _REAL_SOURCE_STREAM) * n, tf.int32)
        return target, tf.minimum(random_source, n - 1)

    def train_step(self, data):
        x, labels = self.unpack_batch(data)
        step = tf.convert_to_tensor(self.step_counter.value)
        n = self.num_domains
        target, random_source = self.draw_codes(labels, step)
        c_x, c_t, c_r = (one_hot(i, n) for i in (labels, target, random_source))
        g = self.generator
        terms = {}

        fake = tf.stop_gradient(self.generate(g, x, c_x, c_t, training=True))
        with tf.GradientTape() as tape:
            d_loss = self.objective.d_loss(self.judge(x, c_r, c_x), self.judge(fake, c_x, c_t))
            total = d_loss
            if self.classifier is not None:
                terms["d_classification"] = self._classification(x, labels)
                total += self.classifier_weight * terms["d_classification"]
            scaled = self.d_optimizer.scale_loss(self._scale(total))
        variables = self._discriminator_variables()
        self.d_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables,
                                             strict=True))
        terms["d_loss"] = d_loss

        identity_weight = self.identity_weight_at(step)
        with tf.GradientTape() as tape:
            fake = self.generate(g, x, c_x, c_t, training=True)
            fake_logits = self.judge(fake, c_x, c_t)
            real_logits = self.judge(x, c_r, c_x) if self.objective.uses_real_in_g else None
            terms["g_loss"] = translation.adversarial_generator_loss(
                self.objective, fake_logits, real_logits)
            terms["cycle"] = self.cycle_weight * _l1(
                self.generate(g, fake, c_t, c_x, training=True), x)
            terms["identity"] = tf.cond(
                identity_weight > 0.0,
                lambda: identity_weight * _l1(self.generate(g, x, c_x, c_x, training=True), x),
                lambda: tf.constant(0.0))
            if self.classifier is not None:
                terms["classification"] = self.classifier_weight * self._classification(
                    fake, target)
            scaled = self.g_optimizer.scale_loss(self._scale(tf.add_n(
                [terms[k] for k in ("g_loss", "cycle", "identity", "classification")
                 if k in terms])))
        return self._finish_generator_step(tape, scaled, step, terms)

    def _classification(self, features, labels) -> tf.Tensor:
        """Mean cross-entropy of the classifier's speaker logits against ``labels``."""
        logits = tf.cast(self.classifier(features, training=True), tf.float32)
        return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
            labels, logits, from_logits=True))


@keras.saving.register_keras_serializable(package="tfgan_suite")
class StarGANVC2(StarGANVC):
    """StarGAN-VC2 (section ``stargan_vc2``): the source-and-target conditional adversarial
    loss and no classifier by default; its networks (``stargan_vc2``: the 2-1-2D generator
    with conditional instance norm, the projection discriminator) come from the recipe."""

    section = "stargan_vc2"
    default_networks = ("stargan_vc2", "stargan_vc2")

    def __init__(self, generator: keras.Model, discriminator: keras.Model, **kwargs):
        kwargs.setdefault("adversarial", "source_target")
        kwargs.setdefault("classifier_weight", 0.0)
        super().__init__(generator, discriminator, **kwargs)


__all__ = ["ADVERSARIAL", "StarGANVC", "StarGANVC2", "one_hot"]
