"""One registry type for every pluggable family (objectives, penalties, networks, GANs).

A registry maps a short config name (``"hinge"``, ``"dcgan"``) to an object. Looking up an
unknown name raises a ``ValueError`` that names the field and lists what is accepted, so
the CLI can print it as a one-line error.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Generic, Iterator, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """A name → object table with helpful errors.

    Args:
        field: the config field this registry resolves (used in error messages),
            e.g. ``"objective.name"``.
    """

    def __init__(self, field: str):
        self.field = field
        self._items: Dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering ``obj`` under ``name``."""

        def decorator(obj: T) -> T:
            self.add(name, obj)
            return obj

        return decorator

    def add(self, name: str, obj: T) -> None:
        if name in self._items:
            raise ValueError(f"{self.field}: {name!r} is already registered")
        self._items[name] = obj

    def get(self, name: Any) -> T:
        if not isinstance(name, str) or name not in self._items:
            raise ValueError(
                f"{self.field}: unknown value {name!r}; accepted: {', '.join(self.names())}"
            )
        return self._items[name]

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
