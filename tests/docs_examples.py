"""The code blocks of README.md and docs/**/*.md, found and run as a reader would run them.

Every fenced block names its language. ``python``, ``bash`` and ``console`` blocks (the
lines after a ``$ `` prompt) are examples and run;
``yaml``, ``text``, ``json`` and ``toml`` blocks are shown, not run. A marker comment on the
line right above a fence says more about the block that follows it:

- ``<!-- example: long -->``: a block that trains for minutes (a recipe, a benchmark). The
  tests skip it; ``make docs-examples`` (``python tools/docs_examples.py``) lists and runs
  the long blocks.
- ``<!-- example: manual -->``: a block that needs what neither the tests nor
  ``make docs-examples`` have (a checkout to run ``make`` in, Docker, a running TF Serving
  server); it is listed by ``make docs-examples`` and never run by a script.
- ``<!-- example: NAME -->``: a block that a dedicated test runs by name and checks more
  closely (``run_named``); the page's other blocks still run in the page test. Named blocks
  must be listed in ``DEDICATED`` with the test file that runs them.

A page's blocks run in order in one scratch directory that stands for the repository's
root (links to its ``configs``, ``docs``, ``serving``, ``tools``): Python blocks in one namespace
(as pasted into one session), shell blocks with ``bash -euo pipefail`` and the virtualenv's
``tfgan`` on ``PATH``. A shell block whose every line is a plain ``tfgan`` command (no pipe,
redirection, variable or chaining; comments allowed) runs those commands in this process
through ``cli.main`` — the console script's own entry point — each expected to return 0: a
``tfgan`` process spends seconds importing TensorFlow before it starts.
"""

import dataclasses
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = ("python", "bash", "console")
SHOW = ("yaml", "text", "json", "toml")

# Named blocks and the test file that runs each (the page test leaves them to it).
DEDICATED = {
    ("docs/guides/keras.md", "networks"): "tests/test_keras_api.py",
    ("docs/guides/keras.md", "fit"): "tests/test_keras_api.py",
    ("docs/guides/keras.md", "subclassed"): "tests/test_keras_api.py",
    ("docs/guides/keras.md", "mirrored"): "tests/keras_api_mirrored.py",
}

_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w+-]*)[^\n]*$")
_MARKER = re.compile(r"^\s*<!-- example: (?P<words>[\w, -]+) -->\s*$")


@dataclasses.dataclass(frozen=True)
class Block:
    page: str       # relative to the repository
    line: int       # 1-based line of the opening fence
    lang: str
    code: str
    name: str | None = None
    long: bool = False
    manual: bool = False

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def pages() -> list[str]:
    """README.md and every Markdown page of the documentation, relative to the repository."""
    docs = sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))
    return ["README.md"] + [os.path.relpath(path, ROOT) for path in docs]


def blocks(page: str, text: str | None = None) -> list[Block]:
    """The fenced blocks of ``page`` (``text``, when given, instead of the file's)."""
    if text is None:
        with open(os.path.join(ROOT, page), encoding="utf-8") as handle:
            text = handle.read()
    lines = text.split("\n")
    found, i = [], 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent = opening["indent"]
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if end == len(lines):
            raise ValueError(f"{page}:{i + 1}: a code block is never closed")
        code = "\n".join(line[len(indent):] if line.startswith(indent) else line
                         for line in lines[i + 1:end]) + "\n"
        words = []
        marker = _MARKER.match(lines[i - 1]) if i > 0 else None
        if marker:
            words = [w.strip() for w in marker["words"].split(",") if w.strip()]
        names = [w for w in words if w not in ("long", "manual")]
        found.append(Block(page, i + 1, opening["lang"], code, name=names[0] if names else None,
                           long="long" in words, manual="manual" in words))
        i = end + 1
    return found


def check_languages(found: list[Block]) -> list[str]:
    """One line per block whose language is missing or neither run nor shown."""
    return [f"{b.where}: a code block needs a language, one of {', '.join(RUN + SHOW)}"
            if not b.lang else f"{b.where}: unknown code block language {b.lang!r}; "
            f"use one of {', '.join(RUN + SHOW)}"
            for b in found if b.lang not in RUN + SHOW]


class Scratch:
    """A page's scratch directory, the cwd while it runs: links to the repository's recipes,
    tools and serving kit, so commands read as if run from the repository's root."""

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="tfgan_docs_")
        for name in ("configs", "docs", "serving", "tools"):
            os.symlink(os.path.join(ROOT, name), os.path.join(self.path, name))
        self._cwd = os.getcwd()
        os.chdir(self.path)
        return self

    def __exit__(self, *exc):
        os.chdir(self._cwd)
        shutil.rmtree(self.path, ignore_errors=True)


def _environment() -> dict:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


_SHELL_SYNTAX = re.compile(r"[|&;<>$`(){}\\*?]")


def plain_tfgan_commands(code: str) -> list[list[str]] | None:
    """The argument lists of a shell script made only of plain ``tfgan`` commands (comments
    and blank lines allowed), or None when any line needs a shell."""
    commands = []
    for line in code.splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:  # an open quote or a continuation: a shell's business
            return None
        if not words:
            continue
        if words[0] != "tfgan" or any(_SHELL_SYNTAX.search(w) for w in words):
            return None
        commands.append(words[1:])
    return commands or None


def run_block(block: Block, namespace: dict) -> None:
    """Runs one block in the current directory; raises AssertionError naming the block's
    page and line when it fails."""
    if block.lang == "python":
        try:
            exec(compile(block.code, block.where, "exec"), namespace)  # noqa: S102
        except Exception as error:
            raise AssertionError(f"{block.where}: the example raised "
                                 f"{type(error).__name__}: {error}") from error
    else:
        code = block.code if block.lang == "bash" else "\n".join(
            line[2:] for line in block.code.splitlines() if line.startswith("$ "))
        commands = plain_tfgan_commands(code)
        if commands is not None:
            from tfgan_suite import cli

            for words in commands:
                status = cli.main(words)
                if status:
                    raise AssertionError(f"{block.where}: tfgan {' '.join(words)} exited "
                                         f"with status {status}")
            return
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", code],
                                capture_output=True, text=True, env=_environment(),
                                timeout=600, check=False)
        if result.returncode:
            raise AssertionError(f"{block.where}: the example exited with status "
                                 f"{result.returncode}:\n{result.stdout[-2000:]}"
                                 f"{result.stderr[-4000:]}")


def run_page(page: str, long: bool = False, text: str | None = None) -> list[Block]:
    """Runs the page's examples in order in one scratch directory and one namespace: the
    short ones (not named, long or manual), or with ``long`` only the long ones. Returns them."""
    chosen = [b for b in blocks(page, text) if b.lang in RUN and b.name is None
              and not b.manual and b.long == long]
    if chosen:
        namespace = {"__name__": "__docs__"}
        with Scratch():
            for block in chosen:
                run_block(block, namespace)
    return chosen


def run_named(page: str, names: list[str], namespace: dict | None = None) -> dict:
    """Runs the named blocks of ``page`` in the given order, in the current directory and
    one namespace (created when not given); returns the namespace."""
    by_name = {b.name: b for b in blocks(page) if b.name}
    namespace = {"__name__": "__docs__"} if namespace is None else namespace
    for name in names:
        run_block(by_name[name], namespace)
    return namespace
