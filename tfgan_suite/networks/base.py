"""The network pattern: a registered ``keras.Model`` subclass built functionally.

Each generator / discriminator class builds its graph from ``keras.Input`` in
``__init__`` and hands ``inputs``/``outputs`` to ``keras.Model``. It is a named class
with ``get_config`` (its constructor arguments), round-trips through ``.keras`` files,
and exposes ``inputs``/``outputs`` for tools such as tf-keras-vis.
"""

from __future__ import annotations

import inspect
from typing import Any

import keras

from tfgan_suite.registry import Registry

GENERATORS: Registry[type] = Registry("generator.name")
DISCRIMINATORS: Registry[type] = Registry("discriminator.name")


class Network(keras.Model):
    """Base for functional-subclass networks; subclasses call ``_finish(inputs, outputs)``."""

    def _finish(self, inputs, outputs, name: str, config: dict[str, Any], **kwargs) -> None:
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)
        self._ctor_config = dict(config, name=name)

    def get_config(self) -> dict[str, Any]:
        return dict(self._ctor_config)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    @classmethod
    def accepted_options(cls) -> list[str]:
        """Constructor arguments, i.e. the keys a config section may set."""
        params = inspect.signature(cls.__init__).parameters
        return [p for p in params if p not in ("self", "kwargs")]


def register_generator(name: str):
    def decorator(cls):
        GENERATORS.add(name, cls)
        return keras.saving.register_keras_serializable(package="tfgan_suite")(cls)
    return decorator


def register_discriminator(name: str):
    def decorator(cls):
        DISCRIMINATORS.add(name, cls)
        return keras.saving.register_keras_serializable(package="tfgan_suite")(cls)
    return decorator


def build(registry: Registry, spec: dict[str, Any], field: str, **defaults: Any) -> Network:
    """Instantiate ``spec = {"name": ..., **options}``; unknown options list the accepted ones."""
    spec = dict(spec)
    cls = registry.get(spec.pop("name", None))
    accepted = cls.accepted_options()
    unknown = sorted(set(spec) - set(accepted))
    if unknown:
        raise ValueError(f"{field}: unknown option(s) {', '.join(unknown)}; accepted: "
                         f"name, {', '.join(accepted)}")
    options = {key: value for key, value in defaults.items() if key in accepted}
    options.update(spec)
    return cls(**options)
