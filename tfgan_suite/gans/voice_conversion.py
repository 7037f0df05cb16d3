"""CycleGAN-VC and CycleGAN-VC2: one-to-one voice conversion without parallel data, as the
image CycleGAN's step (``gans/cyclegan.py``) on mel-cepstral features (speech.md §7–§8).

Nothing of the step is new here: the speech models are ``CycleGAN`` with other data and
other defaults, each read from its own config section (``cyclegan_vc``, ``cyclegan_vc2``):

- CycleGAN-VC (Kaneko & Kameoka, EUSIPCO 2018, arXiv 1711.11293): networks
  ``vc_gated_1d`` (G) and ``vc_full`` (D); λ_cyc 10, λ_id 5 (``identity_fraction`` 0.5)
  for the first 10⁴ steps (``identity_steps``); no history pool (``pool_size`` 0); least
  squares (the recipes' objective).
- CycleGAN-VC2 (Kaneko et al., ICASSP 2019, arXiv 1904.04631): networks
  ``vc_gated_212d`` and ``vc_patchgan``; the same weights and schedule, plus the two-step
  adversarial loss (``two_step``).

Sources: the sheet ../shared/speech.md §7, §8 (the papers' abstracts; leimao/
Voice-Converter-CycleGAN for the constants and the identity schedule; GANtastic3/
MaskCycleGAN-VC for the two-step loss); nothing copied.

Data (``data/voices/training.py``): batches ``(a, b)`` of normalised c1..cD crops
``[batch, frames, D]`` of the source (A = ``data.domains[0]``) and the target speaker.
``a2b`` converts the source into the target. The models know their speakers' names
(``domains``), so a converter or an export can name its directions.
"""

from __future__ import annotations

from typing import Any, Callable

import keras
import tensorflow as tf

from tfgan_suite.gans.cyclegan import CycleGAN


class SpeechConversion:
    """What the conversion models share (CycleGAN-VC and StarGAN-VC): they read speech
    features, know their speakers, and convert normalised features between two of them
    (``converter``, ``speaker_directions``). ``many_domains``: one model for every ordered
    pair of speakers (True) or one pair (False)."""

    modality = "speech"
    many_domains = False
    #: The networks a recipe gets when it names none: (generator, discriminator).
    default_networks = ("vc_gated_1d", "vc_full")
    translates = True
    domains: tuple[str, ...] = ()

    def _check_domains(self, domains) -> tuple[str, ...]:
        domains = tuple(str(d) for d in (domains or ()))
        if len(domains) < 2 or len(set(domains)) != len(domains):
            raise ValueError(f"domains=: {type(self).__name__} needs the names of its "
                             f"different speakers (data.domains), got {domains!r}")
        return domains

    def _check_pair(self, domains) -> tuple[str, str]:
        """``_check_domains`` for a model of one (source, target) pair."""
        domains = self._check_domains(domains)
        if len(domains) != 2:
            raise ValueError(f"data.domains: {self.section} converts one pair of speakers; "
                             f"got {len(domains)} ({', '.join(domains)})")
        return domains

    def speaker_directions(self) -> list[tuple[str, str]]:
        """The (source, target) speaker pairs the model converts."""
        return [(s, t) for s in self.domains for t in self.domains if s != t]

    def check_direction(self, source: str, target: str) -> None:
        """A one-line error unless the model converts ``source`` into ``target``."""
        for field, name in (("source", source), ("target", target)):
            if name not in self.domains:
                raise ValueError(f"{field}: unknown speaker {name!r}; this model converts "
                                 f"between {', '.join(self.domains)}")
        if (source, target) not in self.speaker_directions():
            known = ", ".join(f"{s}->{t}" for s, t in self.speaker_directions())
            raise ValueError(f"target: this model has no {source} -> {target} direction; it "
                             f"has {known}")

    def converter(self, source: str, target: str) -> Callable[[tf.Tensor], tf.Tensor]:
        """(abstract) The function mapping normalised source features ``[B, T, D]`` (T a
        multiple of 4) to the target speaker's, in inference mode."""
        raise NotImplementedError

    def check_features(self, features: tf.Tensor) -> tf.Tensor:
        """Speech features ``[batch, frames, coefficients]`` as float32, or a one-line error
        (an image batch, a label vector)."""
        if features.shape.rank != 3:
            raise ValueError(f"{self.name}: training batches hold speech features [batch, "
                             f"frames, coefficients], got shape {features.shape}")
        return tf.cast(features, tf.float32)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class CycleGANVC(SpeechConversion, CycleGAN):
    """CycleGAN-VC: G (source → target) and F (target → source) on mel-cepstral features
    with cycle, identity (first ``identity_steps`` steps) and adversarial losses.

    Args:
        generator, discriminator: G and D_B (``vc_gated_1d``, ``vc_full``).
        domains: the (source, target) speakers' names.
        **kwargs: as ``CycleGAN``.
    """

    section = "cyclegan_vc"
    sample_rank = 2

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 domains=("source", "target"), **kwargs):
        self.domains = self._check_pair(domains)
        kwargs.setdefault("pool_size", 0)
        super().__init__(generator, discriminator, **kwargs)

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        return super().options_from_config(config, facts) | {
            "domains": tuple(facts.info["domains"]),
            "pool_shape": (facts.info["frames"], facts.info["dims"])}

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), domains=list(self.domains))

    def converter(self, source: str, target: str):
        self.check_direction(source, target)
        network = self.translator("a2b" if source == self.domains[0] else "b2a")
        return lambda features: network(features, training=False)

    def unpack_batch(self, data):
        a, b = super().unpack_batch(data)
        return self.check_features(a), self.check_features(b)

    def translation_rows(self, a, b):
        raise ValueError(f"{self.name} converts speech features; there is no image grid")


@keras.saving.register_keras_serializable(package="tfgan_suite")
class CycleGANVC2(CycleGANVC):
    """CycleGAN-VC2: CycleGAN-VC with the 2-1-2D generator, the PatchGAN and the two-step
    adversarial loss (``two_step``, on by default; section ``cyclegan_vc2``)."""

    section = "cyclegan_vc2"
    default_networks = ("vc_gated_212d", "vc_patchgan")

    def __init__(self, generator: keras.Model, discriminator: keras.Model, **kwargs):
        kwargs.setdefault("two_step", True)
        super().__init__(generator, discriminator, **kwargs)


__all__ = ["CycleGANVC", "CycleGANVC2", "SpeechConversion"]
