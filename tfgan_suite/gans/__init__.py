"""Keras models that own adversarial training; ``GANS`` maps ``model:`` names to classes."""

from tfgan_suite.gans.base import AdversarialModel
from tfgan_suite.gans.conditional import ACGAN, ConditionalGAN
from tfgan_suite.registry import Registry

GANS: Registry[type] = Registry("model")
GANS.add("gan", AdversarialModel)
GANS.add("cgan", ConditionalGAN)
GANS.add("acgan", ACGAN)

__all__ = ["AdversarialModel", "ConditionalGAN", "ACGAN", "GANS"]
