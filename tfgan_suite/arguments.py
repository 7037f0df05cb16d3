"""How an error names the argument it is about: the CLI's flag or the Python parameter.

The same function serves ``tfgan export --quantize int4`` and ``export_tflite(...,
quantize="int4")``; its error should speak the caller's language. Library code names an
argument with ``argument("quantize")``: ``quantize=`` for a Python caller, ``--quantize``
inside ``cli_words()``, which the ``tfgan`` command enters around every subcommand. Config
fields keep their dotted YAML names (``objective.name``) everywhere.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator

_CLI_WORDS = contextvars.ContextVar("tfgan_suite_cli_words", default=False)


def argument(name: str) -> str:
    """``--name`` (underscores as dashes) under ``cli_words()``, else ``name=``."""
    return f"--{name.replace('_', '-')}" if _CLI_WORDS.get() else f"{name}="


def setting(name: str, python_value: str) -> str:
    """How to ask for a setting: ``--name`` under ``cli_words()``, else ``name=value``
    (e.g. ``setting("resume", "True")``: ``--resume`` / ``resume=True``)."""
    return f"--{name.replace('_', '-')}" if _CLI_WORDS.get() else f"{name}={python_value}"


@contextlib.contextmanager
def cli_words() -> Iterator[None]:
    """Errors raised inside name arguments by their command-line flags."""
    token = _CLI_WORDS.set(True)
    try:
        yield
    finally:
        _CLI_WORDS.reset(token)


__all__ = ["argument", "cli_words", "setting"]
