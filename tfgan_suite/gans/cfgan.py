"""CFGAN: a conditional GAN whose observed attributes each own latent codes that are live
only when the attribute is on (Kaneko, Hiramatsu & Kashino, "Generative Attribute
Controller with Conditional Filtered Generative Adversarial Networks", CVPR 2017).

No reference code exists, and the method section could not be read here (the stored copies
stop at the abstract: docs/research/control_specs.md). What is built follows the abstract
and issue #15's specification, marked where it is our reading:

- the generator takes z, the observed attribute y (one-hot over the dataset's attribute
  values, e.g. Fashion-MNIST's garment group under ``data.label_view: garment_group``) and
  the *filtered* codes ĉ_a = y_a·c_a: a code tied to attribute a reaches G only when a is
  on, so ∂G/∂c_a = 0 exactly otherwise (the "filtering architecture" of the abstract;
  ĉ = y·c is the issue's form);
- the discriminator is conditional, D(x, y) (projection by default), with a Q head on its
  trunk; every code's mutual-information term λ·(H − L_I) enters both losses, averaged over
  the examples whose attribute is on (our reading of "conditioned on y");
- the fakes take the real batch's attributes, as a cGAN.

So a code can only explain variation *within* its attribute — the class of a top among
the tops — which the benchmark scores by within-group NMI against the hidden class, and
the attribute itself by toggle accuracy (the judged group of samples generated with y = a).
Built on InfoGAN's codes (``gans/info.py``, ``gans/latent.py``).
"""

from __future__ import annotations

from typing import Any, Optional

import keras

from tfgan_suite.gans import latent
from tfgan_suite.gans.info import InfoGAN, default_latent_dim


@keras.saving.register_keras_serializable(package="tfgan_suite")
class CFGAN(InfoGAN):
    """InfoGAN with observed attributes: G(z, y, y·c), D(x, y) with a Q head.

    Args:
        generator: maps [z, one-hot y, filtered codes] (one input) to images.
        discriminator: takes ``[images, labels]``, outputs ``[logits, q]``.
        codes: as ``InfoGAN``; each code's ``attribute`` is the attribute id it is tied to
            (None: always live).
        num_classes: the number of attribute values (the dataset's observed classes).
    """

    section = "cfgan"
    conditional = True

    def __init__(self, generator: keras.Model, discriminator: keras.Model, codes=(),
                 num_classes: Optional[int] = None, **kwargs):
        if not num_classes:
            raise ValueError("model cfgan: needs labelled data (the observed attributes); "
                             "the dataset has no labels")
        if len(discriminator.inputs) != 2:
            raise ValueError("model cfgan: the discriminator must take [images, labels] "
                             "(discriminator.conditioning: projection or concat)")
        kwargs.pop("attributes", None)
        super().__init__(generator, discriminator, codes=codes, attributes=int(num_classes),
                         **kwargs)
        self.num_classes = int(num_classes)

    @classmethod
    def network_options(cls, config, facts, generator_spec, discriminator_spec):
        attributes = facts.num_classes
        if not attributes:
            raise ValueError("model cfgan: needs labelled data (the observed attributes); "
                             f"dataset {config['data']['name']!r} has no labels")
        width = latent.CodeSet(cls._config_codes(config)).width
        generator_spec = dict(generator_spec, latent_dim=default_latent_dim(generator_spec)
                              + int(attributes) + width)
        discriminator_spec = dict(discriminator_spec, q_width=width)
        discriminator_spec.setdefault("conditioning", "projection")
        return generator_spec, discriminator_spec

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        return dict(super().options_from_config(config, facts), num_classes=facts.num_classes)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("attributes")
        return dict(config, num_classes=self.num_classes)

    def discriminate(self, x, labels, training: bool = True):
        return self.discriminator([x, labels], training=training)
