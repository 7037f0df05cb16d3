"""InfoGAN: latent codes that the generator must make recoverable (Chen et al., "InfoGAN:
Interpretable Representation Learning by Information Maximizing Generative Adversarial
Nets", NIPS 2016, arXiv:1606.03657; reference code openai/InfoGAN
``infogan/algos/infogan_trainer.py``, ``infogan/models/regularized_gan.py``,
``infogan/misc/distributions.py`` — read for the conventions below).

G(z, c) takes noise z and codes c (``gans/latent.py``: categorical, continuous, trees);
a Q head on the discriminator's trunk predicts c from G(z, c); both networks minimise
λ·(H(c) − L_I), L_I the variational lower bound on I(c; G(z, c)) — the reference
subtracts λ·L_I from the discriminator's and the generator's losses alike, and Q's
weights are the discriminator's (trained by its optimizer, on fakes only). With every
λ = 0 the model is the plain GAN (tested).

Layout: the generator is an ordinary unconditional network whose z is [z, codes]
(``network_options`` widens ``generator.latent_dim`` by the codes' width, so any
generator architecture works); the discriminator gets a Q head of the codes' width
(``discriminator.q_width``). ``generator.latent_dim`` in the config is the noise's size.
z ~ N(0, I) as everywhere in the suite (the reference: 62-d U(−1, 1)).

Sampling: ``sample(n, seed, codes={"c1": 3, "c2": [0.5, -1.0]})`` fixes some codes and
draws the rest; ``code_block`` gives the generator's code input for them, which the
SavedModel's ``sample_with_codes`` signature takes with z.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import ops
from tfgan_suite.gans import latent
from tfgan_suite.gans.base import AdversarialModel, strip_size

#: The second word of the stateless seed of the codes ``sample`` draws.
_CODE_STREAM = 0x43


def default_latent_dim(generator_spec: dict) -> int:
    """The generator section's ``latent_dim``, or its network class's default."""
    if "latent_dim" in generator_spec:
        return int(generator_spec["latent_dim"])
    import inspect

    from tfgan_suite import networks

    cls = networks.GENERATORS.get(generator_spec["name"])
    parameter = inspect.signature(cls.__init__).parameters.get("latent_dim")
    if parameter is None:
        raise ValueError(f"generator.name: {generator_spec['name']} has no latent_dim; codes "
                         "need a generator of z")
    return int(parameter.default)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class InfoGAN(AdversarialModel):
    """A GAN whose generator also takes latent codes that a Q head must recover.

    Args:
        generator: maps [z, codes] (one input of latent_dim + codes' width) to samples.
        discriminator: outputs ``[logits, q]``, q of the codes' width.
        codes: ``latent.Code`` objects or their config mappings (``infogan.codes``).
        **kwargs: as ``AdversarialModel`` (``latent_dim`` is the noise's size, derived).
    """

    #: the config section of the codes (subclasses: their own)
    section = "infogan"

    def __init__(self, generator: keras.Model, discriminator: keras.Model, codes=(),
                 attributes: int = 0, **kwargs):
        parsed = tuple(c if isinstance(c, latent.Code) else None for c in codes)
        if any(c is None for c in parsed):
            parsed = latent.parse(codes)
        code_set = latent.CodeSet(parsed)
        if not code_set.codes:
            raise ValueError(f"{self.section}.codes: at least one code is needed")
        if len(generator.inputs) != 1:
            raise ValueError(f"model {self.section}: the generator takes one input, [z, codes] "
                             f"concatenated; got {len(generator.inputs)} inputs")
        for code in code_set.codes:
            if code.attribute is not None and not 0 <= code.attribute < attributes:
                raise ValueError(f"{self.section}.codes.{code.name}.attribute: must index one "
                                 f"of the {attributes} observed attributes, got "
                                 f"{code.attribute!r}" + ("" if attributes else
                                                          f" (model {self.section} has none)"))
        full = int(generator.inputs[0].shape[-1])
        if full <= code_set.width + attributes:
            raise ValueError(f"model {self.section}: the generator's input ({full}) must hold "
                             f"z, {attributes} attributes and the codes ({code_set.width} "
                             "entries)")
        outputs = discriminator.outputs
        if len(outputs) != 2 or int(outputs[1].shape[-1]) != code_set.width:
            raise ValueError(f"model {self.section}: the discriminator must output [logits, q] "
                             f"with q of the codes' width {code_set.width} "
                             "(discriminator.q_width)")
        kwargs["latent_dim"] = full - code_set.width - attributes
        super().__init__(generator, discriminator, **kwargs)
        #: observed binary attributes one-hot in G's input before the codes (CFGAN), or 0
        self.attributes = int(attributes)
        self.codes = code_set
        self.code_specs = [dict(vars(c)) for c in code_set.codes]

    # --- configuration ---------------------------------------------------------------------

    @classmethod
    def _config_codes(cls, config: dict) -> tuple:
        return latent.parse((config.get(cls.section) or {}).get("codes") or ())

    @classmethod
    def network_options(cls, config, facts, generator_spec, discriminator_spec):
        width = latent.CodeSet(cls._config_codes(config)).width
        generator_spec = dict(generator_spec,
                              latent_dim=default_latent_dim(generator_spec) + width)
        return generator_spec, dict(discriminator_spec, q_width=width)

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        return {"codes": list(cls._config_codes(config))}

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("latent_dim")
        return dict(config, codes=[dict(spec) for spec in self.code_specs],
                    attributes=self.attributes)

    @property
    def code_width(self) -> int:
        """Entries after z in the generator's input: the attributes (CFGAN), then the
        codes — what the ``codes`` input of the SavedModel's signatures takes."""
        return self.attributes + self.codes.width

    def extra_metric_names(self) -> list[str]:
        return [f"mi_{code.name}" for code in self.codes.codes
                if float(code.weight) > 0.0 or code.layer_weights]

    # --- the step --------------------------------------------------------------------------

    def unpack_batch(self, data):
        if not self.attributes:
            return super().unpack_batch(data)
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError(f"data: model {self.section} trains on (images, attributes) "
                             "batches; the dataset yields images only")
        return data[0], tf.cast(tf.reshape(data[1], [-1]), tf.int32)

    def fake_conditions(self, real, labels, step, stream_id):
        """Codes drawn for the batch; with attributes (CFGAN) the fakes take the real
        batch's, one-hot before the codes, which they filter; D sees them as labels."""
        batch = real.shape[0] if real.shape[0] is not None else tf.shape(real)[0]
        uniform = self._draw(ops.stateless_uniform, batch, [self.codes.uniforms], step,
                             stream_id)
        drawn = self.codes.from_uniform(self.observe(uniform, labels))
        one_hot = None if not self.attributes else tf.one_hot(labels, self.attributes)
        block = self.codes.generator_input(drawn, one_hot)
        if one_hot is not None:
            block = tf.concat([one_hot, block], axis=-1)
        condition = {"input": block, "drawn": drawn, "attributes": one_hot, "step": step}
        return condition, (labels if self.attributes else None)

    def observe(self, uniform: tf.Tensor, labels) -> tf.Tensor:
        """The codes' uniform draws with the observed parts fixed by ``labels`` (hook:
        weakly supervised DTLC-GAN sets its tree's first layer); default unchanged."""
        return uniform

    def generator_inputs(self, z, labels):
        block = labels["input"] if isinstance(labels, dict) else labels
        return tf.concat([z, tf.cast(block, z.dtype)], axis=-1)

    def code_losses(self, q, fake_condition) -> dict[str, tf.Tensor]:
        """λ·(H − L_I) per code (hook: CFGAN masks by the attributes)."""
        return self.codes.losses(q, fake_condition["drawn"], fake_condition["attributes"],
                                 step=fake_condition["step"])

    def extra_d_losses(self, real_aux, fake_aux, labels, fake_condition):
        return self.code_losses(fake_aux, fake_condition)

    def extra_g_losses(self, fake_aux, fake_condition):
        return self.code_losses(fake_aux, fake_condition)

    # --- sampling --------------------------------------------------------------------------

    def drawn_codes(self, n: int, seed: int = 0,
                    codes: Optional[Mapping[str, Any]] = None) -> dict:
        """Every code's value for ``n`` samples: ``codes``' fixed values by name, the rest
        drawn (stateless, from ``seed``)."""
        uniform = ops.stateless_uniform([n, self.codes.uniforms],
                                        tf.constant([seed, _CODE_STREAM], tf.int64)).numpy()
        return self.codes.fixed(dict(codes or {}), uniform)

    def code_block(self, n: int, seed: int = 0, codes: Optional[Mapping[str, Any]] = None,
                   attributes=None, per_row: Optional[Mapping[str, Any]] = None
                   ) -> np.ndarray:
        """The generator's input after z, [n, code_width], for ``drawn_codes(n, seed,
        codes)``; ``per_row``: codes given one value per row (ids, values or tree paths);
        ``attributes``: one observed attribute id per row (CFGAN; one-hot, and the filter
        of the codes tied to attributes)."""
        drawn = self.drawn_codes(n, seed, codes)
        by_name = {code.name: code for code in self.codes.codes}
        for name, values in (per_row or {}).items():
            drawn[name] = {"input": by_name[name].input_for(values)}
        return self._block(drawn, n, attributes)

    def _block(self, drawn: Mapping[str, Mapping[str, np.ndarray]], n: int, attributes
               ) -> np.ndarray:
        """The generator input [n, code_width] of drawn codes' ``input``s and attribute ids
        (None: the attributes in turn)."""
        one_hot = None
        if self.attributes:  # default: the attributes in turn
            ids = (np.arange(n) % self.attributes if attributes is None
                   else np.asarray(attributes, np.int64).reshape(-1))
            one_hot = np.eye(self.attributes, dtype=np.float32)[np.broadcast_to(ids, [n])]
        block = self.codes.generator_input(
            {k: {"input": tf.constant(v["input"], tf.float32)} for k, v in drawn.items()},
            None if one_hot is None else tf.constant(one_hot)).numpy()
        return block if one_hot is None else np.concatenate([one_hot, block], axis=1)

    def sample(self, n: int, seed: int = 0, labels=None, batch_size: int = 256,
               truncation: Optional[float] = None, codes: Optional[Mapping[str, Any]] = None
               ) -> np.ndarray:
        """``n`` samples; ``codes`` fixes some codes by name (the rest are drawn): a class id
        for a categorical code, d values in [−1, 1] for a continuous one, a path for a tree.
        """
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n: must be a positive integer, got {n!r}")
        block = self._condition_block(int(n), seed, labels, codes)
        self.refresh_standing_statistics()
        return self._generate(self.latent(int(n), seed, truncation), block, batch_size)

    def interpolate(self, n: int, steps: int = 8, seed: int = 0, labels=None,
                    batch_size: int = 256, truncation: Optional[float] = None,
                    codes: Optional[Mapping[str, Any]] = None, along: str = "z"
                    ) -> np.ndarray:
        """Interpolation strips [n, steps, …] with the codes of ``sample(n, seed, codes)``:
        ``along="z"``: z slerped from ``latent(n, seed)`` to ``latent(n, seed + 1)``, every
        code fixed; ``along=<continuous code>``: z fixed, that code lerped from its draw
        for ``seed`` to its draw for ``seed + 1`` (the other codes fixed)."""
        n, steps = strip_size(n, steps)
        continuous = [c.name for c in self.codes.codes if c.kind == "continuous"]
        if along != "z" and along not in continuous:
            accepted = ", ".join(["z"] + continuous)
            raise ValueError(f"along: one of {accepted} (z or a continuous code), got "
                             f"{along!r}")
        if along in (codes or {}):
            raise ValueError(f"along: {along} is interpolated, so it cannot also be fixed "
                             "in codes")
        self.refresh_standing_statistics()
        if along == "z":
            return self._strips(self._slerp_latents(n, steps, seed, truncation),
                                self._condition_block(n, seed, labels, codes), steps,
                                batch_size)
        ids = self._attribute_ids(n, labels)
        drawn = self.drawn_codes(n, seed, codes)
        other_end = self.drawn_codes(n, seed + 1, codes)[along]["input"]
        path = latent.lerp(drawn[along]["input"], other_end, np.linspace(0.0, 1.0, steps))
        drawn = {name: {"input": np.repeat(value["input"], steps, axis=0)}
                 for name, value in drawn.items()}
        drawn[along] = {"input": path.reshape(n * steps, -1).astype(np.float32)}
        blocks = self._block(drawn, n * steps, None if ids is None else np.repeat(ids, steps))
        z = np.repeat(self.latent(n, seed, truncation), steps, axis=0)
        images = self._generate(z, blocks, batch_size)
        return images.reshape(n, steps, *images.shape[1:])

    def _condition_block(self, n, seed, labels, codes):
        return self.code_block(n, seed, codes, attributes=self._attribute_ids(n, labels))

    def _attribute_ids(self, n: int, labels) -> Optional[np.ndarray]:
        """``labels`` as ``n`` attribute ids (None cycles through them); None without
        attributes, where labels are refused."""
        if not self.attributes:
            if labels is not None:
                raise ValueError(f"labels: model {self.section} is unsupervised (no classes "
                                 "or attributes); fix codes with codes={name: value}")
            return None
        ids = np.arange(n) % self.attributes if labels is None else np.asarray(labels)
        ids = np.broadcast_to(ids, [n]) if ids.ndim == 0 else ids
        if (ids.shape != (n,) or not np.issubdtype(ids.dtype, np.integer)
                or ids.min() < 0 or ids.max() >= self.attributes):
            raise ValueError(f"labels: one attribute or {n}, each in 0..{self.attributes - 1}, "
                             f"got {labels!r}")
        return ids

    def _sampling_labels(self, n: int, labels):
        return self._condition_block(n, 0, labels, None)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class DTLCGAN(InfoGAN):
    """DTLC-GAN (Kaneko, Hiramatsu & Kashino, "Generative Adversarial Image Synthesis with
    Decision Tree Latent Controller", CVPR 2018, arXiv:1805.10603): InfoGAN whose code is a
    decision tree (``latent.Code(kind="tree")``: one active node per layer, the children of
    unselected parents exact zeros), each layer's MI term conditioned on its parent (the CE
    of the active parent's children) and switched on by the curriculum (``layer_starts``).
    Its own section, ``dtlcgan``.

    ``supervised=True`` is the weakly supervised variant: the tree's first layer is the
    observed label (one node per class of the data, e.g. the garment groups), set from the
    real batch's labels for the fakes, and the discriminator also learns it on real images
    — the CE of Q's first-layer logits on the reals (the AC-GAN-style term of LynnHo's
    DTLC-GAN-Tensorflow, the only code available; the paper's exact HCMI weights and
    curriculum trigger could not be read: docs/research/control_specs.md).
    """

    section = "dtlcgan"

    def __init__(self, generator: keras.Model, discriminator: keras.Model, codes=(),
                 supervised: bool = False, num_classes: Optional[int] = None, **kwargs):
        super().__init__(generator, discriminator, codes=codes, **kwargs)
        self.supervised = bool(supervised)
        self.num_classes = int(num_classes) if supervised and num_classes else None
        if self.supervised:
            first = self.codes.codes[0]
            if first.kind != "tree":
                raise ValueError("dtlcgan.supervised: the first of dtlcgan.codes must be the "
                                 f"tree whose first layer is observed, got {first.kind!r}")
            if not num_classes or int(first.branching[0]) != int(num_classes):
                raise ValueError(f"dtlcgan.codes.{first.name}.branching: with "
                                 "dtlcgan.supervised its first layer has one node per "
                                 f"observed class ({num_classes}), got {list(first.branching)}")

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        supervised = bool((config.get(cls.section) or {}).get("supervised", False))
        return dict(super().options_from_config(config, facts), supervised=supervised,
                    num_classes=facts.num_classes if supervised else None)

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), supervised=self.supervised,
                    num_classes=self.num_classes)

    def extra_metric_names(self) -> list[str]:
        return super().extra_metric_names() + (["real_top_class"] if self.supervised else [])

    @property
    def trains_on_labels(self) -> bool:
        return self.supervised

    def unpack_batch(self, data):
        if not self.supervised:
            return super().unpack_batch(data)
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError("data: dtlcgan.supervised trains on (images, labels) batches; "
                             "the dataset yields images only")
        return data[0], tf.cast(tf.reshape(data[1], [-1]), tf.int32)

    def observe(self, uniform, labels):
        if not self.supervised:
            return uniform
        first = tf.cast(labels, tf.float32)[:, None] + 0.5  # category floor(u·k) = label
        return tf.concat([first / float(self.num_classes), uniform[:, 1:]], axis=-1)

    def extra_d_losses(self, real_aux, fake_aux, labels, fake_condition):
        losses = super().extra_d_losses(real_aux, fake_aux, labels, fake_condition)
        if self.supervised:
            tree = self.codes.codes[0]
            logits = tf.cast(real_aux[:, :self.num_classes], tf.float32)
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
            losses["real_top_class"] = tree.layer_weight(0, fake_condition["step"]) * (
                tf.reduce_mean(ce))
        return losses
