"""What Keras's own machinery sees of an ``AdversarialModel``: its optimizers and its logs.

A GAN trains two optimizers; ``keras.Model.compile`` knows one (``model.optimizer``) and, left
alone, creates a default RMSprop there that nothing trains with — so
``LearningRateScheduler``, ``ReduceLROnPlateau`` and TensorBoard's learning-rate log would act
on a dummy. Keras 3 callbacks treat an optimizer that has an ``optimizers`` list as several
optimizers: each is scheduled / reduced in turn and logged as ``learning_rate_<name>``.
``OptimizerPair`` is that list for a GAN, so every built-in learning-rate callback acts on the
optimizers that train, and TensorBoard logs ``learning_rate_discriminator`` /
``learning_rate_generator``. ``tfgan_suite.callbacks.for_optimizer`` addresses one of them.

Monitor callbacks (``EarlyStopping``, ``ReduceLROnPlateau``, ``ModelCheckpoint``) find out
whether a logged value should go down by looking for a metric with a ``_direction`` inside a
``MetricsList`` of ``model.metrics``; ``LossTerms`` is that list for the step's loss terms
(all of them minimised), so ``EarlyStopping(monitor="g_loss")`` needs no ``mode``.
"""

from __future__ import annotations

import keras
from keras.src.trainers import compile_utils

#: The names the two optimizers have in Keras's logs and in ``for_optimizer``.
OPTIMIZER_NAMES = ("discriminator", "generator")


class NamedOptimizer:
    """One optimizer of a pair under a role name; every other attribute is the optimizer's.

    Keras's learning-rate callbacks read ``name`` (for their logs) and get / set
    ``learning_rate``; both go straight to the wrapped optimizer (a ``LossScaleOptimizer``
    forwards its rate to the inner one).
    """

    def __init__(self, name: str, optimizer: keras.optimizers.Optimizer):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "optimizer", optimizer)

    @property
    def learning_rate(self):
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        try:
            self.optimizer.learning_rate = value
        except TypeError as error:  # a LearningRateSchedule: Keras refuses to overwrite it
            raise TypeError(f"{self.name} optimizer: its learning rate is a schedule "
                            f"({type(self.optimizer.learning_rate).__name__}), which a "
                            f"learning-rate callback cannot set ({error})") from None

    def __getattr__(self, attribute):
        return getattr(self.optimizer, attribute)

    def __setattr__(self, attribute, value) -> None:
        if attribute == "learning_rate":
            object.__setattr__(self, attribute, value)  # the property's setter
        else:
            setattr(self.optimizer, attribute, value)

    def __repr__(self) -> str:
        return f"<{self.name} optimizer: {self.optimizer.__class__.__name__}>"


class OptimizerPair:
    """``model.optimizer`` of a GAN: ``optimizers`` = [discriminator's, generator's].

    ``iterations`` is the generator optimizer's (one per ``train_step``), which is what
    TensorBoard's steps-per-second and evaluation step use. There is no single
    ``learning_rate``: reading or setting it raises an error that names both optimizers.
    """

    def __init__(self, d_optimizer: keras.optimizers.Optimizer,
                 g_optimizer: keras.optimizers.Optimizer):
        self.optimizers = [NamedOptimizer(OPTIMIZER_NAMES[0], d_optimizer),
                           NamedOptimizer(OPTIMIZER_NAMES[1], g_optimizer)]

    name = "discriminator_and_generator"

    def get(self, name: str) -> NamedOptimizer:
        """The optimizer named ``name`` (``discriminator`` or ``generator``)."""
        for optimizer in self.optimizers:
            if optimizer.name == name:
                return optimizer
        raise ValueError(f"optimizer: unknown value {name!r}; accepted: "
                         f"{', '.join(OPTIMIZER_NAMES)}")

    @property
    def learning_rate(self):
        raise AttributeError(
            "model.optimizer holds two optimizers (model.optimizer.optimizers): set "
            "model.d_optimizer.learning_rate or model.g_optimizer.learning_rate, or wrap a "
            "callback in tfgan_suite.callbacks.for_optimizer('discriminator' | 'generator', ...)")

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self.learning_rate  # raises the error above  # noqa: B018

    @property
    def iterations(self):
        return self.optimizers[1].iterations

    @property
    def built(self) -> bool:
        return all(optimizer.built for optimizer in self.optimizers)

    @property
    def variables(self) -> list:
        return [v for optimizer in self.optimizers for v in optimizer.variables]

    def __repr__(self) -> str:
        return f"OptimizerPair({self.optimizers[0]!r}, {self.optimizers[1]!r})"


class LossTerms(compile_utils.MetricsList):
    """The step's loss trackers as Keras's monitor callbacks look for them: every term
    (``d_loss``, ``g_loss``, penalties) is minimised."""

    def __init__(self, trackers: list):
        for tracker in trackers:
            tracker._direction = "down"
        super().__init__(trackers, name="loss_terms")

    def result(self) -> dict:
        return self.get_result()


__all__ = ["LossTerms", "NamedOptimizer", "OPTIMIZER_NAMES", "OptimizerPair"]
