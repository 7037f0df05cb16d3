"""Imports point one way: every ``import`` of the package (module level or inside a
function) goes to a layer below the importer's.

``LAYERS`` is the order as it truly is; a module, or a subpackage as a whole, may import its
own unit and any unit of a lower rank, never one of its rank or above. Imports inside
functions count: a lazy import is still a dependency, only a hidden one.
"""

import ast
import os
import pathlib
import tempfile
from typing import Optional

import tensorflow as tf

import tfgan_suite

PACKAGE_DIR = pathlib.Path(tfgan_suite.__file__).parent

#: Rank of each top-level module / subpackage of ``tfgan_suite``; ``__init__`` is the
#: package's facade (``tg.train``, ``tg.load_run``, ...), above everything.
LAYERS = {
    # Base: no imports from the package.
    "registry": 0, "ops": 0, "arguments": 0, "hardware": 0, "cache": 0, "distribute": 0,
    "viz": 0, "quiet": 0, "audio": 0,
    # Pure modules over the base: the data, the losses, the run records, the exporters
    # (which read models by their protocol, never the families).
    "data": 1, "objectives": 1, "penalties": 1, "provenance": 1, "export": 1,
    # the checkpoints of a GAN and the callbacks that write them (keras, arguments).
    "checkpoints": 1,
    # metrics reads the data it scores; layers use data's blur and text vocabulary and
    # the penalties' orthogonal regulariser.
    "metrics": 2, "layers": 2,
    "networks": 3,
    "gans": 4,
    # Config → objects; the training callbacks (they know the families' hooks); the
    # config schema (it checks latent codes with the families' own parser).
    "factory": 5, "callbacks": 5, "config": 5, "conversion": 5, "postfiltering": 5,
    # The evaluators and the evaluation callback; runs builds the callback and
    # evaluates a run directory (``runs.evaluate_run``, ``tfgan eval``).
    "evaluation": 6, "speech_evaluation": 6,
    "runs": 7,
    "report": 8,
    "cli": 9,
    "__main__": 10, "__init__": 10,
}



def _unit(module: str) -> str:
    """The unit of a dotted module: its top-level module or subpackage (``__init__`` for
    the package itself)."""
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def _imported_modules(node: ast.AST, module: str, is_package: bool, package: str,
                      package_dir: pathlib.Path) -> list[str]:
    """The package modules an ``import`` / ``from … import`` node names (the package itself
    for a name that is not a submodule, e.g. ``from tfgan_suite import __version__``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names
                if alias.name == package or alias.name.startswith(package + ".")]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".")[:len(module.split(".")) - node.level + (1 if is_package else 0)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    if source != package and not source.startswith(package + "."):
        return []
    if source != package:
        return [source]
    modules = []
    for alias in node.names:
        path = package_dir / alias.name
        submodule = path.is_dir() or path.with_suffix(".py").is_file()
        modules.append(f"{package}.{alias.name}" if submodule else package)
    return modules


def upward_imports(package_dir: pathlib.Path, layers: dict[str, int],
                   package: Optional[str] = None) -> list[tuple[str, int, str, str]]:
    """Every import in ``package_dir`` that does not go strictly down ``layers``, as
    (file relative to the package, line, importer unit, imported unit)."""
    package = package or package_dir.name
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir)
        parts = list(relative.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        module = ".".join([package] + (parts[:-1] if is_package else parts))
        importer = _unit(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for imported in _imported_modules(node, module, is_package, package, package_dir):
                target = _unit(imported)
                if target == importer:
                    continue
                if (target not in layers or importer not in layers
                        or layers[target] >= layers[importer]):
                    found.append((str(relative), node.lineno, importer, target))
    return found


def _describe(edge, layers) -> str:
    path, line, importer, target = edge
    return (f"tfgan_suite/{path}:{line}: {importer} (rank {layers.get(importer)}) imports "
            f"{target} (rank {layers.get(target)})")


class LayerTableTest(tf.test.TestCase):
    def test_every_unit_of_the_package_has_a_rank(self):
        units = {path.stem if path.is_file() else path.name
                 for path in PACKAGE_DIR.iterdir()
                 if (path.suffix == ".py" or (path / "__init__.py").is_file())}
        self.assertEqual(sorted(units - set(LAYERS)), [],
                         "place every new module or subpackage in LAYERS")
        self.assertEqual(sorted(set(LAYERS) - units), [], "LAYERS names a unit that is gone")

    def test_imports_point_down(self):
        edges = upward_imports(PACKAGE_DIR, LAYERS)
        self.assertEqual(edges, [], "upward imports:\n" + "\n".join(
            _describe(edge, LAYERS) for edge in edges))


class CheckerTest(tf.test.TestCase):
    """The checker itself: it must see an upward import wherever it hides."""

    def package(self, files: dict[str, str]) -> pathlib.Path:
        root = pathlib.Path(tempfile.mkdtemp()) / "pkg"
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    def test_an_upward_import_inside_a_function_is_reported_with_file_and_line(self):
        root = self.package({
            "__init__.py": "",
            "low.py": "import os\n\n\ndef f():\n    from pkg import high\n    return high\n",
            "high.py": "from pkg import low\n",
            "sub/__init__.py": "",
            "sub/mid.py": "from . import deep\nfrom pkg.high import thing\n",
            "sub/deep.py": "import pkg.low\n",
        })
        layers = {"low": 0, "sub": 1, "high": 2, "__init__": 3}
        found = upward_imports(root, layers, "pkg")
        self.assertEqual(found, [("low.py", 5, "low", "high"),
                                 (os.path.join("sub", "mid.py"), 2, "sub", "high")])
        self.assertIn("low (rank 0) imports high (rank 2)", _describe(found[0], layers))

    def test_same_rank_unknown_units_and_the_facade_are_reported(self):
        root = self.package({
            "__init__.py": "__version__ = '1'\nfrom pkg import a\n",
            "a.py": "from pkg import b\n",
            "b.py": "from pkg import __version__\n",
            "c.py": "import pkg.a\n",
        })
        found = upward_imports(root, {"a": 0, "b": 0, "__init__": 1}, "pkg")
        self.assertEqual(found, [("a.py", 1, "a", "b"), ("b.py", 1, "b", "__init__"),
                                 ("c.py", 1, "c", "a")])
