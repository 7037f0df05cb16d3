"""Keeps TensorFlow's own log lines out of the ``tfgan`` command's output (issue #44).

Every start of TensorFlow writes C++ log lines to stderr: the oneDNN notice, cudart_stub's
"Could not find cuda drivers" (twice over: two of TensorFlow's libraries log separately),
the CPU feature guard and, when the devices are set up, cuda_platform's "failed call to
cuInit". A user of the command can act on none of them. Some are written before
TensorFlow's logging has read TF_CPP_MIN_LOG_LEVEL (absl's "before absl::InitializeLog()"
lines), so the variable alone does not silence them. For the command, unless ``--verbose``
is given, ``command_start`` therefore

* sets TF_CPP_MIN_LOG_LEVEL=3 (C++ INFO, WARNING and ERROR off; FATAL kept) before
  TensorFlow loads, unless the variable is set already. ERROR too: the errors a user must
  see come back as Python exceptions, and the rest are TensorFlow's own business (e.g.
  grappler's "remapper failed" on a training loop, after which it runs the graph as is);
* imports TensorFlow with file descriptor 2 sent to a temporary file, and then writes what
  was captured to stderr again, less TensorFlow's log lines: a Python warning or error
  raised meanwhile still shows.

``tfgan_suite/__init__.py`` calls it first, since the ``tfgan`` script and ``python -m
tfgan_suite`` import the package, and with it TensorFlow, before ``cli.main`` runs. Python
warnings are left alone: those the suite caused are fixed where they arose
(tests/test_clean_output.py fails on any).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from typing import Iterator, Sequence

COMMAND = "tfgan"
PACKAGE = "tfgan_suite"
VERBOSE_FLAG = "--verbose"
LOG_LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"
#: A line of TensorFlow's C++ logging (absl's format: severity and date, time, thread,
#: file:line), or absl's notice that logging is not initialised yet.
TENSORFLOW_LOG_LINE = re.compile(
    r"^(?:[IWEF]\d{4} [\d:.]+ +\d+ [^ :\]]+:\d+\] "
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called)")


def is_command(argv: Sequence[str], orig_argv: Sequence[str]) -> bool:
    """Whether the process runs the ``tfgan`` command: the console script, or ``python -m
    tfgan_suite`` (while the package loads, ``sys.argv[0]`` is just "-m": the interpreter's
    own arguments, ``sys.orig_argv``, tell)."""
    if argv and os.path.splitext(os.path.basename(argv[0]))[0] == COMMAND:
        return True
    if "-m" in orig_argv:  # the interpreter's options end at its first "-m"
        position = list(orig_argv).index("-m")
        return list(orig_argv[position + 1:position + 2]) == [PACKAGE]
    return f"-m{PACKAGE}" in orig_argv


def is_tensorflow_log_line(line: str) -> bool:
    return TENSORFLOW_LOG_LINE.match(line) is not None


@contextlib.contextmanager
def stderr_without_tensorflow_logs() -> Iterator[None]:
    """Within the block, file descriptor 2 (C++ and Python writes alike) goes to a temporary
    file; at its end whatever is not a TensorFlow log line is written to stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode("utf-8", errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines
                                     if not is_tensorflow_log_line(line)))
            sys.stderr.flush()


def command_start() -> None:
    """For the ``tfgan`` command without ``--verbose``: load TensorFlow quietly (module
    docstring). Anything else that imports the package is left as it is."""
    if not is_command(sys.argv, getattr(sys, "orig_argv", [])) or VERBOSE_FLAG in sys.argv:
        return
    os.environ.setdefault(LOG_LEVEL_ENV, "3")
    with stderr_without_tensorflow_logs():
        import tensorflow  # noqa: F401
