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
from tfgan_suite.gans.base import AdversarialModel

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
                 **kwargs):
        parsed = tuple(c if isinstance(c, latent.Code) else None for c in codes)
        if any(c is None for c in parsed):
            parsed = latent.parse(codes)
        code_set = latent.CodeSet(parsed)
        if not code_set.codes:
            raise ValueError(f"{self.section}.codes: at least one code is needed")
        if len(generator.inputs) != 1:
            raise ValueError(f"model {self.section}: the generator takes one input, [z, codes] "
                             f"concatenated; got {len(generator.inputs)} inputs")
        full = int(generator.inputs[0].shape[-1])
        if full <= code_set.width:
            raise ValueError(f"model {self.section}: the generator's input ({full}) must hold "
                             f"z and the codes ({code_set.width} entries)")
        outputs = discriminator.outputs
        if len(outputs) != 2 or int(outputs[1].shape[-1]) != code_set.width:
            raise ValueError(f"model {self.section}: the discriminator must output [logits, q] "
                             f"with q of the codes' width {code_set.width} "
                             "(discriminator.q_width)")
        kwargs["latent_dim"] = full - code_set.width
        super().__init__(generator, discriminator, **kwargs)
        self.codes = code_set
        self.code_specs = [dict(vars(c)) for c in code_set.codes]

    # --- configuration ---------------------------------------------------------------------

    @classmethod
    def _config_codes(cls, config: dict) -> tuple:
        return latent.parse((config.get(cls.section) or {}).get("codes") or ())

    @classmethod
    def network_options(cls, config, generator_spec, discriminator_spec):
        width = latent.CodeSet(cls._config_codes(config)).width
        generator_spec = dict(generator_spec,
                              latent_dim=default_latent_dim(generator_spec) + width)
        return generator_spec, dict(discriminator_spec, q_width=width)

    @classmethod
    def options_from_config(cls, config: dict, num_classes: Optional[int]) -> dict[str, Any]:
        return {"codes": list(cls._config_codes(config))}

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("latent_dim")
        return dict(config, codes=[dict(spec) for spec in self.code_specs])

    @property
    def code_width(self) -> int:
        """Entries of the codes in the generator's input (after z)."""
        return self.codes.width

    def extra_metric_names(self) -> list[str]:
        return [f"mi_{code.name}" for code in self.codes.codes
                if float(code.weight) > 0.0 or code.layer_weights]

    # --- the step --------------------------------------------------------------------------

    def fake_conditions(self, real, labels, step, stream_id):
        batch = real.shape[0] if real.shape[0] is not None else tf.shape(real)[0]
        uniform = self._draw(ops.stateless_uniform, batch, [self.codes.uniforms], step,
                             stream_id)
        drawn = self.codes.from_uniform(uniform)
        condition = {"input": self.codes.generator_input(drawn), "drawn": drawn,
                     "step": step}
        return condition, None

    def generator_inputs(self, z, labels):
        block = labels["input"] if isinstance(labels, dict) else labels
        return tf.concat([z, tf.cast(block, z.dtype)], axis=-1)

    def code_losses(self, q, fake_condition) -> dict[str, tf.Tensor]:
        """λ·(H − L_I) per code (hook: CFGAN masks by the attributes)."""
        return self.codes.losses(q, fake_condition["drawn"], step=fake_condition["step"])

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
                   attributes=None) -> np.ndarray:
        """The generator's code input [n, code_width] for ``drawn_codes(n, seed, codes)``."""
        drawn = self.drawn_codes(n, seed, codes)
        block = self.codes.generator_input(
            {k: {"input": tf.constant(v["input"])} for k, v in drawn.items()},
            None if attributes is None else tf.constant(attributes, tf.float32))
        return block.numpy()

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

    def _condition_block(self, n, seed, labels, codes):
        if labels is not None:
            raise ValueError(f"labels: model {self.section} is unsupervised (no classes or "
                             "attributes); fix codes with codes={name: value}")
        return self.code_block(n, seed, codes)

    def _sampling_labels(self, n: int, labels):
        return self._condition_block(n, 0, labels, None)
