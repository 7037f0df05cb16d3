"""GAN postfilters and GAN-VC: a generator conditioned on an input sequence, judged against
the natural sequence it should become (issue #41; speech.md §4–§6).

One model, three registered names, each with its own config section:

- ``ganpf`` (Kaneko, Kameoka, Hojo, Ijima, Hiramatsu, Kashino, "Generative adversarial
  network-based postfilter for statistical parametric speech synthesis", ICASSP 2017): G
  maps an over-smoothed mel-cepstrogram x and noise z to ŷ = x + r(x, z) (networks
  ``ganpf``: x concatenated at every layer, the residual's last conv zero-initialised, so the
  untrained postfilter is the identity, and the first ``offset`` coefficients — c0 — passed
  through untouched); D (``ganpf``) judges the postfiltered coefficients against natural
  ones. Data: ``inputs: oversmoothed`` pairs (``data/voices/pairs.py``).
- ``ganpf_stft`` (Kaneko, Takaki, Kameoka, Yamagishi, "Generative adversarial network-based
  postfilter for STFT spectrograms", Interspeech 2017): the same on log-STFT magnitudes
  (257 bins), split into overlapping frequency bands (4 by default), one postfilter and one
  discriminator per band, the postfilters' outputs merged by a cross-fade whose weights sum
  to 1 (``layers/bands.py``); ``bands: 1`` is the full-band ablation.
- ``ganvc`` (Kaneko, Kameoka, Hiramatsu, Kashino, "Sequence-to-sequence voice conversion
  with similarity metric learned using generative adversarial networks", Interspeech 2017):
  a parallel converter (``vc_gated_1d``) trained on DTW-aligned pairs (``inputs:
  parallel``) with a similarity measured in a hidden layer l of its discriminator
  (``vc_full``) — the learned similarity of Larsen et al. 2016 (VAE/GAN) —

      L_sim = ½ · mean ‖D_l(y) − D_l(G(x))‖²,   L_G = λ_sim·L_sim + L_adv^G,
      L_D = the objective's D loss on y (real) against G(x) (fake),

  the real branch D_l(y) held constant (stop-gradient), D trained by L_D only.

Every weight is relative to the adversarial term (Adam is invariant to the scale of a
loss): ``similarity_weight`` (λ_sim, ``ganvc``'s default 1), ``mse_weight`` (a data-space
squared error, 0 by default: "without pix2pix's L1 unless configured"); ``adversarial:
false`` trains G by its other terms only and never runs D — the squared-error baselines
with the same generator and budget. The papers' exact weights, layer l, G/D layer sizes and
schedules are not confirmed (speech.md §12.1–§12.3); these are the sheet's ``[design]``
choices. The adversarial objective is the recipe's (``least_squares`` in the recipes, as
nnsvs' postfilters; the ICASSP 2017 paper used the cross-entropy GAN [recall]).

Batches are ``(x, y)``: ``[batch, frames, dims]`` crops taken at the same frames. The step
is the suite's: ``unpack_batch`` makes y the real batch and x its condition (as pix2pix),
``fakes_for_discriminator`` draws z statelessly for the global batch (replicas and resumed
runs agree) and adds the squared-error term, ``discriminate`` also returns D_l for the
similarity term (``extra_g_losses``).
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import ops
from tfgan_suite.gans import translation
from tfgan_suite.gans.base import MEASUREMENT_STREAM, AdversarialModel
from tfgan_suite.gans.voice_conversion import SpeechConversion

#: The stream (within an update's block) of the postfilter's noise.
NOISE_STREAM = MEASUREMENT_STREAM
#: Frames of inference noise before it repeats (``SequenceGAN.noise``): 5.12 s.
NOISE_FRAMES = 1024


def _passthrough(generator: keras.Model) -> int:
    """How many leading coefficients the generator leaves untouched (its ``offset``)."""
    config = generator.get_config() if hasattr(generator, "get_config") else {}
    return int((config or {}).get("offset") or 0)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class SequenceGAN(AdversarialModel):
    """G(x[, z]) → ŷ of x's shape, trained against natural y (module docstring).

    Args:
        generator: features ``[B, T, D]`` (and noise of the same shape, when it has two
            inputs: ``ganpf``) → ``[B, T, D]``.
        discriminator: ``[B, frames, D]`` → logits (any shape per example: patch maps).
        adversarial: False trains G by its other terms only, without D.
        mse_weight: λ of mean (ŷ − y)² over the coefficients G changes.
        similarity_weight: λ_sim of the learned similarity (needs ``feature_layer``).
        feature_layer: the name of D's hidden layer l (None: no similarity term).
        **kwargs: as ``AdversarialModel``.
    """

    modality = "speech"
    many_domains = False
    translates = False
    logit_shape = None
    sample_rank = 2
    section = "sequence_gan"
    #: What the model learns from (``data/voices/pairs.py``); ``c0``: whether the pairs keep
    #: c0 (the postfilters pass it through; a converter models c1..cD).
    pair_data = {"inputs": "oversmoothed", "features": "mcep", "c0": True}
    default_networks = ("ganpf", "ganpf")

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 adversarial: bool = True, mse_weight: float = 0.0,
                 similarity_weight: float = 0.0, feature_layer: Optional[str] = None,
                 **kwargs):
        section = self.section
        if not isinstance(adversarial, bool):
            raise ValueError(f"{section}.adversarial: expected true or false, got "
                             f"{adversarial!r}")
        translation.check_weights(section, mse_weight=mse_weight,
                                  similarity_weight=similarity_weight)
        inputs = [tuple(x.shape[1:]) for x in generator.inputs]
        output = tuple(generator.outputs[0].shape[1:])
        if len(inputs) not in (1, 2) or any(len(s) != 2 or s[-1] != output[-1]
                                             for s in inputs) or len(output) != 2:
            raise ValueError(f"generator.name: {section} needs a features-to-features "
                             f"generator ([B, T, D] (+ noise [B, T, D]) → [B, T, D]); "
                             f"accepted: ganpf, vc_gated_1d; got {generator.name} "
                             f"{inputs} → {output}")
        if feature_layer is not None:
            names = [layer.name for layer in discriminator.layers]
            if feature_layer not in names:
                raise ValueError(f"{section}.feature_layer: {discriminator.name} has no layer "
                                 f"{feature_layer!r}; its layers: {', '.join(names)}")
        elif float(similarity_weight) > 0.0:
            raise ValueError(f"{section}.feature_layer: similarity_weight > 0 needs the name "
                             "of the discriminator's hidden layer to measure it in")
        if not adversarial and float(mse_weight) == 0.0:
            raise ValueError(f"{section}.mse_weight: with adversarial false the generator "
                             "learns from its squared error only; expected mse_weight > 0")
        super().__init__(generator, discriminator, **kwargs)
        self.adversarial = adversarial
        self.mse_weight = float(mse_weight)
        self.similarity_weight = float(similarity_weight)
        self.feature_layer = feature_layer
        self.passthrough = _passthrough(generator)
        self.noise_input = len(generator.inputs) == 2
        object.__setattr__(self, "_judge_with_features", None)  # built on first use

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        section = config.get(cls.section) or {}
        return {key: section[key] for key in ("adversarial", "mse_weight",
                                              "similarity_weight", "feature_layer")
                if key in section}

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), adversarial=self.adversarial,
                    mse_weight=self.mse_weight, similarity_weight=self.similarity_weight,
                    feature_layer=self.feature_layer)

    def extra_metric_names(self) -> list[str]:
        return (["mse"] if self.mse_weight > 0 else []) + (
            ["similarity"] if self.similarity_weight > 0 else [])

    def adversarial_metric_names(self) -> list[str]:
        return super().adversarial_metric_names() if self.adversarial else []

    # --- the model as a function ---------------------------------------------------------

    def noise(self, inputs: tf.Tensor, seed: int = 0) -> tf.Tensor:
        """z of inference for ``inputs`` ``[B, T, D]``: ``NOISE_FRAMES`` frames of standard
        normal noise drawn once from ``seed`` (numpy), repeated along time as far as T and
        the same for every row. A constant and a tile, so the SavedModel and the TFLite
        postfilter (no random ops among its builtins) feed G exactly what Python does.
        Training draws fresh z every step (``fakes_for_discriminator``)."""
        dims = int(self.generator.inputs[0].shape[-1])
        table = tf.constant(np.random.default_rng(seed).standard_normal(
            (NOISE_FRAMES, dims)).astype(np.float32))
        frames = tf.shape(inputs)[1]
        repeated = tf.tile(table, [frames // NOISE_FRAMES + 1, 1])[:frames]
        return tf.broadcast_to(repeated[None], tf.shape(inputs))

    def generate(self, inputs, seed: int = 0, training: bool = False) -> tf.Tensor:
        """ŷ = G(x[, z]) of standardised ``inputs`` ``[B, T, D]``, any T (float32)."""
        inputs = tf.convert_to_tensor(inputs, tf.float32)
        network = self.sampling_generator
        if self.noise_input:
            return network([inputs, self.noise(inputs, seed)], training=training)
        return network(inputs, training=training)

    def call(self, inputs, training: bool = False):
        return self.generate(inputs, training=training)

    def sample(self, *args, **kwargs):
        raise ValueError(f"{self.name} maps input sequences; use generate(features) "
                         "(tfgan postfilter / tfgan convert)")

    # --- the hooks -------------------------------------------------------------------------

    def unpack_batch(self, data):
        # (inputs, targets) from a dataset, fit(x=inputs, y=targets) or train_on_batch.
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if y is None and isinstance(x, (tuple, list)) and len(x) == 2:
            x, y = x
        if y is None or isinstance(x, (tuple, list)):
            raise ValueError(f"{self.name}: training batches must be (inputs, targets) pairs "
                             "of aligned feature crops (data/voices/pairs.py)")
        x, y = tf.cast(x, tf.float32), tf.cast(y, tf.float32)
        for name, item in (("inputs", x), ("targets", y)):
            if item.shape.rank != 3:
                raise ValueError(f"{self.name}: {name} must be speech features [batch, "
                                 f"frames, coefficients], got shape {item.shape}")
        return y, x  # the sequence D learns as real, and G's input

    def fake_conditions(self, real, labels, step, stream_id):
        return (labels, real), None  # G sees (x, y) (for its squared error); D judges alone

    def fakes_for_discriminator(self, z, g_condition, step, update_stream: int,
                                training: bool = True):
        inputs, target = g_condition
        if self.noise_input:
            shape = tuple(inputs.shape[1:])
            if None in shape:
                raise ValueError(f"{self.name}: training crops need a fixed [frames, "
                                 f"coefficients], got {inputs.shape}")
            noise = self._draw(ops.stateless_normal, tf.shape(inputs)[0], shape, step,
                               update_stream + NOISE_STREAM)
            fake = self.generator([inputs, noise], training=training)
        else:
            fake = self.generator(inputs, training=training)
        fake = tf.cast(fake, tf.float32)
        terms = {}
        if self.mse_weight > 0:
            terms["mse"] = self.mse_weight * tf.reduce_mean(tf.square(
                fake[..., self.passthrough:] - target[..., self.passthrough:]))
        return fake, terms

    def _features_model(self) -> keras.Model:
        if self._judge_with_features is None:
            d = self.discriminator
            object.__setattr__(self, "_judge_with_features", keras.Model(
                d.inputs, [d.outputs[0], d.get_layer(self.feature_layer).output]))
        return self._judge_with_features

    def discriminate(self, x, labels, training: bool = True):
        if self.feature_layer is None:
            return self.discriminator(x, training=training)
        logits, features = self._features_model()(x, training=training)
        return logits, features

    def extra_g_losses(self, fake_aux, fake_condition) -> dict[str, tf.Tensor]:
        if self.similarity_weight == 0.0 or fake_aux is None:
            return {}
        target = fake_condition[1]
        _, real_features = self._features_model()(target, training=True)
        real_features = tf.stop_gradient(tf.cast(real_features, tf.float32))
        return {"similarity": self.similarity_weight * 0.5 * tf.reduce_mean(tf.square(
            real_features - tf.cast(fake_aux, tf.float32)))}

    def train_step(self, data):
        if self.adversarial:
            return super().train_step(data)
        # The squared-error baseline: G's own terms, no discriminator at all.
        real, inputs = self.unpack_batch(data)
        step = tf.convert_to_tensor(self.step_counter.value)
        with tf.GradientTape() as tape:
            _, terms = self.fakes_for_discriminator(None, (inputs, real), step, 0)
            scaled = self.g_optimizer.scale_loss(self._scale(tf.add_n(list(terms.values()))))
        return self._finish_generator_step(tape, scaled, step, terms)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class GANPostfilter(SequenceGAN):
    """``ganpf``: the mel-cepstral GAN postfilter (section ``ganpf``)."""

    section = "ganpf"


@keras.saving.register_keras_serializable(package="tfgan_suite")
class GANPostfilterSTFT(SequenceGAN):
    """``ganpf_stft``: the banded GAN postfilter of log-STFT magnitudes (section
    ``ganpf_stft``; the networks' ``bands`` and ``overlap``, 4 and 16 unless the recipe
    sets them, shared by G and D)."""

    section = "ganpf_stft"
    pair_data = {"inputs": "oversmoothed", "features": "stft", "c0": True}
    #: The band layout a recipe gets when it names none.
    default_bands = {"bands": 4, "overlap": 16, "offset": 0}

    @classmethod
    def network_options(cls, config, facts, generator_spec, discriminator_spec):
        for spec in (generator_spec, discriminator_spec):
            for key, value in cls.default_bands.items():
                spec.setdefault(key, value)
        return generator_spec, discriminator_spec


@keras.saving.register_keras_serializable(package="tfgan_suite")
class GANVC(SpeechConversion, SequenceGAN):
    """``ganvc``: a parallel converter with a similarity learned by its discriminator
    (section ``ganvc``; networks ``vc_gated_1d`` and ``vc_full``, l = ``d3_glu``, D's last
    hidden block). It converts ``domains[0]`` into ``domains[1]``.

    Args:
        domains: the (source, target) speakers' names.
        **kwargs: as ``SequenceGAN``.
    """

    section = "ganvc"
    translates = False
    pair_data = {"inputs": "parallel", "features": "mcep", "c0": False}
    default_networks = ("vc_gated_1d", "vc_full")

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 domains=("source", "target"), **kwargs):
        self.domains = self._check_pair(domains)
        super().__init__(generator, discriminator, **kwargs)

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        return super().options_from_config(config, facts) | {
            "domains": tuple(facts.info["domains"])}

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), domains=list(self.domains))

    def speaker_directions(self) -> list[tuple[str, str]]:
        return [tuple(self.domains)]

    def converter(self, source: str, target: str):
        self.check_direction(source, target)
        network = self.sampling_generator
        return lambda features: network(features, training=False)


__all__ = ["GANPostfilter", "GANPostfilterSTFT", "GANVC", "SequenceGAN"]
