"""Keras models that own adversarial training; ``GANS`` maps ``model:`` names to classes."""

from tfgan_suite.gans.base import AdversarialModel
from tfgan_suite.registry import Registry

GANS: Registry[type] = Registry("model")
GANS.add("gan", AdversarialModel)

__all__ = ["AdversarialModel", "GANS"]
