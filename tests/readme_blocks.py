"""The README's runnable Python blocks, found by the marker line above each fence:
``<!-- readme-test: NAME -->``. Tests execute them exactly as printed."""

import os
import re

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
_BLOCK = re.compile(r"<!-- readme-test: ([\w-]+) -->\n```python\n(.*?)```", re.DOTALL)


def readme_blocks(path: str = README) -> dict[str, str]:
    """{name: code} of every marked block, in the README's order."""
    with open(path, encoding="utf-8") as handle:
        return {name: code for name, code in _BLOCK.findall(handle.read())}


def run_blocks(names: list[str], namespace: dict | None = None) -> dict:
    """Executes the named blocks in order in one namespace (as a reader pasting them into
    one session would); returns the namespace."""
    blocks = readme_blocks()
    namespace = {} if namespace is None else namespace
    for name in names:
        exec(compile(blocks[name], f"README.md[{name}]", "exec"), namespace)  # noqa: S102
    return namespace
